"""The three invocation types (RequestResponse, Event, DryRun) over the engine, as Lambda answers them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Callable, Literal, Mapping

from .errors import InvalidParameterValue
from .events import check_event

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .async_queue import AsyncQueue
    from .metrics import MetricsRegistry

if TYPE_CHECKING:
    InvocationType = Literal["RequestResponse", "Event", "DryRun"]
INVOCATION_TYPES: tuple[str, ...] = ("RequestResponse", "Event", "DryRun")
EXECUTED_VERSION = "$LATEST"
STATUS_CODES = {"RequestResponse": 200, "Event": 202, "DryRun": 204}


@dataclass(frozen=True)
class InvokeOutcome:
    """What the caller of the Invoke API got back.

    `result` is the engine's record for RequestResponse, None for Event (the function runs later,
    in the async queue) and DryRun (nothing runs).
    """

    status_code: int
    invocation_type: str
    request_id: str
    result: InvocationResult | None = None
    executed_version: str = EXECUTED_VERSION

    @property
    def payload(self) -> bytes:
        return self.result.payload if self.result is not None else b""

    @property
    def function_error(self) -> str | None:
        return self.result.function_error if self.result is not None else None

    def caller_summary(self) -> str:
        """One line saying what the caller got, e.g. for the Execution result pane."""
        if self.status_code == 202:
            return "202 Accepted — the function runs asynchronously; see Log output"
        if self.status_code == 204:
            return "204 No Content — dry run: the function is valid and was not run"
        if self.function_error:
            return f"200 OK — X-Amz-Function-Error: {self.function_error}"
        return "200 OK"


def normalise_invocation_type(value: str | None) -> str:
    """The invocation type, defaulting like Lambda; InvalidParameterValue for anything else."""
    if not value:
        return "RequestResponse"
    if value not in INVOCATION_TYPES:
        raise InvalidParameterValue(
            f"1 validation error detected: Value '{value}' at 'invocationType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        )
    return value


def check_payload(event_bytes: bytes, invocation_type: str = "RequestResponse") -> bytes:
    """The event to hand the function (an empty body becomes `{}`), or the error Lambda answers
    (see events.check_event, where the rules live)."""
    return check_event(event_bytes, invocation_type)


def dry_run_problems(config: FunctionConfig) -> list[str]:
    """Everything that would stop the function from running: configuration, then handler."""
    from console.engine import validate
    from console.engine.handler_check import check_handler

    problems = list(validate(config))
    if config.code_dir.is_dir():
        problem = check_handler(config.code_dir, config.handler)
        if problem:
            problems.append(problem.message)
    return problems


def invoke(
    engine: Engine,
    config: FunctionConfig,
    event_bytes: bytes,
    invocation_type: str = "RequestResponse",
    *,
    async_queue: AsyncQueue | None = None,
    client_context: Mapping[str, Any] | None = None,
    identity: Mapping[str, Any] | None = None,
    cancel: threading.Event | None = None,
    on_log: Callable[[str], None] | None = None,
    force_cold: bool = False,
    qualifier: str | None = None,
    metrics: MetricsRegistry | None = None,
) -> InvokeOutcome:
    """Invoke through a one-off Invoker over `engine` (see Invoker.invoke); kept for callers that
    hold an engine and a queue of their own. New code holds an Invoker instead."""
    from .invoker import Invoker

    if invocation_type == "Event" and async_queue is None:
        raise ValueError("an Event invocation needs an async_queue")
    invoker = Invoker(engine, metrics=metrics, async_queue=async_queue, persist_metrics=False)
    return invoker.invoke(
        config,
        event_bytes,
        invocation_type,
        client_context=client_context,
        identity=identity,
        cancel=cancel,
        on_log=on_log,
        force_cold=force_cold,
        qualifier=qualifier,
    )
