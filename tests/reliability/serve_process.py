"""Helpers for the reliability battery: `lambda-console serve` as a real process, raw HTTP, deadlines."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable


def wait_for(condition: Callable[[], object], timeout: float, what: str, step: float = 0.05) -> object:
    """Poll `condition` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def make_function(root: Path, name: str, code: str, async_config: dict | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "lambda_function.py").write_text(textwrap.dedent(code))
    if async_config is not None:
        state = folder / ".lambda-console"
        state.mkdir()
        (state / "event-invoke-config.json").write_text(json.dumps(async_config))
    return folder


class Serve:
    """`python -m console serve` on a free port over the given folders."""

    def __init__(self, *folders: Path, time_scale: float = 1.0, extra: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console", "serve", "--port", "0", "--time-scale", str(time_scale),
             *extra, *map(str, folders)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        first = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        if not match:
            self.proc.kill()
            raise AssertionError(f"serve did not start: {first!r} {self.proc.stderr.read()!r}")
        self.port = int(match.group(1))

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def invoke_event(self, name: str, payload: dict) -> str:
        status, headers, _ = self.request(
            "POST", f"/2015-03-31/functions/{name}/invocations", json.dumps(payload).encode(),
            {"X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"},
        )
        assert status == 202, status
        return headers["x-amzn-requestid"]

    def stop(self, sig: int, timeout: float = 60.0) -> tuple[str, str]:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=timeout)
        # Not communicate(): it reads the pipes raw and would miss what readline() buffered.
        return self.proc.stdout.read(), self.proc.stderr.read()


def records(folder: Path, which: str) -> list[dict]:
    path = folder / ".lambda-console" / "destinations" / f"{which}.jsonl"
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def journal_count(folder: Path) -> int:
    import sqlite3

    path = folder / ".lambda-console" / "async-queue.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(str(path), timeout=30)
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        db.close()
