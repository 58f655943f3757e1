"""CompactButton (the main screen's buttons, without Button's CSS) draws exactly like
Button(compact=True) in every state and theme, and presses like it."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.containers import Horizontal
from textual.widgets import Button

from console.tui.widgets.compact_button import CompactButton

from tui_helpers import wait_for

STATES = ["normal", "hover", "focus", "active", "focus+active", "disabled", "disabled+hover"]


class Pair(App[None]):
    def __init__(self, theme: str, disabled: bool) -> None:
        super().__init__()
        self._theme_name = theme
        self._disabled = disabled
        self.pressed: list[str] = []

    def compose(self):
        with Horizontal():
            yield Button("Config", id="real", compact=True, disabled=self._disabled)
            yield CompactButton("Config", id="ours", disabled=self._disabled)

    def on_mount(self) -> None:
        self.theme = self._theme_name

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.pressed.append(event.button.id or "")


STYLE_RULES = (
    "border_top", "border_right", "border_bottom", "border_left", "background", "background_tint", "color",
    "text_style", "tint", "text_opacity", "opacity", "padding", "margin", "width", "height", "min_width",
    "content_align_horizontal", "content_align_vertical", "text_align", "line_pad", "outline_top",
)


def _drawn(button: Button) -> tuple:
    """What decides the button's look: its computed styles and each cell as drawn."""
    return tuple(getattr(button.styles, rule) for rule in STYLE_RULES), _cells(button)


def _cells(button: Button) -> list[list[tuple[str, object]]]:
    """Each cell's character and style as drawn, over the button's whole region (borders too)."""
    rows = []
    for y in range(button.outer_size.height):
        strip = button.render_line(y)
        rows.append([(segment.text, segment.style) for segment in strip])
    return rows


def _set_state(app: Pair, button: Button, state: str) -> None:
    button.mouse_hover = "hover" in state
    button.set_class("active" in state, "-active")
    if "focus" in state:
        app.set_focus(button)
    else:
        app.set_focus(None)
    button.update_node_styles(animate=False)  # as the app does when the mouse enters or leaves


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark", "ansi-light", "nord"])
async def test_compact_button_draws_like_a_compact_button_in_every_state(theme):
    for state in STATES:
        app = Pair(theme, disabled=state.startswith("disabled"))
        async with app.run_test(size=(40, 5)) as pilot:
            real, ours = app.query_one("#real", Button), app.query_one("#ours", Button)
            for button in (real, ours):
                _set_state(app, button, state)
                await pilot.pause()
                drawn = _drawn(button)
                if button is real:
                    expected = drawn
                else:
                    assert drawn == expected, f"{theme} {state}: CompactButton draws differently"
                _set_state(app, button, "normal" if not state.startswith("disabled") else "disabled")
                await pilot.pause()


async def test_compact_button_presses_like_a_button_by_click_and_by_key():
    app = Pair("textual-dark", disabled=False)
    async with app.run_test(size=(40, 5)) as pilot:
        ours = app.query_one("#ours")
        await pilot.click("#ours")
        await wait_for(pilot, lambda: app.pressed and not ours.has_class("-active"))  # the press flash ends
        ours.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.pressed) >= 2)
        assert app.pressed == ["ours", "ours"]


async def test_the_main_screen_does_not_load_buttons_css(default_dir):
    """Button's CSS (~24 ms to parse) stays out of the first screen's stylesheet."""
    from console.tui.app import LambdaConsoleApp

    class NoEngine:
        def close(self) -> None:
            pass

    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.screen.query(CompactButton)
        sources = {str(location[1]) for location in app.stylesheet.source}
        assert "Button.DEFAULT_CSS" not in sources


@pytest.mark.parametrize(("button", "screen"), [("#config-button", "ConfigModal"), ("#template-button", "TemplatePicker")])
async def test_the_main_screens_buttons_open_their_dialogs(default_dir, button, screen):
    from console.tui.app import LambdaConsoleApp

    class NoEngine:
        def close(self) -> None:
            pass

    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(button))
        await pilot.click(button)
        await wait_for(pilot, lambda: type(app.screen).__name__ == screen)
