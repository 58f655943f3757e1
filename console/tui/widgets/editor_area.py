"""The console's TextArea: Textual's, with the keys of a code editor (VS Code's where they do not
clash), auto-indent, a marker on the line of a syntax error, and undo made safe at small heights."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import TextArea

_OPENERS = {"python": (":",), "json": ("{", "[")}  # a line ending so opens a block: indent the next


class EditorArea(TextArea):
    """A TextArea for code and JSON.

    Esc leaves the editor (focus moves on, the text is untouched): Tab indents here, as in every
    code editor, so the way out must be a key that never edits. Enter keeps the line's indentation
    (one level more after a block opener). Ctrl+F finds, Ctrl+G goes to a line.

    Textual 8 resizes the area during undo/redo before it moves the cursor back into the
    (shorter) document; if that toggles the vertical scrollbar, its watcher looks up the stale
    cursor and raises. The cursor is put right a moment later, so the watcher may skip it.
    """

    BINDINGS = [
        Binding("escape", "leave", "Leave"),  # the footer says "esc Leave" while an editor has the focus
        Binding("ctrl+f", "find", "Find", show=False),
        Binding("ctrl+g", "go_to_line", "Go to line", show=False),
        Binding("ctrl+home", "document_start", "Start", show=False),
        Binding("ctrl+end", "document_end", "End", show=False),
        Binding("ctrl+shift+home", "document_start(True)", "Select to start", show=False),
        Binding("ctrl+shift+end", "document_end(True)", "Select to end", show=False),
    ]

    error_line: int | None = None  # 0-based line of a syntax error, marked in the gutter
    _find_text: str = ""

    def action_leave(self) -> None:
        self.screen.focus_next()

    def action_document_start(self, select: bool = False) -> None:
        self.move_cursor((0, 0), select=select)

    def action_document_end(self, select: bool = False) -> None:
        self.move_cursor(self.document.end, select=select)

    # -- find and go to line ---------------------------------------------------------------

    def find_next(self, text: str) -> bool:
        """Select the next occurrence of `text` after the cursor (wrapping); False when none."""
        if not text:
            return False
        self._find_text = text
        lines = self.document.lines
        row, col = self.selection.end
        order = [(r, col if r == row else 0) for r in range(row, len(lines))] + [(r, 0) for r in range(0, row + 1)]
        for r, start in order:
            found = lines[r].find(text, start)
            if found >= 0:
                self.selection = self.selection.__class__((r, found), (r, found + len(text)))
                self.scroll_cursor_visible(center=True)
                return True
        return False

    def action_find(self) -> None:
        from ..screens.prompt import NamePrompt

        def chosen(text: str | None) -> None:
            self.focus()
            if text and not self.find_next(text):
                self.notify(f"{text!r} is not in this text.", title="Find", severity="warning")

        self.app.push_screen(
            NamePrompt("Find", value=self._find_text, hint="Enter selects the next match after the cursor (Ctrl+F, Enter: the one after)."),
            chosen,
        )

    def go_to_line(self, line: int) -> None:
        """Put the cursor at the start of `line` (from 1), shown in the middle of the area."""
        row = max(0, min(line - 1, self.document.line_count - 1))
        self.move_cursor((row, 0), center=True)

    def action_go_to_line(self) -> None:
        from ..screens.prompt import NamePrompt

        count = self.document.line_count

        def problem(value: str) -> str | None:
            return None if value.isdigit() and 1 <= int(value) <= count else f"A line number from 1 to {count}"

        def chosen(value: str | None) -> None:
            self.focus()
            if value:
                self.go_to_line(int(value))

        self.app.push_screen(NamePrompt(f"Go to line (1-{count})", value=str(self.cursor_location[0] + 1), check=problem), chosen)

    # -- typing ----------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            row, col = min(self.selection.start, self.selection.end)
            line = self.document.get_line(row)[:col]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if line.rstrip().endswith(_OPENERS.get(self.language or "", ())):
                indent += " " * self.indent_width
            start, end = self.selection
            self._replace_via_keyboard("\n" + indent, start, end)
            return
        await super()._on_key(event)

    # -- the syntax error marker -----------------------------------------------------------

    def mark_error(self, line: int | None) -> None:
        """Mark a line (0-based) as the one with a syntax error, or clear the mark."""
        if line != self.error_line:
            self.error_line = line
            self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.error_line is None or self.soft_wrap or not self.show_line_numbers:
            return strip
        if y + int(self.scroll_offset.y) != self.error_line:
            return strip
        width = self.gutter_width
        gutter, rest = strip.divide([width, strip.cell_length])[:2] if strip.cell_length > width else (strip, Strip([]))
        mark = Style(bgcolor=self.app.get_css_variables().get("error", "red"), color="white", bold=True)
        # Over the gutter's own colours (Strip.apply_style would put it under them).
        marked = Strip([Segment(text, (style or Style()) + mark, control) for text, style, control in gutter])
        return Strip.join([marked, rest])

    def _watch_show_vertical_scrollbar(self) -> None:
        try:
            super()._watch_show_vertical_scrollbar()
        except ValueError:
            self.call_after_refresh(self.scroll_cursor_visible)
