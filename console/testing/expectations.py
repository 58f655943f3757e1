"""What a saved event is expected to answer: the model, its JSON file format, and parse errors with lines.

A file in a function's `.lambda-console/expected/<event>.json` reads, for a success:

    {
      "status": "Succeeded",
      "payload": {"statusCode": 200, "body": "hello"},
      "payloadMatch": "exact",
      "logContains": ["value1 = value1"],
      "maxDurationMs": 500
    }

and for an error, `"status": "Failed", "error": {"errorType": "ValueError", "errorMessage": "..."}`.
`payloadMatch` "subset" compares only the keys written in `payload` (nested objects too);
`payload`, `error` (and either of its two keys), `logContains` and `maxDurationMs` are optional.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

STATUSES = ("Succeeded", "Failed")
MATCH_MODES = ("exact", "subset")
# Error messages of platform errors (timeouts, exits) hold the invocation's request id; files hold
# this token instead, so the same failure matches on the next run.
REQUEST_ID_TOKEN = "<RequestId>"
_KEYS = ("status", "payload", "payloadMatch", "error", "logContains", "maxDurationMs")
_ERROR_KEYS = ("errorType", "errorMessage")
_ABSENT = object()


class ExpectationError(ValueError):
    """A malformed expectation file; the message names the file and the line."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        super().__init__(f"{path}, line {line}: {problem}")


@dataclass(frozen=True)
class Expectation:
    """One saved event's expected answer."""

    status: str = "Succeeded"
    payload: Any = _ABSENT  # _ABSENT: the payload is not compared
    payload_match: str = "exact"
    error_type: str | None = None  # None: not compared
    error_message: str | None = None
    log_contains: tuple[str, ...] = ()
    max_duration_ms: float | None = None

    @property
    def has_payload(self) -> bool:
        return self.payload is not _ABSENT

    @property
    def expects_error(self) -> bool:
        return self.status == "Failed"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        if self.expects_error:
            error: dict[str, Any] = {}
            if self.error_type is not None:
                error["errorType"] = self.error_type
            if self.error_message is not None:
                error["errorMessage"] = self.error_message
            data["error"] = error
        elif self.has_payload:
            data["payload"] = self.payload
            data["payloadMatch"] = self.payload_match
        if self.log_contains:
            data["logContains"] = list(self.log_contains)
        if self.max_duration_ms is not None:
            data["maxDurationMs"] = self.max_duration_ms
        return data

    def to_text(self) -> str:
        """The file's text: two-space indented JSON, readable and easy to edit by hand."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


def error_fields(payload_value: Any, request_id: str) -> tuple[str | None, str | None]:
    """errorType and errorMessage of a failed invocation's payload, the request id as a token."""
    if not isinstance(payload_value, dict):
        return None, None
    error_type = payload_value.get("errorType")
    message = payload_value.get("errorMessage")
    if isinstance(message, str) and request_id:
        message = message.replace(request_id, REQUEST_ID_TOKEN)
    return (
        error_type if isinstance(error_type, str) else None,
        message if isinstance(message, str) else None,
    )


def recorded(result: Any, previous: Expectation | None = None) -> Expectation:
    """The expectation `result` (an engine InvocationResult) satisfies, keeping what the user chose
    in `previous`: the subset of payload keys, the log lines and the duration budget."""
    log_contains = previous.log_contains if previous else ()
    budget = previous.max_duration_ms if previous else None
    if not result.succeeded:
        error_type, message = error_fields(result.payload_value(), result.request_id)
        if error_type is None:
            error_type = result.error_type
        return Expectation("Failed", error_type=error_type, error_message=message,
                           log_contains=log_contains, max_duration_ms=budget)
    value = result.payload_value()
    match = "exact"
    if previous is not None and previous.payload_match == "subset" and previous.has_payload:
        match = "subset"
        value = _keep_keys(previous.payload, value)
    return Expectation("Succeeded", payload=value, payload_match=match,
                       log_contains=log_contains, max_duration_ms=budget)


