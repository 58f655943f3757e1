"""Retry and Catch: which rule takes an error, in what order, how long retries wait, and timeouts."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest

from console.stepfunctions import Execution, matches, validate
from sfn_fakes import FakeInvoker, identity, raiser, sleeper

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


class AccountAlreadyExistsException(Exception):
    pass


def execution(definition, handlers, **options):
    assert validate(definition) == [], validate(definition)
    options.setdefault("time_scale", 1000)
    return Execution(definition, FakeInvoker(handlers), **options)


def task_machine(task_fields: dict, handlers_next: bool = True) -> dict:
    states = {
        "T": {"Type": "Task", "Resource": ARN + "Fn", "Next": "Done", **task_fields},
        "Done": {"Type": "Pass", "End": True},
    }
    for rule in task_fields.get("Catch", []):
        states.setdefault(rule["Next"], {"Type": "Pass", "End": True})
    return {"StartAt": "T", "States": states}


# ---------------------------------------------------------------- error name matching


@pytest.mark.parametrize(
    "rule,error,expected",
    [
        (["States.ALL"], "Exception", True),
        (["States.ALL"], "States.Timeout", True),
        (["States.ALL"], "States.Runtime", False),
        (["States.ALL"], "States.DataLimitExceeded", True),  # the recording wins over the docs
        (["States.TaskFailed"], "AccountAlreadyExistsException", True),
        (["States.TaskFailed"], "Lambda.ResourceNotFoundException", True),
        (["States.TaskFailed"], "States.Timeout", False),
        (["States.Runtime"], "States.Runtime", False),
        (["Lambda.Unknown"], "Exception", False),
        (["A", "B"], "B", True),
        (["A"], "a", False),
    ],
)
def test_error_equals_matching(rule, error, expected):
    assert matches(rule, error) is expected


# ---------------------------------------------------------------- Catch


def test_seed_custom_error_is_caught_by_name_with_error_output_replacing_input():
    d = task_machine({"Catch": [{"ErrorEquals": ["AccountAlreadyExistsException"], "Next": "SuggestAccountName"}]})
    r = execution(d, {"Fn": raiser(AccountAlreadyExistsException, "Account is in use!")}).run({"username": "taken"})
    assert r.path == ["T", "SuggestAccountName"]
    assert r.output["Error"] == "AccountAlreadyExistsException"
    cause = json.loads(r.output["Cause"])
    assert cause["errorMessage"] == "Account is in use!" and cause["errorType"] == "AccountAlreadyExistsException"
    assert [s.display_status for s in r.states] == ["caught", "succeeded"]


def test_first_matching_catcher_wins_in_order():
    d = task_machine({"Catch": [
        {"ErrorEquals": ["Other"], "Next": "H1"},
        {"ErrorEquals": ["States.TaskFailed"], "Next": "H2"},
        {"ErrorEquals": ["States.ALL"], "Next": "H3"},
    ]})
    r = execution(d, {"Fn": raiser()}).run({})
    assert r.path == ["T", "H2"]


def test_catch_result_path_keeps_the_input():
    d = task_machine({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": "$.error"}]})
    r = execution(d, {"Fn": raiser(ValueError, "bad")}).run({"keep": 1})
    assert r.output["keep"] == 1 and r.output["error"]["Error"] == "ValueError"


def test_catch_result_path_null_discards_the_error():
    d = task_machine({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": None}]})
    assert execution(d, {"Fn": raiser()}).run({"keep": 1}).output == {"keep": 1}


def test_uncaught_error_fails_the_execution_without_task_state_exited():
    d = task_machine({"Catch": [{"ErrorEquals": ["Lambda.Unknown"], "Next": "H"}]})
    r = execution(d, {"Fn": raiser()}).run({})
    assert (r.status, r.error) == ("FAILED", "Exception")
    assert "TaskStateExited" not in [e.type for e in r.events]
    assert '"errorMessage": "Some exception was raised.", "errorType": "Exception"' in r.cause


def test_states_runtime_is_never_caught_even_by_name():
    d = task_machine({"OutputPath": "$.missing", "Catch": [{"ErrorEquals": ["States.Runtime"], "Next": "H"},
                                                          {"ErrorEquals": ["States.ALL"], "Next": "H2"}]})
    r = execution(d, {"Fn": identity}).run({})
    assert (r.status, r.error) == ("FAILED", "States.Runtime")
    assert r.cause == ("An error occurred while executing the state 'T' (entered at the event id #2). "
                       "Invalid path '$.missing' : Missing property in path $['missing']")


def test_output_path_is_not_applied_when_the_error_is_caught():
    d = task_machine({"OutputPath": "$.nope", "ResultPath": "$.r",
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]})
    r = execution(d, {"Fn": raiser()}).run({})
    assert r.status == "SUCCEEDED" and r.output["Error"] == "Exception"


def test_missing_function_is_resource_not_found_matched_by_task_failed():
    d = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Ghost"},
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}], "End": True},
        "H": {"Type": "Pass", "End": True}}}
    r = execution(d, {}).run({})
    assert r.output["Error"] == "Lambda.ResourceNotFoundException"
    assert r.output["Cause"].startswith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:Ghost:$LATEST (Service: AWSLambda; Status Code: 404;")


def test_oversized_result_is_data_limit_exceeded_naming_the_resource():
    d = task_machine({"Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "H"}]})
    r = execution(d, {"Fn": lambda e: b"a" * (257 * 1024)}).run({})
    assert r.output == {"Error": "States.DataLimitExceeded", "Cause": f"The state/task '{ARN}Fn' returned a result with a size exceeding the maximum number of bytes service limit."}


def test_lambda_invoke_cause_is_compact_json_and_arn_cause_keeps_runtime_spacing():
    invoke = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                               "Parameters": {"FunctionName": "Fn"}, "End": True}}}
    r = execution(invoke, {"Fn": raiser()}).run({})
    assert '"errorMessage":"Some exception was raised.","errorType":"Exception"' in r.cause
    r = execution(task_machine({}), {"Fn": raiser()}).run({})
    assert '"errorMessage": "Some exception was raised.", "errorType": "Exception"' in r.cause


# ---------------------------------------------------------------- Retry


def retry_run(retry: list, handler, catch=None, **options):
    fields = {"Retry": retry}
    if catch:
        fields["Catch"] = catch
    ex = execution(task_machine(fields), {"Fn": handler}, **options)
    delays: list[float] = []
    ex.sleep = delays.append  # record the (unscaled) waits instead of sleeping
    return ex.run({}), delays, ex


def flaky(failures: int, exc=Exception):
    calls = {"n": 0}

    def handler(event):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise exc(f"attempt {calls['n']}")
        return {"attempts": calls["n"]}

    return handler


def test_retry_defaults_three_attempts_interval_one_backoff_two():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"]}], raiser())
    assert r.status == "FAILED" and delays == [1.0, 2.0, 4.0]
    assert [e.type for e in r.events].count("LambdaFunctionScheduled") == 4


def test_retry_until_success_marks_the_state_retried():
    r, delays, _ = retry_run([{"ErrorEquals": ["Exception"], "IntervalSeconds": 2, "BackoffRate": 1.5}], flaky(2))
    assert r.status == "SUCCEEDED" and r.output == {"attempts": 3}
    assert delays == [2.0, 3.0]
    assert r.states[0].display_status == "retried" and r.states[0].retries == 2


def test_max_delay_caps_the_backoff():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 4, "MaxDelaySeconds": 5}], raiser())
    assert delays == [3.0, 5.0, 5.0, 5.0]


def test_full_jitter_waits_a_random_part_of_the_delay():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 3, "JitterStrategy": "FULL"}],
                             raiser(), rng=random.Random(1))
    assert len(delays) == 3 and all(0 <= d <= c for d, c in zip(delays, [10, 20, 40]))
    assert delays != [10.0, 20.0, 40.0]


def test_max_attempts_zero_never_retries():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], raiser())
    assert delays == [] and r.status == "FAILED"


def test_first_matching_retrier_wins_and_its_exhaustion_is_final():
    retry = [{"ErrorEquals": ["ValueError"], "MaxAttempts": 1, "IntervalSeconds": 7},
             {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}]
    r, delays, _ = retry_run(retry, raiser(ValueError, "v"))
    assert delays == [7.0]  # the States.ALL retrier never takes over


def test_retriers_keep_separate_counts():
    calls = {"n": 0}

    def alternating(event):
        calls["n"] += 1
        raise (ValueError if calls["n"] % 2 else KeyError)("x")

    retry = [{"ErrorEquals": ["ValueError"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 1},
             {"ErrorEquals": ["KeyError"], "MaxAttempts": 2, "IntervalSeconds": 3, "BackoffRate": 1}]
    r, delays, _ = retry_run(retry, alternating)
    assert delays == [1.0, 3.0, 1.0, 3.0] and r.error == "ValueError"


def test_retries_run_before_catchers_and_the_catch_gets_the_last_error():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], flaky(10),
                             catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}])
    assert len(delays) == 2 and r.path == ["T", "H"]
    assert json.loads(r.output["Cause"])["errorMessage"] == "attempt 3"
    assert r.states[0].display_status == "caught"


def test_retry_count_is_visible_in_the_context_object_per_attempt():
    seen = []
    d = task_machine({"Parameters": {"n.$": "$$.State.RetryCount"}, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]})

    def handler(event):
        seen.append(event["n"])
        raise Exception("x")

    execution(d, {"Fn": handler}).run({})
    assert seen == [0, 1, 2]


def test_states_runtime_is_never_retried():
    r, delays, _ = retry_run([{"ErrorEquals": ["States.ALL"]}], identity)
    assert delays == [] and r.status == "SUCCEEDED"
    d = task_machine({"Parameters": {"x.$": "$.missing"}, "Retry": [{"ErrorEquals": ["States.ALL"]}]})
    assert execution(d, {"Fn": identity}).run({}).error == "States.Runtime"


def test_parallel_retry_reruns_the_branches_without_reentering():
    d = {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": True, "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}],
        "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}]}}}
    r = execution(d, {}).run({})
    kinds = [e.type for e in r.events]
    assert kinds.count("ParallelStateEntered") == 1 and kinds.count("ParallelStateStarted") == 2
    assert kinds[-2:] == ["ParallelStateFailed", "ExecutionFailed"]


# ---------------------------------------------------------------- timeouts and stopping


def test_task_timeout_gives_states_timeout_and_cancels_the_invocation():
    d = task_machine({"TimeoutSeconds": 1})
    invoker = FakeInvoker({"Fn": sleeper(5)})
    started = time.monotonic()
    r = Execution(d, invoker, time_scale=1000).run({})
    elapsed = time.monotonic() - started
    assert (r.status, r.error, r.cause) == ("FAILED", "States.Timeout", None)
    assert 0.9 <= elapsed < 3  # the time scale never shortens TimeoutSeconds
    kinds = [e.type for e in r.events]
    assert "LambdaFunctionTimedOut" in kinds
    timed_out = next(e for e in r.events if e.type == "LambdaFunctionTimedOut")
    assert timed_out.details == {"error": "States.Timeout"}
    scheduled = next(e for e in r.events if e.type == "LambdaFunctionScheduled")
    assert scheduled.details["timeoutInSeconds"] == 1
    time.sleep(0.1)
    assert invoker.cancelled == ["Fn"]


def test_time_scale_does_not_shorten_a_running_task():
    d = task_machine({"TimeoutSeconds": 2})
    r = Execution(d, FakeInvoker({"Fn": sleeper(0.3)}), time_scale=1000).run({"a": 1})
    assert r.status == "SUCCEEDED" and r.output == {"a": 1}


def test_timeout_seconds_path_and_catching_states_timeout_with_empty_cause():
    d = task_machine({"TimeoutSecondsPath": "$.t", "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "H"}]})
    r = Execution(d, FakeInvoker({"Fn": sleeper(5)}), time_scale=1000).run({"t": 1})
    assert r.output == {"Error": "States.Timeout", "Cause": ""}


def test_states_task_failed_does_not_catch_a_timeout():
    d = task_machine({"TimeoutSeconds": 1, "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}]})
    r = Execution(d, FakeInvoker({"Fn": sleeper(5)}), time_scale=1000).run({})
    assert r.error == "States.Timeout"


def test_execution_timeout_seconds_times_out_the_whole_run():
    d = {"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    r = Execution(d, FakeInvoker({}), time_scale=1000).run({})
    assert (r.status, r.error) == ("TIMED_OUT", "States.Timeout")
    assert r.events[-1].type == "ExecutionTimedOut"


def test_abort_stops_a_waiting_execution():
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    ex = Execution(d, FakeInvoker({}), time_scale=1)
    threading.Timer(0.2, ex.abort).start()
    r = ex.run({})
    assert r.status == "ABORTED" and r.events[-1].type == "ExecutionAborted"


def test_abort_cancels_a_running_task():
    invoker = FakeInvoker({"Fn": sleeper(10)})
    ex = Execution(task_machine({}), invoker, time_scale=1)
    threading.Timer(0.2, ex.abort).start()
    started = time.monotonic()
    r = ex.run({})
    assert r.status == "ABORTED" and time.monotonic() - started < 3


def test_execution_timeout_interrupts_a_running_task():
    d = {"TimeoutSeconds": 1, "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN + "Fn", "End": True}}}
    invoker = FakeInvoker({"Fn": sleeper(10)})
    started = time.monotonic()
    r = Execution(d, invoker, time_scale=1000).run({})
    assert r.status == "TIMED_OUT" and time.monotonic() - started < 4


def test_a_platform_failure_is_a_catchable_lambda_service_exception():
    def broken(name, payload, cancel=None):
        raise OSError("engine exploded")

    d = task_machine({"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}]})
    r = Execution(d, broken, time_scale=1000).run({})
    assert r.output["Error"] == "Lambda.ServiceException" and "engine exploded" in r.output["Cause"]


def test_a_state_output_over_256_kib_is_data_limit_exceeded():
    d = {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"big.$": "States.ArrayRange(1, 1000, 1)", "pad.$": "$.pad"}, "Next": "Q"},
        "Q": {"Type": "Pass", "End": True}}}
    r = Execution(d, FakeInvoker({})).run({"pad": "x" * (256 * 1024)})
    assert r.error == "States.DataLimitExceeded"
    assert r.cause == "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit."
