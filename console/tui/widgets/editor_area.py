"""The console's TextArea: Textual's, made safe for undo at small heights."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import TextArea


class EditorArea(TextArea):
    """A TextArea whose undo survives the scrollbar appearing or going mid-edit.

    Textual 8 resizes the area during undo/redo before it moves the cursor back into the
    (shorter) document; if that toggles the vertical scrollbar, its watcher looks up the stale
    cursor and raises. The cursor is put right a moment later, so the watcher may skip it.

    Esc leaves the editor (focus moves on, the text is untouched): Tab indents here, as in every
    code editor, so the way out must be a key that never edits.
    """

    BINDINGS = [
        Binding("escape", "leave", "Leave editor"),
        Binding("ctrl+home", "document_start", "Start", show=False),
        Binding("ctrl+end", "document_end", "End", show=False),
        Binding("ctrl+shift+home", "document_start(True)", "Select to start", show=False),
        Binding("ctrl+shift+end", "document_end(True)", "Select to end", show=False),
    ]

    def action_leave(self) -> None:
        self.screen.focus_next()

    def action_document_start(self, select: bool = False) -> None:
        self.move_cursor((0, 0), select=select)

    def action_document_end(self, select: bool = False) -> None:
        self.move_cursor(self.document.end, select=select)

    def _watch_show_vertical_scrollbar(self) -> None:
        try:
            super()._watch_show_vertical_scrollbar()
        except ValueError:
            self.call_after_refresh(self.scroll_cursor_visible)
