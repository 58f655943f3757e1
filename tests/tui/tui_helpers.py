"""Helpers to drive the console in pilot tests: wait for conditions, press Test, replace text."""

from __future__ import annotations

import time
from typing import Any, Callable


async def wait_for(pilot: Any, condition: Callable[[], Any], timeout: float = 20.0, step: float = 0.05) -> Any:
    """Let the app run until condition() is truthy; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await pilot.pause(step)
    raise AssertionError(f"condition not met within {timeout} s")


async def run_test_key(pilot: Any, key: str = "f5", timeout: float = 20.0) -> Any:
    """Press the Test key and wait for the new history entry; returns its result."""
    app = pilot.app
    before = len(app.history)
    await pilot.press(key)
    await wait_for(pilot, lambda: len(app.history) > before and not app.main_screen().running, timeout)
    await pilot.pause()
    return app.history[-1].result


def replace_editor_text(area: Any, text: str) -> None:
    """Replace a TextArea's whole text as an edit (so Changed fires, like typing)."""
    area.select_all()
    area.replace(text, area.selection.start, area.selection.end)




async def press_button(pilot: Any, selector: str) -> None:
    """Press a button of the active screen as a user would, once it is on screen (a click by
    coordinates can land before the layout settles on a loaded machine)."""
    button = await wait_for(pilot, lambda: pilot.app.screen.query(selector).first() if pilot.app.screen.query(selector) else None)
    await wait_for(pilot, lambda: button.region.area > 0)
    button.press()
    await pilot.pause()