def _keep_keys(chosen: Any, actual: Any) -> Any:
    """`actual` reduced to the keys present in `chosen` (recursively); keys it lost are dropped."""
    if isinstance(chosen, dict) and isinstance(actual, dict):
        return {k: _keep_keys(v, actual[k]) for k, v in chosen.items() if k in actual}
    return actual


# ---------------------------------------------------------------- parsing


def parse(text: str, path: Path | str) -> Expectation:
    """The expectation a file holds; ExpectationError naming the file and line when it is malformed."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ExpectationError(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        raise ExpectationError(path, 1, str(exc)) from None
    if not isinstance(data, dict):
        raise ExpectationError(path, _first_line(text), "the file must hold a JSON object")
    lines = _key_lines(text)

    def fail(key: str, problem: str) -> ExpectationError:
        return ExpectationError(path, lines.get(key, _first_line(text)), problem)

    for key in data:
        if key not in _KEYS:
            raise fail(key, f"unknown key '{key}' (known: {', '.join(_KEYS)})")
    status = data.get("status", _ABSENT)
    if status is _ABSENT:
        raise ExpectationError(path, _first_line(text), "'status' is missing (\"Succeeded\" or \"Failed\")")
    if status not in STATUSES:
        raise fail("status", f"'status' must be \"Succeeded\" or \"Failed\", not {json.dumps(status)}")
    expectation = Expectation(status=status)

    if status == "Failed":
        for key in ("payload", "payloadMatch"):
            if key in data:
                raise fail(key, f"'{key}' is for a successful answer; a failure is described by 'error'")
        error = data.get("error", {})
        if not isinstance(error, dict):
            raise fail("error", "'error' must be an object with 'errorType' and/or 'errorMessage'")
        for key, value in error.items():
            if key not in _ERROR_KEYS:
                raise fail("error", f"unknown key '{key}' in 'error' (known: errorType, errorMessage)")
            if not isinstance(value, str):
                raise fail("error", f"'error.{key}' must be a string")
        expectation = replace(
            expectation, error_type=error.get("errorType"), error_message=error.get("errorMessage")
        )
    else:
        if "error" in data:
            raise fail("error", "'error' is for a failed answer; set 'status' to \"Failed\" or remove it")
        match = data.get("payloadMatch", "exact")
        if match not in MATCH_MODES:
            raise fail("payloadMatch", f"'payloadMatch' must be \"exact\" or \"subset\", not {json.dumps(match)}")
        if match == "subset" and not isinstance(data.get("payload"), dict):
            raise fail("payloadMatch", "'payloadMatch' \"subset\" needs 'payload' to be an object of the keys to compare")
        if "payload" in data:
            expectation = replace(expectation, payload=data["payload"], payload_match=match)

    logs = data.get("logContains", [])
    if not isinstance(logs, list) or not all(isinstance(line, str) and line for line in logs):
        raise fail("logContains", "'logContains' must be a list of non-empty strings (text each must appear in the log)")
    budget = data.get("maxDurationMs")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0):
        raise fail("maxDurationMs", "'maxDurationMs' must be a positive number of milliseconds")
    return replace(expectation, log_contains=tuple(logs), max_duration_ms=budget)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _first_line(text: str) -> int:
    stripped = text.lstrip()
    return text[: len(text) - len(stripped)].count("\n") + 1


def _key_lines(text: str) -> dict[str, int]:
    """The line of each key of the top-level object (the file is known to be a valid JSON object)."""
    decoder = json.JSONDecoder()
    found: dict[str, int] = {}
    i = len(text) - len(text.lstrip())
    if not text.startswith("{", i):
        return found
    i += 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] != '"':
            return found
        key, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
        found.setdefault(key, text.count("\n", 0, i) + 1)
        i = end
        while i < len(text) and text[i] in " \t\r\n:":
            i += 1
        try:
            _, i = decoder.raw_decode(text, i)
        except ValueError:
            return found
