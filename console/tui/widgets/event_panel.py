"""The test event panel: saved events of the function, the template in use, a JSON editor."""

from __future__ import annotations

import json
import re
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Select, Static, TextArea

from console.workspace import WorkspaceError

from .. import store
from ..render import event_problem
from .compact_button import CompactButton
from .editor_area import EditorArea
from .highlighting import editor_theme, follow_app_theme, set_language

UNSAVED = "(unsaved event)"


class EventPanel(Vertical):
    """Holds the event being edited; 'Test before saving' uses whatever is in the editor."""

    ALLOW_MAXIMIZE = True  # Alt+Z zooms it

    class Shown(Message):
        """The panel was given something to show (on a narrow screen, bring it forward)."""

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
            yield CompactButton("Template…", id="template-button")
        # JSON highlighting is switched on once the event is loaded (on_mount; one query compiled).
        yield EditorArea.code_editor(
            "", id="event-json", soft_wrap=True, show_line_numbers=False, theme=editor_theme(self.app)
        )
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
        settings, _ = store.load_settings(self.code_dir)
        self.template_name, self.draft = store.initial_event(self.code_dir, settings)
        saved, template, text = store.last_event(settings)
        if template and text is not None:  # the draft last tested
            self.template_name, self.draft = template, text
        self.refresh_saved()
        self._set_text(self.draft)
        set_language(self.editor, "json")  # not via the constructor: see highlighting.py
        self._update_title()
        if saved and saved in store.saved_events(self.code_dir):  # the saved event last tested
            self.query_one("#saved-events", Select).value = saved

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
        except (OSError, WorkspaceError, UnicodeDecodeError) as exc:
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
        self.pick_template()

    # -- saved-event actions (the screen's keys and the palette call these) ---------------------

    def pick_template(self) -> None:
        from ..screens.pickers import TemplatePicker

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self.use_template(*choice)
                self.post_message(self.Shown())

        self.app.push_screen(TemplatePicker(), chosen)

    def save_event(self) -> None:
        """Ctrl+S: save in place when the event has a name, else ask for one."""
        problem = event_problem(self.text)
        if problem:
            self.notify(f"Not saved: {problem}", title="Test event", severity="error")
            return
        if self.saved_name:
            self._save_as(self.saved_name)
            return
        from ..screens.prompt import NamePrompt

        existing = set(store.saved_events(self.code_dir))
        self.app.push_screen(
            NamePrompt(
                "Save test event as",
                value=suggest_event_name(self.template_name, existing),
                check=lambda n: event_name_problem(n, existing),
                hint="Up to 25 letters, digits, '.', '_' or '-'.",
            ),
            lambda name: self._save_as(name) if name else None,
        )

    def _save_as(self, name: str) -> None:
        try:
            store.save_event(self.code_dir, name, self.text)
        except (OSError, WorkspaceError) as exc:
            self.notify(f"Could not save the event: {exc}", severity="error")
            return
        self.mark_saved(name)
        self.notify(f"The test event {name} was successfully saved.", title="Test event")

    def format_event(self) -> None:
        if not self.format_json():
            self.notify(event_problem(self.text) or "Not JSON", title="Test event", severity="error")

    def rename_event(self) -> None:
        if not self.saved_name:
            self.notify("Select a saved event first (unsaved events have no name yet).", severity="warning")
            return
        from ..screens.prompt import NamePrompt

        old = self.saved_name
        existing = set(store.saved_events(self.code_dir)) - {old}

        def chosen(name: str | None) -> None:
            if not name or name == old:
                return
            try:
                store.rename_event(self.code_dir, old, name)
            except (OSError, WorkspaceError) as exc:
                self.notify(f"Could not rename: {exc}", severity="error")
                return
            self.mark_saved(name)
            self.notify(f"Renamed {old} to {name}.", title="Test event")

        self.app.push_screen(
            NamePrompt(f"Rename test event {old}", value=old, check=lambda n: event_name_problem(n, existing)),
            chosen,
        )

    def delete_event(self) -> None:
        if not self.saved_name:
            self.notify("Select a saved event to delete.", severity="warning")
            return
        from ..screens.prompt import Confirm

        name = self.saved_name

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                store.delete_event(self.code_dir, name)
            except (OSError, WorkspaceError) as exc:
                self.notify(f"Could not delete: {exc}", severity="error")
                return
            self.saved_name = None
            self.draft = self.text
            self.refresh_saved()
            self._update_title()
            self.notify(f"Deleted the test event {name}; its text stays in the editor.", title="Test event")

        self.app.push_screen(Confirm(f"Delete the saved test event {name}?", yes="Delete"), answered)


def event_name_problem(name: str, existing: set[str]) -> str | None:
    if not store.valid_event_name(name):
        return "Use up to 25 letters, digits, '.', '_' or '-'"
    if name in existing:
        return f"There is already a saved event named {name}"
    return None


def suggest_event_name(base: str | None, existing: set[str]) -> str:
    """A valid, free event name from a template's name ('timeout-demo event' -> 'timeout-demo-event')."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", base or "").strip("-.")[:22] or "my-event"
    name, n = stem, 1
    while name in existing or not store.valid_event_name(name):
        n += 1
        name = f"{stem[:22]}-{n}"
        if n > 99:
            return ""
    return name
