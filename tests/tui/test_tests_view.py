"""The Tests view (Alt+T, palette) and Save as expected (Alt+S), driven through the pilot."""

from __future__ import annotations

import io
import json

from rich.console import Console

from tui_helpers import run_test_key, wait_for

from console import workspace
from console.tui.app import LambdaConsoleApp
from console.tui.screens.tests_view import SavedTestsScreen, session_outcomes

SIZE = (120, 36)
GOOD = {"key1": "value1", "key2": "value2", "key3": "value3"}


def _text(renderable) -> str:
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def _view_ready(app):
    """The Tests view once it lists the events (it is app.screen before it has mounted)."""
    screen = app.screen
    if isinstance(screen, SavedTestsScreen) and screen.query("#tests-list") and screen.query_one("#tests-list").option_count:
        return screen
    return None


def _outcome(app, folder, event):
    return session_outcomes(app).get((str(folder.resolve()), event))


async def test_the_tests_view_runs_all_shows_a_failures_diff_and_saves_an_answer_as_expected(default_dir, engine):
    workspace.save_event(default_dir, "good", json.dumps(GOOD))
    workspace.save_event(default_dir, "bad", json.dumps({"key1": "only"}))
    workspace.save_event(default_dir, "draft", json.dumps(GOOD))
    workspace.write_expectation(default_dir, "good", json.dumps({"status": "Succeeded", "payload": "value1"}))
    workspace.write_expectation(default_dir, "bad", json.dumps({"status": "Succeeded", "payload": "only"}))
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+t")
        view = await wait_for(pilot, lambda: _view_ready(app))
        options = view.query_one("#tests-list")
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert [r.lstrip("· ").split()[0] for r in rows] == ["bad", "draft", "good"]  # saved events, by name
        assert "not run" in rows[0] and "no expectation" in rows[1]

        await pilot.press("a")  # run all that have an expectation
        await wait_for(pilot, lambda: _outcome(app, default_dir, "good") and _outcome(app, default_dir, "bad")
                       and not view.running, timeout=30)
        assert _outcome(app, default_dir, "good").outcome == "pass"
        assert _outcome(app, default_dir, "draft") is None  # no expectation: not part of Run all
        bad = _outcome(app, default_dir, "bad")
        assert bad.outcome == "fail" and "status: expected Succeeded, got Failed" in bad.diff
        assert "failed: status" in str(options.get_option_at_index(0).prompt)
        assert "passed" in str(options.get_option_at_index(2).prompt)
        # the failing one (highlighted first) shows its diff
        detail = _text(view.shown_detail)
        assert "status: expected Succeeded, got Failed" in detail and "KeyError" in detail
        assert sorted(e.event_name for e in app.history) == ["bad", "good"]  # runs are in History (F3)

        await pilot.press("s")  # keep bad's answer (a KeyError) as the expected one
        await wait_for(pilot, lambda: _outcome(app, default_dir, "bad").outcome == "pass")
        saved = json.loads(workspace.read_expectation(default_dir, "bad"))
        assert saved == {"status": "Failed", "error": {"errorType": "KeyError", "errorMessage": "'key2'"}}

        await pilot.press("down", "enter")  # run draft alone: it ran, nothing to compare
        await wait_for(pilot, lambda: _outcome(app, default_dir, "draft") and not view.running, timeout=20)
        assert _outcome(app, default_dir, "draft").outcome == "unchecked"
        assert "ran; no expectation" in str(options.get_option_at_index(1).prompt)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen())


async def test_save_as_expected_keeps_the_shown_result_of_a_saved_event(default_dir, engine):
    workspace.save_event(default_dir, "basic", json.dumps(GOOD))
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await run_test_key(pilot)  # the default template, not a saved event: refused
        await pilot.press("alt+s")
        await pilot.pause()
        assert workspace.list_expectations(default_dir) == []
        screen.event_panel.show_saved("basic")
        await run_test_key(pilot)
        await pilot.press("alt+s")
        await wait_for(pilot, lambda: workspace.list_expectations(default_dir) == ["basic"])
        assert json.loads(workspace.read_expectation(default_dir, "basic"))["payload"] == "value1"
        # the saved-event list marks events that have an expected answer
        select = screen.event_panel.query_one("#saved-events")
        await wait_for(pilot, lambda: ("basic ✓", "basic") in [(str(p), v) for p, v in select._options])
        # a result of an event edited since is not saved as the new event's answer
        workspace.save_event(default_dir, "basic", json.dumps({**GOOD, "key1": "edited"}))
        await pilot.press("alt+s")
        await pilot.pause()
        assert json.loads(workspace.read_expectation(default_dir, "basic"))["payload"] == "value1"
        workspace.save_event(default_dir, "basic", json.dumps(GOOD))
        # the palette reaches the view too
        await screen.run_action("app.tests")
        view = await wait_for(pilot, lambda: _view_ready(app))
        assert "passed" in str(view.query_one("#tests-list").get_option_at_index(0).prompt)
