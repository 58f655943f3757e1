"""A template's functions as the console runs them: settings, skips with reasons, env vars, layers."""

from __future__ import annotations

import json

import pytest

from console.sam.functions import load_env_vars, load_project, parse_parameter_overrides
from console.sam.template import TemplateError


def test_the_sam_init_hello_world_template(hello_project):
    project = load_project(hello_project)
    assert [f.logical_id for f in project.runnable()] == ["HelloWorldFunction"]
    fn = project.get("HelloWorldFunction")
    assert (fn.handler, fn.runtime, fn.timeout_s, fn.memory_mb) == ("app.lambda_handler", "python3.13", 3, 128)
    assert fn.code_dir == hello_project.parent / "hello_world"
    assert fn.architectures == ["x86_64"]
    assert fn.events["HelloWorld"]["Properties"] == {"Path": "/hello", "Method": "get"}
    assert project.problems == []  # Outputs' !GetAtt are not the console's business
    config = fn.to_function_config()
    assert (config.function_name, config.handler) == ("HelloWorldFunction", "app.lambda_handler")


def test_a_folder_finds_its_template(hello_project):
    assert load_project(hello_project.parent).template_path == hello_project
    with pytest.raises(TemplateError, match="has no template.yaml"):
        load_project(hello_project.parent / "hello_world")


SKIPS = """
Resources:
  Node:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: nodejs20.x}
  NoCode:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12}
  Missing:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: nowhere/, Handler: app.handler, Runtime: python3.12}
  InS3:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://bucket/key.zip, Handler: app.handler, Runtime: python3.12}
  Image:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: repo:tag}
  Inline:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "def h(e, c): pass", Handler: index.h, Runtime: python3.12}
  Old:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python2.7}
  TooBig:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, MemorySize: 20000}
  Good:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
"""


def test_functions_that_cannot_run_are_listed_with_the_reason(make_project):
    project = load_project(make_project(SKIPS, {"src/app.py": "def handler(e, c):\n    return 1\n"}))
    reasons = {f.logical_id: f.skipped for f in project.skipped()}
    assert [f.logical_id for f in project.runnable()] == ["Good"]
    assert "nodejs20.x is not Python" in reasons["Node"]
    assert "no CodeUri" in reasons["NoCode"]
    assert "nowhere/ does not exist" in reasons["Missing"]
    assert "S3" in reasons["InS3"]
    assert "container image" in reasons["Image"]
    assert "InlineCode" in reasons["Inline"]
    assert "python2.7" in reasons["Old"]
    assert "Memory must be between" in reasons["TooBig"]


def test_lambda_function_resources_with_a_local_code_path_run_too(make_project):
    template = """
    Resources:
      Plain:
        Type: AWS::Lambda::Function
        Properties: {Code: src, Handler: app.handler, Runtime: python3.11, Timeout: 30,
                     Environment: {Variables: {AB: c}}}
      Zipped:
        Type: AWS::Lambda::Function
        Properties: {Code: {ZipFile: "x"}, Handler: index.handler, Runtime: python3.11}
    """
    project = load_project(make_project(template, {"src/app.py": "def handler(e, c):\n    return 1\n"}))
    plain = project.get("Plain")
    assert plain.runnable and plain.timeout_s == 30 and plain.environment == {"AB": "c"}
    assert "inline" in project.get("Zipped").skipped


ENV_TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: src/
    Environment:
      Variables:
        STAGE: !Ref Stage
        SHARED: global
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Api:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: !If [IsProd, 1024, 256]
      Environment:
        Variables:
          TABLE_ARN: !GetAtt Table.Arn
          TABLE_NAME: !Ref Table
          FLAG: true
          COUNT: 3
  Worker:
    Type: AWS::Serverless::Function
    Condition: IsProd
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
"""


def test_environment_globals_and_unresolvable_values(make_project):
    project = load_project(make_project(ENV_TEMPLATE, {"src/app.py": "def handler(e, c):\n    return 1\n"}))
    api = project.get("Api")
    assert api.memory_mb == 256
    assert api.environment == {"STAGE": "dev", "SHARED": "global", "TABLE_ARN": "", "TABLE_NAME": "", "FLAG": "true", "COUNT": "3"}
    unresolved = [p for p in project.problems if "cannot be resolved locally" in p]
    assert len(unresolved) == 2
    assert any("TABLE_ARN = !GetAtt Table.Arn" in p and '"Api": {"TABLE_ARN"' in p for p in unresolved)
    assert "Condition IsProd is false" in project.get("Worker").skipped


def test_env_vars_file_fills_in_what_the_template_cannot(make_project, tmp_path):
    path = make_project(ENV_TEMPLATE, {"src/app.py": "def handler(e, c):\n    return 1\n"})
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({
        "Parameters": {"SHARED": "from-parameters"},
        "Api": {"TABLE_ARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t", "UNDECLARED": "x"},
        "Ghost": {"A": "b"},
    }))
    project = load_project(path, env_vars=env_file, parameter_overrides={"Stage": "prod"})
    api = project.get("Api")
    assert api.environment["TABLE_ARN"].endswith("table/t")
    assert api.environment["SHARED"] == "from-parameters"
    assert api.environment["STAGE"] == "prod" and api.memory_mb == 1024
    assert "UNDECLARED" not in api.environment
    assert any("UNDECLARED" in p and "does not declare" in p for p in project.problems)
    assert any("Ghost" in p for p in project.problems)
    assert project.get("Worker").runnable


def test_bad_env_vars_files_get_one_message(tmp_path):
    bad = tmp_path / "env.json"
    bad.write_text('{"Api": "not an object"}')
    with pytest.raises(TemplateError, match="must map function logical IDs"):
        load_env_vars(bad)
    bad.write_text("{nope")
    with pytest.raises(TemplateError, match="not valid JSON"):
        load_env_vars(bad)


def test_parameter_overrides_in_both_of_sams_spellings():
    assert parse_parameter_overrides(["A=1 B=x=y", "ParameterKey=C,ParameterValue=3"]) == {"A": "1", "B": "x=y", "C": "3"}
    with pytest.raises(TemplateError):
        parse_parameter_overrides(["novalue"])


def test_local_layers_are_kept_with_the_function(make_project):
    template = """
    Resources:
      Deps:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: layers/deps/}
      Source:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: layers/source/}
        Metadata: {BuildMethod: python3.12}
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Runtime: python3.12
          EphemeralStorage: {Size: 1024}
          Layers:
            - !Ref Deps
            - !Ref Source
            - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
    """
    path = make_project(template, {"src/app.py": "x = 1\n", "layers/deps/python/helper.py": "y = 2\n",
                                   "layers/source/requirements.txt": ""})
    project = load_project(path)
    fn = project.get("Fn")
    deps = path.parent / "layers" / "deps"
    assert [(layer.logical_id, layer.content_dir) for layer in fn.layers] == [("Deps", deps)]
    assert any("AWSLambdaPowertoolsPythonV3" in p and "left out" in p for p in project.problems)
    assert any("Source" in p and "sam build" in p for p in project.problems)
    config = fn.to_function_config()
    assert config.layers == (str(deps),) and config.ephemeral_storage_mb == 1024
