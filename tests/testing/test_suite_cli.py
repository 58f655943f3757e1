"""`lambda-console test`: exit codes, one line per event, the diff, --update, --event, -k, --json, workspace runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console import workspace
from console.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_update_records_every_saved_event_then_a_run_passes_and_exits_0(make_function, capsys):
    fn = make_function()
    code, out, _ = run(capsys, str(fn), "--update")
    assert code == 0
    assert "expectation created" in out and "2 events: 2 passed" in out
    assert json.loads((fn / ".lambda-console/expected/basic.json").read_text()) == {
        "status": "Succeeded", "payload": {"statusCode": 200, "body": "a", "n": 3}, "payloadMatch": "exact"
    }
    assert json.loads((fn / ".lambda-console/expected/err.json").read_text()) == {
        "status": "Failed", "error": {"errorType": "ValueError", "errorMessage": "bad x"}
    }
    code, out, _ = run(capsys, str(fn))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("fn  ")
    assert lines[1].split()[:2] == ["PASS", "basic"] and lines[1].endswith(" ms")
    assert lines[2].split()[:2] == ["PASS", "err"]
    code, out, _ = run(capsys, str(fn), "--update")
    assert out.count("expectation unchanged") == 2


def test_a_changed_answer_fails_with_exit_1_and_a_diff_of_the_differing_key(make_function, capsys):
    fn = make_function()
    assert run(capsys, str(fn), "--update")[0] == 0
    (fn / ".lambda-console/events/basic.json").write_text('{"key1": "b"}')
    code, out, _ = run(capsys, str(fn))
    assert code == 1
    assert "FAIL   basic" in out and "payload differs" in out
    assert '-   "body": "a",' in out and '+   "body": "b",' in out
    assert '    "statusCode": 200,' in out  # equal keys unmarked
    assert "1 passed, 1 failed" in out


def test_a_different_error_is_shown_as_error_type_and_message(make_function, capsys):
    fn = make_function()
    workspace.write_expectation(fn, "err", '{"status": "Failed", "error": {"errorType": "KeyError", "errorMessage": "bad x"}}')
    code, out, _ = run(capsys, str(fn))
    assert code == 1
    assert 'errorType:\n         - "KeyError"\n         + "ValueError"' in out


def test_a_malformed_expectation_is_an_error_naming_file_and_line_and_the_rest_still_run(make_function, capsys):
    fn = make_function()
    run(capsys, str(fn), "--update")
    broken = fn / ".lambda-console/expected/basic.json"
    broken.write_text('{\n  "status": "Succeeded",\n  "payload": {,}\n}\n')
    code, out, _ = run(capsys, str(fn))
    assert code == 1
    assert "ERROR  basic" in out and f"{broken}, line 3: not valid JSON" in out
    assert "PASS   err" in out and "1 passed, 1 error" in out
    # --update does not overwrite what the user wrote by hand when it cannot read it
    assert run(capsys, str(fn), "--update")[0] == 1
    assert "{,}" in broken.read_text()


def test_an_expectation_whose_event_is_gone_is_an_error(make_function, capsys):
    fn = make_function(events={"basic": {"key1": "a"}})
    workspace.write_expectation(fn, "ghost", '{"status": "Succeeded"}')
    workspace.write_expectation(fn, "basic", '{"status": "Succeeded"}')
    code, out, _ = run(capsys, str(fn))
    assert code == 1 and "ERROR  ghost" in out and "no saved event 'ghost'" in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["/no/such/folder"], "no function folder or workspace function named '/no/such/folder'"),
        (["{fn}", "--event", "nope"], "no saved event named 'nope'"),
        (["{fn}", "--event", "bad name!"], "is not valid"),
        (["{fn}", "-k", "zzz"], "matches -k 'zzz'"),
        (["{fn}"], "has an expected answer yet; record them with `lambda-console test --update`"),
    ],
)
def test_usage_errors_exit_2_with_one_line(make_function, capsys, args, words):
    fn = make_function()
    code, out, err = run(capsys, *[a.replace("{fn}", str(fn)) for a in args])
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


def test_an_unknown_option_is_a_usage_error(make_function, capsys):
    with pytest.raises(SystemExit) as info:
        main(["test", str(make_function()), "--bogus"])
    assert info.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def test_event_and_k_choose_which_events_run(make_function, capsys):
    fn = make_function(events={"basic": {"key1": "a"}, "other": {"key1": "o"}, "err": {"fail": 1}})
    run(capsys, str(fn), "--update")
    code, out, _ = run(capsys, str(fn), "--event", "basic", "--event", "err")
    assert code == 0 and "basic" in out and "err" in out and "other" not in out
    code, out, _ = run(capsys, str(fn), "-k", "oth")
    assert "other" in out and "basic" not in out and "1 event: 1 passed" in out
    code, out, _ = run(capsys, str(fn), "-k", "fn/b*")
    assert "basic" in out and "other" not in out


def test_json_prints_one_object_with_per_event_results(make_function, capsys):
    fn = make_function()
    run(capsys, str(fn), "--update")
    (fn / ".lambda-console/events/basic.json").write_text('{"key1": "b"}')
    code, out, _ = run(capsys, str(fn), "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["passed"], data["failed"], data["errors"], data["total"]) == (1, 1, 0, 2)
    by_event = {r["event"]: r for r in data["results"]}
    assert by_event["basic"]["outcome"] == "fail" and by_event["basic"]["payload"]["body"] == "b"
    assert by_event["basic"]["differences"][0]["what"] == "payload" and '+   "body": "b"' in by_event["basic"]["diff"]
    assert by_event["err"]["outcome"] == "pass" and by_event["err"]["durationMs"] > 0


def test_without_dir_the_whole_workspace_runs_and_one_broken_function_hides_no_other(
    workspace_home, make_function, capsys
):
    parent = workspace.functions_dir()
    parent.mkdir(parents=True)
    good = make_function("good", parent=parent)
    broken = make_function("broken", parent=parent)
    untested = make_function("untested", parent=parent)  # no expectations: not listed
    run(capsys, str(good), str(broken), "--update")
    workspace.config_path(broken).write_text("{not json")
    code, out, _ = run(capsys)
    assert code == 1
    assert "good  " in out and "broken  " in out and "untested" not in out and untested.is_dir()
    assert "ERROR  basic" in out and "settings:" in out and "config.json is corrupt" in out
    assert workspace.config_path(broken).read_text() == "{not json"  # never moved aside by a headless run
    code, out, _ = run(capsys, "good")  # a workspace function by name
    assert code == 0 and "2 passed" in out


def test_a_folder_of_function_folders_runs_each(tmp_path, make_function, capsys):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("alpha", "beta"):
        run(capsys, str(make_function(name, parent=project)), "--update")
    code, out, _ = run(capsys, str(project))
    assert code == 0 and "alpha  " in out and "beta  " in out and "4 events: 4 passed" in out


def test_a_duration_budget_and_log_lines_are_checked(make_function, capsys):
    fn = make_function(events={"slow": {"key1": "s", "sleep": 0.05}})
    workspace.write_expectation(fn, "slow", json.dumps(
        {"status": "Succeeded", "logContains": ["got s", "never"], "maxDurationMs": 10}))
    code, out, _ = run(capsys, str(fn))
    assert code == 1
    assert 'log: no line contains "never"' in out and "over the 10 ms budget" in out


def test_the_installed_command_runs_without_textual(make_function):
    fn = make_function()
    code = (
        "import contextlib, io, sys\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['test', {str(fn)!r}, '--update']) == 0\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    proc = subprocess.run([sys.executable, "-m", "console", "test", str(fn)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "2 events: 2 passed" in proc.stdout


def test_a_saved_event_that_is_not_json_is_an_error_naming_its_file_and_line(make_function, capsys):
    fn = make_function()
    run(capsys, str(fn), "--update")
    (fn / ".lambda-console/events/basic.json").write_text('{\n  "key1": "a",\n}')
    code, out, _ = run(capsys, str(fn))
    assert code == 1
    assert f"{fn / '.lambda-console/events/basic.json'}, line 3: the saved event is not valid JSON" in out
    assert "PASS   err" in out


def test_update_over_several_functions_without_saved_events_says_they_have_none(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    code, _, err = run(capsys, str(tmp_path / "a"), str(tmp_path / "b"), "--update")
    assert code == 2 and "2 functions have no saved test events to record" in err
