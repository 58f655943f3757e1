"""The readable diff of expected against actual: marked payload keys, error type and message, logs, budget."""

from __future__ import annotations

import json
from types import SimpleNamespace

from console.testing.compare import compare, payload_diff, same
from console.testing.expectations import Expectation


def result(status="Succeeded", payload=None, log="", duration=1.0, request_id="rid"):
    raw = json.dumps(payload).encode()
    return SimpleNamespace(
        status=status,
        succeeded=status == "Succeeded",
        payload=raw,
        payload_value=lambda: json.loads(raw),
        request_id=request_id,
        error_type=payload.get("errorType") if isinstance(payload, dict) and status == "Failed" else None,
        log=log,
        summary=SimpleNamespace(duration_ms=duration),
    )


def test_json_equality_keeps_true_apart_from_1_but_not_1_apart_from_1_0():
    assert same(1, 1.0) and not same(True, 1) and not same(1, True) and not same("1", 1)
    assert same({"a": 1}, {"a": 1, "b": 2}, subset=True) and not same({"a": 1}, {"a": 1, "b": 2})


def test_the_payload_diff_marks_only_the_differing_keys():
    lines = payload_diff(
        {"statusCode": 200, "body": "hello", "headers": {"a": "1", "b": "2"}, "gone": 1},
        {"statusCode": 500, "body": "hello", "headers": {"a": "1", "b": "3"}, "extra": True},
    )
    assert lines == [
        "  {",
        '-   "statusCode": 200,',
        '+   "statusCode": 500,',
        '    "body": "hello",',
        '    "headers": {',
        '      "a": "1",',
        '-     "b": "2"',
        '+     "b": "3"',
        "    },",
        '-   "gone": 1,',
        '+   "extra": true',
        "  }",
    ]


def test_a_subset_diff_hides_the_keys_it_does_not_compare():
    lines = payload_diff({"statusCode": 200}, {"statusCode": 500, "body": "x", "h": {}}, subset=True)
    assert lines == ["  {", '-   "statusCode": 200,', '+   "statusCode": 500,', "    … 2 more keys not compared", "  }"]


def test_a_long_equal_value_is_shortened_and_a_differing_one_shown_whole():
    big = {"k": "v" * 100}
    lines = payload_diff({"same": big, "diff": "x" * 80}, {"same": big, "diff": "y" * 80})
    assert '    "same": {… 1 keys},' in lines
    assert f'-   "diff": "{"x" * 80}"' in lines and f'+   "diff": "{"y" * 80}"' in lines


def test_an_unexpected_error_shows_status_type_and_message():
    exp = Expectation("Succeeded", payload={"ok": True})
    comparison = compare(exp, result("Failed", {"errorType": "KeyError", "errorMessage": "'key1'"}))
    assert not comparison.passed and comparison.headline() == "status differs"
    assert comparison.diff().splitlines() == ["status: expected Succeeded, got Failed", "  KeyError: 'key1'"]


def test_error_type_and_message_are_compared_with_the_request_id_as_a_token():
    exp = Expectation("Failed", error_type="Sandbox.Timedout",
                      error_message="RequestId: <RequestId> Error: Task timed out after 1.00 seconds")
    timed_out = {"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: r-2 Error: Task timed out after 1.00 seconds"}
    assert compare(exp, result("Failed", timed_out, request_id="r-2")).passed
    other = compare(exp, result("Failed", {"errorType": "ValueError", "errorMessage": "bad"}))
    assert [d.what for d in other.differences] == ["errorType", "errorMessage"]
    assert other.diff().splitlines()[:3] == ["errorType:", '- "Sandbox.Timedout"', '+ "ValueError"']


def test_missing_log_text_and_a_blown_budget_are_differences():
    exp = Expectation("Succeeded", payload=1, log_contains=("got a", "never printed"), max_duration_ms=10)
    comparison = compare(exp, result(payload=1, log="START\ngot a\nEND", duration=12.5))
    assert comparison.headline() == "log and duration differ"
    assert comparison.diff().splitlines() == [
        'log: no line contains "never printed"',
        "duration: 12.50 ms, over the 10 ms budget",
    ]


def test_an_expectation_without_payload_checks_only_the_status():
    assert compare(Expectation("Succeeded"), result(payload={"anything": 1})).passed


def test_a_huge_payload_diff_is_cut_to_a_readable_size():
    from console.testing.compare import MAX_LINE, MAX_LINES

    lines = payload_diff({"big": "x" * 50_000}, {"big": "y" * 50_000})
    assert len(lines) == 4 and all(len(line) < MAX_LINE + 40 for line in lines)
    assert lines[1].startswith('-   "big": "xxx') and lines[1].endswith("more characters)")
    lines = payload_diff(list(range(1000)), list(range(1, 1001)))
    assert len(lines) == MAX_LINES + 1 and lines[-1].endswith("more lines of the diff not shown")


def test_a_payload_nested_too_deeply_is_a_difference_not_a_crash():
    deep = current = {}
    for _ in range(5000):
        current["a"] = {}
        current = current["a"]
    comparison = compare(Expectation("Succeeded", payload={"a": 1}), result(payload=1))
    assert comparison.headline() == "payload differs"
    nested = SimpleNamespace(**{**vars(result(payload=1)), "payload_value": lambda: deep})
    assert compare(Expectation("Succeeded", payload=deep), nested).diff() == "payload: nested too deeply to compare"
