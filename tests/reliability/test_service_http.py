"""The Invoke API against hostile clients: browsers, forged hosts and headers, smuggling-shaped bodies, idle floods."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from serve_process import make_function, wait_for

from console.engine.records import InvocationResult, Summary
from console.service import server as server_module
from console.service.api import InvokeApi
from console.service.invoker import Invoker
from console.service.registry import FunctionRegistry
from console.service.server import LambdaServer, _encode

HELLO = """
    def lambda_handler(event, context):
        return {"ok": True}
"""
SECRETS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "FwoG",
           "DB_PASSWORD": "hunter2", "STRIPE_API_KEY": "sk_live_1", "TABLE_NAME": "orders"}


@pytest.fixture(scope="module")
def engine():
    from console.engine import Engine

    with Engine() as engine:
        yield engine


@pytest.fixture
def served(engine, tmp_path):
    folder = make_function(tmp_path, "hello", HELLO)
    (folder / ".lambda-console").mkdir(exist_ok=True)
    (folder / ".lambda-console" / "config.json").write_text(json.dumps({"environment": SECRETS}))
    lines: list[str] = []
    server = LambdaServer(FunctionRegistry([folder]), port=0, engine=engine, persist_metrics=False,
                          access_log=lines.append).start()
    server.access_lines = lines  # type: ignore[attr-defined]
    yield server
    server.close()


def _raw(server: LambdaServer, data: bytes, read_all: bool = True) -> bytes:
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_all and b"\r\n\r\n" in b"".join(chunks):
                break
    return b"".join(chunks)


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _invoke(headers: str = "", body: bytes = b"{}", host: str = "127.0.0.1") -> bytes:
    return (f"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nHost: {host}\r\n{headers}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


# 7. Browsers and rebound DNS names

@pytest.mark.parametrize("extra, host", [
    ("", "evil.example:3001"),  # DNS rebinding: the page's own name, resolved to 127.0.0.1
    ("", "127.0.0.1.nip.io"),
    ("Origin: https://evil.example\r\n", "127.0.0.1"),
    ("Origin: null\r\n", "127.0.0.1"),
    ("Sec-Fetch-Mode: no-cors\r\n", "127.0.0.1"),
    ("Authorization: Basic dXNlcjpwYXNz\r\n", "127.0.0.1"),
    ("Authorization: Bearer x\r\n", "127.0.0.1"),
], ids=["rebound-host", "rebound-host-2", "origin", "origin-null", "sec-fetch", "basic-auth", "bearer"])
def test_requests_a_web_page_could_send_are_refused(served, extra, host):
    response = _raw(served, _invoke(extra, host=host))
    assert _status(response) == 403, response[:300]
    assert b"x-amzn-ErrorType: AccessDeniedException" in response


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:3001", "LOCALHOST", "127.0.0.1:1"])
def test_local_names_and_sigv4_are_served(served, host):
    response = _raw(served, _invoke("Authorization: AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/lambda/aws4_request, "
                                    "SignedHeaders=host, Signature=00\r\n", host=host))
    assert _status(response) == 200, response[:300]


def test_list_and_get_function_never_return_credentials_and_boto3_still_works(served):
    from console.service.remote import RemoteInvokeError  # noqa: F401 - boto3 is installed with the test extras
    import boto3
    from botocore.config import Config

    client = boto3.client("lambda", endpoint_url=served.url, region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x", config=Config(retries={"total_max_attempts": 1}))
    assert json.loads(client.invoke(FunctionName="hello", Payload=b"{}")["Payload"].read()) == {"ok": True}
    for variables in (client.get_function(FunctionName="hello")["Configuration"]["Environment"]["Variables"],
                      client.list_functions()["Functions"][0]["Environment"]["Variables"]):
        assert variables["TABLE_NAME"] == "orders"
        for name in set(SECRETS) - {"TABLE_NAME"}:
            assert variables[name] == "****"
        assert not any(v in json.dumps(variables) for k, v in SECRETS.items() if k != "TABLE_NAME")


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_still_invokes(served, tmp_path):
    out = tmp_path / "out.json"
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": __import__("os").environ["PATH"], "HOME": str(tmp_path)}
    proc = subprocess.run(["aws", "lambda", "invoke", "--endpoint-url", served.url, "--function-name", "hello",
                           str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == {"ok": True}


# 6. What the function's side sends never reaches the headers; failures are Lambda's error

class _ForgingEngine:
    def __init__(self, content_type: str = "", fail: Exception | None = None) -> None:
        self.content_type, self.fail = content_type, fail

    def invoke(self, config, event, **kwargs):
        if self.fail is not None:
            raise self.fail
        return InvocationResult("Succeeded", b'{"x": 1}', None, "rid", "", Summary("", None, 1, 1, 128, 1),
                                content_type=self.content_type)

    def code_sha256(self, config):
        return ""


@pytest.mark.parametrize("forged", ["text/plain\r\nX-Injected: yes", "application/json\nSet-Cookie: session=evil",
                                    "a" * 5000 + "/b", "text/html\x00"])
def test_a_forged_content_type_never_reaches_the_response_headers(tmp_path, forged):
    folder = make_function(tmp_path, "hello", HELLO)
    api = InvokeApi(FunctionRegistry([folder]), Invoker(_ForgingEngine(forged), persist_metrics=False))  # type: ignore[arg-type]
    response = api.handle("POST", "/2015-03-31/functions/hello/invocations", {}, b"{}")
    wire = _encode(response, False)
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert b"X-Injected" not in head and b"Set-Cookie" not in head and b"\x00" not in head
    assert b"Content-Type: application/unknown" in head


def test_an_internal_failure_answers_lambdas_service_error_without_internals(tmp_path, capsys):
    folder = make_function(tmp_path, "hello", HELLO)
    api = InvokeApi(FunctionRegistry([folder]),
                    Invoker(_ForgingEngine(fail=TypeError("/home/alice/.aws/credentials")), persist_metrics=False))  # type: ignore[arg-type]
    response = api.handle("POST", "/2015-03-31/functions/hello/invocations", {}, b"{}")
    assert (response.status, dict(response.headers)["x-amzn-ErrorType"]) == (500, "ServiceException")
    assert b"alice" not in response.body and b"TypeError" not in response.body
    assert "alice" in capsys.readouterr().err  # the details go to the console's own output


# 11. Strict bodies, capped reads, capped threads

CHUNKED = "POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("body, status", [
    (b"-1\r\n{}\r\n0\r\n\r\n", 400),
    (b"+2\r\n{}\r\n0\r\n\r\n", 400),
    (b"0x2\r\n{}\r\n0\r\n\r\n", 400),
    (b"2_0\r\n{}\r\n0\r\n\r\n", 400),
    (b"2\r\n{}XX0\r\n\r\n", 400),
    (b"fffffffff\r\n", 413),  # one huge chunk: refused before reading it
    (b"2\r\n{}\r\n0\r\n\r\n", 200),
], ids=["minus-one", "plus", "0x", "underscore", "no-crlf", "huge-chunk", "valid"])
def test_chunked_bodies_are_parsed_strictly(served, body, status):
    response = _raw(served, CHUNKED.encode() + body)
    assert _status(response) == status, response[:300]


def test_a_chunked_body_past_the_limit_is_dropped_as_it_streams_and_answered_413(served, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_BODY", 1000)
    monkeypatch.setattr(server_module, "MAX_DRAIN", 100_000)
    chunk = b"%x\r\n%s\r\n" % (4000, b"x" * 4000)
    response = _raw(served, CHUNKED.encode() + chunk * 10 + b"0\r\n\r\n")
    assert _status(response) == 413 and b"RequestTooLargeException" in response
    response = _raw(served, CHUNKED.encode() + chunk * 40)  # past what is read at all
    assert _status(response) == 413


@pytest.mark.parametrize("headers", [
    "Content-Length: 2\r\nContent-Length: 2\r\n",
    "Content-Length: 0_2\r\n",
    "Content-Length: +2\r\n",
    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: gzip, chunked\r\n",
    "Content-Length : 2\r\n",
    "Host: 127.0.0.1\r\n",
], ids=["duplicate", "underscore", "plus", "te-and-cl", "te-gzip", "space-before-colon", "duplicate-host"])
def test_ambiguous_framing_is_a_400(served, headers):
    request = ("POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
               "Connection: close\r\n\r\n{}").encode()
    assert _status(_raw(served, request)) in (400, 501)


def test_idle_connections_cannot_make_a_thread_each(served):
    before = threading.active_count()
    sockets = [socket.create_connection(served.address, timeout=30) for _ in range(300)]
    try:
        # Every connection was accepted or answered; threads stay capped.
        wait_for(lambda: threading.active_count() - before <= server_module.MAX_CONNECTIONS + 2, 30,
                 "the connection threads to stay capped")
        assert threading.active_count() - before <= server_module.MAX_CONNECTIONS + 2
        response = _raw(served, _invoke())  # a real client still gets through
        assert _status(response) == 200
    finally:
        for sock in sockets:
            sock.close()


# 14. serve -v

def test_the_access_log_neutralises_control_bytes_from_clients(served):
    _raw(served, b"GET /2015-03-31/functions/\x1b[2J\x1b]0;pwned\x07x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Connection: close\r\n\r\n")
    _raw(served, _invoke("X-Amz-Invocation-Type: Event\x1b[31m\r\n"))
    wait_for(lambda: len(served.access_lines) >= 2, 30, "two access log lines")
    for line in served.access_lines:
        assert not any(ord(c) < 32 or ord(c) == 127 for c in line), repr(line)
