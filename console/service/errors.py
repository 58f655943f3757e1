"""The Invoke API's error responses, as exceptions every front (CLI, TUI, server) can map."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any


class InvokeError(Exception):
    """An error the Invoke API answers with an HTTP status, an error type and a message.

    `error_type` is what botocore reads from the `x-amzn-ErrorType` header to pick the exception
    class (client.exceptions.<error_type>); `message_key` follows the shape in botocore's model
    (most Lambda errors use `message`, ResourceNotFound and Service errors `Message`).
    """

    status = 400
    error_type = "InvalidParameterValueException"
    message_key = "message"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": "User", self.message_key: self.message}
        body.update(self.extra)
        return body


class InvalidParameterValue(InvokeError):
    status = 400
    error_type = "InvalidParameterValueException"


class ValidationError(InvokeError):
    # Lambda answers a name that fails the API's pattern with this unmodelled type.
    status = 400
    error_type = "ValidationException"


class InvalidRequestContent(InvokeError):
    status = 400
    error_type = "InvalidRequestContentException"


class RequestTooLarge(InvokeError):
    status = 413
    error_type = "RequestTooLargeException"


class ResourceNotFound(InvokeError):
    status = 404
    error_type = "ResourceNotFoundException"
    message_key = "Message"


class TooManyRequests(InvokeError):
    status = 429
    error_type = "TooManyRequestsException"


class AccessDenied(InvokeError):
    status = 403
    error_type = "AccessDeniedException"
    message_key = "Message"


class UnknownOperation(InvokeError):
    status = 404
    error_type = "UnknownOperationException"


class ServiceError(InvokeError):
    status = 500
    error_type = "ServiceException"
    message_key = "Message"

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["Type"] = "Service"
        return body


def __getattr__(name: str) -> Any:
    # Lambda's payload limits are defined once, in events.py; older imports from here still work.
    if name in ("SYNC_PAYLOAD_LIMIT", "ASYNC_PAYLOAD_LIMIT"):
        from . import events

        return getattr(events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
