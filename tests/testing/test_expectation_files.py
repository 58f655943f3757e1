"""Expectation files: the format, hand edits, malformed files named by file and line, workspace storage."""

from __future__ import annotations

import pytest

from console import workspace
from console.testing.expectations import Expectation, ExpectationError, parse, recorded


def test_a_success_round_trips_through_its_readable_file():
    exp = Expectation("Succeeded", payload={"a": [1, 2]}, log_contains=("hello",), max_duration_ms=250)
    text = exp.to_text()
    assert text.startswith('{\n  "status": "Succeeded",\n  "payload": {')
    assert parse(text, "x.json") == exp


def test_a_failure_keeps_only_error_type_and_message():
    exp = parse('{"status": "Failed", "error": {"errorType": "ValueError"}}', "x.json")
    assert exp.expects_error and exp.error_type == "ValueError" and exp.error_message is None
    assert parse(exp.to_text(), "x.json") == exp


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('{\n  "status": "Succeeded",\n  "payload": {"a": 1,}\n}', 3, "not valid JSON"),
        ('{\n  "status": "Succeeded",\n  "payloadMath": "subset"\n}', 3, "unknown key 'payloadMath'"),
        ('{\n  "payload": 1,\n  "status": "Passed"\n}', 3, "\"Succeeded\" or \"Failed\""),
        ('{\n  "payload": 1\n}', 1, "'status' is missing"),
        ('\n\n[1, 2]', 3, "JSON object"),
        ('{"status": "Succeeded",\n"payload": 1,\n"payloadMatch": "subset"}', 3, "needs 'payload' to be an object"),
        ('{"status": "Failed",\n\n"error": {"errorType": 3}}', 3, "'error.errorType' must be a string"),
        ('{"status": "Failed",\n"payload": {}}', 2, "a failure is described by 'error'"),
        ('{"status": "Succeeded",\n"logContains": "x"}', 2, "'logContains' must be a list"),
        ('{"status": "Succeeded",\n"maxDurationMs": -5}', 2, "positive number"),
        ('{"status": "Succeeded", "payload": NaN}', 1, "NaN is not JSON"),
    ],
)
def test_a_malformed_file_is_named_with_its_line(text, line, words):
    with pytest.raises(ExpectationError) as info:
        parse(text, "/f/.lambda-console/expected/basic.json")
    assert str(info.value).startswith(f"/f/.lambda-console/expected/basic.json, line {line}: ")
    assert words in str(info.value)


def test_key_lines_are_not_fooled_by_the_same_key_inside_the_payload():
    text = '{\n  "payload": {"status": 1},\n  "payloadMatch": "exact",\n  "status": "Bad"\n}'
    with pytest.raises(ExpectationError) as info:
        parse(text, "x.json")
    assert info.value.line == 4


class _Result:
    def __init__(self, status, payload, request_id="rid-1"):
        import json

        self.status = status
        self.succeeded = status == "Succeeded"
        self.payload = json.dumps(payload).encode()
        self.request_id = request_id
        self.error_type = None

    def payload_value(self):
        import json

        return json.loads(self.payload)


def test_recording_keeps_the_chosen_subset_of_keys_the_log_lines_and_the_budget():
    previous = Expectation("Succeeded", payload={"a": 1, "nested": {"x": 0}}, payload_match="subset",
                           log_contains=("hi",), max_duration_ms=100)
    new = recorded(_Result("Succeeded", {"a": 2, "b": 3, "nested": {"x": 5, "y": 6}}), previous)
    assert new.payload == {"a": 2, "nested": {"x": 5}} and new.payload_match == "subset"
    assert new.log_contains == ("hi",) and new.max_duration_ms == 100


def test_recording_a_platform_error_replaces_its_request_id_with_a_token():
    result = _Result("Failed", {"errorType": "Sandbox.Timedout",
                                "errorMessage": "RequestId: rid-9 Error: Task timed out after 1.00 seconds"}, "rid-9")
    new = recorded(result)
    assert new.error_type == "Sandbox.Timedout"
    assert new.error_message == "RequestId: <RequestId> Error: Task timed out after 1.00 seconds"


def test_workspace_stores_expectations_beside_saved_events_and_moves_them_with_the_event(tmp_path):
    fn = tmp_path / "fn"
    workspace.save_event(fn, "basic", "{}")
    assert workspace.read_expectation(fn, "basic") is None
    path = workspace.write_expectation(fn, "basic", '{"status": "Succeeded"}')
    assert path == fn / ".lambda-console" / "expected" / "basic.json"
    assert workspace.list_expectations(fn) == ["basic"]
    assert workspace.list_saved_events(fn) == ["basic"]  # an expectation is not an event
    workspace.rename_event(fn, "basic", "renamed")
    assert workspace.list_expectations(fn) == ["renamed"]
    assert workspace.read_expectation(fn, "renamed") == '{"status": "Succeeded"}\n'
    workspace.delete_event(fn, "renamed")
    assert workspace.list_expectations(fn) == []


def test_an_unreadable_expectation_file_is_a_clear_workspace_error(tmp_path):
    fn = tmp_path / "fn"
    path = fn / ".lambda-console" / "expected" / "bin.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(workspace.WorkspaceError, match="bin.json: not UTF-8"):
        workspace.read_expectation(fn, "bin")
