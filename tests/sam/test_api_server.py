"""`lambda-console api` against real HTTP clients (urllib and requests): routes, binary bodies,
cookies, multi-value query strings, greedy paths, 502s, concurrency, Host checks, live edits."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import requests

from console.sam.functions import load_project
from console.service.http_server import HttpApiServer
from log_lines import Lines

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Timeout: 10
Resources:
  FilesApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      BinaryMediaTypes: [image~1png]
      Variables: {color: blue}
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.hello
      Events:
        Get: {Type: Api, Properties: {Path: /hello, Method: get}}
        Echo: {Type: Api, Properties: {Path: /echo, Method: any}}
  Files:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.files
      Events:
        Greedy: {Type: Api, Properties: {Path: "/files/{proxy+}", Method: ANY, RestApiId: !Ref FilesApi}}
        Upload: {Type: Api, Properties: {Path: /upload, Method: post, RestApiId: !Ref FilesApi}}
  Broken:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.broken
      Events:
        Rest: {Type: Api, Properties: {Path: /broken, Method: get}}
        Http: {Type: HttpApi, Properties: {Path: /broken-http, Method: get}}
  Failing:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.failing
      Events:
        Rest: {Type: Api, Properties: {Path: /fail, Method: get}}
        Http: {Type: HttpApi, Properties: {Path: /fail-http, Method: get}}
  Cookies:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.cookies
      Events:
        Http: {Type: HttpApi, Properties: {Path: /cookies, Method: get}}
        Old: {Type: HttpApi, Properties: {Path: /v1/cookies, Method: get, PayloadFormatVersion: "1.0"}}
  Slow:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.slow
      Events:
        Http: {Type: HttpApi, Properties: {Path: /slow, Method: get}}
  Url:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.url
      FunctionUrlConfig:
        AuthType: NONE
        Cors: {AllowOrigins: ["https://app.example"], AllowMethods: [GET]}
"""

APP = '''
import base64, json, os, time

def hello(event, context):
    if event["resource"] == "/echo":
        return {"statusCode": 200, "body": json.dumps({
            "query": event["queryStringParameters"], "multi": event["multiValueQueryStringParameters"],
            "x": event["multiValueHeaders"].get("X-Repeat"), "method": event["httpMethod"]})}
    print("hello was called")
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}

def files(event, context):
    if event["resource"] == "/upload":
        data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else b"not binary"
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(data[::-1]).decode(), "isBase64Encoded": True}
    return {"statusCode": 200, "body": json.dumps({
        "proxy": event["pathParameters"]["proxy"], "stage": event["requestContext"]["stage"],
        "path": event["requestContext"]["path"], "vars": event["stageVariables"]})}

def broken(event, context):
    print("about to answer something API Gateway cannot use")
    return {"statusCode": 200, "body": {"not": "a string"}}

def failing(event, context):
    raise RuntimeError("the function broke")

def cookies(event, context):
    if event.get("version") == "1.0":
        return {"statusCode": 200, "body": json.dumps(event["multiValueHeaders"].get("Cookie"))}
    return {"statusCode": 200, "cookies": ["session=abc; Path=/", "theme=dark"],
            "body": json.dumps(event.get("cookies"))}

def slow(event, context):
    started = time.time()
    time.sleep(0.5)
    return {"start": started, "end": time.time(), "id": context.aws_request_id}

def url(event, context):
    return {"rawPath": event["rawPath"], "query": event.get("queryStringParameters"),
            "routeKey": event["routeKey"]}
'''


def _write_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(textwrap.dedent(APP))
    (root / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return root / "template.yaml"


@pytest.fixture(scope="module")
def project_path(tmp_path_factory) -> Path:
    return _write_project(tmp_path_factory.mktemp("api-project"))


@pytest.fixture(scope="module")
def server(project_path):
    log = Lines()
    with HttpApiServer(lambda: load_project(project_path), port=0, log=log) as srv:
        srv.start()
        srv.test_log = log  # type: ignore[attr-defined]
        yield srv


def test_urllib_gets_the_hello_world_answer_and_a_log_line(server):
    with urllib.request.urlopen(f"{server.url}/hello", timeout=30) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"message": "hello world"}
        assert response.headers["Content-Type"] == "application/json"
    server.test_log.wait_for("GET /hello -> Hello 200")


