"""The pattern language of the recorded cases' expected.json ($any, $type, $contains, $all, $json, $jsonv, $subset, $exact)."""

from __future__ import annotations

import json
from typing import Any

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def is_operator(pattern: Any) -> bool:
    return isinstance(pattern, dict) and bool(pattern) and all(k.startswith("$") for k in pattern)


def mismatches(pattern: Any, value: Any, mode: str = "exact", where: str = "$") -> list[str]:
    """Every way `value` fails `pattern` (empty when it matches)."""
    if is_operator(pattern):
        problems: list[str] = []
        for op, arg in pattern.items():
            problems += _operator(op, arg, value, mode, where)
        return problems
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_show(value)}"]
        problems = []
        for key, sub in pattern.items():
            if key not in value:
                problems.append(f"{where}: missing key {key!r}")
            else:
                problems += mismatches(sub, value[key], mode, f"{where}.{key}")
        if mode == "exact":
            extra = sorted(set(value) - set(pattern))
            if extra:
                problems.append(f"{where}: unexpected keys {extra}")
        return problems
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {_show(value)}"]
        if len(pattern) != len(value):
            return [f"{where}: expected {len(pattern)} items, got {len(value)}: {_show(value)}"]
        problems = []
        for i, (sub, item) in enumerate(zip(pattern, value)):
            problems += mismatches(sub, item, mode, f"{where}[{i}]")
        return problems
    if type(pattern) is not type(value) or pattern != value:
        return [f"{where}: expected {_show(pattern)}, got {_show(value)}"]
    return []


def _operator(op: str, arg: Any, value: Any, mode: str, where: str) -> list[str]:
    if op == "$any":
        return []
    if op == "$type":
        return [] if _TYPES[arg](value) else [f"{where}: expected a {arg}, got {_show(value)}"]
    if op == "$contains":
        if not isinstance(value, str):
            return [f"{where}: expected a string containing {arg}, got {_show(value)}"]
        return [f"{where}: {_show(value)} does not contain {s!r}" for s in arg if s not in value]
    if op == "$all":
        return [p for sub in arg for p in mismatches(sub, value, mode, where)]
    if op in ("$json", "$jsonv"):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                if op == "$json":
                    return [f"{where}: expected JSON text, got {_show(value)}"]
        elif op == "$json":
            return [f"{where}: expected a string holding JSON, got {_show(value)}"]
        return mismatches(arg, value, "exact", where)
    if op == "$subset":
        return mismatches(arg, value, "subset", where)
    if op == "$exact":
        return mismatches(arg, value, "exact", where)
    raise ValueError(f"unknown pattern operator {op}")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."


def check_case(expected: dict, result: dict, strict_ids: bool = True) -> list[str]:
    """Compare `sfn run --json` output with a case's expected.json, as the cases' README describes."""
    problems: list[str] = []
    if result["status"] != expected["status"]:
        problems.append(f"status: expected {expected['status']}, got {result['status']}")
    problems += mismatches(expected["output"], result["output"], "exact", "output")
    if result["error"] != expected["error"]:
        problems.append(f"error: expected {expected['error']!r}, got {result['error']!r}")
    cause = result.get("cause")
    for piece in expected.get("cause_contains") or []:
        if not isinstance(cause, str) or piece not in cause:
            problems.append(f"cause: {cause!r} does not contain {piece!r}")
    if "cause_json" in expected and expected["cause_json"] is not None:
        problems += mismatches({"$json": expected["cause_json"]}, cause, "exact", "cause")
    if expected.get("cause_absent") and cause is not None:
        problems.append(f"cause: expected none, got {cause!r}")
    events = result["events"]
    types = [e["type"] for e in events]
    if types != expected["event_types"]:
        problems.append(f"event_types:\n  expected {expected['event_types']}\n  got      {types}")
    if strict_ids and "previous_event_ids" in expected:
        prev = [e["previousEventId"] for e in events]
        if prev != expected["previous_event_ids"]:
            problems.append(f"previous_event_ids: expected {expected['previous_event_ids']}, got {prev}")
    for detail in expected.get("event_details", []):
        index = detail["index"]
        if index >= len(events):
            problems.append(f"event {index}: missing (only {len(events)} events)")
            continue
        event = events[index]
        if event["type"] != detail["type"]:
            problems.append(f"event {index}: expected type {detail['type']}, got {event['type']}")
        problems += mismatches(detail.get("must_contain", {}), event, "subset", f"events[{index}]")
        for dotted in detail.get("must_not_have", []):
            node: Any = event
            parts = dotted.split(".")
            for part in parts[:-1]:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict) and parts[-1] in node:
                problems.append(f"events[{index}]: must not have {dotted}, has {_show(node[parts[-1]])}")
    return problems
