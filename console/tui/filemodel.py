"""The code editor's files without any widget: buffers, autosave writes, conflicts with other
programs, keep-mine / reload-theirs, versions saved aside, and polling the folder for changes.

Whatever changes the function's files on disk (a write from here, or another program's change
found by polling) is reported once through `on_disk_change`, which tells the invoker, so the next
invocation runs what is on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import store

Stamp = tuple[int, int] | None  # (mtime_ns, size), None when the file is absent


@dataclass
class Buffer:
    """One file's text in the editor and what is on disk."""

    name: str
    text: str
    saved_text: str
    stamp: Stamp  # after our last read or write
    conflict: str | None = None  # another program's text, when it changed the file under our edits

    @property
    def dirty(self) -> bool:
        return self.text != self.saved_text


@dataclass
class FlushResult:
    written: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # newly found: autosave of these waits
    saved_aside: list[tuple[str, Path]] = field(default_factory=list)  # (name, where) on the final flush
    errors: list[tuple[str, str]] = field(default_factory=list)  # (name, why) writes that failed


@dataclass
class PollResult:
    reloaded: list[str] = field(default_factory=list)  # clean buffers that now hold the new text
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed under unsaved edits: ask the user

    @property
    def changed(self) -> list[str]:
        return self.reloaded + self.added + self.removed


