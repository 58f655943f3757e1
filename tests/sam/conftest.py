"""Fixtures for the SAM tests: project folders written from template text and code files."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

# What `sam init` writes for the Python "Hello World Example" (runtime python3.13, zip package):
# its template.yaml and hello_world/app.py, comments shortened.
SAM_INIT_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

  Sample SAM Template for sam-app

# More info about Globals: https://github.com/awslabs/serverless-application-model/blob/master/docs/globals.rst
Globals:
  Function:
    Timeout: 3

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function # More info about Function Resource
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
        - x86_64
      Events:
        HelloWorld:
          Type: Api # More info about API Event Source
          Properties:
            Path: /hello
            Method: get

Outputs:
  # ServerlessRestApi is an implicit API created out of Events key under Serverless::Function
  HelloWorldApi:
    Description: "API Gateway endpoint URL for Prod stage for Hello World function"
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/Prod/hello/"
  HelloWorldFunction:
    Description: "Hello World Lambda Function ARN"
    Value: !GetAtt HelloWorldFunction.Arn
  HelloWorldFunctionIamRole:
    Description: "Implicit IAM Role created for Hello World function"
    Value: !GetAtt HelloWorldFunctionRole.Arn
"""

SAM_INIT_APP = """\
import json

# import requests


def lambda_handler(event, context):
    \"\"\"Sample pure Lambda function\"\"\"

    return {
        "statusCode": 200,
        "body": json.dumps({
            "message": "hello world",
            # "location": ip.text.replace("\\n", "")
        }),
    }
"""


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write `template` (YAML text, dedented) and `files` (relative path → code) into a fresh
    folder; returns the template's path."""
    counter = iter(range(10_000))

    def make(template: str, files: dict[str, str] | None = None, name: str = "template.yaml") -> Path:
        root = tmp_path / f"project{next(counter)}"
        root.mkdir()
        for rel, text in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        path = root / name
        path.write_text(textwrap.dedent(template))
        return path

    return make


@pytest.fixture
def hello_project(make_project) -> Path:
    return make_project(SAM_INIT_TEMPLATE, {"hello_world/app.py": SAM_INIT_APP, "hello_world/__init__.py": ""})


@pytest.fixture(autouse=True)
def _workspace(tmp_path_factory, monkeypatch) -> Path:
    """Run state (metrics of template functions) goes to a throw-away workspace."""
    root = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(root))
    return root
