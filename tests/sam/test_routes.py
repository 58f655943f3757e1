"""HTTP routes and API settings from the SAM docs' shapes: REST APIs, HTTP APIs, function URLs."""

from __future__ import annotations

from console.sam.functions import load_project
from console.sam.routes import Cors, http_setup

CODE = {"src/app.py": "def handler(event, context):\n    return {}\n"}

REST = """
Globals:
  Api:
    BinaryMediaTypes: ["image~1png", "application~1octet-stream"]
Resources:
  ApiGatewayApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Variables: {env: test}
      Cors:
        AllowMethods: "'POST, GET'"
        AllowHeaders: "'X-Forwarded-For'"
        AllowOrigin: "'www.example.com'"
        MaxAge: "'600'"
        AllowCredentials: true
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        ApiEvent:
          Type: Api
          Properties:
            Path: /path
            Method: get
            RestApiId: !Ref ApiGatewayApi
        Proxy:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: ANY}
"""


def test_rest_api_example(make_project):
    project = load_project(make_project(REST, CODE))
    setup = http_setup(project)
    routes = {(r.api_id, r.method, r.path, r.payload_version) for r in setup.routes}
    assert routes == {("ApiGatewayApi", "GET", "/path", "1.0"), ("ServerlessRestApi", "ANY", "/{proxy+}", "1.0")}
    api = setup.apis["ApiGatewayApi"]
    assert (api.kind, api.stage, api.stage_variables) == ("rest", "Prod", {"env": "test"})
    assert api.binary_media_types == ["image/png", "application/octet-stream"]
    assert api.cors == Cors(allow_origins=("www.example.com",), allow_methods=("POST", "GET"),
                            allow_headers=("X-Forwarded-For",), max_age=600, allow_credentials=True)
    assert setup.apis["ServerlessRestApi"].stage == "Prod"  # the implicit API's stage


HTTP = """
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: dev
      StageVariables: {color: green}
      CorsConfiguration:
        AllowOrigins: ["https://www.example.com"]
        AllowHeaders: [x-apigateway-header]
        AllowMethods: [GET]
        MaxAge: 600
        AllowCredentials: true
  HttpApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        ExplicitApi:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: GET
            Path: /path
            TimeoutInMillis: 15000
            PayloadFormatVersion: "1.0"
        ImplicitApi:
          Type: HttpApi
          Properties: {Path: "/items/{id}", Method: post}
        Everything:
          Type: HttpApi
"""


def test_http_api_example(make_project):
    project = load_project(make_project(HTTP, CODE))
    setup = http_setup(project)
    routes = {(r.api_id, r.route_key, r.payload_version) for r in setup.routes}
    assert routes == {
        ("HttpApi", "GET /path", "1.0"),
        ("ServerlessHttpApi", "POST /items/{id}", "2.0"),
        ("ServerlessHttpApi", "$default", "2.0"),
    }
    api = setup.apis["HttpApi"]
    assert (api.kind, api.stage, api.stage_variables) == ("http", "dev", {"color": "green"})
    assert api.cors == Cors(allow_origins=("https://www.example.com",), allow_methods=("GET",),
                            allow_headers=("x-apigateway-header",), max_age=600, allow_credentials=True)
    assert setup.apis["ServerlessHttpApi"].stage == "$default"


URL = """
Resources:
  MyUrlFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      FunctionUrlConfig:
        AuthType: AWS_IAM
        InvokeMode: BUFFERED
        Cors:
          AllowOrigins: ["https://example.com"]
          AllowMethods: [GET, post]
          ExposeHeaders: [x-total]
  Elsewhere:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Missing: {Type: Api, Properties: {Path: /x, Method: get, RestApiId: NotAnApi}}
        Computed: {Type: Api, Properties: {Path: !GetAtt Thing.Path, Method: get}}
"""


def test_function_url_example_and_events_that_cannot_be_served(make_project):
    project = load_project(make_project(URL, CODE))
    setup = http_setup(project)
    assert [(r.kind, r.function, r.route_key) for r in setup.routes] == [("url", "MyUrlFunction", "$default")]
    api = setup.apis["MyUrlFunctionUrl"]
    assert api.kind == "url" and api.cors.allow_methods == ("GET", "POST") and api.cors.expose_headers == ("x-total",)
    assert any("AWS_IAM" in p and "not signature-checked" in p for p in project.problems)
    assert any("NotAnApi" in p and "not served" in p for p in project.problems)
    assert any("Computed" in p and "cannot be resolved" in p for p in project.problems)
