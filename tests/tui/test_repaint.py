"""What the Test key repaints: only the result and log panes, in place when their size holds."""

from __future__ import annotations

import dataclasses

from fixed_results import FAILURE, SUCCESS
from tui_helpers import run_test_key, wait_for

from console.tui.app import LambdaConsoleApp
from console.tui.widgets import panes, running
from console.tui.widgets.panes import DrawnOnce

SIZE = (120, 36)


class NoEngine:
    """These tests show fixed records: nothing is invoked."""

    def invoke(self, *args, **kwargs):  # pragma: no cover - a run here would be a bug
        raise AssertionError("must not invoke")

    def new_environment(self, config) -> None:
        pass

    def close(self) -> None:
        pass


async def test_a_repeated_test_repaints_the_panes_in_place_without_a_relayout(default_dir, engine, monkeypatch):
    # The running indicator appearing (a slow machine) is a relayout of its own: keep it hidden.
    monkeypatch.setattr(running, "SHOW_AFTER_S", 3600.0)
    # Nor may a stalled worker's first log lines be drawn before its result (another height).
    monkeypatch.setattr(panes, "LIVE_FLUSH_S", 3600.0)
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot)  # cold: Init duration and the INIT_START line
        await run_test_key(pilot)  # warm: the size every warm result has
        await pilot.pause()
        screen = app.main_screen()
        layouts: list[object] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append, immediate=True)
        code_repaints: list[object] = []
        refresh = screen.code_editor.refresh
        screen.code_editor.refresh = lambda *a, **k: (code_repaints.append(a), refresh(*a, **k))[1]

        result = await run_test_key(pilot)
        await wait_for(pilot, lambda: result.request_id in screen.result_pane.plain_text())
        await pilot.pause()

        assert result.request_id in screen.log_pane.plain_text()
        assert layouts == [], "a result of the same height must repaint in place, not relayout the screen"
        assert code_repaints == [], "the Test key must not repaint the code pane"
        drawn = screen.result_pane.body.content
        assert isinstance(drawn, DrawnOnce) and drawn.draws == 1  # measured and painted from one render


async def test_a_result_of_another_height_is_laid_out_again(default_dir):
    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        screen.show_entry(app.record("hello-world", "e", "{}", SUCCESS), live=True)
        await pilot.pause()
        short = screen.result_pane.body.size.height
        long_payload = ("[" + ", ".join(f'"line {i}"' for i in range(12)) + "]").encode()
        longer = dataclasses.replace(SUCCESS, payload=long_payload)
        screen.show_entry(app.record("hello-world", "e", "{}", longer), live=True)
        await wait_for(pilot, lambda: screen.result_pane.body.size.height > short)
        assert screen.result_pane.body.size.height >= short + 12
        screen.show_entry(app.record("hello-world", "e", "{}", SUCCESS), live=True)
        await wait_for(pilot, lambda: screen.result_pane.body.size.height == short)


async def test_an_emptied_log_pane_has_nothing_to_scroll(default_dir):
    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    async with app.run_test(size=SIZE) as pilot:
        log = app.main_screen().log_pane
        log.show_log(FAILURE.log)
        await wait_for(pilot, lambda: log.virtual_size.height >= 6)
        log.show_log("")
        await pilot.pause()
        assert log.virtual_size.height == 0 and log.plain_text() == ""
        log.show_log("\n".join(f"line {i}" for i in range(60)) + "\n")
        await wait_for(pilot, lambda: log.virtual_size.height == 60)
        log.show_note("The test did not run: no log.")
        await wait_for(pilot, lambda: log.virtual_size.height == 1)
        assert log.plain_text() == "The test did not run: no log."


def test_drawn_once_renders_once_per_width_and_counts_lines_like_textual():
    from rich.console import Console

    from console.tui.render import Palette, render_result

    console = Console(width=200, file=open("/dev/null", "w"))
    drawn = DrawnOnce(render_result(FAILURE, Palette()))
    narrow, wide = console.options.update_width(40), console.options.update_width(90)
    plain = sum(text.count("\n") for text, _, _ in console.render(render_result(FAILURE, Palette()), narrow))
    assert drawn.height(console, narrow) == plain
    assert list(console.render(drawn, narrow)) == drawn.segments(console, narrow)
    assert drawn.draws == 1
    assert drawn.height(console, wide) < plain  # another width is drawn anew
    assert drawn.draws == 2


async def test_the_editors_give_up_their_room_when_the_result_is_painted_not_before(default_dir, engine, monkeypatch):
    """F5 from the code editor: the panes change size together with the result (one repaint for a
    quick run), or when the running note appears for a slow one."""
    import threading

    monkeypatch.setattr(running, "SHOW_AFTER_S", 3600.0)
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        gate, called = threading.Event(), threading.Event()
        invoke = app.invoker.invoke

        def gated(*args, **kwargs):
            called.set()
            assert gate.wait(20), "the test never opened the gate"
            return invoke(*args, **kwargs)

        monkeypatch.setattr(app.invoker, "invoke", gated)
        await pilot.press("alt+c")
        await wait_for(pilot, lambda: screen.has_class("-editing"))
        before = len(app.history)
        await pilot.press("f5")
        await wait_for(pilot, called.is_set)
        await pilot.pause()
        assert screen.running and screen.has_class("-editing")  # nothing to show yet: no relayout
        gate.set()
        await wait_for(pilot, lambda: len(app.history) > before and not screen.running)
        await pilot.pause()
        assert not screen.has_class("-editing")
        assert app.history[-1].result.request_id in screen.result_pane.plain_text()

        # A slow run: the running note takes the room as soon as it shows.
        gate.clear()
        called.clear()
        monkeypatch.setattr(running, "SHOW_AFTER_S", 0.0)
        screen.result_pane.focus()
        await pilot.pause()
        await pilot.press("alt+c")  # focus moving into the editors: editing again
        await wait_for(pilot, lambda: screen.has_class("-editing"))
        await pilot.press("f5")
        await wait_for(pilot, lambda: "running" in screen.result_pane.plain_text())
        assert not screen.has_class("-editing")
        gate.set()
        await wait_for(pilot, lambda: not screen.running)


async def test_the_log_panes_kept_style_follows_theme_and_focus_changes(default_dir):
    from textual.dom import DOMNode

    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    async with app.run_test(size=SIZE) as pilot:
        log = app.main_screen().log_pane
        log.show_log(FAILURE.log)
        await pilot.pause()
        dark = log.rich_style
        assert dark == DOMNode.rich_style.fget(log)
        app.theme = "textual-light"
        await wait_for(pilot, lambda: log.rich_style != dark)
        assert log.rich_style == DOMNode.rich_style.fget(log)
        log.focus()
        await pilot.pause()
        assert log.rich_style == DOMNode.rich_style.fget(log)
