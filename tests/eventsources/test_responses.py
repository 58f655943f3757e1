"""The partial batch response rules: what Lambda reads as success, partial failure, or complete failure."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from console.eventsources.responses import judge

IDS = ["id1", "id2", "id3"]


@dataclass
class FakeResult:
    payload: bytes
    succeeded: bool = True
    error_type: str | None = None


def verdict(payload, *, report=True, succeeded=True):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return judge(FakeResult(raw, succeeded, None if succeeded else "ValueError"), IDS, report)


@pytest.mark.parametrize("payload", [
    {"batchItemFailures": []},
    {"batchItemFailures": None},
    {},
    None,
    b"",
], ids=["empty list", "null list", "empty response", "null response", "no body"])
def test_empty_or_null_responses_are_complete_success(payload):
    result = verdict(payload)
    assert result.succeeded and not result.complete_failure


@pytest.mark.parametrize("payload", [
    b"{not json",
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"itemIdentifier": None}]},
    {"batchItemFailures": [{"itemIdentifer": "id2"}]},
    {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
    {"batchItemFailures": "id2"},
    ["id2"],
], ids=["invalid JSON", "empty id", "null id", "bad key name", "id not in batch", "not a list", "not an object"])
def test_invalid_responses_fail_the_whole_batch(payload):
    result = verdict(payload)
    assert result.complete_failure
    assert result.failed == tuple(IDS)
    assert result.problem


def test_listed_items_alone_fail_in_batch_order():
    result = verdict({"batchItemFailures": [{"itemIdentifier": "id3"}, {"itemIdentifier": "id1"},
                                            {"itemIdentifier": "id3"}]})
    assert not result.complete_failure
    assert result.failed == ("id1", "id3")


def test_a_function_error_fails_the_whole_batch_whatever_it_returned():
    result = verdict({"batchItemFailures": []}, succeeded=False)
    assert result.complete_failure and result.failed == tuple(IDS)


def test_the_response_is_ignored_without_report_batch_item_failures():
    assert verdict({"batchItemFailures": [{"itemIdentifier": "id1"}]}, report=False).succeeded
    assert verdict(b"{not json", report=False).succeeded