def test_multi_value_query_strings_and_headers_reach_the_function(server):
    # http.client sends a repeated header when given a list of pairs
    import http.client

    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("PATCH", "/echo?a=1&a=2&b=x%20y")
    conn.putheader("X-Repeat", "one")
    conn.putheader("X-Repeat", "two")
    conn.endheaders()
    seen = json.loads(conn.getresponse().read())
    conn.close()
    assert seen == {"query": {"a": "2", "b": "x y"}, "multi": {"a": ["1", "2"], "b": ["x y"]},
                    "x": ["one", "two"], "method": "PATCH"}


def test_greedy_paths_stages_and_stage_variables(server):
    r = requests.get(f"{server.url}/files/a/b/c.txt", params=[("a", "1"), ("a", "2")], timeout=30)
    assert r.json() == {"proxy": "a/b/c.txt", "stage": "v1", "path": "/v1/files/a/b/c.txt", "vars": {"color": "blue"}}


def test_binary_bodies_travel_as_base64_both_ways(server):
    data = bytes(range(256)) * 4
    r = requests.post(f"{server.url}/upload", data=data, headers={"Content-Type": "image/png", "Accept": "image/png"}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/png"
    assert r.content == data[::-1]


def test_cookies_in_and_out(server):
    r = requests.get(f"{server.url}/cookies", cookies={"a": "1", "b": "2"}, timeout=30)
    assert r.status_code == 200
    assert sorted(r.json()) == ["a=1", "b=2"]
    assert r.cookies.get("session") == "abc" and r.cookies.get("theme") == "dark"
    old = requests.get(f"{server.url}/v1/cookies", cookies={"a": "1"}, timeout=30)
    assert old.json() == ["a=1"]


def test_malformed_response_is_a_502_with_the_log_shown(server):
    r = requests.get(f"{server.url}/broken", timeout=30)
    assert r.status_code == 502 and r.json() == {"message": "Internal server error"}
    server.test_log.wait_for("malformed response for API Gateway: body must be a string")
    server.test_log.wait_for("about to answer something API Gateway cannot use")
    http = requests.get(f"{server.url}/broken-http", timeout=30)
    assert http.status_code == 500 and http.json() == {"message": "Internal Server Error"}


def test_function_errors_are_gateway_errors_with_the_log_shown(server):
    try:
        urllib.request.urlopen(f"{server.url}/fail", timeout=30)
    except urllib.error.HTTPError as exc:
        assert exc.code == 502
        assert json.loads(exc.read()) == {"message": "Internal server error"}
    else:
        raise AssertionError("expected a 502")
    server.test_log.wait_for("RuntimeError: the function broke")
    assert requests.get(f"{server.url}/fail-http", timeout=30).status_code == 500


def test_unknown_routes_and_methods_answer_as_api_gateway(server):
    r = requests.get(f"{server.url}/nothing/here", timeout=30)
    assert r.status_code == 403 and r.json() == {"message": "Missing Authentication Token"}
    assert requests.delete(f"{server.url}/hello", timeout=30).status_code == 403


def test_requests_run_concurrently(server):
    results: list[dict] = []
    lock = threading.Lock()

    def call() -> None:
        r = requests.get(f"{server.url}/slow", timeout=60)
        with lock:
            results.append(r.json() if r.status_code == 200 else {"status": r.status_code})

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 6 and all("id" in r for r in results), results
    assert len({r["id"] for r in results}) == 6
    spans = sorted((r["start"], r["end"]) for r in results)
    overlapping = sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1])
    assert overlapping >= 1, spans  # at least two invocations ran at the same time


def test_foreign_host_headers_are_refused(server):
    r = requests.get(f"{server.url}/hello", headers={"Host": "attacker.example"}, timeout=30)
    assert r.status_code == 403


