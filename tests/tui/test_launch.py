"""`lambda-console [DIR] [--theme NAME]`: argument handling before the app starts."""

from __future__ import annotations

import pytest

from console.tui import launch
from console.tui.app import LambdaConsoleApp


@pytest.fixture
def no_run(monkeypatch):
    """Record the app instead of running it."""
    started: list[LambdaConsoleApp] = []

    def fake_run(self, *args, **kwargs):
        started.append(self)
        return 0

    monkeypatch.setattr(LambdaConsoleApp, "run", fake_run)
    return started


def test_missing_directory_is_a_usage_error(tmp_path, capsys, no_run):
    assert launch.run_tui([str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert no_run == []


def test_unknown_theme_is_a_usage_error_listing_the_themes(tmp_path, capsys, no_run):
    assert launch.run_tui([str(tmp_path), "--theme", "no-such-theme"]) == 2
    err = capsys.readouterr().err
    assert "unknown theme 'no-such-theme'" in err and "textual-light" in err


def test_directory_and_theme_reach_the_app(tmp_path, no_run):
    assert launch.run_tui([str(tmp_path), "--theme", "textual-light"]) == 0
    (app,) = no_run
    assert app.code_dir == tmp_path and app.theme == "textual-light"


def test_no_arguments_opens_the_default_hello_world_function(home, no_run):
    assert launch.run_tui([]) == 0
    (app,) = no_run
    assert app.code_dir.name == "hello-world" and (app.code_dir / "lambda_function.py").is_file()


def test_cli_dispatcher_sends_bare_and_directory_arguments_to_the_console(tmp_path, no_run):
    from console.cli import main

    assert main([str(tmp_path), "--theme", "nord"]) == 0
    assert no_run[-1].theme == "nord"
