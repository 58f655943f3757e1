"""`lambda-console sfn run` end to end over real local functions: the seed's CreateAccount example and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = REPO / "blueprints" / "sfn-create-account"
FUNCTIONS = [str(p) for p in sorted((BLUEPRINT / "functions").iterdir())]


def cli(*argv: str) -> tuple[int, str, str]:
    from console.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["sfn", "run", *argv])
    return code, out.getvalue(), err.getvalue()


def seed(input_file: str, *extra: str) -> tuple[int, str, str]:
    return cli(str(BLUEPRINT / "statemachine.json"), "--input", str(BLUEPRINT / "inputs" / input_file),
               "--functions", *FUNCTIONS, "--time-scale", "1000", *extra)


def test_taken_username_goes_create_account_then_suggest_account_name():
    code, out, _ = seed("taken-username.json", "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "SUCCEEDED"
    assert result["path"] == ["CreateAccount", "SuggestAccountName"]
    failed = next(e for e in result["events"] if e["type"] == "LambdaFunctionFailed")
    details = failed["lambdaFunctionFailedEventDetails"]
    assert details["error"] == "AccountAlreadyExistsException"
    assert '"errorMessage": "Account is in use!", "errorType": "AccountAlreadyExistsException"' in details["cause"]
    assert result["output"]["requested"] == "taken" and result["output"]["suggestions"]


def test_free_username_goes_create_account_then_send_welcome_email():
    code, out, _ = seed("new-username.json", "--json")
    result = json.loads(out)
    assert code == 0 and result["path"] == ["CreateAccount", "SendWelcomeEmail"]
    assert result["output"]["status"] == "SENT"
    assert result["error"] is None and result["cause"] is None


def test_human_output_shows_path_history_status_and_output():
    code, out, _ = seed("taken-username.json")
    assert code == 0
    assert "Path: CreateAccount (caught AccountAlreadyExistsException) → SuggestAccountName" in out
    assert "LambdaFunctionFailed" in out and "TaskStateExited" in out
    assert "Status: SUCCEEDED" in out and '"suggestions"' in out


def test_failed_execution_exits_1_and_prints_error_and_cause(tmp_path):
    definition = tmp_path / "fail.json"
    definition.write_text(json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}))
    code, out, _ = cli(str(definition))
    assert code == 1 and "Status: FAILED" in out and "Error: Nope" in out and "Cause: why" in out


def test_invalid_definition_exits_2_with_every_message(tmp_path):
    definition = tmp_path / "bad.json"
    definition.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Ghost"}, "B": {"Type": "Succeed"}}}))
    code, out, err = cli(str(definition))
    assert code == 2 and out == ""
    assert 'No state found named "Ghost", referenced at State Machine.States.A.Next' in err
    assert "No transition found to state State Machine.States.B" in err


@pytest.mark.parametrize("bad_input", ["{not json", "no-such-file.json"])
def test_bad_input_exits_2(tmp_path, bad_input):
    definition = tmp_path / "ok.json"
    definition.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
    code, _, err = cli(str(definition), "--input", bad_input)
    assert code == 2 and "--input" in err


def test_input_accepts_json_text_and_functions_must_be_directories(tmp_path):
    definition = tmp_path / "ok.json"
    definition.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
    code, out, _ = cli(str(definition), "--input", '{"x": [1, 2]}', "--json")
    assert code == 0 and json.loads(out)["output"] == {"x": [1, 2]}
    code, _, err = cli(str(definition), "--functions", str(tmp_path / "missing"))
    assert code == 2 and "not a directory" in err


def test_unknown_function_fails_with_resource_not_found(tmp_path):
    definition = tmp_path / "ghost.json"
    definition.write_text(json.dumps({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Ghost", "End": True}}}))
    code, out, _ = cli(str(definition), "--json")
    result = json.loads(out)
    assert code == 1 and result["error"] == "Lambda.ResourceNotFoundException"
    code, out, err = cli(str(definition), "--functions", *FUNCTIONS)
    assert code == 1 and "Error: Lambda.ResourceNotFoundException" in out
    assert "known here: CreateAccount, SendWelcomeEmail, SuggestAccountName" in err


def test_the_installed_command_runs_as_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "console", "sfn", "run", str(BLUEPRINT / "statemachine.json"),
         "--input", '{"username": "admin"}', "--functions", *FUNCTIONS, "--json"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["path"] == ["CreateAccount", "SuggestAccountName"]


def test_validate_subcommand(tmp_path):
    from console.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["sfn", "validate", str(BLUEPRINT / "statemachine.json")]) == 0
    assert "valid" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}))
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["sfn", "validate", str(bad)]) == 2
    assert 'State Machine.States.A must have "Next" or "End": true' in err.getvalue()



def test_validate_takes_a_state_machine_blueprint_name_as_run_does():
    from console.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["sfn", "validate", "sfn-create-account"]) == 0
    assert out.getvalue() == "sfn-create-account: valid\n"

def test_functions_beside_the_definition_are_found_without_flags():
    code, out, _ = cli(str(BLUEPRINT / "statemachine.json"), "--input", '{"username": "fresh_user"}', "--json")
    result = json.loads(out)
    assert code == 0 and result["path"] == ["CreateAccount", "SendWelcomeEmail"]
