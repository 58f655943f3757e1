"""`lambda-console api` read strictly over raw sockets: smuggling-prone framing gets a 400, bodies
past API Gateway's and function URLs' limits a 413 without being kept, log lines stay harmless,
and a function returning a 100,000-deep body is answered, not crashed on."""

from __future__ import annotations

import json
import socket
import textwrap
from pathlib import Path

import pytest

from console.sam.functions import load_project
from console.service import http_server
from console.service.http_server import HttpApiServer
from log_lines import Lines

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, CodeUri: src/, Timeout: 30}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      FunctionUrlConfig: {AuthType: NONE}
      Events:
        Http: {Type: HttpApi, Properties: {Path: /echo, Method: any}}
  Deep:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.deep
      Events:
        Http: {Type: HttpApi, Properties: {Path: /deep, Method: get}}
        Rest: {Type: Api, Properties: {Path: /deep-rest, Method: get}}
"""

APP = '''
import json

def echo(event, context):
    return {"statusCode": 200, "body": json.dumps({"length": len(event.get("body") or "")})}

def deep(event, context):
    # A 100,000-deep nested list, as the function's raw answer (bytes pass the runtime unchanged).
    return b"[" * 100_000 + b"]" * 100_000
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("strict-api")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(textwrap.dedent(APP))
    (root / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    log = Lines()
    with HttpApiServer(lambda: load_project(root / "template.yaml"), port=0, log=log) as srv:
        srv.start()
        srv.test_log = log  # type: ignore[attr-defined]
        yield srv


def _address(srv: HttpApiServer, index: int = 0) -> tuple[str, int]:
    host, port = srv.listeners[index].server.server_address[:2]
    return str(host), int(port)


def _exchange(address: tuple[str, int], raw: bytes) -> bytes:
    """Send `raw`, half-close, read until the server closes."""
    with socket.create_connection(address, timeout=60) as sock:
        sock.sendall(raw)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        data = b""
        while True:
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            data += piece
        return data


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


HEAD = b"POST /echo HTTP/1.1\r\nHost: localhost\r\n"


@pytest.mark.parametrize("raw", [
    HEAD + b"Transfer-Encoding: chunked\r\n\r\n-1\r\nxx\r\n0\r\n\r\n",
    HEAD + b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    HEAD + b"Content-Length: -1\r\n\r\n",
    HEAD + b"Content-Length: +5\r\n\r\nhello",
    HEAD + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nContent-Length: 0\r\n\r\n",
    HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    HEAD + b"Content-Length : 5\r\n\r\nhello",
    HEAD + b"X-One: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
], ids=["negative-chunk", "0x-chunk", "negative-length", "signed-length", "two-lengths",
        "two-hosts", "both-framings", "space-before-colon", "folded"])
def test_smuggling_prone_framing_is_a_400_and_the_server_lives_on(server, raw):
    reply = _exchange(_address(server), raw)
    assert _status(reply) == 400, reply[:200]
    assert b"Connection: close" in reply
    ok = _exchange(_address(server), HEAD + b"Content-Length: 5\r\nConnection: close\r\n\r\nhello")
    assert _status(ok) == 200 and json.loads(ok.split(b"\r\n\r\n", 1)[1]) == {"length": 5}


def test_a_strict_chunked_body_still_reaches_the_function(server):
    raw = HEAD + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    reply = _exchange(_address(server), raw)
    assert _status(reply) == 200 and json.loads(reply.split(b"\r\n\r\n", 1)[1]) == {"length": 11}


def test_bodies_past_the_api_limit_get_a_413_and_keep_alive_continues(server, monkeypatch):
    monkeypatch.setattr(http_server, "MAX_BODY", 1000)
    monkeypatch.setattr(http_server, "MAX_DRAIN", 100_000)
    # Over the limit, under the drain: read and dropped, then the next request on the connection answers.
    raw = HEAD + b"Content-Length: 5000\r\n\r\n" + b"x" * 5000 + HEAD + b"Content-Length: 2\r\nConnection: close\r\n\r\nok"
    reply = _exchange(_address(server), raw)
    assert reply.startswith(b"HTTP/1.1 413 ") and b"Request Entity Too Large" in reply
    assert reply.count(b"HTTP/1.1 ") == 2 and b'{"length": 2}' in reply
    chunked = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + (b"3e8\r\n" + b"y" * 1000 + b"\r\n") * 3 + b"0\r\n\r\n"
    assert _status(_exchange(_address(server), chunked)) == 413


def test_a_body_past_the_drain_is_refused_before_it_is_sent(server):
    # A client announcing 100 MB is answered at once; the server never waits for (or keeps) it.
    with socket.create_connection(_address(server), timeout=60) as sock:
        sock.sendall(HEAD + b"Content-Length: 104857600\r\nExpect: 100-continue\r\n\r\n")
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413 ")


def test_function_urls_have_their_own_smaller_limit(server, monkeypatch):
    url = next(i for i, listener in enumerate(server.listeners) if listener.name != "api")
    seven_mb = 7 * 1024 * 1024
    raw = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % seven_mb
    assert _status(_exchange(_address(server, url), raw + b"z" * seven_mb)) == 413
    # The limit is the listener's: a body over the URL's limit is still fine on the API port.
    monkeypatch.setattr(http_server, "MAX_URL_BODY", 1000)
    body = b"z" * 2000
    raw = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n" + body
    assert _status(_exchange(_address(server, url), raw)) == 413
    reply = _exchange(_address(server), HEAD + b"Content-Length: 2000\r\nConnection: close\r\n\r\n" + body)
    assert _status(reply) == 200 and b'{"length": 2000}' in reply


def test_control_bytes_in_a_request_line_are_neutralised_in_the_log(server):
    raw = b"GET /echo\x1b[2J\x07?q=\x1b]0;owned\x07 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    _exchange(_address(server), raw)
    line = server.test_log.wait_for("/echo")
    assert "\x1b" not in line and "\x07" not in line


def test_a_100000_deep_returned_body_is_answered_not_crashed_on(server):
    # HTTP API (payload 2.0): any answer that is not an object goes on as the body.
    reply = _exchange(_address(server), b"GET /deep HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(reply) == 200, reply[:300]
    assert reply.split(b"\r\n\r\n", 1)[1] == b"[" * 100_000 + b"]" * 100_000
    # REST API (payload 1.0) needs an object with statusCode: a 502, the reason in the log.
    reply = _exchange(_address(server), b"GET /deep-rest HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(reply) == 502, reply[:300]
    assert "nested too deeply" in server.test_log.wait_for("malformed response")
    assert not any("internal error" in line for line in server.test_log.lines)
