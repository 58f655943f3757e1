"""The event-loop server: one slow function never holds up the others, requests arriving in pieces
or back to back are each answered, a connection moved to the strict blocking parser keeps being
served, and every polled invocation gives back its concurrency slot and counts in the metrics."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PATH = "/2015-03-31/functions/{}/invocations"
GATED = """
    import os, time
    def lambda_handler(event, context):
        deadline = time.time() + 60
        while not os.path.exists(event["gate"]) and time.time() < deadline:
            time.sleep(0.01)
        return "through"
"""


def _request(name: str, body: bytes = b"{}", extra: str = "") -> bytes:
    return (f"POST {PATH.format(name)} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _read_responses(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """`count` responses (status, body) read off a keep-alive connection."""
    data = b""
    out: list[tuple[int, bytes]] = []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"the connection closed after {len(out)} responses"
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        while len(data) < length:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
        out.append((int(head.split(b" ")[1]), data[:length]))
        data = data[length:]
    return out


def test_a_function_waiting_on_a_gate_does_not_hold_up_another_client(make_function, function_dirs, start_server,
                                                                       make_client, tmp_path):
    gated = make_function("gated", GATED)
    server = start_server([gated, function_dirs["hello"]])
    client = make_client(server.url)
    gate = tmp_path / "gate"
    client.invoke(FunctionName="gated", Payload=json.dumps({"gate": str(tmp_path / "open")}).encode())  # warm
    (tmp_path / "open").touch()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(lambda: client.invoke(FunctionName="gated", Payload=json.dumps({"gate": str(gate)}).encode()))
        for _ in range(5):  # answered while the gated invocation is still running
            other = make_client(server.url).invoke(FunctionName="hello", Payload=b"{}")
            assert other["StatusCode"] == 200 and not waiting.done()
        gate.touch()
        assert json.loads(waiting.result(60)["Payload"].read()) == "through"


def test_requests_in_pieces_and_back_to_back_on_one_connection_are_each_answered_in_order(function_dirs, start_server):
    server = start_server([function_dirs["echo"]])
    with socket.create_connection(server.address, timeout=30) as sock:
        one = _request("echo", b'{"n": 1}')
        for i in range(len(one)):  # a byte at a time
            sock.sendall(one[i:i + 1])
        assert json.loads(_read_responses(sock, 1)[0][1])["event"] == {"n": 1}
        sock.sendall(b"".join(_request("echo", b'{"n": %d}' % n) for n in range(2, 12)))  # pipelined
        answers = _read_responses(sock, 10)
    assert [status for status, _ in answers] == [200] * 10
    assert [json.loads(body)["event"]["n"] for _, body in answers] == list(range(2, 12))


def test_a_connection_moved_to_the_blocking_parser_keeps_being_served(function_dirs, start_server):
    server = start_server([function_dirs["echo"]])
    chunked = (f"POST {PATH.format('echo')} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
               "8\r\n{\"n\": 1}\r\n0\r\n\r\n").encode()
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(_request("echo", b'{"n": 0}') + chunked + _request("echo", b'{"n": 2}'))
        answers = _read_responses(sock, 3)
    assert [json.loads(body)["event"]["n"] for _, body in answers] == [0, 1, 2]


def test_polled_invocations_give_back_their_concurrency_slot_and_count_in_the_metrics(function_dirs, start_server):
    server = start_server([function_dirs["hello"], function_dirs["failer"]], concurrency=1)
    with socket.create_connection(server.address, timeout=30) as sock:
        for _ in range(20):
            sock.sendall(_request("hello") + _request("failer"))
            (ok, _), (failed, body) = _read_responses(sock, 2)
            assert (ok, failed) == (200, 200) and b"boom" in body  # never 429: each slot came back
    assert server.limiter.running("hello") == 0 and server.limiter.running("failer") == 0
    totals = {name: server.metrics.export(name)["functions"][name]["totals"] for name in ("hello", "failer")}
    assert totals["hello"]["Invocations"] == 20 and totals["hello"]["Errors"] == 0
    assert totals["failer"]["Invocations"] == 20 and totals["failer"]["Errors"] == 20


def test_closing_the_server_while_an_invocation_runs_still_releases_its_slot(make_function, start_server, tmp_path):
    gated = make_function("gated", GATED)
    server = start_server([gated])
    sock = socket.create_connection(server.address, timeout=30)
    with sock:
        open_gate = json.dumps({"gate": str(tmp_path / "open")}).encode()
        (tmp_path / "open").touch()
        sock.sendall(_request("gated", open_gate))
        assert _read_responses(sock, 1)[0][0] == 200  # warm now
        sock.sendall(_request("gated", json.dumps({"gate": str(tmp_path / "later")}).encode()))
        deadline = time.monotonic() + 30
        while server.limiter.running("gated") == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        closer = threading.Thread(target=server.close)
        closer.start()
        (tmp_path / "later").touch()
        closer.join(60)
        deadline = time.monotonic() + 30
        while server.limiter.running("gated") and time.monotonic() < deadline:
            time.sleep(0.01)
    assert server.limiter.running("gated") == 0
