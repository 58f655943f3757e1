"""Small modals: ask for a name (validated as typed) and confirm a destructive action."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


# Arrow keys move between a dialog's buttons (Enter presses the one with the focus).
BUTTON_KEYS = [
    Binding("left,up", "app.focus_previous", "Previous button", show=False),
    Binding("right,down", "app.focus_next", "Next button", show=False),
]


class NamePrompt(ModalScreen[str | None]):
    """Returns the name typed, or None; `check` returns an error message to block bad names."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", check: Callable[[str], str | None] | None = None, hint: str = "") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.value = value
        self.check = check
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label(self.title_text, classes="dialog-title")
            if self.hint:
                yield Static(self.hint, classes="hint")
            yield Input(self.value, id="name")
            yield Static("", id="name-problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def _problem(self, value: str) -> str | None:
        if not value.strip():
            return "Enter a name"
        return self.check(value.strip()) if self.check else None

    @on(Input.Changed, "#name")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#name-problem", Static).update(self._problem(event.value) or "")

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        value = self.query_one("#name", Input).value
        problem = self._problem(value)
        if problem:
            self.query_one("#name-problem", Static).update(problem)
            return
        self.dismiss(value.strip())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Yes/no question; Escape means no."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "no", "Cancel"),
        Binding("y", "yes", "Yes", show=False),
        *BUTTON_KEYS,
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="modal")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static(self.question)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        # A stray Enter must not destroy anything: the safe answer has the focus.
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class Choice(ModalScreen[str | None]):
    """A question with a few answers (button id -> label); Escape returns None (decide later)."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "later", "Later"), *BUTTON_KEYS]

    def __init__(self, title: str, question: str, answers: list[tuple[str, str]]) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.question = question
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.question)
            with Horizontal(classes="buttons"):
                for index, (answer, label) in enumerate(self.answers):
                    yield Button(label, id=answer, variant="primary" if index == 0 else "default")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id)

    def action_later(self) -> None:
        self.dismiss(None)
