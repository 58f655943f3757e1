"""Lambda Task resources: the function-ARN task and the optimized `arn:aws:states:::lambda:invoke` integration."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Protocol

from .dataflow import compact
from .errors import DATA_LIMIT_EXCEEDED, LAMBDA_NOT_FOUND, LAMBDA_UNKNOWN, TIMEOUT, StateRuntimeError, StatesError
from .history import History, Lane

INVOKE_RESOURCE = "arn:aws:states:::lambda:invoke"
MAX_PAYLOAD_BYTES = 256 * 1024
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

_FUNCTION_ARN_RE = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]+))?$"
)
_PARTIAL_ARN_RE = re.compile(
    r"^(?:(?P<account>\d{12}):function:)?(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]+))?$"
)


class InvocationLike(Protocol):
    """What an invoker returns: the engine's InvocationResult satisfies it."""

    payload: bytes
    function_error: Optional[str]


class StopSignal(Protocol):
    """Set when the execution (or the branch running the task) is stopped; threading.Event fits."""

    def is_set(self) -> bool: ...


# invoker(function_name, payload_bytes, cancel=threading.Event) -> InvocationLike;
# raises FunctionNotFound when no function has that name.
Invoker = Callable[..., InvocationLike]


class FunctionNotFound(LookupError):
    """The invoker knows no function by that name."""


class InvokeFailure(RuntimeError):
    """The local platform could not run the function at all (bad configuration, engine failure)."""


SERVICE_EXCEPTION = "Lambda.ServiceException"


class Aborted(Exception):
    """The execution was stopped while a task was running."""


class ExecutionDeadline(Exception):
    """The machine's own TimeoutSeconds passed while a task was running."""


@dataclass(frozen=True)
class FunctionRef:
    name: str
    qualifier: Optional[str]
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT

    @property
    def arn(self) -> str:
        base = f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"
        return f"{base}:{self.qualifier or '$LATEST'}"


def is_lambda_resource(resource: str) -> bool:
    return resource == INVOKE_RESOURCE or bool(_FUNCTION_ARN_RE.match(resource or ""))


def parse_function_arn(resource: str) -> Optional[FunctionRef]:
    m = _FUNCTION_ARN_RE.match(resource or "")
    if not m:
        return None
    return FunctionRef(m["name"], m["qualifier"], m["region"], m["account"])


def parse_function_name(value: Any) -> Optional[FunctionRef]:
    """FunctionName as lambda:invoke accepts it: a name, a partial ARN or a full ARN, maybe qualified."""
    if not isinstance(value, str):
        return None
    ref = parse_function_arn(value)
    if ref is not None:
        return ref
    m = _PARTIAL_ARN_RE.match(value)
    if not m:
        return None
    return FunctionRef(m["name"], m["qualifier"], DEFAULT_REGION, m["account"] or DEFAULT_ACCOUNT)


@dataclass
class TaskContext:
    """What a Lambda task needs from the running execution."""

    history: History
    lane: Lane
    state_name: str
    invoker: Invoker
    abort: StopSignal
    execution_remaining_s: Optional[float] = None  # time left before the machine's TimeoutSeconds


def run_lambda_task(ctx: TaskContext, resource: str, params: Any, timeout_s: Optional[float]) -> Any:
    """Run one attempt: record its events, return the task result or raise StatesError."""
    if resource == INVOKE_RESOURCE:
        return _run_invoke(ctx, params, timeout_s)
    ref = parse_function_arn(resource)
    if ref is None:
        raise StateRuntimeError(f"Unsupported resource '{resource}'")
    return _run_arn(ctx, resource, ref, params, timeout_s)


def _run_arn(ctx: TaskContext, resource: str, ref: FunctionRef, params: Any, timeout_s: Optional[float]) -> Any:
    details: dict[str, Any] = {
        "resource": resource,
        "input": compact(params),
        "inputDetails": {"truncated": False},
    }
    if timeout_s is not None:
        details["timeoutInSeconds"] = _int_if_whole(timeout_s)
    ctx.history.add(ctx.lane, "LambdaFunctionScheduled", details, ctx.state_name)
    ctx.history.add(ctx.lane, "LambdaFunctionStarted", None, ctx.state_name)

    def fail(error: str, cause: Optional[str]) -> StatesError:
        body = {"error": error}
        if cause is not None:
            body["cause"] = cause
        event_type = "LambdaFunctionTimedOut" if error == TIMEOUT else "LambdaFunctionFailed"
        ctx.history.add(ctx.lane, event_type, body, ctx.state_name)
        return StatesError(error, cause)

    outcome, payload = _invoke_within_limits(ctx, ref, compact(params).encode("utf-8"), timeout_s, fail, resource)
    if outcome.function_error:
        # The function-ARN task hands on Lambda's response bytes unchanged as the cause.
        raise fail(_error_name(payload), payload.decode("utf-8", errors="replace"))
    try:
        value = json.loads(payload.decode("utf-8")) if payload.strip() else None
    except ValueError:
        raise fail(LAMBDA_UNKNOWN, f"The function returned a response that is not JSON: {payload[:200]!r}") from None
    except RecursionError:
        raise fail(LAMBDA_UNKNOWN, "The function returned a response nested too deeply to read") from None
    ctx.history.add(
        ctx.lane,
        "LambdaFunctionSucceeded",
        {"output": compact(value), "outputDetails": {"truncated": False}},
        ctx.state_name,
    )
    return value


