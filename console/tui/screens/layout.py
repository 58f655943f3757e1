"""The main screen's panes: which pair shows on a narrow terminal, the editing layout, zoom, focus
keys and the panes' titles (a mixin of MainScreen, which holds the four panes)."""

from __future__ import annotations

from typing import Any

from textual import events


class PaneLayout:
    """Layout and focus for a screen with #top (code, event) and #bottom (result, log) rows."""

    code_editor: Any
    event_panel: Any
    result_pane: Any
    log_pane: Any

    def _update_titles(self) -> None:
        dirty = self.code_editor.dirty if self.is_mounted else False
        state = "● unsaved" if dirty else "saved"
        flags = " ─ run on save" if self.run_on_save else ""
        self.sub_title = f"{self.function_name} ─ {self.settings.runtime} ─ {state}{flags}"
        self.title = "lambda-console"
        narrow = self.has_class("-narrow")
        self.code_editor.border_subtitle = "F6 ⇄ Test event" if narrow else ""
        self.event_panel.border_subtitle = "F6 ⇄ Code" if narrow else ""
        self.result_pane.border_subtitle = "F7 ⇄ Log output" if narrow else ""
        self.log_pane.border_subtitle = "F7 ⇄ Result" if narrow else ""

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_titles)

    # -- panes and focus ---------------------------------------------------------------------------

    def _show_top(self, which: str) -> None:
        self.query_one("#top").set_class(which == "event", "-show-event")

    def _show_bottom(self, which: str) -> None:
        self.query_one("#bottom").set_class(which == "log", "-show-log")
        self._set_editing(False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        top = self.query_one("#top")
        if event.widget is top or top in event.widget.ancestors:
            self._set_editing(True)

    def _set_editing(self, editing: bool) -> None:
        """The editors get most of the height while editing; results take it when they arrive."""
        self.set_class(editing, "-editing")

    def action_zoom(self) -> None:
        """Maximise the pane holding the focus (the result when none does); Alt+Z again: back."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        panes = (self.code_editor, self.event_panel, self.result_pane, self.log_pane)
        pane = next((p for p in panes if focused is not None and (focused is p or p in focused.ancestors)), None)
        self.maximize(pane or self.result_pane, container=False)

    def action_switch_top(self) -> None:
        top = self.query_one("#top")
        showing_event = top.has_class("-show-event")
        self._show_top("code" if showing_event else "event")
        (self.code_editor.text_area if showing_event else self.event_panel.editor).focus()

    def action_switch_bottom(self) -> None:
        bottom = self.query_one("#bottom")
        self._show_bottom("result" if bottom.has_class("-show-log") else "log")

    def action_focus_code(self) -> None:
        self._show_top("code")
        self.code_editor.text_area.focus()

    def action_focus_event(self) -> None:
        self._show_top("event")
        self.event_panel.editor.focus()

    def action_focus_handler(self) -> None:
        self.query_one("#handler").focus()

    def action_select_all(self) -> None:
        """Alt+A with no editor focused: select the whole code."""
        self.action_focus_code()
        self.code_editor.text_area.select_all()

