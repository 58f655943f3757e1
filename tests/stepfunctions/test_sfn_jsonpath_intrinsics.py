"""JSONPath selection and placement, and the intrinsic functions, as ASL defines them."""

from __future__ import annotations

import hashlib
import re

import pytest

from console.stepfunctions import jsonpath
from console.stepfunctions.dataflow import apply_result_path, apply_template, select
from console.stepfunctions.errors import RESULT_PATH_MATCH_FAILURE, StateRuntimeError, StatesError
from console.stepfunctions.intrinsics import evaluate

DOC = {"a": {"b": [10, 20, {"c": "deep"}]}, "odd key": 1, "list": [{"n": 1}, {"n": 2}], "s": "text"}


@pytest.mark.parametrize(
    "path,value",
    [
        ("$", DOC),
        ("$.a.b", [10, 20, {"c": "deep"}]),
        ("$['odd key']", 1),
        ('$["odd key"]', 1),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", "deep"),
        ("$.list[*].n", [1, 2]),
        ("$.list[0:1]", [{"n": 1}]),
        ("$..n", [1, 2]),
        ("$.a.*", [[10, 20, {"c": "deep"}]]),
        ("$.list[?(@.n > 1)]", [{"n": 2}]),
        ("$.list[?(@.n == 1)].n", [1]),
        ("$.list[?(@.n)]", [{"n": 1}, {"n": 2}]),
        ("$.list[?(@.n != 'x')]", [{"n": 1}, {"n": 2}]),
    ],
)
def test_paths_select_like_jayway(path, value):
    assert jsonpath.get(DOC, path) == value


def test_context_paths_read_the_context_object():
    assert jsonpath.get(DOC, "$$.State.Name", {"State": {"Name": "S"}}) == "S"


def test_missing_property_message_uses_bracket_form():
    with pytest.raises(jsonpath.PathNotFound, match=re.escape("Missing property in path $['a']['x']")):
        jsonpath.get(DOC, "$.a.x.y")


@pytest.mark.parametrize("bad", ["a.b", "$.", "$[", "$.a[x]", "$.a[1:2:3:4]", "", "$.a[?(@.x ~ 1)]", "$.a[?(@.x > 1]"])
def test_malformed_paths_are_rejected(bad):
    assert not jsonpath.valid(bad)


def test_reference_paths_exclude_wildcards():
    assert jsonpath.is_reference_path("$.a.b[0]")
    assert not jsonpath.is_reference_path("$.a[*]")
    assert not jsonpath.is_reference_path("$..a")


def test_result_path_nests_creating_objects_and_copies_the_input():
    original = {"keep": 1}
    assert apply_result_path(original, "r", "$.x.y") == {"keep": 1, "x": {"y": "r"}}
    assert original == {"keep": 1}


def test_result_path_dollar_replaces_and_null_discards():
    assert apply_result_path({"a": 1}, {"b": 2}, "$") == {"b": 2}
    assert apply_result_path({"a": 1}, {"b": 2}, None) == {"a": 1}


def test_result_path_into_a_non_object_is_result_path_match_failure():
    with pytest.raises(StatesError) as info:
        apply_result_path({"a": "text"}, 1, "$.a.b")
    assert info.value.error == RESULT_PATH_MATCH_FAILURE


def test_input_and_output_path_null_give_an_empty_object():
    assert select({"a": 1}, None, "InputPath") == {}


def test_missing_input_path_is_states_runtime():
    with pytest.raises(StateRuntimeError, match=re.escape("Invalid path '$.nope' : Missing property in path $['nope']")):
        select({"a": 1}, "$.nope", "InputPath")


def test_parameters_resolve_paths_context_and_nested_templates():
    template = {"x.$": "$.a.b[0]", "ctx.$": "$$.State.Name", "static": {"n.$": "$.s"}, "arr": [{"v.$": "$.s"}, 3]}
    out = apply_template(template, DOC, {"State": {"Name": "S"}})
    assert out == {"x": 10, "ctx": "S", "static": {"n": "text"}, "arr": [{"v": "text"}, 3]}


def test_parameters_with_a_missing_path_name_field_and_input():
    with pytest.raises(StateRuntimeError) as info:
        apply_template({"x.$": "$.nope"}, {"a": 1}, {})
    assert info.value.detail == "The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{\"a\":1}'"


DATA = {"name": "Ada", "n": 3, "arr": [1, 2, 2, 3], "json": '{"k": [1]}', "obj": {"a": 1}}


@pytest.mark.parametrize(
    "expr,expected",
    [
        ("States.Format('Hello, {}! You have {} items', $.name, $.n)", "Hello, Ada! You have 3 items"),
        ("States.Format('literal \\{\\} and {}', $.name)", "literal {} and Ada"),
        ("States.Format('{}', States.Format('{}-{}', 'a', 'b'))", "a-b"),
        ("States.StringToJson($.json)", {"k": [1]}),
        ("States.JsonToString($.obj)", '{"a":1}'),
        ("States.Array('a', 1, true, null, $.n)", ["a", 1, True, None, 3]),
        ("States.ArrayPartition($.arr, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.arr, 3)", True),
        ("States.ArrayContains($.arr, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayGetItem($.arr, 3)", 3),
        ("States.ArrayLength($.arr)", 4),
        ("States.ArrayUnique($.arr)", [1, 2, 3]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", hashlib.sha1(b"input data").hexdigest()),
        ("States.JsonMerge($.obj, States.StringToJson('{\"b\": 2}'), false)", {"a": 1, "b": 2}),
        ("States.MathAdd($.n, -1)", 2),
        ("States.StringSplit('1,2;3', ',;')", ["1", "2", "3"]),
        ("States.ArrayLength(States.Array())", 0),
    ],
)
def test_intrinsic_functions(expr, expected):
    assert evaluate(expr, DATA, {}) == expected


def test_uuid_and_math_random():
    value = evaluate("States.UUID()", DATA, {})
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", value)
    assert 1 <= evaluate("States.MathRandom(1, 10)", DATA, {}) < 10
    assert evaluate("States.MathRandom(1, 1000, 7)", DATA, {}) == evaluate("States.MathRandom(1, 1000, 7)", DATA, {})


def test_intrinsics_read_the_context_object():
    assert evaluate("States.Format('{}#{}', $$.State.Name, $$.State.RetryCount)", {}, {"State": {"Name": "S", "RetryCount": 2}}) == "S#2"


@pytest.mark.parametrize(
    "expr",
    [
        "States.Format('{} {}', 'one')",
        "States.MathAdd('1', 2)",
        "States.ArrayGetItem($.arr, 10)",
        "States.StringToJson('{bad')",
        "States.Hash('x', 'CRC32')",
        "States.Nope(1)",
    ],
)
def test_bad_intrinsic_arguments_are_intrinsic_failures(expr):
    with pytest.raises(StatesError) as info:
        evaluate(expr, DATA, {})
    assert info.value.error == "States.IntrinsicFailure"


def test_a_missing_path_argument_is_states_runtime():
    with pytest.raises(StateRuntimeError):
        evaluate("States.Format('{}', $.missing)", DATA, {})
