"""A state machine's functions are the workspace's, resolved one way for `sfn run` and the F9 view,
and its tasks go through the Invoker like any other Lambda client (metrics included)."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from textual.app import App

from console import workspace
from console.cli.sfn import function_dirs
from console.service.invoker import Invoker
from console.tui.stepfunctions_screen import StepFunctionsScreen

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = REPO / "blueprints" / "sfn-create-account"


def cli(*argv: str) -> tuple[int, str]:
    from console.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def run_blueprint(input_name: str) -> dict:
    code, out = cli("sfn", "run", "sfn-create-account", "--input", input_name, "--json", "--time-scale", "1000")
    assert code in (0, 1), out
    return json.loads(out)


def test_the_blueprint_puts_its_functions_in_the_workspace_and_an_edit_there_changes_the_run():
    assert run_blueprint("new-username")["path"] == ["CreateAccount", "SendWelcomeEmail"]
    create = workspace.functions_dir() / "CreateAccount"
    assert {f.name for f in workspace.list_functions()} >= {"CreateAccount", "SuggestAccountName", "SendWelcomeEmail"}
    code = create / "lambda_function.py"
    code.write_text(code.read_text().replace('"jdoe"}', '"jdoe", "newcomer"}'))
    assert run_blueprint("new-username")["path"] == ["CreateAccount", "SuggestAccountName"]


def test_sfn_run_tasks_are_counted_in_lambda_console_metrics():
    run_blueprint("taken-username")
    code, out = cli("metrics", "--json")
    assert code == 0
    totals = {name: f["totals"] for name, f in json.loads(out)["functions"].items()}
    assert totals["CreateAccount"]["Invocations"] == 1 and totals["CreateAccount"]["Errors"] == 1
    assert totals["SuggestAccountName"]["Invocations"] == 1
    assert totals["SendWelcomeEmail"]["Invocations"] == 0


def test_sfn_run_and_the_console_view_resolve_the_same_functions(tmp_path):
    own = tmp_path / "mine" / "CreateAccount"
    own.mkdir(parents=True)
    definition = str(BLUEPRINT / "statemachine.json")
    screen = StepFunctionsScreen(functions_dirs=[own], definition_path=definition)
    assert screen.function_dirs() == function_dirs([str(own)], definition)
    assert screen.function_dirs()["CreateAccount"] == own.resolve()  # explicit folders win


class Host(App):
    def __init__(self, screen: StepFunctionsScreen, invoker: Invoker) -> None:
        super().__init__()
        self._sfn = screen
        self.invoker = invoker

    def on_mount(self) -> None:
        self.push_screen(self._sfn)


async def test_the_console_view_runs_tasks_through_the_apps_invoker():
    with Invoker() as invoker:
        screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json")
        async with Host(screen, invoker).run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await pilot.press("f5")
            await pilot.wait_for_scheduled_animations()
            for _ in range(600):  # a deadline, not a pause: the run ends when the message arrives
                if screen.result is not None:
                    break
                await pilot.pause(0.05)
            assert screen.result is not None and screen.result.path == ["CreateAccount", "SuggestAccountName"]
        exported = invoker.metrics.export()["functions"]
        assert exported["CreateAccount"]["totals"]["Errors"] == 1
        assert exported["SuggestAccountName"]["totals"]["Invocations"] == 1
    assert os.path.isdir(workspace.functions_dir() / "CreateAccount")


def test_a_corrupt_settings_file_of_a_blueprint_function_fails_its_task_and_is_left_in_place():
    run_blueprint("new-username")
    config = workspace.functions_dir() / "CreateAccount" / ".lambda-console" / "config.json"
    config.write_text('{"handler": ')
    result = run_blueprint("taken-username")
    assert result["status"] == "FAILED"
    assert "config.json" in (result["cause"] or "") and "corrupt" in result["cause"]
    assert config.read_text() == '{"handler": '
    assert not list(config.parent.glob("config.json.corrupt-*"))
