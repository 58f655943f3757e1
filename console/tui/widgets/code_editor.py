"""The code editor: file tabs over a TextArea, debounced atomic autosave, and on-disk change polling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Tab, Tabs, TextArea

from .. import store
from .editor_area import EditorArea
from .highlighting import follow_app_theme, set_language

AUTOSAVE_DELAY_S = 0.6
POLL_INTERVAL_S = 1.0
_LANGUAGES = {".py": "python", ".json": "json"}


@dataclass
class Buffer:
    """One file's text in the editor and what is on disk."""

    name: str
    text: str
    saved_text: str
    stamp: tuple[int, int] | None  # (mtime_ns, size) after our last read or write
    conflict: str | None = None  # another program's text, when it changed the file under our edits

    @property
    def dirty(self) -> bool:
        return self.text != self.saved_text


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class CodeEditor(Vertical):
    """Edits the function's real files; nothing typed is lost on quit or crash."""

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

    class Conflict(Message):
        """Another program changed a file holding unsaved edits here: autosave of it is paused."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class DirtyChanged(Message):
        def __init__(self, dirty: bool) -> None:
            super().__init__()
            self.dirty = dirty

    def __init__(self, code_dir: Path, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code_dir = Path(code_dir)
        self.buffers: dict[str, Buffer] = {}
        self.current: str | None = None
        self._save_timer: Timer | None = None
        self._loading = False
        self._known: dict[str, tuple[int, int] | None] = {}
        self._was_dirty = False

    def compose(self) -> ComposeResult:
        yield Tabs(id="file-tabs")
        # The language is set per file when one is opened (see highlighting.py).
        yield EditorArea.code_editor("", id="code", soft_wrap=False)

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#code", TextArea)

    def on_mount(self) -> None:
        follow_app_theme(self.text_area)
        self._scan(initial=True)
        self.set_interval(POLL_INTERVAL_S, self.poll_disk)

    # -- files -------------------------------------------------------------------------------

    def _tab_id(self, name: str) -> str:
        return "file-" + "".join(c if c.isalnum() else "_" for c in name) + f"-{abs(hash(name)) % 10_000}"

    def _read(self, name: str) -> Buffer:
        path = self.code_dir / name
        text = path.read_text(encoding="utf-8", errors="replace")
        return Buffer(name, text, text, _stamp(path))

    def _scan(self, initial: bool = False) -> None:
        names = store.code_files(self.code_dir)
        tabs = self.query_one("#file-tabs", Tabs)
        for name in names:
            if name not in self.buffers:
                try:
                    self.buffers[name] = self._read(name)
                except OSError:
                    continue
                tabs.add_tab(Tab(name, id=self._tab_id(name)))
        for name in list(self.buffers):
            if name not in names and not self.buffers[name].dirty:
                del self.buffers[name]
                tabs.remove_tab(self._tab_id(name))
        self._known = {n: _stamp(self.code_dir / n) for n in names}
        if initial and self.buffers:
            self.open_file(next(iter(sorted(self.buffers, key=names.index))))
        # Nothing to edit (an empty folder): typing would go nowhere, so say how to start.
        self.text_area.read_only = self.current is None
        if self.current is None:
            self._update_title()
        self.query_one("#file-tabs").display = len(self.buffers) > 1 or not self.buffers

    def open_file(self, name: str) -> None:
        if name not in self.buffers:
            return
        if self.current and self.current in self.buffers:
            self.buffers[self.current].text = self.text_area.text
        self.current = name
        buffer = self.buffers[name]
        self._loading = True
        area = self.text_area
        set_language(area, _LANGUAGES.get(Path(name).suffix.lower()))
        area.load_text(buffer.text)
        self._loading = False
        area.read_only = False
        tabs = self.query_one("#file-tabs", Tabs)
        tab_id = self._tab_id(name)
        if tabs.active != tab_id:
            tabs.active = tab_id
        self._update_title()

    @on(Tabs.TabActivated, "#file-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        for name in self.buffers:
            if self._tab_id(name) == event.tab.id and name != self.current:
                self.open_file(name)
                break

    def action_next_file(self) -> None:
        self.query_one("#file-tabs", Tabs).action_next_tab()

    def action_previous_file(self) -> None:
        self.query_one("#file-tabs", Tabs).action_previous_tab()

    def create_file(self, name: str) -> None:
        path = self.code_dir / name
        if path.exists():
            raise FileExistsError(f"{name} already exists")
        store.atomic_write_text(path, "")
        self._scan()
        self.open_file(name)

    def rename_file(self, new: str) -> None:
        if self.current is None:
            return
        old = self.current
        self.flush()
        src, dst = self.code_dir / old, self.code_dir / new
        if dst.exists():
            raise FileExistsError(f"{new} already exists")
        src.rename(dst)
        del self.buffers[old]
        self.query_one("#file-tabs", Tabs).remove_tab(self._tab_id(old))
        self.current = None
        self._scan()
        self.open_file(new)

    # -- editing and saving ------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        if self.current in self.buffers:
            self.buffers[self.current].text = self.text_area.text
        return any(b.dirty for b in self.buffers.values())

    def _update_title(self) -> None:
        name = self.current or "(no files: Ctrl+P › New file)"
        marker = " ● unsaved" if self.dirty else ""
        if self.conflicts:
            marker += " ⚠ changed on disk (autosave paused)"
        self.border_title = f"Code ─ {name}{marker}"
        if self.dirty != self._was_dirty:
            self._was_dirty = self.dirty
            self.post_message(self.DirtyChanged(self._was_dirty))

    @on(TextArea.Changed, "#code")
    def _edited(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._loading or self.current is None:
            return
        self.buffers[self.current].text = self.text_area.text
        self._update_title()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(AUTOSAVE_DELAY_S, self.flush)

    @property
    def conflicts(self) -> list[str]:
        """Files changed by another program while they held unsaved edits here."""
        return [b.name for b in self.buffers.values() if b.conflict is not None]

    def _changed_under_us(self, buffer: Buffer, path: Path) -> bool:
        """True when the file on disk is no longer what we loaded or last wrote (and says so)."""
        stamp = _stamp(path)
        if stamp is None or stamp == buffer.stamp:
            return False
        try:
            disk = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        buffer.stamp = stamp
        if disk in (buffer.saved_text, buffer.text):
            buffer.saved_text = disk  # touched, or the same edit made twice: nothing to lose
            return False
        buffer.conflict = disk
        return True

    def flush(self, final: bool = False) -> list[str]:
        """Write every unsaved buffer now (atomic); returns the names written.

        A file another program changed since we loaded it is never written over: its autosave
        waits for the user's choice (keep mine / reload theirs). When the console closes
        (final=True) the user's text of such a file is saved aside instead.
        """
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if self.current in self.buffers:
            self.buffers[self.current].text = self.text_area.text
        written: list[str] = []
        new_conflicts: list[str] = []
        for buffer in self.buffers.values():
            if not buffer.dirty:
                continue
            path = self.code_dir / buffer.name
            if buffer.conflict is None and self._changed_under_us(buffer, path):
                new_conflicts.append(buffer.name)
            if buffer.conflict is not None:
                if final:
                    try:
                        aside = self.save_aside(buffer.name, buffer.text, "mine")
                    except OSError:
                        continue
                    buffer.saved_text = buffer.text  # kept aside: closing again must not repeat it
                    self.notify(f"Your unsaved {buffer.name} was saved as {aside}", title="Code", severity="warning")
                continue
            try:
                store.atomic_write_text(path, buffer.text)
            except OSError as exc:
                self.notify(f"Could not save {buffer.name}: {exc}", severity="error")
                continue
            buffer.saved_text = buffer.text
            buffer.stamp = _stamp(path)
            self._known[buffer.name] = buffer.stamp
            written.append(buffer.name)
        if self.is_mounted:
            self._update_title()
            if written:
                self.post_message(self.CodeChanged(external=False, names=written))
            for name in new_conflicts:
                self.post_message(self.Conflict(name))
        return written

    def save_aside(self, name: str, text: str, whose: str) -> Path:
        """Keep a version that is not in the editor: .lambda-console/conflicts/<name>.<whose>-<time>."""
        folder = self.code_dir / ".lambda-console" / "conflicts"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.{whose}-{datetime.now():%Y%m%d-%H%M%S}"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{name}.{whose}-{datetime.now():%Y%m%d-%H%M%S}-{n}"
        store.atomic_write_text(path, text)
        return path

    def resolve(self, name: str, keep_mine: bool) -> Path | None:
        """End a conflict: keep the editor's text (theirs saved aside) or load theirs (mine aside).
        Returns where the other version went."""
        buffer = self.buffers.get(name)
        if buffer is None or buffer.conflict is None:
            return None
        if name == self.current:
            buffer.text = self.text_area.text
        path = self.code_dir / name
        try:
            theirs = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            theirs = buffer.conflict
        if keep_mine:
            aside = self.save_aside(name, theirs, "disk")
            buffer.conflict = None
            buffer.stamp = _stamp(path)
            buffer.saved_text = theirs
            self.flush()
        else:
            aside = self.save_aside(name, buffer.text, "mine")
            buffer.conflict = None
            buffer.text = buffer.saved_text = theirs
            buffer.stamp = self._known[name] = _stamp(path)
            if name == self.current:
                self._load_into_area(theirs)
            self.post_message(self.CodeChanged(external=True, names=[name]))
        self._update_title()
        return aside

    def _load_into_area(self, text: str) -> None:
        self._loading = True
        area = self.text_area
        cursor = area.cursor_location
        area.load_text(text)
        try:
            area.cursor_location = cursor
        except Exception:
            pass
        self._loading = False

    # -- changes made by other programs ------------------------------------------------------

    def poll_disk(self) -> None:
        """Pick up files changed, added or removed on disk since we last looked."""
        names = store.code_files(self.code_dir)
        stamps = {n: _stamp(self.code_dir / n) for n in names}
        if stamps == self._known:
            return
        changed = [n for n in names if stamps[n] != self._known.get(n)]
        removed = [n for n in self._known if n not in stamps]
        reloaded: list[str] = []
        kept: list[str] = []
        if self.current in self.buffers:
            self.buffers[self.current].text = self.text_area.text
        for name in changed:
            buffer = self.buffers.get(name)
            if buffer is None:
                continue  # a new file: _scan adds it
            if buffer.stamp == stamps[name]:
                continue
            if buffer.dirty:
                if buffer.conflict is None:
                    if self._changed_under_us(buffer, self.code_dir / name):
                        kept.append(name)
                else:
                    buffer.stamp = stamps[name]
                    try:
                        buffer.conflict = (self.code_dir / name).read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        pass
                continue
            try:
                fresh = self._read(name)
            except OSError:
                continue
            if fresh.text != buffer.saved_text:
                reloaded.append(name)
            self.buffers[name] = fresh
            if name == self.current:
                self._load_into_area(fresh.text)
        self._scan()
        self._update_title()
        if reloaded:
            self.notify(f"Reloaded {', '.join(reloaded)}: changed on disk", title="Code")
        for name in kept:
            self.post_message(self.Conflict(name))
        added = [n for n in changed if n not in reloaded and n not in kept]
        if reloaded or added or removed:
            self.post_message(self.CodeChanged(external=True, names=reloaded + added + removed))
