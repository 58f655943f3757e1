"""Each state type and its fields behave as Amazon States Language specifies (functions faked in-process)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from console.stepfunctions import Execution, validate
from sfn_fakes import FakeInvoker, identity

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def run(definition, data=None, handlers=None, **options):
    assert validate(definition) == [], validate(definition)
    options.setdefault("time_scale", 1000)
    invoker = FakeInvoker(handlers or {"Identity": identity})
    return Execution(definition, invoker, **options).run({} if data is None else data)


def one(state: dict, data=None, handlers=None, **options):
    return run({"StartAt": "S", "States": {"S": {**state, "End": True}}}, data, handlers, **options)


def types(result) -> list[str]:
    return [e.type for e in result.events]


# ---------------------------------------------------------------- Pass


def test_pass_without_fields_passes_its_input_through():
    r = one({"Type": "Pass"}, {"a": 1})
    assert r.status == "SUCCEEDED" and r.output == {"a": 1}
    assert types(r) == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def test_pass_result_with_result_path_nests_the_result_in_the_input():
    r = one({"Type": "Pass", "Result": {"count": 0}, "ResultPath": "$.loop"}, {"a": 1})
    assert r.output == {"a": 1, "loop": {"count": 0}}


def test_pass_parameters_input_path_and_output_path():
    r = one(
        {"Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.x", "fixed": 1, "who.$": "$$.State.Name"},
         "ResultPath": "$.out", "OutputPath": "$.out"},
        {"in": {"x": 5}},
    )
    assert r.output == {"v": 5, "fixed": 1, "who": "S"}


def test_pass_result_path_null_keeps_the_input():
    assert one({"Type": "Pass", "Result": 1, "ResultPath": None}, {"a": 1}).output == {"a": 1}


def test_output_path_null_gives_an_empty_object():
    assert one({"Type": "Pass", "OutputPath": None}, {"a": 1}).output == {}


# ---------------------------------------------------------------- Choice

CHOICE_CASES = [
    ({"StringEquals": "a"}, "a", True),
    ({"StringEquals": "a"}, 1, False),
    ({"StringLessThan": "b"}, "a", True),
    ({"StringGreaterThanEquals": "b"}, "b", True),
    ({"StringMatches": "log-*.txt"}, "log-2024.txt", True),
    ({"StringMatches": "a\\*b"}, "a*b", True),
    ({"StringMatches": "a\\*b"}, "axxb", False),
    ({"NumericEquals": 1}, 1.0, True),
    ({"NumericLessThan": 1}, 0.5, True),
    ({"NumericGreaterThan": 1}, True, False),
    ({"NumericLessThanEquals": 2}, 2, True),
    ({"BooleanEquals": True}, True, True),
    ({"BooleanEquals": True}, 1, False),
    ({"TimestampEquals": "2024-01-01T00:00:00Z"}, "2024-01-01T00:00:00+00:00", True),
    ({"TimestampLessThan": "2024-01-01T00:00:00Z"}, "2023-12-31T23:59:59Z", True),
    ({"TimestampGreaterThan": "2024-01-01T00:00:00Z"}, "not a time", False),
    ({"IsNull": True}, None, True),
    ({"IsNumeric": True}, 3, True),
    ({"IsString": False}, 3, True),
    ({"IsBoolean": True}, False, True),
    ({"IsTimestamp": True}, "2024-01-01T00:00:00Z", True),
    ({"StringEqualsPath": "$.other"}, "same", True),
    ({"NumericGreaterThanPath": "$.limit"}, 11, True),
]


def choice_machine(rule: dict) -> dict:
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }


@pytest.mark.parametrize("op,value,expected", CHOICE_CASES, ids=[f"{next(iter(c[0]))}-{c[1]!r}" for c in CHOICE_CASES])
def test_choice_comparison_operators(op, value, expected):
    r = run(choice_machine({"Variable": "$.v", **op}), {"v": value, "other": "same", "limit": 10})
    assert r.output == ("yes" if expected else "no")
    assert r.path == ["C", "Yes" if expected else "No"]


def test_choice_and_or_not():
    rule = {"And": [{"Variable": "$.a", "NumericGreaterThan": 0},
                    {"Or": [{"Variable": "$.b", "StringEquals": "x"}, {"Not": {"Variable": "$.c", "IsPresent": True}}]}]}
    assert run(choice_machine(rule), {"a": 1, "b": "y"}).output == "yes"
    assert run(choice_machine(rule), {"a": 1, "b": "y", "c": 0}).output == "no"
    assert run(choice_machine(rule), {"a": 1, "b": "x", "c": 0}).output == "yes"


def test_choice_is_present_false_for_a_missing_field():
    assert run(choice_machine({"Variable": "$.gone", "IsPresent": False}), {}).output == "yes"


def test_choice_on_a_missing_variable_is_states_runtime():
    r = run(choice_machine({"Variable": "$.gone", "StringEquals": "x"}), {})
    assert r.status == "FAILED" and r.error == "States.Runtime"
    assert "Invalid path '$.gone'" in r.cause


def test_choice_first_matching_rule_wins_and_records_choice_events():
    d = choice_machine({"Variable": "$.v", "NumericGreaterThan": 0})
    d["States"]["C"]["Choices"].append({"Variable": "$.v", "NumericGreaterThan": 0, "Next": "No"})
    r = run(d, {"v": 1})
    assert r.path == ["C", "Yes"]
    assert types(r)[1:3] == ["ChoiceStateEntered", "ChoiceStateExited"]


def test_choice_without_match_or_default_fails_with_no_choice_matched():
    d = choice_machine({"Variable": "$.v", "StringEquals": "x"})
    del d["States"]["C"]["Default"]
    d["States"]["No"]["Type"] = "Pass"
    d["States"]["C"]["Choices"].append({"Variable": "$.v", "StringEquals": "y", "Next": "No"})
    r = run(d, {"v": "z"})
    assert r.status == "FAILED" and r.error == "States.NoChoiceMatched"


# ---------------------------------------------------------------- Wait


def wait_gap(result) -> float:
    by_type = {e.type: e for e in result.events}
    return (by_type["WaitStateExited"].timestamp - by_type["WaitStateEntered"].timestamp).total_seconds()


@pytest.mark.parametrize(
    "fields,data",
    [
        ({"Seconds": 30}, {}),
        ({"SecondsPath": "$.s"}, {"s": 30}),
    ],
)
def test_wait_seconds_is_scaled_but_the_history_shows_the_full_wait(fields, data):
    r = one({"Type": "Wait", **fields}, data, time_scale=1000)
    assert r.status == "SUCCEEDED" and r.output == data
    assert 29.9 <= wait_gap(r) <= 31


def test_wait_timestamp_and_timestamp_path():
    target = (datetime.now(timezone.utc) + timedelta(seconds=20)).isoformat().replace("+00:00", "Z")
    r = one({"Type": "Wait", "Timestamp": target}, {}, time_scale=1000)
    assert 19 <= wait_gap(r) <= 21
    r = one({"Type": "Wait", "TimestampPath": "$.t"}, {"t": target}, time_scale=1000)
    assert r.status == "SUCCEEDED"


def test_wait_timestamp_in_the_past_does_not_wait():
    r = one({"Type": "Wait", "Timestamp": "2000-01-01T00:00:00Z"}, {})
    assert wait_gap(r) < 1


def test_wait_seconds_path_with_a_bad_value_is_states_runtime():
    r = one({"Type": "Wait", "SecondsPath": "$.s"}, {"s": "soon"})
    assert r.error == "States.Runtime"


# ---------------------------------------------------------------- Succeed / Fail


def test_succeed_applies_input_and_output_path():
    r = run({"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}, {"a": {"b": 2}})
    assert r.output == 2
    assert types(r) == ["ExecutionStarted", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]


def test_fail_state_sets_error_and_cause_and_has_no_exit_event():
    r = run({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "MyError", "Cause": "because"}}})
    assert (r.status, r.error, r.cause) == ("FAILED", "MyError", "because")
    assert types(r) == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    assert r.events[-1].details == {"error": "MyError", "cause": "because"}


def test_fail_state_error_path_and_cause_path():
    r = run({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e",
                                              "CausePath": "States.Format('code {}', $.c)"}}}, {"e": "E1", "c": 7})
    assert (r.error, r.cause) == ("E1", "code 7")


# ---------------------------------------------------------------- Parallel

BRANCH_A = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}}
BRANCH_B = {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": ARN + "Identity", "End": True}}}


def test_parallel_outputs_an_array_in_branch_order():
    r = one({"Type": "Parallel", "Branches": [BRANCH_A, BRANCH_B], "ResultPath": "$.results"}, {"x": 1})
    assert r.output == {"x": 1, "results": ["a", {"x": 1}]}
    assert types(r)[:3] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    assert types(r)[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]


def test_parallel_branch_failure_fails_the_state_with_the_branch_error_and_can_be_caught():
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "BranchBroke", "Cause": "c"}}}
    d = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [BRANCH_A, failing], "Next": "Done",
              "Catch": [{"ErrorEquals": ["BranchBroke"], "ResultPath": "$.err", "Next": "Handled"}]},
        "Done": {"Type": "Succeed"},
        "Handled": {"Type": "Pass", "End": True}}}
    r = run(d, {"in": 1})
    # Branches run concurrently: A may enter before or after F, or be stopped before it starts.
    assert r.path[0] == "P" and "F" in r.path and r.path[-1] == "Handled"
    assert r.output == {"in": 1, "err": {"Error": "BranchBroke", "Cause": "c"}}
    assert "ParallelStateFailed" in types(r)


# ---------------------------------------------------------------- Map


def test_map_runs_the_processor_per_item_with_item_selector_and_context():
    r = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "tag.$": "$.tag"},
            "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN + "Identity", "End": True}}},
            "ResultPath": "$.out",
        },
        {"items": ["a", "b"], "tag": "t"},
    )
    assert r.output["out"] == [{"value": "a", "index": 0, "tag": "t"}, {"value": "b", "index": 1, "tag": "t"}]
    kinds = types(r)
    assert kinds.count("MapIterationStarted") == 2 and kinds.count("MapIterationSucceeded") == 2
    started = next(e for e in r.events if e.type == "MapStateStarted")
    assert started.details == {"length": 2}


def test_map_with_the_legacy_iterator_and_parameters():
    r = one({"Type": "Map", "Iterator": BRANCH_A, "Parameters": {"v.$": "$$.Map.Item.Value"}}, [1, 2, 3])
    assert r.output == ["a", "a", "a"]


def test_map_over_a_non_array_is_states_runtime():
    r = one({"Type": "Map", "ItemProcessor": BRANCH_A}, {"not": "array"})
    assert r.error == "States.Runtime"


def test_map_tolerated_failures_keep_going_until_the_threshold():
    proc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "F"}], "Default": "OK"},
        "F": {"Type": "Fail", "Error": "Two"},
        "OK": {"Type": "Succeed"}}}
    r = one({"Type": "Map", "ItemProcessor": proc, "ToleratedFailureCount": 1}, [1, 2, 3])
    assert r.status == "SUCCEEDED"
    assert r.output == [1, {"Error": "Two", "Cause": ""}, 3]
    r = one({"Type": "Map", "ItemProcessor": proc, "ToleratedFailureCount": 0}, [1, 2, 3])
    assert r.error == "States.ExceedToleratedFailureThreshold"


# ---------------------------------------------------------------- Task data flow


def test_task_parameters_result_selector_result_path_output_path():
    handlers = {"Echo": lambda event: {"echo": event, "noise": 1}}
    r = one(
        {"Type": "Task", "Resource": ARN + "Echo", "Parameters": {"in.$": "$.x", "name.$": "$$.State.Name"},
         "ResultSelector": {"got.$": "$.echo.in"}, "ResultPath": "$.r", "OutputPath": "$.r"},
        {"x": 42},
        handlers,
    )
    assert r.output == {"got": 42}


def test_task_receives_the_context_object_with_execution_details():
    seen = []
    handlers = {"Fn": lambda event: seen.append(event) or {}}
    one({"Type": "Task", "Resource": ARN + "Fn", "Parameters": {"ctx.$": "$$"}}, {"in": 1}, handlers,
        name="exec-1", state_machine_name="Machine")
    ctx = seen[0]["ctx"]
    assert ctx["Execution"]["Input"] == {"in": 1}
    assert ctx["Execution"]["Id"] == "arn:aws:states:us-east-1:123456789012:execution:Machine:exec-1"
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Machine", "Name": "Machine"}
    assert set(ctx["State"]) == {"Name", "EnteredTime", "RetryCount"} and ctx["State"]["Name"] == "S"


def test_lambda_invoke_wraps_the_result_and_sends_null_payload_as_empty_object():
    r = one({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:Identity", "Payload": None}})
    assert r.output["Payload"] == {} and r.output["StatusCode"] == 200 and r.output["ExecutedVersion"] == "$LATEST"
    assert r.output["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "2"
    assert set(r.output) == {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}


def test_function_arn_with_a_qualifier_resolves_by_name():
    r = one({"Type": "Task", "Resource": ARN + "Identity:prod"}, {"a": 1})
    assert r.output == {"a": 1}


def test_bytes_returned_by_a_function_are_its_json_result():
    r = one({"Type": "Task", "Resource": ARN + "Bytes"}, {}, {"Bytes": lambda e: b'"HelloWorld!"'})
    assert r.output == "HelloWorld!"


def test_history_events_chain_and_json_shape():
    r = one({"Type": "Task", "Resource": ARN + "Identity"}, {"a": 1})
    js = r.to_json()
    assert set(js) == {"status", "output", "error", "cause", "path", "events"}
    first = js["events"][0]
    assert first["type"] == "ExecutionStarted" and json.loads(first["executionStartedEventDetails"]["input"]) == {"a": 1}
    scheduled = js["events"][2]
    assert scheduled["lambdaFunctionScheduledEventDetails"]["resource"] == ARN + "Identity"
    assert [e["id"] for e in js["events"]] == list(range(1, len(js["events"]) + 1))
    assert [e["previousEventId"] for e in js["events"]] == [0, 0, 2, 3, 4, 5, 6]


def test_non_strict_ids_simply_chain_each_event_to_the_one_before():
    r = one({"Type": "Pass"}, {}, strict_ids=False)
    assert [e.previous_event_id for e in r.events] == [0, 1, 2, 3]


def test_an_execution_refuses_an_invalid_definition():
    from console.stepfunctions import DefinitionError

    with pytest.raises(DefinitionError) as info:
        Execution({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}, FakeInvoker({}))
    assert any("StartAt" in p for p in info.value.problems)


# ---------------------------------------------------------------- concurrency


def test_parallel_branches_run_at_the_same_time():
    from sfn_fakes import sleeper

    branches = [{"StartAt": f"T{i}", "States": {f"T{i}": {"Type": "Task", "Resource": ARN + "Slow", "End": True}}}
                for i in range(3)]
    started = time.monotonic()
    r = one({"Type": "Parallel", "Branches": branches}, {"a": 1}, {"Slow": sleeper(1.0)})
    assert r.output == [{"a": 1}] * 3
    assert time.monotonic() - started < 2.5  # one after another would take 3 s


def test_map_max_concurrency_zero_runs_iterations_together_and_keeps_item_order():
    from sfn_fakes import sleeper

    proc = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN + "Slow", "End": True}}}
    started = time.monotonic()
    r = one({"Type": "Map", "ItemProcessor": proc, "MaxConcurrency": 0}, [1, 2, 3, 4], {"Slow": sleeper(1.0)})
    assert r.output == [1, 2, 3, 4]
    assert time.monotonic() - started < 3.0  # one after another would take 4 s
    starts = [e for e in r.events if e.type == "MapIterationStarted"]
    map_started = next(e for e in r.events if e.type == "MapStateStarted")
    assert {e.previous_event_id for e in starts} == {map_started.id}


def test_map_max_concurrency_one_runs_iterations_in_order():
    r = one({"Type": "Map", "ItemProcessor": BRANCH_A, "MaxConcurrency": 1}, [1, 2])
    kinds = [e.type for e in r.events if e.type.startswith("MapIteration")]
    assert kinds == ["MapIterationStarted", "MapIterationSucceeded"] * 2


def test_a_failing_branch_stops_its_running_siblings():
    from sfn_fakes import sleeper

    invoker = FakeInvoker({"Slow": sleeper(10)})
    slow = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN + "Slow", "End": True}}}
    failing = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "F"},
                                          "F": {"Type": "Fail", "Error": "Broke"}}}
    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [slow, failing], "End": True}}}
    started = time.monotonic()
    r = Execution(d, invoker, time_scale=10).run({})
    assert (r.status, r.error) == ("FAILED", "Broke")
    assert time.monotonic() - started < 3
    time.sleep(0.1)
    assert invoker.cancelled == ["Slow"]


def test_a_failing_iteration_aborts_the_others():
    from sfn_fakes import sleeper

    proc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "W"}], "Default": "T"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "F"},
        "F": {"Type": "Fail", "Error": "Zero"},
        "T": {"Type": "Task", "Resource": ARN + "Slow", "End": True}}}
    r = one({"Type": "Map", "ItemProcessor": proc}, [0, 1, 2], {"Slow": sleeper(10)}, time_scale=5)
    assert r.error == "Zero"
    kinds = [e.type for e in r.events]
    assert "MapIterationFailed" in kinds and "MapIterationAborted" in kinds


def test_concurrent_waits_advance_virtual_time_once():
    branches = [{"StartAt": f"W{i}", "States": {f"W{i}": {"Type": "Wait", "Seconds": 30, "End": True}}} for i in range(2)]
    # At scale 100 a branch thread scheduled 10 ms late adds only 1 s of virtual time, so a loaded
    # machine stays far below 60 s: the figure that waits counted twice (one per branch) would give.
    r = one({"Type": "Parallel", "Branches": branches}, {}, time_scale=100)
    by_type = {e.type: e for e in r.events}
    gap = (by_type["ParallelStateExited"].timestamp - by_type["ParallelStateEntered"].timestamp).total_seconds()
    assert 29.5 <= gap < 50


def test_history_timestamps_never_go_backwards():
    r = one({"Type": "Wait", "Seconds": 5}, {}, time_scale=1000)
    stamps = [e.timestamp for e in r.events]
    assert stamps == sorted(stamps)
