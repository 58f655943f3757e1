"""Executions that would never end are stopped by Step Functions' quotas; blueprints run by name."""

from __future__ import annotations

import json
import subprocess
import sys

from console.stepfunctions import Execution
from console.stepfunctions.interpreter import MAX_HISTORY_EVENTS

LOOP = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "C"}], "Default": "A"},
        "C": {"Type": "Succeed"},
    },
}


def test_an_endless_loop_fails_when_the_history_reaches_its_quota():
    result = Execution(LOOP, invoker=None).run({"x": 2})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "maximum number of events" in result.cause
    assert MAX_HISTORY_EVENTS <= len(result.events) <= MAX_HISTORY_EVENTS + 2


def test_a_state_machine_blueprint_runs_by_name_with_a_named_input(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "console", "sfn", "run", "sfn-create-account", "--input", "taken-username",
         "--time-scale", "1000", "--json"],
        capture_output=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["path"] == ["CreateAccount", "SuggestAccountName"]
