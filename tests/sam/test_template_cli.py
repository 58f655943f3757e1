"""`invoke` and `serve` with SAM templates: by logical ID, with parameter overrides and env vars."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

TEMPLATE = """
Parameters:
  Greeting: {Type: String, Default: Hello}
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  First:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: first/
      Environment:
        Variables:
          GREETING: !Sub "${Greeting} from ${AWS::Region}"
          TABLE: !GetAtt Table.Arn
  Second:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: second/}
  Node:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: first/, Runtime: nodejs20.x}
"""

FIRST = """
import os
def handler(event, context):
    return {"greeting": os.environ["GREETING"], "table": os.environ["TABLE"], "event": event,
            "name": context.function_name}
"""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(make_project) -> Path:
    return make_project(TEMPLATE, {"first/app.py": FIRST, "second/app.py": "def handler(e, c):\n    return 2\n"})


def test_invoke_a_template_function_by_logical_id(project, tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"x": 1}')
    result = run_cli("invoke", "--template", str(project), "First", "--event", str(event), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)["payload"]
    assert payload == {"greeting": "Hello from us-east-1", "table": "", "event": {"x": 1}, "name": "First"}
    assert "TABLE = !GetAtt Table.Arn cannot be resolved locally" in result.stderr
    assert "skipping Node: its runtime nodejs20.x is not Python" in result.stderr
    # Counted in the function's metrics, under its logical ID, like any function folder's
    metrics = json.loads((project.parent / "first" / ".lambda-console" / "metrics.json").read_text())
    assert metrics["function"] == "First"


def test_bare_logical_id_uses_the_template_in_the_current_folder(project, tmp_path):
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"First": {"TABLE": "arn:aws:dynamodb:us-east-1:123456789012:table/local"}}))
    result = run_cli("invoke", "First", "--json", "--parameter-overrides", "Greeting=Howdy", "--env-vars", str(env),
                     cwd=project.parent)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)["payload"]
    assert payload["greeting"] == "Howdy from us-east-1" and payload["table"].endswith("table/local")
    assert "cannot be resolved" not in result.stderr


def test_invoke_names_the_functions_when_it_cannot_choose(project):
    many = run_cli("invoke", cwd=project.parent)
    assert many.returncode == 2 and "name one: First, Second, Node" in many.stderr
    unknown = run_cli("invoke", "Third", cwd=project.parent)
    assert unknown.returncode == 2 and "has no function Third" in unknown.stderr
    skipped = run_cli("invoke", "Node", cwd=project.parent)
    assert skipped.returncode == 2 and "not Python" in skipped.stderr


def test_serve_a_template_to_boto3(project):
    proc = subprocess.Popen([sys.executable, "-m", "console", "serve", "--template", str(project), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = proc.stdout.readline()
        assert first_line.startswith("Lambda Invoke API on "), proc.stderr.read()
        assert "functions: First, Second" in first_line
        url = first_line.split(" on ", 1)[1].split()[0]
        client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x", config=Config(retries={"max_attempts": 0}))
        answer = client.invoke(FunctionName="First", Payload=b'{"via": "boto3"}')
        assert json.loads(answer["Payload"].read())["event"] == {"via": "boto3"}
        assert json.loads(client.invoke(FunctionName="Second")["Payload"].read()) == 2
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.invoke(FunctionName="Node")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_saved_events_of_template_functions_run_as_a_regression_suite(project):
    events = project.parent / "first" / ".lambda-console" / "events"
    events.mkdir(parents=True)
    (events / "one.json").write_text('{"n": 1}')
    recorded = run_cli("test", "--template", str(project), "First", "--update", cwd=project.parent)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (project.parent / "first" / ".lambda-console" / "expected" / "one.json").is_file()
    passing = run_cli("test", "--template", str(project), "--json", cwd=project.parent)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    app = project.parent / "first" / "app.py"
    app.write_text(app.read_text().replace('"event": event', '"event": "changed"'))
    failing = run_cli("test", "--template", str(project), cwd=project.parent)
    assert failing.returncode == 1 and "FAIL" in failing.stdout
    unknown = run_cli("test", "--template", str(project), "Nope", cwd=project.parent)
    assert unknown.returncode == 2 and "has no function Nope" in unknown.stderr


def test_source_run_drives_a_template_function(make_project):
    code = """
    def handler(event, context):
        return {"batchItemFailures": []}
    """
    path = make_project(TEMPLATE, {"first/app.py": code, "second/app.py": "x = 1\n", "first/records.jsonl": '{"n": 1}\n{"n": 2}\n'})
    result = run_cli("source", "run", "sqs", "First", "--template", str(path), "--json", cwd=path.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["unprocessed"] == []


def test_a_local_layer_is_importable_by_the_template_function(make_project, tmp_path):
    template = """
    Resources:
      Shared:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: shared/}
      Fn:
        Type: AWS::Serverless::Function
        Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, Layers: [!Ref Shared]}
    """
    code = "import greeting\ndef handler(event, context):\n    return greeting.text()\n"
    path = make_project(template, {"src/app.py": code, "shared/python/greeting.py": "def text():\n    return 'from the layer'\n"})
    result = run_cli("invoke", "--template", str(path), "Fn", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["payload"] == "from the layer"