def check_relative(name: str) -> str:
    """A file path inside the function folder (`utils.py`, `lib/helpers.py`), normalised; ValueError
    for anything that would leave it or hide in the console's own state (dot-folders)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." or p.startswith(".") for p in parts):
        raise ValueError("A file of the function folder, like utils.py or lib/helpers.py")
    return "/".join(parts)


def stamp_of(path: Path) -> Stamp:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class FileModel:
    """The function folder's editable files as the editor holds them; nothing here is lost:
    a file another program changed is never written over, the other version is kept aside."""

    def __init__(self, code_dir: Path, on_disk_change: Callable[[], object] | None = None) -> None:
        self.code_dir = Path(code_dir)
        self.buffers: dict[str, Buffer] = {}
        self.names: list[str] = []  # the editable files, in the order the editor shows them
        self._known: dict[str, Stamp] = {}
        self._opened: set[str] = set()  # files in sub-folders the user opened or created here
        self._on_disk_change = on_disk_change or (lambda: None)

    # -- reading ---------------------------------------------------------------------------

    def _read(self, name: str) -> Buffer:
        path = self.code_dir / name
        text = path.read_text(encoding="utf-8", errors="replace")
        return Buffer(name, text, text, stamp_of(path))

    def scan(self) -> tuple[list[str], list[str]]:
        """Take in files added to the folder and let go of clean buffers whose file went;
        returns (added, removed) buffer names."""
        names = self._watched()
        added: list[str] = []
        removed: list[str] = []
        for name in names:
            if name not in self.buffers:
                try:
                    self.buffers[name] = self._read(name)
                except OSError:
                    continue
                added.append(name)
        for name in list(self.buffers):
            if name not in names and not self.buffers[name].dirty:
                del self.buffers[name]
                removed.append(name)
        self.names = [n for n in names if n in self.buffers] + [n for n in self.buffers if n not in names]
        self._known = {n: stamp_of(self.code_dir / n) for n in names}
        return added, removed

    def _watched(self) -> list[str]:
        """The top-level editable files, and the files of sub-folders opened here."""
        names = store.code_files(self.code_dir)
        return names + sorted(n for n in self._opened if n not in names and (self.code_dir / n).is_file())

    def open(self, name: str) -> None:
        """Take in a file of a sub-folder (`lib/helpers.py`); OSError when it cannot be read,
        ValueError when it is not editable text."""
        name = check_relative(name)
        path = self.code_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{name} is not a file of the function")
        if not store.is_editable_text(path):
            raise ValueError(f"{name} is not a text file the editor can open (UTF-8, up to 1 MB)")
        self._opened.add(name)
        self.scan()

    @property
    def dirty(self) -> bool:
        return any(b.dirty for b in self.buffers.values())

    @property
    def conflicts(self) -> list[str]:
        """Files changed by another program while they held unsaved edits here."""
        return [b.name for b in self.buffers.values() if b.conflict is not None]

    def set_text(self, name: str, text: str) -> None:
        if name in self.buffers:
            self.buffers[name].text = text

    # -- writing ---------------------------------------------------------------------------

    def _changed_under_us(self, buffer: Buffer) -> bool:
        """True when the file on disk is no longer what we loaded or last wrote (and says so)."""
        path = self.code_dir / buffer.name
        stamp = stamp_of(path)
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

    def flush(self, final: bool = False) -> FlushResult:
        """Write every unsaved buffer now (atomic).

        A file another program changed since we loaded it is never written over: it waits for
        the user's choice (see resolve). When the editor closes (final=True) the user's text of
        such a file is saved aside instead.
        """
        result = FlushResult()
        for buffer in self.buffers.values():
            if not buffer.dirty:
                continue
            if buffer.conflict is None and self._changed_under_us(buffer):
                result.conflicts.append(buffer.name)
            if buffer.conflict is not None:
                if final:
                    try:
                        aside = self.save_aside(buffer.name, buffer.text, "mine")
                    except OSError as exc:
                        result.errors.append((buffer.name, str(exc)))
                        continue
                    buffer.saved_text = buffer.text  # kept aside: closing again must not repeat it
                    result.saved_aside.append((buffer.name, aside))
                continue
            path = self.code_dir / buffer.name
            try:
                store.atomic_write_text(path, buffer.text)
            except OSError as exc:
                result.errors.append((buffer.name, str(exc)))
                continue
            buffer.saved_text = buffer.text
            buffer.stamp = self._known[buffer.name] = stamp_of(path)
            result.written.append(buffer.name)
        if result.written:
            self._on_disk_change()
        return result

    def save_aside(self, name: str, text: str, whose: str) -> Path:
        """Keep a version that is not in the editor: .lambda-console/conflicts/<name>.<whose>-<time>."""
        folder = self.code_dir / ".lambda-console" / "conflicts"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
        path = folder / f"{name}.{whose}-{stamp}"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{name}.{whose}-{stamp}-{n}"
        store.atomic_write_text(path, text)
        return path

    def resolve(self, name: str, keep_mine: bool) -> Path | None:
        """End a conflict: keep the editor's text (theirs saved aside, mine written) or load
        theirs (mine saved aside). Returns where the other version went."""
        buffer = self.buffers.get(name)
        if buffer is None or buffer.conflict is None:
            return None
        path = self.code_dir / name
        try:
            theirs = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            theirs = buffer.conflict
        if keep_mine:
            aside = self.save_aside(name, theirs, "disk")
            buffer.conflict = None
            buffer.stamp = stamp_of(path)
            buffer.saved_text = theirs
            self.flush()
        else:
            aside = self.save_aside(name, buffer.text, "mine")
            buffer.conflict = None
            buffer.text = buffer.saved_text = theirs
            buffer.stamp = self._known[name] = stamp_of(path)
        return aside

    def create(self, name: str) -> None:
        """A new empty file; `lib/helpers.py` creates the sub-folder too."""
        name = check_relative(name)
        path = self.code_dir / name
        if path.exists():
            raise FileExistsError(f"{name} already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        store.atomic_write_text(path, "")
        if "/" in name:
            self._opened.add(name)
        self.scan()
        self._on_disk_change()

    def rename(self, old: str, new: str) -> None:
        """Rename a file (its pending edits are written first)."""
        self.flush()
        new = check_relative(new)
        src, dst = self.code_dir / old, self.code_dir / new
        if dst.exists():
            raise FileExistsError(f"{new} already exists")
        dst.parent.mkdir(parents=True, exist_ok=True)
        src.rename(dst)
        self.buffers.pop(old, None)
        self._opened.discard(old)
        if "/" in new:
            self._opened.add(new)
        self.scan()
        self._on_disk_change()

    def delete(self, name: str) -> None:
        """Remove a file of the function (its buffer goes, even with unsaved edits: asked first)."""
        (self.code_dir / name).unlink()
        self.buffers.pop(name, None)
        self._opened.discard(name)
        self.scan()
        self._on_disk_change()

    # -- changes made by other programs ----------------------------------------------------

    def poll(self) -> PollResult:
        """Pick up files changed, added or removed on disk since we last looked."""
        result = PollResult()
        names = self._watched()
        stamps = {n: stamp_of(self.code_dir / n) for n in names}
        if stamps == self._known:
            return result
        changed = [n for n in names if stamps[n] != self._known.get(n)]
        result.removed = [n for n in self._known if n not in stamps]
        for name in changed:
            buffer = self.buffers.get(name)
            if buffer is None or buffer.stamp == stamps[name]:
                continue  # a new file (scan adds it), or our own write
            if buffer.dirty:
                if buffer.conflict is None:
                    if self._changed_under_us(buffer):
                        result.conflicts.append(name)
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
                result.reloaded.append(name)
            self.buffers[name] = fresh
        self.scan()
        result.added = [n for n in changed if n not in result.reloaded and n not in result.conflicts]
        # Anything different on disk (even under a conflict: F5 runs the disk's version).
        self._on_disk_change()
        return result
