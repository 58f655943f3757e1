"""Lambda's payload rules, defined once: what a valid event is and how large it may be, per invocation type.

Every front (the console, `lambda-console invoke`, `serve`, Step Functions) asks here, so the same
event gets the same answer, in the same words, everywhere: the words of Lambda's Invoke API.
"""

from __future__ import annotations

import json

from .errors import InvalidRequestContent, InvokeError, RequestTooLarge

# Lambda's limits (API_Invoke): a synchronous request, and an asynchronous one (1 MB since Oct 2025).
SYNC_PAYLOAD_LIMIT = 6_291_456
ASYNC_PAYLOAD_LIMIT = 1_048_576
# Numbers are only checked, not converted: a huge integer is valid JSON for Lambda. One decoder
# for every event (json.loads with options would build one per call).
_VALIDATOR = json.JSONDecoder(parse_int=str, parse_float=str)
# The Invoke API's prefix for a body that is not JSON.
_NOT_JSON = "Could not parse request body into json: Could not parse payload into json: "


def payload_limit(invocation_type: str = "RequestResponse") -> int:
    """The largest event Lambda accepts for this invocation type, in bytes."""
    return ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT


def too_large(size: int, invocation_type: str = "RequestResponse") -> RequestTooLarge:
    """The error Lambda answers for a `size`-byte event of this invocation type."""
    if invocation_type == "Event":
        return RequestTooLarge(
            f"{size} byte payload is too large for the Event invocation type (limit {ASYNC_PAYLOAD_LIMIT} bytes)"
        )
    return RequestTooLarge(
        f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation"
    )


def check_event(event: bytes | str, invocation_type: str = "RequestResponse") -> bytes:
    """The event the function gets, or the InvokeError Lambda answers.

    An empty (or blank) event is the Invoke API's empty payload: the function gets `{}`.
    Raises RequestTooLarge past the invocation type's limit and InvalidRequestContent for text that
    is not UTF-8 JSON (the message names the line and column).
    """
    data = event.encode("utf-8") if isinstance(event, str) else bytes(event)
    if len(data) > payload_limit(invocation_type):
        raise too_large(len(data), invocation_type)
    if not data.strip():
        return b"{}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequestContent(f"{_NOT_JSON}Invalid UTF-8 start byte 0x{data[exc.start]:02x}") from None
    try:
        _VALIDATOR.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequestContent(f"{_NOT_JSON}{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise InvalidRequestContent(f"{_NOT_JSON}the JSON is nested too deeply") from None
    except ValueError as exc:
        raise InvalidRequestContent(f"{_NOT_JSON}{exc}") from None
    return data


def event_problem(event: bytes | str, invocation_type: str = "RequestResponse") -> str | None:
    """Why Lambda would refuse this event (its error message), or None when it would accept it."""
    try:
        check_event(event, invocation_type)
    except InvokeError as exc:
        return exc.message
    return None