def _invoke_within_limits(
    ctx: TaskContext,
    ref: Any,
    event: bytes,
    timeout_s: Optional[float],
    fail: Callable[[str, Optional[str]], StatesError],
    limit_resource: str,
) -> tuple[Any, bytes]:
    """Invoke the function; a missing function, a platform failure, the state's timeout and an
    oversized response become the errors Step Functions records, through the caller's `fail`."""
    try:
        outcome = _call(ctx, ref.name, event, timeout_s)
    except FunctionNotFound:
        raise fail(LAMBDA_NOT_FOUND, _not_found_cause(ref)) from None
    except InvokeFailure as exc:
        raise fail(SERVICE_EXCEPTION, str(exc)) from None
    if outcome is None:
        raise fail(TIMEOUT, None)
    payload = bytes(outcome.payload or b"")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise fail(DATA_LIMIT_EXCEEDED, _data_limit_cause(limit_resource))
    return outcome, payload


def _run_invoke(ctx: TaskContext, params: Any, timeout_s: Optional[float]) -> Any:
    base = {"resourceType": "lambda", "resource": "invoke"}
    scheduled: dict[str, Any] = {**base, "region": DEFAULT_REGION, "parameters": compact(params)}
    if timeout_s is not None:
        scheduled["timeoutInSeconds"] = _int_if_whole(timeout_s)
    ctx.history.add(ctx.lane, "TaskScheduled", scheduled, ctx.state_name)
    ctx.history.add(ctx.lane, "TaskStarted", dict(base), ctx.state_name)

    def fail(error: str, cause: Optional[str]) -> StatesError:
        body = {**base, "error": error}
        if cause is not None:
            body["cause"] = cause
        ctx.history.add(ctx.lane, "TaskTimedOut" if error == TIMEOUT else "TaskFailed", body, ctx.state_name)
        return StatesError(error, cause)

    name = params.get("FunctionName") if isinstance(params, dict) else None
    ref = parse_function_name(name)
    if ref is None:
        raise fail(
            "Lambda.AWSLambdaException",
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?"
            "-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))? "
            "(Service: AWSLambda; Status Code: 400; Error Code: ValidationException; "
            f"Request ID: {uuid.uuid4()}; Proxy: null)",
        )
    payload_value = params.get("Payload") if isinstance(params, dict) else None
    # A null or absent Payload reaches the function as {} (recorded: Content-Length 2).
    event = b"{}" if payload_value is None else compact(payload_value).encode("utf-8")
    outcome, payload = _invoke_within_limits(ctx, ref, event, timeout_s, fail, "lambda")
    if outcome.function_error:
        text = payload.decode("utf-8", errors="replace")
        try:
            cause = compact(json.loads(text))  # the integration re-serializes the error compactly
        except (ValueError, RecursionError):
            cause = text
        raise fail(_error_name(payload), cause)
    text = payload.decode("utf-8", errors="replace")
    try:
        value = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read: as text
        value = text
    request_id = getattr(outcome, "request_id", "") or str(uuid.uuid4())
    result = invoke_response(value, len(payload), request_id, ref.qualifier)
    ctx.history.add(
        ctx.lane,
        "TaskSucceeded",
        {**base, "output": compact(result), "outputDetails": {"truncated": False}},
        ctx.state_name,
    )
    return result


def invoke_response(payload: Any, length: int, request_id: str, qualifier: Optional[str] = None) -> dict[str, Any]:
    """The object lambda:invoke returns on success, shaped as AWS's Java SDK response."""
    version = "$LATEST" if not qualifier or not qualifier.isdigit() else qualifier
    date = format_datetime(datetime.now(timezone.utc), usegmt=True)
    trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0;Lineage=1:{uuid.uuid4().hex[:8]}:0"
    return {
        "ExecutedVersion": version,
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": [version],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [str(length)],
                "Date": [date],
                "X-Amzn-Trace-Id": [trace],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": str(length),
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": version,
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
                "X-Amzn-Trace-Id": trace,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def _error_name(payload: bytes) -> str:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError):
        return LAMBDA_UNKNOWN
    if isinstance(value, dict) and isinstance(value.get("errorType"), str) and value["errorType"]:
        return value["errorType"]
    return LAMBDA_UNKNOWN


