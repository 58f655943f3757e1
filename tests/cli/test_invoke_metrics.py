"""`lambda-console invoke` counts in `lambda-console metrics`, for every invocation type."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, timeout=120)


def totals(folder: Path) -> dict:
    proc = run("metrics", "--json", str(folder))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["functions"][folder.name]["totals"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    fn = tmp_path / "counted"
    fn.mkdir()
    (fn / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('boom')\n"
        "    return 'ok'\n"
    )
    return fn


def test_request_response_invocations_are_counted(folder):
    assert run("invoke", str(folder), "--event", "-", "--json").returncode == 0
    proc = subprocess.run([sys.executable, "-m", "console", "invoke", str(folder), "--event", "-"],
                          input=b'{"fail": true}', capture_output=True, timeout=120)
    assert proc.returncode == 1
    counted = totals(folder)
    assert (counted["Invocations"], counted["Errors"]) == (2, 1)


def test_event_invocations_count_every_attempt_and_retry(folder):
    event = folder / "fail.json"
    event.write_text('{"fail": true}')
    proc = run("invoke", str(folder), "--event", str(event), "--invocation-type", "Event",
               "--time-scale", "6000", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["attempts"]) == 3
    counted = totals(folder)
    assert counted["Invocations"] == 3 and counted["Errors"] == 3
    assert counted["AsyncEventsReceived"] == 1 and counted["AsyncRetries"] == 2
    assert counted["AsyncEventsDropped"] == 1
