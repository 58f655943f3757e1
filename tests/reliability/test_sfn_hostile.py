"""Step Functions against hostile definitions and data: limits checked before work, bounded memory and threads, no tracebacks."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from console.stepfunctions import definition as asl
from console.stepfunctions.interpreter import MAX_EXTRA_THREADS, Execution, run, wildcard_match


def _no_invoker(name, payload, cancel=None):  # these machines call no function
    raise AssertionError("no Lambda function is called")


def _pass_with(parameters: dict) -> dict:
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": True}}}


def test_array_range_refuses_past_1000_items_without_building_the_list():
    tracemalloc.start()
    try:
        result = run(_pass_with({"r.$": "States.ArrayRange(0, 100000000, 1)"}), {}, _no_invoker)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.status, result.error) == ("FAILED", "States.IntrinsicFailure")
    assert "more than 1000 items" in result.cause
    assert peak < 20_000_000, f"{peak} bytes at peak"
    assert run(_pass_with({"r.$": "States.ArrayRange(1, 1000, 1)"}), {}, _no_invoker).output["r"][-1] == 1000


def test_a_never_ending_choice_loop_keeps_one_copy_of_its_input_until_the_history_quota():
    loop = {"StartAt": "Again", "States": {
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Step"}],
                  "Default": "Done"},
        "Step": {"Type": "Pass", "Next": "Again"},
        "Done": {"Type": "Succeed"},
    }}
    data = {"go": True, "pad": "x" * 4000}
    tracemalloc.start()
    try:
        result = run(loop, data, _no_invoker)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "maximum number of events" in result.cause
    entered = [e for e in result.events if e.type == "ChoiceStateEntered"]
    assert len(entered) > 5000
    assert len({id(e.details["input"]) for e in entered}) == 1  # one text, shared
    # 25,000 events each holding its own 4 KB copy would be 100 MB.
    assert peak < 40_000_000, f"{peak} bytes at peak"


def _nested_parallel(levels: int, branches: int) -> dict:
    """`levels` of Parallel states with `branches` branches each (state names are unique, as ASL wants)."""
    counter = iter(range(10**9))

    def machine(level: int) -> dict:
        n = next(counter)
        if level == 0:
            return {"StartAt": f"Leaf{n}", "States": {f"Leaf{n}": {"Type": "Pass", "End": True}}}
        return {"StartAt": f"Fan{n}", "States": {f"Fan{n}": {
            "Type": "Parallel", "Branches": [machine(level - 1) for _ in range(branches)], "End": True}}}

    return machine(levels)


def test_nested_parallel_shares_a_bounded_pool_of_threads():
    before = threading.active_count()
    peak = [0]

    def watch(event) -> None:
        peak[0] = max(peak[0], threading.active_count() - before)

    result = Execution(_nested_parallel(3, 12), _no_invoker, on_event=watch).run({"n": 1})
    assert result.status == "SUCCEEDED"
    assert len(result.output) == 12 and len(result.output[0]) == 12 and result.output[0][0] == [{"n": 1}] * 12
    assert peak[0] <= MAX_EXTRA_THREADS, f"{peak[0]} threads for 1,728 branches"


def test_string_matches_is_linear_with_many_stars():
    pattern = "*a" * 20 + "*b"
    assert wildcard_match(pattern, "a" * 40) is False
    assert wildcard_match(pattern, "a" * 40 + "b") is True
    rule = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.s", "StringMatches": pattern, "Next": "Yes"}],
              "Default": "No"},
        "Yes": {"Type": "Succeed"}, "No": {"Type": "Fail", "Error": "NoMatch"}}}
    assert run(rule, {"s": "a" * 5000}, _no_invoker).error == "NoMatch"


@pytest.mark.parametrize("pattern, value, expected", [
    ("*.log", "app.log", True), ("*.log", "app.txt", False), ("log*", "logfile", True),
    ("a*b*c", "aXbYc", True), ("a*b*c", "acb", False), ("ab", "ab", True), (r"a\*b", "a*b", True),
    (r"a\*b", "axb", False), ("*", "", True), ("a**b", "ab", True), ("ab*ab", "ab", False),
])
def test_string_matches_keeps_its_meaning(pattern, value, expected):
    assert wildcard_match(pattern, value) is expected


def test_array_unique_is_not_quadratic_and_keeps_first_occurrences():
    from console.stepfunctions.intrinsics import evaluate

    items = list(range(60000)) * 2 + [1.0, True, "1", None, {"a": 1}, {"a": 1}, [1], [1]]
    unique = evaluate("States.ArrayUnique($.items)", {"items": items}, {})
    assert unique[:60000] == list(range(60000))
    assert unique[60000:] == [True, "1", None, {"a": 1}, [1]]  # 1.0 equals 1; true does not


def test_parallel_nested_past_the_limit_is_a_validation_message():
    with pytest.raises(asl.DefinitionError) as info:
        Execution(_nested_parallel(150, 1), _no_invoker)
    assert "nests more than" in str(info.value)


def test_intrinsics_nested_150_deep_are_a_clear_error():
    expr = "States.ArrayLength(" * 150 + "States.Array()" + ")" * 150
    problems = asl.validate(_pass_with({"x.$": expr}))
    result = run(_pass_with({"x.$": expr}), {}, _no_invoker) if not problems else None
    assert problems or result.error in ("States.IntrinsicFailure", "States.Runtime")
    assert any("nested" in p for p in problems) or "nested" in (result.cause or "")


def test_string_to_json_of_a_deeply_nested_string_fails_as_a_states_error():
    result = run(_pass_with({"x.$": "States.StringToJson($.s)"}), {"s": "[" * 100000 + "]" * 100000}, _no_invoker)
    assert (result.status, result.error) == ("FAILED", "States.IntrinsicFailure")
    assert "nested too deeply" in result.cause


def test_deeply_nested_input_fails_the_execution_not_the_console():
    data: list = []
    for _ in range(5000):
        data = [data]
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, data, _no_invoker)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "nested too deeply" in result.cause
