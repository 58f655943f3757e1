"""The console's TextArea: Textual's, made safe for undo at small heights."""

from __future__ import annotations

from textual.widgets import TextArea


class EditorArea(TextArea):
    """A TextArea whose undo survives the scrollbar appearing or going mid-edit.

    Textual 8 resizes the area during undo/redo before it moves the cursor back into the
    (shorter) document; if that toggles the vertical scrollbar, its watcher looks up the stale
    cursor and raises. The cursor is put right a moment later, so the watcher may skip it.
    """

    def _watch_show_vertical_scrollbar(self) -> None:
        try:
            super()._watch_show_vertical_scrollbar()
        except ValueError:
            self.call_after_refresh(self.scroll_cursor_visible)
