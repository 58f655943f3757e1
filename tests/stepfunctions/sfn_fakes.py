"""In-process fake invokers: Python callables standing in for Lambda functions, shaped like the runtime's replies."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from console.stepfunctions import FunctionNotFound


@dataclass(frozen=True)
class FakeResult:
    payload: bytes
    function_error: Optional[str] = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class FakeInvoker:
    """Maps function names to handler(event) callables; records every call."""

    def __init__(self, handlers: dict[str, Callable[[Any], Any]]) -> None:
        self.handlers = handlers
        self.calls: list[tuple[str, Any]] = []
        self.cancelled: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, name: str, payload: bytes, cancel: Optional[threading.Event] = None) -> FakeResult:
        if name not in self.handlers:
            raise FunctionNotFound(name)
        event = json.loads(payload.decode("utf-8"))
        with self._lock:
            self.calls.append((name, event))
        request_id = str(uuid.uuid4())
        try:
            value = self.handlers[name](event, cancel) if _wants_cancel(self.handlers[name]) else self.handlers[name](event)
        except Exception as exc:  # shaped like the Python runtime's error response
            body = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "requestId": request_id,
                "stackTrace": ['  File "/var/task/lambda_function.py", line 2, in lambda_handler\n'],
            }
            return FakeResult(json.dumps(body).encode(), "Unhandled", request_id)
        if cancel is not None and cancel.is_set():
            with self._lock:
                self.cancelled.append(name)
        if isinstance(value, bytes):
            return FakeResult(value, None, request_id)
        return FakeResult(json.dumps(value).encode(), None, request_id)


def _wants_cancel(fn: Callable) -> bool:
    return getattr(fn, "wants_cancel", False)


def sleeper(seconds: float) -> Callable[[Any, Optional[threading.Event]], Any]:
    """A handler that sleeps (stopping early when cancelled) and echoes its event."""

    def handler(event: Any, cancel: Optional[threading.Event]) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if cancel is not None and cancel.wait(0.01):
                break
        return event

    handler.wants_cancel = True  # type: ignore[attr-defined]
    return handler


def identity(event: Any) -> Any:
    return event


def raiser(exc_type: type = Exception, message: str = "Some exception was raised.") -> Callable[[Any], Any]:
    def handler(event: Any) -> Any:
        raise exc_type(message)

    return handler
