"""The test event panel: saved events of the function, the template in use, a JSON editor."""

from __future__ import annotations

import json
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Select, Static, TextArea

from .. import store
from ..render import event_problem
from .editor_area import EditorArea
from .highlighting import follow_app_theme, set_language

UNSAVED = "(unsaved event)"


class EventPanel(Vertical):
    """Holds the event being edited; 'Test before saving' uses whatever is in the editor."""

    def __init__(self, code_dir: Path, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code_dir = Path(code_dir)
        self.saved_name: str | None = None  # the saved event shown, None for an unsaved draft
        self.template_name: str = "hello-world"
        self.draft: str = store.HELLO_WORLD_EVENT
        self.saved_text: str | None = None  # the saved event's text on disk, to show edits
        self._loading = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="event-row"):
            yield Select([], prompt=UNSAVED, allow_blank=True, compact=True, id="saved-events")
            yield Button("Template…", id="template-button", compact=True)
        editor = EditorArea.code_editor("", id="event-json", soft_wrap=True, show_line_numbers=False)
        set_language(editor, "json")  # not via the constructor: see highlighting.py
        yield editor
        yield Static("", id="event-status")

    @property
    def editor(self) -> TextArea:
        return self.query_one("#event-json", TextArea)

    @property
    def text(self) -> str:
        return self.editor.text

    @property
    def display_name(self) -> str:
        return self.saved_name or self.template_name

    def on_mount(self) -> None:
        follow_app_theme(self.editor)
        self.template_name, self.draft = store.initial_event(self.code_dir)
        self.refresh_saved()
        self._set_text(self.draft)
        self._update_title()

    def refresh_saved(self, select: str | None = None) -> None:
        names = store.saved_events(self.code_dir)
        widget = self.query_one("#saved-events", Select)
        self._loading = True
        expected = store.expected_events(self.code_dir)  # marked: they have an expected answer
        widget.set_options([(f"{n} ✓" if n in expected else n, n) for n in names])
        if select is not None and select in names:
            widget.value = select
        elif self.saved_name in names:
            widget.value = self.saved_name
        else:
            widget.clear()
            self.saved_name = None
        self._loading = False

    def _set_text(self, text: str) -> None:
        self._loading = True
        self.editor.load_text(text)
        self._loading = False
        self.validate()

    def _update_title(self) -> None:
        if self.saved_name:
            edited = self.saved_text is not None and self.text != self.saved_text
            state = "saved, ● edited: Ctrl+S saves" if edited else "saved"
            self.border_title = f"Test event ─ {self.saved_name} ({state})"
        else:
            self.border_title = f"Test event ─ {self.template_name} (unsaved)"

    def validate(self) -> str | None:
        """Show where the JSON is broken, if it is; returns the problem."""
        problem = event_problem(self.text)
        status = self.query_one("#event-status", Static)
        if problem:
            status.update(f"✖ {problem}")
            status.set_class(True, "-bad")
        else:
            status.update("✔ valid JSON")
            status.set_class(False, "-bad")
        return problem

    def format_json(self) -> bool:
        """Re-indent the event as the console shows JSON (2 spaces); False when it is not valid."""
        try:
            value = json.loads(self.text)
        except ValueError:
            return False
        pretty = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        if pretty != self.text:
            # As an edit (undoable), not a reload.
            self.editor.replace(pretty, (0, 0), self.editor.document.end)
        return True

    def use_template(self, name: str, text: str) -> None:
        """Load a template as a new unsaved event (the previous draft stays only if saved)."""
        self.template_name = name
        self.saved_name = None
        self.draft = text
        self._loading = True
        self.query_one("#saved-events", Select).clear()
        self._loading = False
        self._set_text(text)
        self._update_title()

    def show_saved(self, name: str) -> None:
        try:
            text = store.load_event(self.code_dir, name)
        except Exception as exc:
            self.notify(f"Could not read the saved event {name!r}: {exc}", severity="error", timeout=10)
            return
        if self.saved_name is None:
            self.draft = self.text
        self.saved_name = name
        self.saved_text = text
        self._set_text(text)
        self._update_title()

    def mark_saved(self, name: str) -> None:
        self.saved_name = name
        self.saved_text = self.text
        self.refresh_saved(select=name)
        self._update_title()

    @on(Select.Changed, "#saved-events")
    def _saved_selected(self, event: Select.Changed) -> None:
        event.stop()
        if self._loading:
            return
        if event.value == Select.NULL:
            if self.saved_name is not None:
                self.saved_name = None
                self._set_text(self.draft)
                self._update_title()
        elif isinstance(event.value, str) and event.value != self.saved_name:
            self.show_saved(event.value)

    @on(TextArea.Changed, "#event-json")
    def _edited(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._loading:
            return
        if self.saved_name is None:
            self.draft = self.text
        else:
            self._update_title()
        self.validate()

    @on(Button.Pressed, "#template-button")
    def _template(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.run_action("screen.pick_template")
