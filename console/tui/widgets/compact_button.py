"""A compact Button for the main screen that carries only the CSS a compact default Button uses."""

from __future__ import annotations

from textual.widgets import Button


class CompactButton(Button, inherit_css=False):
    """`Button(label, compact=True)`, looking and behaving the same (press, Button.Pressed, focus,
    hover, the press flash, disabled, ANSI themes), for the default variant only.

    Why: Textual parses the CSS of every widget class on the screen before the first paint, and
    Button's (every variant, flat and ANSI styles, deeply nested) costs ~24 ms to parse, about a
    sixth of a bare Textual app's whole start. `inherit_css=False` keeps Button's CSS out; the
    rules below are Button's own for the compact default style, with the selectors renamed (the
    scrollbar and link rules of Widget's CSS, which it no longer inherits, play no part in a label).
    Dialogs keep Textual's Button (its CSS is parsed when the first of them opens).
    A test renders both side by side in each state and theme and compares the cells.
    """

    DEFAULT_CSS = """
    CompactButton {
        width: auto;
        min-width: 16;
        height: auto;
        line-pad: 1;
        text-align: center;
        content-align: center middle;
        pointer: pointer;

        text-style: bold;
        color: $button-foreground;
        background: $surface;
        border: none;

        &:disabled {
            text-opacity: 0.6;
            pointer: not-allowed;
        }
        &:focus {
            text-style: $button-focus-text-style;
            background-tint: $foreground 5%;
        }
        &:hover {
            background: $surface-darken-1;
        }
        &.-active {
            background: $surface;
            tint: $background 30%;
        }
    }
    CompactButton:ansi {
        background: ansi_default;
        &:disabled {
            text-opacity: 1;
            text-style: bold dim;
            border: tall $border-blurred !important;
            background: ansi_default !important;
            pointer: not-allowed;
            &:hover {
                background: ansi_default;
            }
        }
        &:hover {
            background: $ansi-background;
        }
        &.-active {
            background: $ansi-background !important;
            border: blank $background !important;
            tint: transparent;
        }
    }
    """

    def __init__(
        self,
        label: str,
        *,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        tooltip: str | None = None,
    ) -> None:
        super().__init__(label, id=id, classes=classes, disabled=disabled, tooltip=tooltip, compact=True)
