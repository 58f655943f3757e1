"""SVG snapshots of the main screen after a success and after a failure (fixed records, no live run)."""

from __future__ import annotations

import pytest
from fixed_results import FAILURE, SUCCESS
from textual.widgets import TextArea

from console.tui import store
from console.tui.app import LambdaConsoleApp


class NoEngine:
    """The snapshots never invoke: the panes show fixed records."""

    def invoke(self, *args, **kwargs):  # pragma: no cover - a snapshot that runs would be a bug
        raise AssertionError("snapshot tests must not invoke")

    def new_environment(self, config) -> None:
        pass

    def close(self) -> None:
        pass


HELLO_CODE = """import json

print('Loading function')


def lambda_handler(event, context):
    #print("Received event: " + json.dumps(event, indent=2))
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']  # Echo back the first key value
    #raise Exception('Something went wrong')
"""


@pytest.fixture
def steady(home, monkeypatch):
    """Mask what differs between machines (the host Python shown next to the runtime) and pin the
    code, so a change to the hello-world blueprint does not move these pictures."""
    import console.tui.widgets.function_bar as function_bar

    monkeypatch.setattr(store, "HOST_PYTHON", "3.11")
    monkeypatch.setattr(function_bar, "HOST_PYTHON", "3.11")
    # Which interpreters are installed differs between machines too.
    monkeypatch.setattr(store, "stand_in_python", lambda runtime, interpreter="": "")
    code_dir = store.default_function_dir()
    (code_dir / "lambda_function.py").write_text(HELLO_CODE)
    return code_dir


def _showing(app: LambdaConsoleApp, result):
    async def run_before(pilot) -> None:
        screen = app.main_screen()
        for area in screen.query(TextArea):
            area.cursor_blink = False
        entry = app.record("hello-world", "hello-world", "{}", result)
        screen.show_entry(entry, live=True)
        await pilot.pause()
        await pilot.pause()

    return run_before


def test_main_screen_after_a_success(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(120, 36), run_before=_showing(app, SUCCESS))


def test_main_screen_after_a_failure(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(120, 36), run_before=_showing(app, FAILURE))


def test_main_screen_at_80x24_after_a_success(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_showing(app, SUCCESS))
