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


def _editing(app: LambdaConsoleApp, zoom: bool = False):
    async def run_before(pilot) -> None:
        screen = app.main_screen()
        for area in screen.query(TextArea):
            area.cursor_blink = False
        await pilot.press("alt+c")
        if zoom:
            await pilot.press("alt+z")
        await pilot.pause()
        await pilot.pause()

    return run_before


def test_main_screen_after_a_success(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(120, 36), run_before=_showing(app, SUCCESS))


def test_main_screen_after_a_failure(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(120, 36), run_before=_showing(app, FAILURE))


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_after_a_success_at(snap_compare, steady, size):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=size, run_before=_showing(app, SUCCESS))


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (160, 48), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_while_editing_at(snap_compare, steady, size):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=size, run_before=_editing(app))


def test_the_code_pane_zoomed(snap_compare, steady):
    app = LambdaConsoleApp(steady, engine=NoEngine())
    assert snap_compare(app, terminal_size=(120, 36), run_before=_editing(app, zoom=True))


def test_the_file_tree_with_a_sub_folder(snap_compare, steady):
    (steady / "lib").mkdir()
    (steady / "lib" / "helpers.py").write_text("WORD = 'lib'\n")
    app = LambdaConsoleApp(steady, engine=NoEngine())

    async def run_before(pilot) -> None:
        for area in app.main_screen().query(TextArea):
            area.cursor_blink = False
        await pilot.press("alt+f")
        tree = app.main_screen().code_editor.tree
        while len(tree.root.children) < 2:
            await pilot.pause()
        await pilot.press("down", "enter")
        while not tree.root.children[0].children:
            await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_monitor_with_charts(snap_compare, steady, monkeypatch):
    import console.tui.monitor_series as monitor_series
    from console.service.metrics import MetricsRegistry

    from fixed_results import FAILURE, SUCCESS

    now = 1_800_000_000.0  # a fixed minute: the charts' x axis is "minutes ago"
    monkeypatch.setattr(monitor_series, "wall_clock", lambda: now)
    app = LambdaConsoleApp(steady, engine=NoEngine())
    clock = [now - 30 * 60]
    app.invoker.metrics = MetricsRegistry(clock=lambda: clock[0])
    for minutes_later, result in ((0, SUCCESS), (0, FAILURE), (10, SUCCESS), (25, SUCCESS), (30, SUCCESS)):
        clock[0] = now - 30 * 60 + minutes_later * 60
        app.invoker.metrics.record_invocation("hello-world", result)

    async def run_before(pilot) -> None:
        await pilot.press("f12")
        while type(app.screen).__name__ != "MonitorScreen":
            await pilot.pause()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
