"""What Lambda makes of a batch's invocation: success, a partial batch response, or a complete failure."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """`failed` holds the ids to retry: none on success, every id on a complete failure."""

    failed: tuple[str, ...]
    complete_failure: bool = False
    reported: tuple[str, ...] = field(default=())  # the itemIdentifiers a valid response listed
    problem: str | None = None  # why the batch counts as a complete failure

    @property
    def succeeded(self) -> bool:
        return not self.failed


def judge(result: Any, ids: list[str], report_failures: bool) -> Verdict:
    """Lambda's reading of `result` (an InvocationResult) for a batch of `ids` (messageIds or
    sequence numbers), with or without ReportBatchItemFailures."""
    every = tuple(ids)
    if not result.succeeded:
        return Verdict(every, True, problem=f"function error ({result.error_type or 'Unhandled'})")
    if not report_failures:
        return Verdict(())  # whatever it returned: the feature is off
    text = result.payload.decode("utf-8", errors="replace").strip()
    if not text:
        return Verdict(())  # an empty EventResponse
    try:
        value = json.loads(text)
    except ValueError:
        return Verdict(every, True, problem="the response is not valid JSON")
    if value is None:
        return Verdict(())  # a null EventResponse
    if not isinstance(value, dict):
        return Verdict(every, True, problem="the response is not a partial batch response object")
    items = value.get("batchItemFailures")
    if items is None or items == []:
        return Verdict(())
    if not isinstance(items, list):
        return Verdict(every, True, problem="batchItemFailures is not a list")
    known = set(ids)
    listed: list[str] = []
    for item in items:
        if not isinstance(item, dict) or "itemIdentifier" not in item:
            return Verdict(every, True, problem=f"a batchItemFailures item has no itemIdentifier key: {_short(item)}")
        identifier = item["itemIdentifier"]
        if identifier is None or identifier == "":
            return Verdict(every, True, problem=f"an itemIdentifier is {json.dumps(identifier)}")
        if not isinstance(identifier, str) or identifier not in known:
            return Verdict(every, True, problem=f"itemIdentifier {_short(identifier)} is not in the batch")
        if identifier not in listed:
            listed.append(identifier)
    order = {i: n for n, i in enumerate(ids)}
    listed.sort(key=order.__getitem__)
    return Verdict(tuple(listed), False, reported=tuple(listed))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
