"""Reading templates: CloudFormation's short tags, dates kept as text, broken files named clearly."""

from __future__ import annotations

import pytest

from console.sam.template import TemplateError, find_template, load_template, parse_template_text


def test_short_tags_become_their_long_forms():
    data = parse_template_text(
        """
        Resources:
          F:
            Properties:
              A: !Ref Param
              B: !Sub "${AWS::Region}-x"
              C: !GetAtt Table.Arn
              D: !Join [":", [a, !Ref P]]
              E: !If [IsProd, 1, 2]
              G: !Select [0, !Split [",", "a,b"]]
              H: !FindInMap [M, K, V]
              I: !Condition IsProd
              J: !Sub
                - "${X}"
                - X: y
        """
    )
    props = data["Resources"]["F"]["Properties"]
    assert props["A"] == {"Ref": "Param"}
    assert props["B"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["C"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert props["D"] == {"Fn::Join": [":", ["a", {"Ref": "P"}]]}
    assert props["E"] == {"Fn::If": ["IsProd", 1, 2]}
    assert props["G"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert props["H"] == {"Fn::FindInMap": ["M", "K", "V"]}
    assert props["I"] == {"Condition": "IsProd"}
    assert props["J"] == {"Fn::Sub": ["${X}", {"X": "y"}]}


def test_dates_stay_text_as_cloudformation_reads_them():
    data = parse_template_text("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n")
    assert data["AWSTemplateFormatVersion"] == "2010-09-09"


def test_json_templates_are_read_too(tmp_path):
    path = tmp_path / "template.json"
    path.write_text('{"Resources": {"F": {"Type": "AWS::Serverless::Function"}}}')
    assert find_template(tmp_path) == path
    assert load_template(path)["Resources"]["F"]["Type"] == "AWS::Serverless::Function"


def test_template_yaml_is_preferred_over_yml_and_json(tmp_path):
    for name in ("template.json", "template.yml", "template.yaml"):
        (tmp_path / name).write_text("Resources: {}\n")
    assert find_template(tmp_path).name == "template.yaml"
    assert find_template(tmp_path / "missing") is None


def test_broken_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  F:\n    Type: [unclosed\n")
    with pytest.raises(TemplateError, match=r"template.yaml is not valid YAML: .* line \d+ column \d+"):
        load_template(path)


def test_a_control_character_in_a_template_is_one_line(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(b"\x00\x01binary")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert "\n" not in str(caught.value) and "not valid YAML" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just\n- a list\n", "top level must be a mapping"),
        ("Description: nothing\n", "has no Resources section"),
        ('{"Resources": [}', "is not valid JSON"),
    ],
)
def test_files_that_are_not_templates_are_refused(text, message):
    with pytest.raises(TemplateError, match=message):
        parse_template_text(text)


def test_deeply_nested_yaml_is_refused_not_crashed():
    text = "Resources:\n  F: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(TemplateError):
        parse_template_text(text)


def test_missing_binary_and_huge_files_get_one_message(tmp_path):
    with pytest.raises(TemplateError, match="No template at"):
        load_template(tmp_path / "nope.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"Resources: \xff\xfe\n")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template(binary)
    huge = tmp_path / "huge.yaml"
    huge.write_text("Resources: {}\n" + "#" * 1_100_000)
    with pytest.raises(TemplateError, match="larger than CloudFormation"):
        load_template(huge)
