"""One invocation for test code (the pytest plugin): resolving a function and an event, and the record it returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from console import workspace

if TYPE_CHECKING:
    from console.engine import FunctionConfig, InvocationResult, Summary
    from console.service.invoker import Invoker

# Friendlier names for FunctionConfig fields, as the settings file and the CLI spell them.
_ALIASES = {"timeout": "timeout_s", "memory": "memory_mb", "env": "environment"}


class LambdaTestError(Exception):
    """The function or the event named in a test cannot be found or used; the message says which."""


@dataclass(frozen=True)
class Invocation:
    """What one invocation answered, ready for assertions."""

    status: str  # "Succeeded" or "Failed"
    payload: Any  # the response parsed as JSON (text when it is not JSON)
    error: dict[str, Any] | None  # the error object (errorType, errorMessage, ...) of a failure
    logs: str  # the Log output, START to REPORT
    summary: Summary  # duration, billed duration, memory, init duration (None when warm)
    request_id: str
    function_error: str | None  # "Unhandled" on a failure, as X-Amz-Function-Error says
    raw_payload: bytes
    cold_start: bool
    result: InvocationResult

    @classmethod
    def from_result(cls, result: InvocationResult) -> Invocation:
        value = result.payload_value()
        error = None
        if not result.succeeded:
            error = dict(value) if isinstance(value, dict) else {
                "errorType": result.error_type, "errorMessage": value if isinstance(value, str) else ""
            }
        return cls(
            status=result.status,
            payload=value,
            error=error,
            logs=result.log,
            summary=result.summary,
            request_id=result.request_id,
            function_error=result.function_error,
            raw_payload=result.payload,
            cold_start=result.cold_start,
            result=result,
        )

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    @property
    def error_type(self) -> str | None:
        return self.error.get("errorType") if self.error else None

    @property
    def error_message(self) -> str | None:
        return self.error.get("errorMessage") if self.error else None

    @property
    def log_lines(self) -> list[str]:
        from console.display import split_lines

        return split_lines(self.logs)

    def to_json(self) -> dict[str, Any]:
        return self.result.to_json()


def resolve_function(function: str | Path, search: Iterable[Path] = (), root: Path | None = None) -> Path:
    """A function folder: an absolute folder, a folder relative to the current directory or to
    one of `search`, or the name of a function of the workspace."""
    path = Path(function).expanduser()
    bases = [] if path.is_absolute() else [Path.cwd(), *map(Path, search)]
    candidates = [path] if path.is_absolute() else [base / path for base in bases]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    name = str(function)
    if "/" not in name:
        folder = workspace.functions_dir(root) / name
        if folder.is_dir():
            return folder.resolve()
    raise LambdaTestError(
        f"no function folder '{function}' (looked in {', '.join(str(b) for b in bases) or 'that path'}) "
        f"and no workspace function of that name in {workspace.functions_dir(root)}"
    )


def event_bytes(event: Any, function_dir: Path) -> bytes:
    """The event to send: a dict/list/number (sent as JSON), JSON text, bytes, the name of one of the
    function's saved events, or the name of a sample event template; None sends `{}`."""
    if event is None:
        return b"{}"
    if isinstance(event, (bytes, bytearray)):
        return bytes(event)
    if not isinstance(event, str):
        try:
            return json.dumps(event).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise LambdaTestError(f"the event cannot be sent as JSON: {exc}") from None
    try:
        json.loads(event)
    except ValueError:
        pass
    else:
        return event.encode("utf-8")
    try:
        return workspace.load_saved_event(function_dir, event).encode("utf-8")
    except (workspace.SavedEventNotFoundError, workspace.EventNameError):
        pass
    from console import catalog

    try:
        return catalog.get_sample_event(event).event_bytes()
    except catalog.CatalogError:
        raise LambdaTestError(
            f"the event {event!r} is not JSON, a saved event of {function_dir.name} "
            "or a sample event template (see `lambda-console events`)"
        ) from None


def function_config(function_dir: Path, **overrides: Any) -> FunctionConfig:
    """The folder's saved configuration with `overrides` (FunctionConfig fields, or timeout, memory,
    env); an `environment` override adds to the saved variables."""
    config = workspace.function_config(function_dir)
    changes = {_ALIASES.get(key, key): value for key, value in overrides.items()}
    if "environment" in changes:
        changes["environment"] = {**config.environment, **dict(changes["environment"])}
    try:
        return replace(config, **changes)
    except TypeError:
        from dataclasses import fields

        known = sorted({f.name for f in fields(config)} | set(_ALIASES))
        unknown = sorted(set(overrides) - set(known))
        raise LambdaTestError(f"unknown override(s) {', '.join(unknown)}; known: {', '.join(known)}") from None


def invoke(
    invoker: Invoker,
    function: str | Path,
    event: Any = None,
    *,
    search: Iterable[Path] = (),
    **overrides: Any,
) -> Invocation:
    """Invoke `function` with `event` synchronously through `invoker` and return the record."""
    folder = resolve_function(function, search)
    config = function_config(folder, **overrides)
    outcome = invoker.invoke(config, event_bytes(event, folder), "RequestResponse")
    assert outcome.result is not None
    return Invocation.from_result(outcome.result)