def test_function_urls_have_their_own_port_and_cors(server):
    urls = server.function_urls()
    assert set(urls) == {"Url"} and urls["Url"] != server.url
    r = requests.get(f"{urls['Url']}/any/path", params={"x": "1"}, headers={"Origin": "https://app.example"}, timeout=30)
    assert r.json() == {"rawPath": "/any/path", "query": {"x": "1"}, "routeKey": "$default"}
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    pre = requests.options(f"{urls['Url']}/", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}, timeout=30)
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Methods"] == "GET"


def test_code_and_template_edits_take_effect_on_the_next_request(tmp_path):
    path = _write_project(tmp_path)
    with HttpApiServer(lambda: load_project(path), port=0, log=Lines()) as srv:
        srv.start()
        assert requests.get(f"{srv.url}/hello", timeout=30).json() == {"message": "hello world"}
        app = path.parent / "src" / "app.py"
        app.write_text(app.read_text().replace('"hello world"', '"hello again, edited"'))
        assert requests.get(f"{srv.url}/hello", timeout=30).json() == {"message": "hello again, edited"}
        text = path.read_text().replace("Path: /hello,", "Path: /renamed,")
        path.write_text(text)
        assert requests.get(f"{srv.url}/renamed", timeout=30).status_code == 200
        assert requests.get(f"{srv.url}/hello", timeout=30).status_code == 403


def test_the_command_serves_a_template_and_stops_on_sigterm(tmp_path):
    path = _write_project(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "api", "--template", str(path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        url = None
        for line in proc.stdout:  # the first lines say where it listens
            if line.startswith("Serving "):
                url = line.rsplit(" on ", 1)[1].strip()
            if line.startswith("Press Ctrl+C"):
                break
        assert url, proc.stderr.read()
        assert requests.get(f"{url}/hello", timeout=30).json() == {"message": "hello world"}
        assert " GET /hello -> Hello 200 " in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_the_command_refuses_a_missing_template_and_remote_hosts(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "console", "api", "--template", str(tmp_path / "none.yaml")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "No template at" in missing.stderr
    path = _write_project(tmp_path / "p")
    remote = subprocess.run([sys.executable, "-m", "console", "api", "--template", str(path), "--host", "0.0.0.0"],
                            capture_output=True, text=True, timeout=60)
    assert remote.returncode == 2 and "--allow-remote" in remote.stderr


def test_the_sam_init_hello_world_answers_on_its_route(hello_project):
    with HttpApiServer(lambda: load_project(hello_project), port=0, log=Lines()) as srv:
        srv.start()
        r = requests.get(f"{srv.url}/hello", timeout=30)
        assert r.status_code == 200 and r.json() == {"message": "hello world"}
        assert r.headers["Content-Type"] == "application/json"


def test_an_http_api_default_route_catches_every_path_and_method(make_project):
    template = """
    Resources:
      Catch:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Runtime: python3.12
          Events:
            All: {Type: HttpApi}
    """
    code = "def handler(event, context):\n    return {'routeKey': event['routeKey'], 'path': event['rawPath'], 'method': event['requestContext']['http']['method']}\n"
    path = make_project(template, {"src/app.py": code})
    with HttpApiServer(lambda: load_project(path), port=0, log=Lines()) as srv:
        srv.start()
        r = requests.put(f"{srv.url}/any/where", data=b"x", timeout=30)
        assert r.json() == {"routeKey": "$default", "path": "/any/where", "method": "PUT"}
        assert requests.get(f"{srv.url}/", timeout=30).json()["path"] == "/"


def test_connections_past_the_cap_get_a_503_not_a_thread(project_path, monkeypatch):
    import socket

    from console.service import http_server

    monkeypatch.setattr(http_server, "MAX_CONNECTIONS", 2)
    with HttpApiServer(lambda: load_project(project_path), port=0, log=Lines()) as srv:
        srv.start()
        host, port = srv.listeners[0].server.server_address[:2]
        idle = [socket.create_connection((host, port), timeout=30) for _ in range(2)]
        try:
            r = requests.get(f"{srv.url}/hello", timeout=30)
            assert r.status_code == 503
        finally:
            for sock in idle:
                sock.close()
        # once they hang up, requests are served again (the server notices within a moment)
        deadline = time.monotonic() + 30
        while requests.get(f"{srv.url}/hello", timeout=30).status_code != 200:
            assert time.monotonic() < deadline
