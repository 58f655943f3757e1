"""Resolving template values locally: parameters, pseudo parameters, conditions, intrinsics, Globals."""

from __future__ import annotations

import pytest

from console.sam.resolve import NO_VALUE, Resolver, Unresolved, apply_globals, merge_globals
from console.sam.template import TemplateError, parse_template_text

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 256}
  Names: {Type: CommaDelimitedList, Default: "a, b,c"}
  NoDefault: {Type: String}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /my/param}
Mappings:
  Sizes:
    dev: {memory: 128}
    prod: {memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [a, a]]
Resources:
  Table: {Type: AWS::DynamoDB::Table}
"""


def resolver(**overrides) -> Resolver:
    return Resolver(parse_template_text(TEMPLATE), overrides)


def test_parameters_take_their_defaults_or_overrides():
    r = resolver()
    assert r.resolve({"Ref": "Stage"}) == "dev"
    assert r.resolve({"Ref": "Size"}) == 256
    assert r.resolve({"Ref": "Names"}) == ["a", "b", "c"]
    assert resolver(Stage="prod").resolve({"Ref": "Stage"}) == "prod"


def test_parameters_without_a_value_say_how_to_give_one():
    value = resolver().resolve({"Ref": "NoDefault"})
    assert isinstance(value, Unresolved)
    assert "--parameter-overrides NoDefault=VALUE" in value.reason
    ssm = resolver().resolve({"Ref": "FromSsm"})
    assert isinstance(ssm, Unresolved) and "SSM" in ssm.reason
    assert resolver(FromSsm="x").resolve({"Ref": "FromSsm"}) == "x"


def test_override_problems_are_reported():
    r = resolver(Stage="qa", Unknown="1")
    assert any("Unknown" in p and "does not declare" in p for p in r.problems)
    assert any("AllowedValues" in p for p in r.problems)


def test_pseudo_parameters():
    r = Resolver({"Resources": {}}, region="eu-west-1", account="111122223333")
    assert r.resolve({"Fn::Sub": "${AWS::Region}:${AWS::AccountId}:${AWS::Partition}"}) == "eu-west-1:111122223333:aws"
    assert r.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert r.resolve({"Ref": "AWS::StackName"}) == "sam-app"


def test_sub_handles_variables_literals_and_resource_attributes():
    r = resolver()
    assert r.resolve({"Fn::Sub": "${Stage}-${!Literal}"}) == "dev-${Literal}"
    assert r.resolve({"Fn::Sub": ["${X}/${Stage}", {"X": {"Ref": "Size"}}]}) == "256/dev"
    table = r.resolve({"Fn::Sub": "arn:${Table.Arn}"})
    assert isinstance(table, Unresolved) and table.expression == '!Sub arn:${Table.Arn}'


def test_values_only_a_deployed_stack_knows_are_unresolved_not_raised():
    r = resolver()
    got = r.resolve({"Fn::GetAtt": ["Table", "Arn"]})
    assert isinstance(got, Unresolved) and got.expression == "!GetAtt Table.Arn"
    assert isinstance(r.resolve({"Ref": "Table"}), Unresolved)
    assert isinstance(r.resolve({"Fn::ImportValue": "x"}), Unresolved)
    assert isinstance(r.resolve({"Fn::Join": ["", ["a", {"Fn::GetAtt": ["Table", "Arn"]}]]}), Unresolved)


def test_list_and_map_functions():
    r = resolver()
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}) == "a-dev-3"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}) == "y"
    assert r.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "memory"]}) == 128
    assert isinstance(r.resolve({"Fn::FindInMap": ["Sizes", "qa", "memory"]}), Unresolved)
    assert r.resolve({"Fn::Base64": "hi"}) == "aGk="


def test_conditions_choose_if_branches():
    assert resolver().resolve({"Fn::If": ["IsProd", 1024, 128]}) == 128
    assert resolver(Stage="prod").resolve({"Fn::If": ["IsProd", 1024, 128]}) == 1024
    assert resolver().condition("Both") is True
    assert isinstance(resolver().condition("Missing"), Unresolved)


def test_no_value_removes_the_key_or_item():
    r = resolver()
    got = r.resolve({"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "B": [1, {"Ref": "AWS::NoValue"}]})
    assert got == {"B": [1]}
    assert r.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_globals_merge_as_sam_merges_them():
    glob = {"Timeout": 3, "Environment": {"Variables": {"A": "1", "B": "1"}}, "Layers": ["g"]}
    local = {"Timeout": 10, "Environment": {"Variables": {"B": "2"}}, "Layers": ["l"]}
    assert apply_globals(glob, local) == {
        "Timeout": 10,
        "Environment": {"Variables": {"A": "1", "B": "2"}},
        "Layers": ["g", "l"],
    }
    # An intrinsic is a value, not a map to merge into.
    assert merge_globals({"A": 1}, {"Fn::If": ["c", 1, 2]}) == {"Fn::If": ["c", 1, 2]}


def test_alias_bombs_stop_with_a_message():
    lines = ["Resources:", "  F:", "    Properties:", "      a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"      a{i}: &a{i} [{refs}]")
    data = parse_template_text("\n".join(lines) + "\n")
    with pytest.raises(TemplateError, match="too large"):
        Resolver(data).resolve(data["Resources"]["F"]["Properties"])
