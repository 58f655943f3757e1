"""The record one invocation returns: status, payload, logs and the REPORT figures."""

from __future__ import annotations

import json
from dataclasses import dataclass

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Literal

if TYPE_CHECKING:
    Status = Literal["Succeeded", "Failed"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class Summary:
    """The figures the console's Summary and the REPORT line show."""

    code_sha256: str
    init_duration_ms: float | None  # None on a warm invocation
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    # What ran the code: INIT_START's "python:3.12.local", the interpreter behind it
    # ("local:python-3.12.1", "local:host-python-3.11.7" for a stand-in) and its path.
    runtime_version: str = ""
    runtime_version_arn: str = ""
    interpreter: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "codeSha256": self.code_sha256,
            "initDurationMs": self.init_duration_ms,
            "durationMs": self.duration_ms,
            "billedDurationMs": self.billed_duration_ms,
            "memorySizeMb": self.memory_size_mb,
            "maxMemoryUsedMb": self.max_memory_used_mb,
            "runtimeVersion": self.runtime_version,
            "runtimeVersionArn": self.runtime_version_arn,
            "interpreter": self.interpreter,
        }


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation returned to the caller, and what it logged."""

    status: Status
    payload: bytes
    function_error: Literal["Unhandled"] | None
    request_id: str
    log: str
    summary: Summary
    function_name: str = ""
    # The platform's verdict when it ended the invocation itself ("Sandbox.Timedout",
    # "Runtime.ExitError", "Runtime.OutOfMemory", init errors); None when the runtime answered.
    platform_error: str | None = None
    content_type: str = "application/json"
    cold_start: bool = False
    log_truncated: bool = False
    cancelled: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    @property
    def error_type(self) -> str | None:
        """The errorType of a failed invocation (what Step Functions matches on)."""
        if self.succeeded:
            return None
        value = self.payload_value()
        if isinstance(value, dict) and isinstance(value.get("errorType"), str):
            return value["errorType"]
        return self.platform_error

    def payload_value(self) -> Any:
        """The payload parsed as strict JSON, or as text when it is not (NaN included) or when it
        is nested deeper than Python's parser goes (a function may return any bytes)."""
        text = self.payload.decode("utf-8", errors="replace")
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return text

    def to_json(self) -> dict[str, Any]:
        """The object `lambda-console invoke --json` prints."""
        return {
            "status": self.status,
            "functionError": self.function_error,
            "payload": self.payload_value(),
            "requestId": self.request_id,
            "logs": self.log,
            "summary": self.summary.to_json(),
        }
