"""`lambda-console invoke`: the headless contract scripts rely on (output, JSON shape, exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HELLO = (
    "print('Loading function')\n"
    "def lambda_handler(event, context):\n"
    "    print('value1 = ' + event['key1'])\n"
    "    return event['key1']\n"
    "def fail(event, context):\n"
    "    raise Exception('I failed!')\n"
)


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def function_dir(tmp_path: Path) -> Path:
    (tmp_path / "lambda_function.py").write_text(HELLO)
    return tmp_path


def test_json_output_has_the_documented_shape_and_exit_0(function_dir):
    proc = run_cli("invoke", str(function_dir), "--event", "hello-world", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["status", "functionError", "payload", "requestId", "logs", "summary"]
    assert out["status"] == "Succeeded" and out["functionError"] is None and out["payload"] == "value1"
    assert list(out["summary"]) == [
        "codeSha256", "initDurationMs", "durationMs", "billedDurationMs", "memorySizeMb", "maxMemoryUsedMb",
        "runtimeVersion", "runtimeVersionArn", "interpreter",
    ]
    assert out["summary"]["runtimeVersion"] == "python:3.14.local"
    assert out["summary"]["runtimeVersionArn"].startswith("local:") and out["summary"]["interpreter"]
    assert out["summary"]["initDurationMs"] is not None
    assert "value1 = value1" in out["logs"]


def test_failure_exits_1_with_the_error_object(function_dir):
    proc = run_cli("invoke", str(function_dir), "--handler", "lambda_function.fail", "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["status"] == "Failed" and out["functionError"] == "Unhandled"
    assert out["payload"]["errorType"] == "Exception" and out["payload"]["errorMessage"] == "I failed!"


def test_default_directory_is_the_current_one(function_dir):
    proc = run_cli("invoke", "--json", cwd=function_dir)
    assert proc.returncode == 0 and json.loads(proc.stdout)["payload"] == "value1"


def test_console_view_shows_banner_summary_and_log(function_dir):
    proc = run_cli("invoke", str(function_dir))
    text = proc.stdout.decode()
    assert proc.returncode == 0
    assert text.startswith("Execution result: succeeded")
    for label in ("Response", '"value1"', "Summary", "Code SHA-256", "Init duration", "Billed duration",
                  "Resources configured", "Max memory used", "Log output", "START RequestId:", "REPORT RequestId:"):
        assert label in text
    assert "\x1b[" not in text  # not a terminal: no colour


def test_invalid_event_json_is_refused_with_line_and_column(function_dir):
    proc = run_cli("invoke", str(function_dir), "--event", "-", stdin=b'{\n  "key1": "value1",\n}')
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "Could not parse payload into json" in err and "line 3, column 1" in err and "nothing was run" in err
    assert proc.stdout == b""


def test_event_over_the_synchronous_limit_is_refused(function_dir, tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b'"' + b"x" * 6_291_456 + b'"')
    proc = run_cli("invoke", str(function_dir), "--event", str(big))
    assert proc.returncode == 2
    assert "Request must be smaller than 6291456 bytes" in proc.stderr.decode()


def test_bad_configuration_exits_2_with_one_line(function_dir):
    proc = run_cli("invoke", str(function_dir), "--timeout", "0")
    assert proc.returncode == 2
    assert len(proc.stderr.decode().strip().splitlines()) == 1
    proc = run_cli("invoke", str(function_dir), "--env", "NOEQUALS")
    assert proc.returncode == 2 and "KEY=VALUE" in proc.stderr.decode()


def test_unknown_event_name_exits_2(function_dir):
    proc = run_cli("invoke", str(function_dir), "--event", "no-such-event")
    assert proc.returncode == 2 and "no-such-event" in proc.stderr.decode()


def test_env_and_settings_reach_the_function(tmp_path):
    (tmp_path / "lambda_function.py").write_text(
        "import os\ndef lambda_handler(e, c):\n    return [os.environ['GREETING'], c.memory_limit_in_mb]\n"
    )
    proc = run_cli("invoke", str(tmp_path), "--env", "GREETING=hi", "--memory", "256", "--json")
    assert json.loads(proc.stdout)["payload"] == ["hi", "256"]


def test_blueprint_runs_with_its_default_event():
    proc = run_cli("invoke", "--blueprint", "hello-world", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["payload"] == "value1"


def test_dry_run_validates_without_running(function_dir):
    proc = run_cli("invoke", str(function_dir), "--invocation-type", "DryRun")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("204 No Content")
    assert "Loading function" not in proc.stdout.decode()
    proc = run_cli("invoke", str(function_dir), "--handler", "lambda_function.nope", "--invocation-type", "DryRun")
    assert proc.returncode == 2
    assert "Handler 'nope' missing on module 'lambda_function'" in proc.stderr.decode()


def test_event_answers_202_first_then_retries_a_failing_function(function_dir):
    proc = run_cli(
        "invoke", str(function_dir), "--handler", "lambda_function.fail",
        "--invocation-type", "Event", "--time-scale", "600",
    )
    out = proc.stdout.decode()
    assert out.startswith("202 Accepted")
    assert out.count("--- attempt ") == 3  # the first try and Lambda's two retries
    proc = run_cli(
        "invoke", str(function_dir), "--handler", "lambda_function.fail",
        "--invocation-type", "Event", "--time-scale", "600", "--json",
    )
    summary = json.loads(proc.stdout)
    assert summary["statusCode"] == 202 and len(summary["attempts"]) == 3
    assert {a["requestId"] for a in summary["attempts"]} == {summary["requestId"]}


def test_usage_errors_are_one_line(function_dir):
    for args in (["invoke", str(function_dir), "--timeout", "abc"], ["invoke", "--time-scale", "0"], ["invok"]):
        proc = run_cli(*args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.decode().strip().splitlines()) == 1, proc.stderr


def test_a_corrupt_settings_file_stops_the_run_and_is_left_alone(function_dir):
    settings = function_dir / ".lambda-console" / "config.json"
    settings.parent.mkdir()
    settings.write_text('{"handler": 5}')
    proc = run_cli("invoke", str(function_dir), "--json")
    assert proc.returncode == 2 and proc.stdout == b""
    assert "nothing was run" in proc.stderr.decode()
    assert settings.read_text() == '{"handler": 5}'


def test_saved_settings_and_saved_events_are_used(function_dir):
    state = function_dir / ".lambda-console"
    (state / "events").mkdir(parents=True)
    (state / "config.json").write_text('{"handler": "lambda_function.lambda_handler", "memory": 256}')
    (state / "events" / "mine.json").write_text('{"key1": "from a saved event"}')
    out = json.loads(run_cli("invoke", str(function_dir), "--event", "mine", "--json").stdout)
    assert out["payload"] == "from a saved event" and out["summary"]["memorySizeMb"] == 256


def test_a_folder_without_the_handler_module_is_not_run_by_default(tmp_path):
    proc = run_cli("invoke", cwd=tmp_path)
    assert proc.returncode == 2 and "has no lambda_function.py" in proc.stderr.decode()


def test_an_oversized_async_event_is_refused_with_exit_2(function_dir, tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b'"' + b"x" * 1_100_000 + b'"')
    proc = run_cli("invoke", str(function_dir), "--invocation-type", "Event", "--event", str(big))
    assert proc.returncode == 2 and "too large for the Event invocation type" in proc.stderr.decode()


def test_escape_codes_a_function_prints_are_shown_not_obeyed(tmp_path):
    (tmp_path / "lambda_function.py").write_text(
        "def lambda_handler(e, c):\n    print('\\x1b[2J\\x1b[31mred')\n    return '\\x1b]0;title\\x07'\n"
    )
    proc = run_cli("invoke", str(tmp_path))
    text = proc.stdout.decode()
    assert "\x1b" not in text and "\x07" not in text
    assert "\u241b[31mred" in text


def test_cli_invocations_count_in_the_functions_metrics(function_dir):
    run_cli("invoke", str(function_dir), "--json")
    run_cli("invoke", str(function_dir), "--handler", "lambda_function.fail", "--json")
    proc = run_cli("metrics", str(function_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    totals = json.loads(proc.stdout)["functions"][function_dir.name]["totals"]
    assert totals["Invocations"] == 2 and totals["Errors"] == 1
    assert not list((function_dir / ".lambda-console").glob("*.lock"))


@pytest.mark.parametrize(
    ("blueprint", "advice"),
    [("sam-orders-api", "lambda-console api --blueprint sam-orders-api"),
     ("sfn-create-account", "lambda-console sfn run sfn-create-account")],
)
def test_invoking_a_blueprint_that_is_not_a_function_names_the_command_that_runs_it(blueprint, advice):
    proc = run_cli("invoke", "--blueprint", blueprint)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert advice in err and len(err.strip().splitlines()) == 1


def test_event_given_as_json_text_is_sent_and_invalid_json_text_is_refused(function_dir):
    proc = run_cli("invoke", str(function_dir), "--event", '{"key1": "inline"}', "--json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "inline" in json.loads(proc.stdout)["logs"]
    proc = run_cli("invoke", str(function_dir), "--event", '{"key1": ')
    assert proc.returncode == 2
    assert proc.stderr.decode().count("\n") == 1 and "not" in proc.stderr.decode() and "json" in proc.stderr.decode()
