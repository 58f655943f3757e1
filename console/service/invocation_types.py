"""The three invocation types (RequestResponse, Event, DryRun) over the engine, as Lambda answers them."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping

from .errors import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    InvalidParameterValue,
    InvalidRequestContent,
    RequestTooLarge,
)
from console.engine.handler_check import check_handler

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .async_queue import AsyncQueue
    from .metrics import MetricsRegistry

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
    """The event to hand the function (an empty body becomes `{}`), or the error Lambda answers.

    Raises RequestTooLarge over the sync/async limit and InvalidRequestContent for invalid JSON.
    """
    size = len(event_bytes)
    if invocation_type == "Event":
        if size > ASYNC_PAYLOAD_LIMIT:
            raise RequestTooLarge(
                f"{size} byte payload is too large for the Event invocation type "
                f"(limit {ASYNC_PAYLOAD_LIMIT} bytes)"
            )
    elif size > SYNC_PAYLOAD_LIMIT:
        raise RequestTooLarge(
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation"
        )
    if not event_bytes.strip():
        return b"{}"
    try:
        # Numbers are only checked, not converted: a huge integer is valid JSON for Lambda.
        json.loads(event_bytes.decode("utf-8"), parse_int=str, parse_float=str)
    except UnicodeDecodeError as exc:
        raise InvalidRequestContent(
            "Could not parse request body into json: Could not parse payload into json: "
            f"Invalid UTF-8 start byte 0x{event_bytes[exc.start]:02x}"
        ) from None
    except ValueError as exc:
        raise InvalidRequestContent(
            f"Could not parse request body into json: Could not parse payload into json: {exc}"
        ) from None
    except RecursionError:
        raise InvalidRequestContent(
            "Could not parse request body into json: Could not parse payload into json: "
            "the payload is nested too deeply"
        ) from None
    return event_bytes


def dry_run_problems(config: FunctionConfig) -> list[str]:
    """Everything that would stop the function from running: configuration, then handler."""
    from console.engine import validate

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
    """Invoke `config` the way the Invoke API does for `invocation_type`.

    RequestResponse runs the function now and returns 200 with the engine's result (function
    errors are still 200, with `function_error` set). Event queues it on `async_queue` and returns
    202 at once. DryRun validates the configuration and the handler statically and returns 204.
    `qualifier` ("$LATEST" when the caller named it) ends the ARN the function sees in
    context.invoked_function_arn; `metrics` records the invocation when given.
    Raises an InvokeError (InvalidParameterValue, InvalidRequestContent, RequestTooLarge) for
    requests Lambda refuses, and console.engine.ConfigError (one problem a line) when the
    configuration is invalid or, for DryRun, when the handler does not resolve.
    """
    invocation_type = normalise_invocation_type(invocation_type)
    event_bytes = check_payload(event_bytes, invocation_type)
    if invocation_type == "DryRun":
        problems = dry_run_problems(config)
        if problems:
            from console.engine import ConfigError

            raise ConfigError("\n".join(problems))
        return InvokeOutcome(204, "DryRun", str(uuid.uuid4()))
    if invocation_type == "Event":
        if async_queue is None:
            raise ValueError("an Event invocation needs an async_queue")
        request_id = async_queue.submit(config, event_bytes)
        return InvokeOutcome(202, "Event", request_id)
    result = engine.invoke(
        config,
        event_bytes,
        client_context=dict(client_context) if client_context is not None else None,
        identity=dict(identity) if identity is not None else None,
        cancel=cancel,
        on_log=on_log,
        force_cold=force_cold,
        qualifier=qualifier,
    )
    if metrics is not None:
        metrics.record_invocation(config.function_name, result)
    return InvokeOutcome(200, "RequestResponse", result.request_id, result)