def _not_found_cause(ref: FunctionRef) -> str:
    return (
        f"Function not found: {ref.arn} (Service: AWSLambda; Status Code: 404; "
        f"Error Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)"
    )


def _data_limit_cause(task: str) -> str:
    return (
        f"The state/task '{task}' returned a result with a size exceeding the maximum number of bytes "
        "service limit."
    )


def _int_if_whole(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


def _call(ctx: TaskContext, name: str, payload: bytes, timeout_s: Optional[float]) -> Optional[InvocationLike]:
    """Invoke on a worker thread; None when TimeoutSeconds passed first (the invocation is cancelled)."""
    cancel = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = ctx.invoker(name, payload, cancel=cancel)
        except BaseException as exc:  # handed to the execution thread
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"sfn-task-{name}", daemon=True)
    worker.start()
    # Real seconds, never scaled: the state's TimeoutSeconds, or the machine's, whichever ends first.
    deadline = None if timeout_s is None else time.monotonic() + float(timeout_s)
    timeout_is_machine = False
    if ctx.execution_remaining_s is not None:
        machine_deadline = time.monotonic() + ctx.execution_remaining_s
        if deadline is None or machine_deadline < deadline:
            deadline, timeout_is_machine = machine_deadline, True
    while worker.is_alive():
        wait = 0.05 if deadline is None else max(0.0, min(0.05, deadline - time.monotonic()))
        worker.join(wait)
        if not worker.is_alive():
            break
        if ctx.abort.is_set():
            cancel.set()
            worker.join(5)
            raise Aborted()
        if deadline is not None and time.monotonic() >= deadline:
            cancel.set()
            worker.join(5)
            if timeout_is_machine:
                raise ExecutionDeadline()
            return None
    error = box.get("error")
    if isinstance(error, (FunctionNotFound, InvokeFailure)):
        raise error
    if error is not None:
        # Anything else the platform raised (a ConfigError, a crashed engine) fails the task, not the run.
        raise InvokeFailure(f"{type(error).__name__}: {error}")
    return box["result"]


# --- the Lambda client: Step Functions is just another caller of the Invoker --------------------


def workspace_function_dirs() -> dict[str, Path]:
    """Functions of the workspace, by folder name (see workspace.state_machine_functions for the
    whole resolution a state machine uses)."""
    from console import workspace

    return {p.name: p for p in workspace.function_dirs()}


class LambdaClient:
    """Invokes local functions by name through the process's Invoker (the one invocation path:
    payload rules, metrics and fresh code apply to Step Functions' tasks as to any other caller).

    `functions` maps names to folders (see workspace.state_machine_functions); each call reads the
    folder's current settings. Without an `invoker` the client makes one of its own, which close()
    stops; a borrowed one (the console's) is left running.
    """

    def __init__(self, functions: Mapping[str, Path], invoker: Any = None, *, engine: Any = None) -> None:
        self.dirs = dict(functions)
        self._invoker = invoker
        self._engine = engine
        self._owns_invoker = invoker is None
        self._lock = threading.Lock()

    @property
    def invoker(self) -> Any:
        with self._lock:
            if self._invoker is None:
                from console.service.invoker import Invoker

                self._invoker = Invoker(self._engine)
            return self._invoker

    def config(self, name: str) -> Any:
        """The function's configuration as its folder says now; FunctionNotFound for an unknown name.
        A corrupt settings file is an InvokeFailure (the task fails, the user's file is left alone)."""
        if name not in self.dirs:
            raise FunctionNotFound(name)
        from console import workspace

        try:
            return workspace.function_config(self.dirs[name], name)
        except (workspace.WorkspaceError, OSError, ValueError) as exc:
            raise InvokeFailure(str(exc)) from None

    def __call__(self, name: str, payload: bytes, cancel: Optional[threading.Event] = None) -> InvocationLike:
        from console.engine import ConfigError
        from console.service.errors import InvokeError

        config = self.config(name)
        try:
            outcome = self.invoker.invoke(config, payload, cancel=cancel)
        except (InvokeError, ConfigError) as exc:
            raise InvokeFailure(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        assert outcome.result is not None
        return outcome.result

    def close(self) -> None:
        if self._invoker is not None and self._owns_invoker:
            self._invoker.close()
            self._invoker = None


# The name this client had when it called the engine itself; kept for callers of that name.
EngineInvoker = LambdaClient
