"""The code editor: file tabs over a TextArea; the files themselves live in a FileModel (filemodel.py)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.document._history import EditHistory
from textual.containers import Horizontal
from textual.widgets import Tab, Tabs, TextArea

from ..filemodel import FileModel, FlushResult, check_relative
from .editor_area import EditorArea
from .file_actions import FileActions
from .highlighting import editor_theme, follow_app_theme, set_language

if TYPE_CHECKING:
    from textual.widgets import DirectoryTree

AUTOSAVE_DELAY_S = 0.6
POLL_INTERVAL_S = 1.0
_LANGUAGES = {".py": "python", ".json": "json"}


class CodeEditor(FileActions, Vertical):
    """Edits the function's real files; nothing typed is lost on quit or crash."""

    ALLOW_MAXIMIZE = True  # Alt+Z zooms it

    BINDINGS = [
        Binding("ctrl+pageup", "previous_file", "Prev file", show=False),
        Binding("ctrl+pagedown", "next_file", "Next file", show=False),
    ]

    class CodeChanged(Message):
        """Code on disk changed: saved from here (external=False) or by another program."""

        def __init__(self, external: bool, names: list[str]) -> None:
            super().__init__()
            self.external = external
            self.names = names

    class DirtyChanged(Message):
        def __init__(self, dirty: bool) -> None:
            super().__init__()
            self.dirty = dirty

    def __init__(self, code_dir: Path, on_disk_change: Callable[[], object] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code_dir = Path(code_dir)
        self.model = FileModel(self.code_dir, on_disk_change)
        self.current: str | None = None
        self._save_timer: Timer | None = None
        self._loading = False
        self._was_dirty = False
        self._offered: set[str] = set()  # files whose keep-mine/reload-theirs question is open
        self._syntax: str | None = None  # the current file's syntax error, for the title
        self._set_by_us: set[str] = set()  # tab ids activated by open_file, not by the user
        self._histories: dict[str, tuple[object, str]] = {}  # undo history of files not shown, with their text

    def compose(self) -> ComposeResult:
        # The file tree (FileActions.toggle_tree) is mounted at the left of #code-row on first Alt+F.
        with Horizontal(id="code-row"):
            with Vertical(id="code-column"):
                yield Tabs(id="file-tabs")
                # The language is set per file when one is opened (see highlighting.py).
                yield EditorArea.code_editor("", id="code", soft_wrap=False, theme=editor_theme(self.app))

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        # By handler name, not @on(DirectoryTree.FileSelected): the tree's module is imported
        # only when Alt+F first shows it. The file tree is the only DirectoryTree in here.
        self.open_from_tree(event)

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#code", TextArea)

    @property
    def buffers(self) -> dict:
        return self.model.buffers

    def on_mount(self) -> None:
        follow_app_theme(self.text_area)
        self.model.scan()
        self._sync_tabs()
        if self.model.names:
            self.open_file(self.model.names[0])
        self._after_scan()
        self.set_interval(POLL_INTERVAL_S, self.poll_disk)

    # -- files -------------------------------------------------------------------------------

    def _tab_id(self, name: str) -> str:
        return "file-" + "".join(c if c.isalnum() else "_" for c in name) + f"-{abs(hash(name)) % 10_000}"

    def _sync_tabs(self) -> None:
        """One tab per buffer, in the model's order."""
        tabs = self.query_one("#file-tabs", Tabs)
        wanted = {self._tab_id(n): n for n in self.model.names}
        for tab in list(tabs.query(Tab)):
            if tab.id not in wanted:
                tabs.remove_tab(tab.id)
        present = {tab.id for tab in tabs.query(Tab)}
        for tab_id, name in wanted.items():
            if tab_id not in present:
                tabs.add_tab(Tab(name, id=tab_id))

    def _after_scan(self) -> None:
        if self.current is not None and self.current not in self.model.buffers:
            self.current = None
            if self.model.names:  # the file shown was deleted by another program
                self.open_file(self.model.names[0])
        # Nothing to edit (an empty folder): typing would go nowhere, so say how to start.
        self.text_area.read_only = self.current is None
        self._update_title()
        self.query_one("#file-tabs").display = len(self.model.buffers) > 1 or not self.model.buffers

    def _keep_typing(self) -> None:
        """Hand the text area's text to the model (before the model reads or writes)."""
        if self.current is not None:
            self.model.set_text(self.current, self.text_area.text)

    def open_file(self, name: str) -> None:
        if name not in self.model.buffers:
            return
        self._keep_typing()
        area = self.text_area
        if self.current is not None:
            # load_text clears the area's history in place: keep this one, give the area a new one.
            kept_history = area.history
            self._histories[self.current] = (kept_history, area.text)
            area.history = EditHistory(
                kept_history.max_checkpoints, kept_history.checkpoint_timer, kept_history.checkpoint_max_characters
            )
        self.current = name
        buffer = self.model.buffers[name]
        self._loading = True
        # Text first, then the language: each of them builds a new document, and only one that
        # has a language compiles its highlight query (~7 ms); the other way round the first
        # file's query was compiled twice, once for the empty area.
        area.load_text(buffer.text)
        set_language(area, _LANGUAGES.get(Path(name).suffix.lower()))
        kept = self._histories.pop(name, None)
        if kept is not None and kept[1] == buffer.text:
            area.history = kept[0]  # undo reaches back across file switches (and autosaves)
        self._loading = False
        self.check_syntax()
        area.read_only = False
        self._activate_tab(name)
        self._update_title()

    def _activate_tab(self, name: str) -> None:
        """Show `name`'s tab as the active one (once it is mounted: adding a tab takes a refresh)."""
        if name != self.current:
            return
        tabs = self.query_one("#file-tabs", Tabs)
        tab_id = self._tab_id(name)
        if not tabs.query(f"#tabs-list > #{tab_id}"):
            self.call_after_refresh(self._activate_tab, name)
        elif tabs.active != tab_id:
            self._set_by_us.add(tab_id)  # its TabActivated message comes later: not the user's choice
            tabs.active = tab_id

    @on(Tabs.TabActivated, "#file-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id in self._set_by_us:
            self._set_by_us.discard(event.tab.id)
            return
        for name in self.model.buffers:
            if self._tab_id(name) == event.tab.id and name != self.current:
                self.open_file(name)
                break

    def action_next_file(self) -> None:
        self.query_one("#file-tabs", Tabs).action_next_tab()

    def action_previous_file(self) -> None:
        self.query_one("#file-tabs", Tabs).action_previous_tab()

    def create_file(self, name: str) -> None:
        self._keep_typing()
        self.model.create(name)
        self.reload_tree()
        name = check_relative(name)
        self._sync_tabs()
        self.open_file(name)
        self._after_scan()

    def rename_file(self, new: str) -> None:
        if self.current is None:
            return
        self._keep_typing()
        old = self.current
        self.model.rename(old, new)
        self.reload_tree()
        new = check_relative(new)
        self.current = None
        self._sync_tabs()
        self.open_file(new)
        self._after_scan()
        self.post_message(self.CodeChanged(external=False, names=[old, new]))

    # -- editing and saving ------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        self._keep_typing()
        return self.model.dirty

    @property
    def conflicts(self) -> list[str]:
        return self.model.conflicts

    def _update_title(self) -> None:
        name = self.current or "(no files: Ctrl+P › New file)"
        dirty = self.dirty
        marker = " ● unsaved" if dirty else ""
        if self.model.conflicts:
            marker += " ⚠ changed on disk (autosave paused)"
        if self._syntax:
            marker += f" {self._syntax}"
        title = f"Code ─ {name}{marker}"
        if title != self.border_title:  # setting it repaints the whole pane, even unchanged (on every F5)
            self.border_title = title
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.post_message(self.DirtyChanged(dirty))

    @on(TextArea.Changed, "#code")
    def _edited(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._loading or self.current is None:
            return
        self._keep_typing()
        self._update_title()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(AUTOSAVE_DELAY_S, self.flush)

    def flush(self, final: bool = False) -> list[str]:
        """Write every unsaved buffer now (see FileModel.flush); returns the names written."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self._keep_typing()
        result = self.model.flush(final=final)
        if self.is_mounted:
            self.check_syntax()
        self._report(result)
        return result.written

    def check_syntax(self) -> None:
        """Mark the line of the current Python file's syntax error (the one its import would raise)."""
        area = self.text_area
        problem, line = None, None
        if self.current is not None and self.current.endswith(".py"):
            try:
                ast.parse(area.text, filename=self.current)
            except SyntaxError as exc:
                line = max(1, exc.lineno or 1)
                problem = f"✖ line {line}: {exc.msg}"
            except ValueError as exc:  # source with NUL bytes
                problem = f"✖ {exc}"
        area.mark_error(None if line is None else line - 1)
        if problem != self._syntax:
            self._syntax = problem
            self._update_title()

    def _report(self, result: FlushResult) -> None:
        for name, aside in result.saved_aside:
            self.notify(f"Your unsaved {name} was saved as {aside}", title="Code", severity="warning")
        for name, why in result.errors:
            self.notify(f"Could not save {name}: {why}", severity="error")
        if not self.is_mounted:
            return
        self._update_title()
        if result.written:
            self.post_message(self.CodeChanged(external=False, names=result.written))
        for name in result.conflicts:
            self.offer_conflict(name)

    # -- conflicts with other programs (the question is in file_actions.py) -----------------

    def resolve(self, name: str, keep_mine: bool) -> Path | None:
        """End a conflict (see FileModel.resolve); returns where the other version went."""
        self._keep_typing()
        aside = self.model.resolve(name, keep_mine)
        if aside is not None and not keep_mine and name == self.current:
            self._load_into_area(self.model.buffers[name].text)
        self._update_title()
        if aside is not None:
            self.post_message(self.CodeChanged(external=not keep_mine, names=[name]))
        return aside

    def _load_into_area(self, text: str) -> None:
        self._loading = True
        area = self.text_area
        cursor = area.cursor_location
        area.load_text(text)
        last = area.document.line_count - 1
        row = min(cursor[0], last)
        area.cursor_location = (row, min(cursor[1], len(area.document.get_line(row))))
        self._loading = False

    def poll_disk(self) -> None:
        """Pick up files changed, added or removed on disk since we last looked."""
        self._keep_typing()
        result = self.model.poll()
        self._sync_tabs()
        if self.current in result.reloaded:
            self._load_into_area(self.model.buffers[self.current].text)
        self._after_scan()
        if result.reloaded:
            self.notify(f"Reloaded {', '.join(result.reloaded)}: changed on disk", title="Code")
        for name in result.conflicts:
            self.offer_conflict(name)
        if result.changed:
            self.post_message(self.CodeChanged(external=True, names=result.changed))
