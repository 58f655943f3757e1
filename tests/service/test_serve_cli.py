"""`lambda-console serve` as a process: it prints its URL, answers boto3, and saves metrics on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys


def test_serve_process_answers_and_saves_metrics_when_terminated(function_dirs, make_client):
    folder = function_dirs["hello"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--port", "0", "--verbose", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert match, first
        client = make_client(match.group(1))
        assert client.invoke(FunctionName="hello", Payload=b"{}")["StatusCode"] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "/2015-03-31/functions/hello/invocations RequestResponse 200" in out
    saved = json.loads((folder / ".lambda-console" / "metrics.json").read_text())
    assert sum(b["counts"]["Invocations"] for b in saved["buckets"].values()) == 1
