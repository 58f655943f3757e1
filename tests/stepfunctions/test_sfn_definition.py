"""Definitions are checked before running, with statelint-style messages naming the offending field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.stepfunctions import DefinitionError, load, validate

ARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
REPO = Path(__file__).resolve().parents[2]


def machine(**states) -> dict:
    return {"StartAt": next(iter(states)), "States": states}


def task(**fields) -> dict:
    return {"Type": "Task", "Resource": ARN, **fields}


VALID = machine(
    A=task(Next="B", Retry=[{"ErrorEquals": ["States.Timeout"]}, {"ErrorEquals": ["States.ALL"]}],
           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.error"}]),
    B={"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericGreaterThan": 1, "Next": "C"}], "Default": "D"},
    C={"Type": "Wait", "Seconds": 1, "Next": "D"},
    D={"Type": "Pass", "Parameters": {"v.$": "States.Format('x={}', $.x)", "c.$": "$$.Execution.Id"}, "End": True},
    F={"Type": "Fail", "Error": "Oops", "Cause": "bad"},
)

# (definition, a message fragment that must be reported)
INVALID = [
    ({"States": {"A": {"Type": "Succeed"}}}, 'State Machine does not have required field "StartAt"'),
    ({"StartAt": "A"}, 'State Machine does not have required field "States"'),
    ({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}, 'StartAt value "Nope" not found in States field'),
    (machine(A={"Type": "Pass", "Next": "Ghost"}), 'No state found named "Ghost", referenced at State Machine.States.A.Next'),
    (machine(A={"Type": "Pass", "End": True}, B={"Type": "Succeed"}), "No transition found to state State Machine.States.B"),
    (machine(A={"Type": "Pass", "Next": "B"}, B={"Type": "Pass", "Next": "A"}), "No terminal state found in machine at State Machine.States"),
    (machine(A={"Type": "Pass"}), 'State Machine.States.A must have "Next" or "End": true'),
    (machine(A={"Type": "Pass", "Next": "B", "End": True}, B={"Type": "Succeed"}), 'may have only one of "Next" and "End"'),
    (machine(A={"Type": "Bogus", "End": True}), 'State Machine.States.A.Type is "Bogus" but should be one of'),
    (machine(A={"Type": "Pass", "End": True, "Colour": "red"}), 'Field "Colour" not allowed in State Machine.States.A'),
    (machine(A={"Type": "Pass", "End": True, "InputPath": "a.b"}), 'State Machine.States.A.InputPath is "a.b" but should be a JSONPath'),
    (machine(A={"Type": "Pass", "End": True, "ResultPath": "$.a[*]"}), "ResultPath is \"$.a[*]\" but should be a Reference Path"),
    (machine(A={"Type": "Pass", "End": True, "Parameters": {"x.$": "nope"}}), "Parameters.x.$ is \"nope\" but should be a JSONPath or an intrinsic function"),
    (machine(A={"Type": "Pass", "End": True, "Parameters": {"x.$": "States.Format('a'"}}), "not a valid intrinsic function"),
    (machine(A={"Type": "Task", "End": True}), 'State Machine.States.A does not have required field "Resource"'),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["States.ALL", "Oops"]}])), '"States.ALL" must appear alone'),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Oops"]}])), 'a rule with "States.ALL" must be the last'),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "BackoffRate": 0.5}])), "Retry[0].BackoffRate is 0.5 but should be a number >= 1.0"),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "MaxAttempts": -1}])), "Retry[0].MaxAttempts is -1"),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "IntervalSeconds": 0}])), "Retry[0].IntervalSeconds is 0"),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "MaxDelaySeconds": 31622401}])), "Retry[0].MaxDelaySeconds is 31622401"),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "JitterStrategy": "HALF"}])), 'JitterStrategy is "HALF" but should be one of FULL, NONE'),
    (machine(A=task(End=True, Retry=[{"ErrorEquals": ["Oops"], "Next": "A"}])), 'Field "Next" not allowed in State Machine.States.A.Retry[0]'),
    (machine(A=task(End=True, Retry=[{"MaxAttempts": 1}])), 'Retry[0] does not have required field "ErrorEquals"'),
    (machine(A=task(End=True, Catch=[{"ErrorEquals": ["Oops"]}])), 'Catch[0] does not have required field "Next"'),
    (machine(A=task(End=True, Catch=[{"ErrorEquals": ["States.Bogus"], "Next": "A"}])), '"States.Bogus" is not a predefined States error name'),
    (machine(A=task(End=True, TimeoutSeconds=0)), "TimeoutSeconds is 0 but should be a positive integer"),
    (machine(A=task(End=True, TimeoutSeconds=5, TimeoutSecondsPath="$.t")), 'may have only one of "TimeoutSeconds" and "TimeoutSecondsPath"'),
    (machine(A=task(End=True, TimeoutSeconds=5, HeartbeatSeconds=5)), "HeartbeatSeconds (5) should be smaller than TimeoutSeconds (5)"),
    (machine(A={"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}), "the local runner supports Lambda function ARNs"),
    (machine(A={"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}), 'Parameters must have "FunctionName"'),
    (machine(A={"Type": "Wait", "End": True}), 'must have exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath"'),
    (machine(A={"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}), 'must have exactly one of "Seconds"'),
    (machine(A={"Type": "Wait", "Timestamp": "tomorrow", "End": True}), 'Timestamp is "tomorrow" but should be an RFC3339 timestamp'),
    (machine(A={"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "a"}], "Default": "B"}, B={"Type": "Succeed"}),
     'Choices[0] does not have required field "Next"'),
    (machine(A={"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "B"}]}, B={"Type": "Succeed"}),
     'Choices[0].NumericEquals is "1" but should be a number'),
    (machine(A={"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "B"}]}, B={"Type": "Succeed"}),
     "must have exactly one comparison operator or And/Or/Not (found 0)"),
    (machine(A={"Type": "Choice", "Choices": [{"And": [{"Variable": "$.x", "IsNull": True, "Next": "B"}], "Next": "B"}]}, B={"Type": "Succeed"}),
     'Field "Next" not allowed in State Machine.States.A.Choices[0].And[0]'),
    (machine(A={"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "B"}], "Next": "B"}, B={"Type": "Succeed"}),
     'Field "Next" not allowed in State Machine.States.A'),
    (machine(A={"Type": "Choice", "Choices": []}), "State Machine.States.A.Choices should be a non-empty array"),
    (machine(A={"Type": "Succeed", "Next": "A"}), 'Field "Next" not allowed in State Machine.States.A'),
    (machine(A={"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}), 'may have only one of "Error" and "ErrorPath"'),
    (machine(A={"Type": "Parallel", "End": True, "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}]}),
     'No state found named "Y", referenced at State Machine.States.A.Branches[0].States.X.Next'),
    (machine(A={"Type": "Parallel", "End": True, "Branches": []}), "Branches should be a non-empty array"),
    (machine(A={"Type": "Map", "End": True}), 'must have exactly one of "ItemProcessor" and "Iterator"'),
    (machine(A={"Type": "Map", "End": True, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "X",
                                                             "States": {"X": {"Type": "Succeed"}}}}), "only INLINE maps run locally"),
    (machine(A={"Type": "Map", "End": True, "MaxConcurrency": -2, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}),
     "MaxConcurrency is -2 but should be a non-negative integer"),
    ({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Extra": 1}, 'Field "Extra" not allowed in State Machine'),
    ({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "TimeoutSeconds": -1}, "State Machine.TimeoutSeconds is -1"),
    (machine(A={"Type": "Pass", "Next": "P"}, P={"Type": "Parallel", "End": True, "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}),
     'State name "A" is used more than once'),
    (machine(A={"Type": "Pass", "End": True, "QueryLanguage": "JSONata"}), "only JSONPath is supported locally"),
    ([], "State Machine must be a JSON object"),
]


def test_a_complete_valid_definition_has_no_problems():
    assert validate(VALID) == []


def test_there_are_at_least_fifteen_invalid_definitions():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("definition,message", INVALID, ids=[m[:60] for _, m in INVALID])
def test_invalid_definition_is_reported(definition, message):
    problems = validate(definition)
    assert any(message in p for p in problems), problems


def test_several_problems_are_all_reported_at_once():
    problems = validate(machine(A={"Type": "Pass", "Next": "Ghost", "Bogus": 1}, B={"Type": "Succeed"}))
    assert 'No state found named "Ghost", referenced at State Machine.States.A.Next' in problems
    assert 'Field "Bogus" not allowed in State Machine.States.A' in problems
    assert "No transition found to state State Machine.States.B" in problems


def test_empty_catch_and_retry_lists_are_valid():
    assert validate(machine(A=task(End=True, Retry=[], Catch=[]))) == []


def test_lambda_invoke_with_function_name_path_is_valid():
    d = machine(A={"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName.$": "$.fn", "Payload.$": "$"}, "End": True})
    assert validate(d) == []


def test_load_reports_bad_json_with_its_position(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"StartAt": "A",')
    with pytest.raises(DefinitionError) as info:
        load(path)
    assert "State Machine is not valid JSON" in info.value.problems[0]
    assert "line 1" in info.value.problems[0]


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(DefinitionError) as info:
        load(tmp_path / "nope.json")
    assert "Cannot read" in info.value.problems[0]


def test_the_blueprint_definition_is_valid():
    path = REPO / "blueprints" / "sfn-create-account" / "statemachine.json"
    assert validate(json.loads(path.read_text())) == []
