"""Broken and hostile files and bodies: one clear line and exit 2 (or Lambda's 4xx), never a traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from serve_process import Serve, make_function

DEEP = b"[" * 100_000 + b"]" * 100_000
HELLO = """
    def lambda_handler(event, context):
        return {"ok": True}
"""
RAW_DEEP = """
    def lambda_handler(event, context):
        return b"[" * 100000 + b"]" * 100000
"""


def _cli(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], input=stdin, capture_output=True,
                          timeout=120, cwd=cwd)


def _assert_one_clear_line(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert proc.returncode == code, (proc.returncode, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def _state(folder: Path, name: str, content: bytes | None) -> Path:
    path = folder / ".lambda-console" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("content", [DEEP, None, b"\x00\xff\xfe binary"], ids=["nested-100000", "directory", "binary"])
def test_a_broken_config_json_is_one_line_and_exit_2(tmp_path, content):
    folder = make_function(tmp_path, "fn", HELLO)
    _state(folder, "config.json", content)
    line = _assert_one_clear_line(_cli("invoke", str(folder)))
    assert "config.json" in line


def test_a_deeply_nested_event_on_stdin_is_one_line_and_exit_2(tmp_path):
    folder = make_function(tmp_path, "fn", HELLO)
    line = _assert_one_clear_line(_cli("invoke", str(folder), "--event", "-", stdin=DEEP))
    assert "nested too deeply" in line


def test_a_deeply_nested_saved_event_is_one_line_and_exit_2(tmp_path):
    folder = make_function(tmp_path, "fn", HELLO)
    _state(folder, "events/deep.json", DEEP)
    line = _assert_one_clear_line(_cli("invoke", str(folder), "--event", "deep"))
    assert "saved event deep" in line


@pytest.mark.parametrize("content", [
    DEEP, None, b"\x00\xff binary", b'{"DestinationConfig": "x"}', b'{"MaximumRetryAttempts": 1e400}',
    b'{"MaximumEventAgeInSeconds": true}', b"[]",
], ids=["nested-100000", "directory", "binary", "destination-x", "retries-1e400", "age-bool", "array"])
def test_a_broken_event_invoke_config_refuses_the_event_in_one_line(tmp_path, content):
    folder = make_function(tmp_path, "fn", HELLO)
    _state(folder, "event-invoke-config.json", content)
    line = _assert_one_clear_line(_cli("invoke", str(folder), "--invocation-type", "Event", "--event", "-",
                                       stdin=b"{}"))
    assert "event-invoke-config.json" in line or "DestinationConfig" in line


def test_a_deeply_nested_metrics_file_does_not_stop_a_run(tmp_path):
    folder = make_function(tmp_path, "fn", HELLO)
    _state(folder, "metrics.json", DEEP)
    proc = _cli("invoke", str(folder), "--json", "--event", "-", stdin=b"{}")
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert list((folder / ".lambda-console").glob("metrics.json.corrupt-*"))


def test_a_deeply_nested_raw_returned_body_is_shown_not_a_crash(tmp_path):
    folder = make_function(tmp_path, "fn", RAW_DEEP)
    for extra in ((), ("--json",)):
        proc = _cli("invoke", str(folder), "--event", "-", *extra, stdin=b"{}")
        assert b"Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert proc.returncode == 0, proc.stderr[-2000:]
    # --json keeps its documented shape; the body too deep to parse is given as its text.
    out = json.loads(proc.stdout)
    assert list(out) == ["status", "functionError", "payload", "requestId", "logs", "summary"]
    assert out["payload"] == DEEP.decode()


def test_serve_starts_and_serves_every_other_function_when_one_folder_is_broken(tmp_path):
    good = make_function(tmp_path, "good", HELLO)
    bad = make_function(tmp_path, "bad", HELLO)
    _state(bad, "config.json", DEEP)
    broken_async = make_function(tmp_path, "async-broken", HELLO)
    _state(broken_async, "event-invoke-config.json", b'{"MaximumRetryAttempts": 1e400}')
    raw = make_function(tmp_path, "raw", RAW_DEEP)
    server = Serve(good, bad, broken_async, raw)
    try:
        status, _, body = server.request("POST", "/2015-03-31/functions/good/invocations", b"{}")
        assert (status, json.loads(body)) == (200, {"ok": True})
        status, headers, body = server.request("POST", "/2015-03-31/functions/good/invocations", DEEP)
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
        status, headers, body = server.request("POST", "/2015-03-31/functions/async-broken/invocations", b"{}",
                                               {"X-Amz-Invocation-Type": "Event"})
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
        assert b"MaximumRetryAttempts" in body
        status, _, body = server.request("POST", "/2015-03-31/functions/raw/invocations", b"{}")
        assert (status, body) == (200, DEEP)
    finally:
        out, err = server.stop(signal.SIGTERM)
    assert "Traceback" not in err
    assert "config.json" in err  # the broken folder is named, once
