"""Comparing an invocation with its expectation, and the readable diff a failure shows.

The payload diff is the expected JSON with the differing keys marked: `-` lines are what the
expectation holds, `+` lines what the function answered, unmarked lines are equal (long equal
values are shortened).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .expectations import REQUEST_ID_TOKEN, Expectation, error_fields

_SHORT = 60  # an equal value longer than this is shown shortened
MAX_LINES = 400  # a diff longer than this is cut (a huge payload stays readable, in CI too)
MAX_LINE = 1000


@dataclass(frozen=True)
class Difference:
    """One way the answer differs: what (status, payload, errorType, errorMessage, log, duration) and how."""

    what: str
    lines: tuple[str, ...]

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.differences

    def diff(self) -> str:
        """All the differences as text (empty when it passed)."""
        return "\n".join(d.text() for d in self.differences)

    def headline(self) -> str:
        """One line naming what differs, e.g. "payload and log differ"."""
        names = [d.what for d in self.differences]
        if not names:
            return "as expected"
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{joined} differ" if len(names) > 1 else f"{joined} differs"


def compare(expectation: Expectation, result: Any) -> Comparison:
    """How `result` (an engine InvocationResult) differs from `expectation`."""
    found: list[Difference] = []
    value = result.payload_value()
    if result.status != expectation.status:
        found.append(_status_difference(expectation, result, value))
    elif expectation.expects_error:
        error_type, message = error_fields(value, result.request_id)
        if error_type is None:
            error_type = result.error_type
        for what, expected, actual in (
            ("errorType", expectation.error_type, error_type),
            ("errorMessage", expectation.error_message, message),
        ):
            if expected is not None and expected != actual:
                found.append(Difference(what, (f"{what}:", f"- {_dump(expected)}", f"+ {_dump(actual)}")))
    elif expectation.has_payload:
        subset = expectation.payload_match == "subset"
        try:
            if not same(expectation.payload, value, subset):
                title = "payload (- expected, + actual" + (", only the expected keys compared)" if subset else ")")
                found.append(Difference("payload", (title + ":", *payload_diff(expectation.payload, value, subset))))
        except RecursionError:
            found.append(Difference("payload", ("payload: nested too deeply to compare",)))
    missing = [line for line in expectation.log_contains if line not in result.log]
    if missing:
        found.append(Difference("log", tuple(f"log: no line contains {_dump(line)}" for line in missing)))
    budget = expectation.max_duration_ms
    duration = result.summary.duration_ms
    if budget is not None and duration > budget:
        found.append(Difference("duration", (f"duration: {duration:.2f} ms, over the {_number(budget)} ms budget",)))
    return Comparison(tuple(found))


def _status_difference(expectation: Expectation, result: Any, value: Any) -> Difference:
    lines = [f"status: expected {expectation.status}, got {result.status}"]
    if result.succeeded:
        lines.append("  the function answered:")
        lines.extend("  " + line for line in _pretty(value).splitlines())
    else:
        error_type, message = error_fields(value, result.request_id)
        error_type = error_type or result.error_type or "error"
        lines.append(f"  {error_type}: {message or ''}".rstrip())
    if expectation.expects_error and expectation.error_type:
        lines.append(f"  expected error: {expectation.error_type}: {expectation.error_message or ''}".rstrip())
    return Difference("status", tuple(lines))


# ---------------------------------------------------------------- JSON values


def same(expected: Any, actual: Any, subset: bool = False) -> bool:
    """JSON equality (true is not 1; 1 is 1.0); with `subset`, objects only need the expected keys."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        if not subset and expected.keys() != actual.keys():
            return False
        return all(k in actual and same(v, actual[k], subset) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(same(e, a, subset) for e, a in zip(expected, actual))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def payload_diff(expected: Any, actual: Any, subset: bool = False) -> list[str]:
    """Lines showing `expected` against `actual` as JSON, differing keys marked `-`/`+` (a huge
    payload's diff is cut to MAX_LINES lines of at most MAX_LINE characters)."""
    lines = [_cut(line) for line in _diff(expected, actual, subset, "", 0, last=True)]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"… {len(lines) - MAX_LINES} more lines of the diff not shown"]
    return lines


def _cut(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return line[:MAX_LINE] + f"… ({len(line) - MAX_LINE} more characters)"


def _diff(expected: Any, actual: Any, subset: bool, label: str, depth: int, last: bool) -> list[str]:
    pad = "  " * depth
    comma = "" if last else ","
    if same(expected, actual, subset):
        return [f"  {pad}{label}{_short(expected)}{comma}"]
    both_dicts = isinstance(expected, dict) and isinstance(actual, dict)
    both_lists = isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual)
    if not (both_dicts or both_lists):
        return _marked("-", pad, label, expected, comma) + _marked("+", pad, label, actual, comma)
    lines = [f"  {pad}{label}{'{' if both_dicts else '['}"]
    if both_dicts:
        keys = list(expected) + ([] if subset else [k for k in actual if k not in expected])
        hidden = sum(1 for k in actual if k not in expected) if subset else 0
        for i, key in enumerate(keys):
            is_last = i == len(keys) - 1 and not hidden
            child = f"{_dump(key)}: "
            inner = "  " * (depth + 1)
            if key not in actual:
                lines += _marked("-", inner, child, expected[key], "" if is_last else ",")
            elif key not in expected:
                lines += _marked("+", inner, child, actual[key], "" if is_last else ",")
            else:
                lines += _diff(expected[key], actual[key], subset, child, depth + 1, is_last)
        if hidden:
            lines.append(f"  {'  ' * (depth + 1)}… {hidden} more key{'s' if hidden > 1 else ''} not compared")
        lines.append(f"  {pad}}}{comma}")
    else:
        for i, (e, a) in enumerate(zip(expected, actual)):
            lines += _diff(e, a, subset, "", depth + 1, i == len(expected) - 1)
        lines.append(f"  {pad}]{comma}")
    return lines


def _marked(mark: str, pad: str, label: str, value: Any, comma: str) -> list[str]:
    compact = _dump(value)
    text = [compact] if len(compact) <= _SHORT else _pretty(value).splitlines()
    out = [f"{mark} {pad}{label}{text[0]}"]
    out += [f"{mark} {pad}{line}" for line in text[1:]]
    out[-1] += comma
    return out


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _short(value: Any) -> str:
    text = _dump(value)
    if len(text) <= _SHORT:
        return text
    if isinstance(value, dict):
        return f"{{… {len(value)} keys}}"
    if isinstance(value, list):
        return f"[… {len(value)} items]"
    return text[: _SHORT - 2] + "…" + text[-1]


def _number(value: float) -> str:
    return f"{value:g}"


__all__ = ["Comparison", "Difference", "REQUEST_ID_TOKEN", "compare", "payload_diff", "same"]
