"""No request crashes the server, a crashing function does not take it down, and it binds safely."""

from __future__ import annotations

import http.client
import socket

import pytest

from console.cli import main
from console.service.registry import FunctionRegistry
from console.service.server import LambdaServer


def _raw(server, data: bytes) -> bytes:
    host, port = server.address
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _still_serving(server) -> bool:
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", "/2015-03-31/functions/hello/invocations", body=b"{}")
    ok = conn.getresponse().status == 200
    conn.close()
    return ok


@pytest.mark.parametrize(
    "data",
    [
        b"garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}",
        b"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nNoColonHeader\r\n\r\n",
        b"POST /2015-03-31/functions/%00%ff/invocations HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /2015-03-31/functions/../../etc/passwd/invocations HTTP/1.1\r\n\r\n",
        b"DELETE /2015-03-31/functions/hello HTTP/1.1\r\n\r\n",
        b"GET /2015-03-31/functionsX HTTP/1.1\r\n\r\n",
        b"GET /2015-03-31/functions/hello?Qualifier=%ZZ HTTP/1.1\r\n\r\n",
        b"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nX-Amz-Client-Context: !!\r\nContent-Length: 2\r\n\r\n{}",
        b"X" * 70000 + b"\r\n\r\n",
        b"",
    ],
)
def test_malformed_requests_get_an_error_or_a_closed_connection_and_the_server_carries_on(server, data):
    answer = _raw(server, data)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4")
    assert _still_serving(server)


def test_chunked_bodies_and_expect_100_continue_are_understood(server):
    answer = _raw(
        server,
        b"POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n4\r\n{\"a\"\r\n4\r\n: 1}\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert b'"event": {"a": 1}' in answer


def test_keep_alive_serves_many_requests_on_one_connection(server):
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    for i in range(20):
        conn.request("POST", "/2015-03-31/functions/hello/invocations", body=f'{{"i": {i}}}'.encode())
        response = conn.getresponse()
        assert response.status == 200
        assert f'"event": {{"i": {i}}}' in response.read().decode()
    conn.close()


def test_a_function_that_kills_its_runtime_is_an_error_response_not_a_dead_server(client, server):
    response = client.invoke(FunctionName="crasher", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert b"Runtime.ExitError" in response["Payload"].read()
    assert _still_serving(server)


def test_binding_anything_but_localhost_needs_allow_remote(function_dirs, capsys):
    with pytest.raises(ValueError, match="allow_remote"):
        LambdaServer(FunctionRegistry([function_dirs["hello"]]), host="0.0.0.0", port=0)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0", str(function_dirs["hello"])]) == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_serve_refuses_a_directory_that_does_not_exist(tmp_path, capsys):
    assert main(["serve", "--port", "0", str(tmp_path / "missing")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_the_access_log_gets_one_line_per_request(function_dirs, start_server, make_client):
    lines: list[str] = []
    server = start_server([function_dirs["failer"]], access_log=lines.append)
    client = make_client(server.url)
    client.invoke(FunctionName="failer")
    try:
        client.invoke(FunctionName="nope")
    except client.exceptions.ResourceNotFoundException:
        pass
    assert len(lines) == 2
    assert "/2015-03-31/functions/failer/invocations RequestResponse 200 Unhandled" in lines[0]
    assert "404 ResourceNotFoundException" in lines[1]


def test_closing_the_server_hangs_up_on_keep_alive_connections(function_dirs, start_server):
    server = start_server([function_dirs["hello"]])
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", "/2015-03-31/functions/hello/invocations", body=b"{}")
    assert conn.getresponse().read()
    server.close()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("POST", "/2015-03-31/functions/hello/invocations", body=b"{}")
        conn.getresponse().read()
