"""The function's code files: an exact, cheap record of what is on disk, and its Code SHA-256.

Every file of the folder counts, however many (dot-folders such as `.lambda-console/` and
`__pycache__/` are not code). A `CodeFolder` keeps each file's (size, mtime_ns, inode) and content
hash, so a later look re-hashes only the files that changed, reading them in chunks. On Linux an
inotify watch tells it whether anything was written at all, so a warm invocation costs one
non-blocking read instead of a walk of the folder; elsewhere (or when the kernel refuses more
watches) every look walks the folder with one stat per file.
"""

from __future__ import annotations

import base64
import bisect
import os
import stat
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .sha import SMALL_BYTES, large_sha256, sha256

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any

_SKIP_DIRS = {"__pycache__"}
CHUNK_BYTES = 1 << 20
# A file whose mtime is this close to the moment it was looked at may be rewritten within the same
# timestamp tick (1-2 s on some filesystems): its hash is not trusted on the stat alone (as git's
# "racily clean" entries).
RACY_NS = 2_000_000_000
# Folders one engine keeps the state of at once (each watches its sub-folders on Linux).
MAX_FOLDERS = 256

# inotify_simple is a dependency on Linux only. It is imported when the first watch is made: it
# loads ctypes and looks libc up (an `ldconfig -p` process), which an engine that never watches
# (the one-shot `lambda-console invoke`) must not pay for at start-up.
_WATCHABLE = sys.platform.startswith("linux")
INotify: Any = None
_flags: Any = None
_WATCH_MASK = 0


def _load_inotify() -> None:
    """Import inotify_simple (once); OSError when it is not there."""
    global INotify, _flags, _WATCH_MASK
    if INotify is not None:
        return
    try:
        from inotify_simple import INotify as inotify, flags
    except ImportError as exc:  # pragma: no cover - other platforms
        raise OSError(f"inotify is not available: {exc}") from exc
    _flags = flags
    _WATCH_MASK = (
        flags.MODIFY | flags.ATTRIB | flags.CLOSE_WRITE | flags.CREATE | flags.DELETE
        | flags.MOVED_FROM | flags.MOVED_TO | flags.DELETE_SELF | flags.MOVE_SELF
    )
    INotify = inotify


def _skipped(name: str) -> bool:
    # dot-names hold the console's own state (.lambda-console), VCS data and editors' temp files
    return name.startswith(".") or name in _SKIP_DIRS


def _walk(code_dir: Path) -> tuple[list[tuple[str, os.stat_result]], list[str]]:
    """Every code file (relative path, stat), sorted, and every folder walked ('' is the top)."""
    found: list[tuple[str, os.stat_result]] = []
    folders: list[str] = []
    stack = [""]
    top = os.fspath(code_dir)
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(top, rel) if rel else top) as it:
                entries = list(it)
        except OSError:
            continue
        folders.append(rel)
        for entry in entries:
            if _skipped(entry.name):
                continue
            path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir():
                    stack.append(path)
                elif entry.is_file():
                    found.append((path, entry.stat()))
            except OSError:
                continue
    found.sort()
    return found, folders


def _code_files(code_dir: Path) -> list[tuple[str, os.stat_result]]:
    return _walk(code_dir)[0]


def fingerprint(code_dir: Path) -> tuple:
    """(path, size, mtime_ns, inode) of every code file: changes when one is added, removed,
    renamed or rewritten."""
    return tuple((p, s.st_size, s.st_mtime_ns, s.st_ino) for p, s in _code_files(code_dir))


def hash_file(path: Path | str) -> bytes | None:
    """SHA-256 of a file's bytes, read in chunks (bounded memory); None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            chunk = f.read(CHUNK_BYTES)
            if len(chunk) < CHUNK_BYTES:  # the whole file: a buffered read is short only at its end
                return sha256(chunk).digest()
            digest = large_sha256(chunk)
            while chunk := f.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _record(rel: str, size: int, file_hash: bytes) -> bytes:
    """One file's part of the Code SHA-256: its path, size and content hash."""
    return rel.encode("utf-8", "surrogateescape") + b"\0" + size.to_bytes(8, "big") + file_hash


def _combine(records: list[bytes]) -> str:
    joined = b"".join(records)
    return base64.b64encode((sha256(joined) if len(joined) <= SMALL_BYTES else large_sha256(joined)).digest()).decode()


def code_sha256(code_dir: Path) -> str:
    """Base64 SHA-256 over every code file (paths, sizes and contents), stable across runs."""
    return CodeFolder(code_dir, watch=False).snapshot().sha256


@dataclass(frozen=True)
class CodeSnapshot:
    """The folder's code as last seen: its hash (also the engine's code state), file count and size."""

    sha256: str
    files: int
    size: int
    last_modified_ns: int


@dataclass
class _File:
    size: int
    mtime_ns: int
    ino: int
    digest: bytes
    seen_ns: int  # when it was stat'ed, for the racy check
    record: bytes  # its part of the folder's hash (see _record)


_OVERFLOW = -1  # a pending "event" meaning: events were lost, trust nothing
MAX_PENDING = 4096  # events kept for one folder between two looks; past that, look at everything


class _Watcher:
    """The process's one inotify instance (the kernel allows a user few), shared by every
    CodeFolder: each look reads what the kernel queued and hands each folder its own events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        _load_inotify()
        self._inotify = INotify(nonblocking=True)
        self._subs: dict[int, list[tuple[CodeFolder, str]]] = {}  # watch descriptor -> (folder, sub-folder)
        self._pending: dict[CodeFolder, list[tuple[int, str, str]]] = {}

    def add(self, folder: CodeFolder, rel: str) -> int | None:
        path = os.path.join(folder.code_dir, rel) if rel else os.fspath(folder.code_dir)
        with self._lock:
            try:
                wd = self._inotify.add_watch(path, _WATCH_MASK)
            except OSError:
                return None
            subs = self._subs.setdefault(wd, [])
            if (folder, rel) not in subs:
                subs.append((folder, rel))
        return wd

    def remove(self, folder: CodeFolder, wds: list[int]) -> None:
        with self._lock:
            self._pending.pop(folder, None)
            for wd in wds:
                subs = [s for s in self._subs.get(wd, []) if s[0] is not folder]
                if subs:
                    self._subs[wd] = subs
                    continue
                if self._subs.pop(wd, None) is not None:
                    try:
                        self._inotify.rm_watch(wd)
                    except OSError:
                        pass  # the folder is already gone

    def take(self, folder: CodeFolder) -> list[tuple[int, str, str]]:
        """This folder's events since its last look: (mask, sub-folder, name)."""
        with self._lock:
            try:
                events = self._inotify.read(timeout=0)
            except BlockingIOError:
                events = []
            except OSError:
                events = [None]
            for event in events:
                if event is None or event.mask & _flags.Q_OVERFLOW:
                    for subs in self._subs.values():
                        for sub, _ in subs:
                            self._pending[sub] = [(_OVERFLOW, "", "")]
                    continue
                subs = self._subs.get(event.wd, [])
                if event.mask & _flags.IGNORED:
                    self._subs.pop(event.wd, None)  # the kernel dropped this watch
                for sub, rel in subs:
                    queue = self._pending.setdefault(sub, [])
                    if len(queue) < MAX_PENDING:
                        queue.append((event.mask, rel, event.name))
                    else:
                        queue[:] = [(_OVERFLOW, "", "")]
            return self._pending.pop(folder, [])


_WATCHER: _Watcher | None = None
_WATCHER_LOCK = threading.Lock()
_WATCHER_FAILED_AT: float | None = None
RETRY_WATCHER_S = 30.0


def _watcher() -> _Watcher | None:
    global _WATCHER, _WATCHER_FAILED_AT
    with _WATCHER_LOCK:
        if _WATCHER is None and _WATCHABLE:
            if _WATCHER_FAILED_AT is not None and time.monotonic() - _WATCHER_FAILED_AT < RETRY_WATCHER_S:
                return None
            try:
                _WATCHER = _Watcher()
                _WATCHER_FAILED_AT = None
            except OSError:
                # Out of inotify instances (the kernel allows a user few): folders are walked on
                # every look meanwhile, and a watch is tried again later.
                _WATCHER_FAILED_AT = time.monotonic()
        return _WATCHER


class CodeFolder:
    """One folder's code, kept current cheaply. Thread-safe."""

    def __init__(self, code_dir: Path | str, *, watch: bool = True) -> None:
        self.code_dir = Path(code_dir)
        self._lock = threading.Lock()
        self._files: dict[str, _File] = {}
        self._snapshot: CodeSnapshot | None = None
        self._dirty = True  # look at the disk on the next snapshot()
        self._suspect: set[str] = set()  # files named by events: re-hash even if the stat matches
        self._racy = False
        self._watched: dict[int, str] = {}  # inotify watch descriptor -> sub-folder ('' the top)
        self._order: list[str] = []  # the files' paths, sorted (the hash's order)
        self._size = 0
        self._newest = 0
        self._watch = watch and _WATCHABLE
        self._watch_again_at = 0.0

    # ------------------------------------------------------------ public

    def snapshot(self) -> CodeSnapshot:
        """What is on disk now (exact: a write that finished before this call is seen)."""
        with self._lock:
            if self._watched:
                self._apply(_WATCHER.take(self) if _WATCHER is not None else [(_OVERFLOW, "", "")])
            if self._dirty or self._racy or not self._watched or self._snapshot is None:
                self._rescan()
            elif self._suspect:
                self._update()  # only files were written: look at those, not the whole folder
            assert self._snapshot is not None
            return self._snapshot

    def changed(self, rel: str | None = None) -> None:
        """A writer says the code changed: `rel` (the file, if known) is re-read even if its stat
        did not move; without it the whole folder is looked at again."""
        with self._lock:
            if rel is None:
                self._dirty = True
            else:
                self._suspect.add(rel)

    def files(self) -> list[tuple[str, int, int, int]]:
        """(path, size, mtime_ns, inode) of every code file as of the last snapshot."""
        self.snapshot()
        with self._lock:
            return sorted((rel, f.size, f.mtime_ns, f.ino) for rel, f in self._files.items())

    def close(self) -> None:
        with self._lock:
            self._drop_watch()

    # ------------------------------------------------------------ internals (lock held)

    def _drop_watch(self, *, for_a_while: bool = False) -> None:
        if self._watched and _WATCHER is not None:
            _WATCHER.remove(self, list(self._watched))
        self._watched.clear()
        if for_a_while:
            self._watch_again_at = time.monotonic() + RETRY_WATCHER_S

    def _may_watch(self) -> bool:
        return self._watch and time.monotonic() >= self._watch_again_at

    def _add_watches(self, folders: list[str]) -> bool:
        """Watch these sub-folders too; True when any was not watched yet."""
        watcher = _watcher()
        if watcher is None:
            return False
        known = set(self._watched.values())
        added = False
        for rel in folders:
            if rel in known:
                continue
            wd = watcher.add(self, rel)
            if wd is None:
                # Past the kernel's watch limit (or the folder vanished): walk the whole folder on
                # every look for a while instead, which is exact too.
                self._drop_watch(for_a_while=True)
                return False
            self._watched[wd] = rel
            added = True
        return added

    def _apply(self, events: list[tuple[int, str, str]]) -> None:
        for mask, folder, name in events:
            if mask == _OVERFLOW or mask & _flags.IGNORED or (
                mask & _flags.ISDIR and mask & (_flags.MOVED_FROM | _flags.MOVED_TO | _flags.DELETE)
            ):
                # Lost events, or folders moved or removed under the watches: watch again from
                # scratch and trust no stored stat.
                self._drop_watch()
                self._dirty = True
                self._suspect.update(self._files)
                return
            if name and _skipped(name):
                continue
            if mask & _flags.ISDIR or not name:
                self._dirty = True  # a new folder (or the folder itself): walk and watch it
            else:
                self._suspect.add(f"{folder}/{name}" if folder else name)

    def _rescan(self) -> None:
        self._dirty = False  # writes from now on are events (or the next walk) for the next look
        if self._may_watch() and not self._watched:
            self._add_watches([""])  # the top folder first, so no write during the walk is missed
        found, folders = _walk(self.code_dir)
        for _ in range(3):
            # A file in a sub-folder first seen by this walk could be written before its watch
            # exists: walk again once every folder is watched (only when new folders appeared).
            if not (self._watched and self._add_watches(folders)):
                break
            found, folders = _walk(self.code_dir)
        else:
            self._dirty = True
        # Without a watch, a file written within the same timestamp tick as our look could keep
        # its stat: such files are re-hashed until they are older than RACY_NS.
        check_racy = not self._watched
        suspects = self._suspect
        now = time.time_ns()
        files: dict[str, _File] = {}
        racy = False
        for rel, st in found:
            old = self._files.get(rel)
            if (
                old is not None
                and rel not in suspects
                and (old.size, old.mtime_ns, old.ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
                and not (check_racy and old.seen_ns - old.mtime_ns <= RACY_NS)
            ):
                files[rel] = old
                continue
            digest = hash_file(self.code_dir / rel)
            if digest is None:
                continue  # vanished or unreadable between the walk and the read
            files[rel] = _File(st.st_size, st.st_mtime_ns, st.st_ino, digest, now, _record(rel, st.st_size, digest))
            if check_racy and now - st.st_mtime_ns <= RACY_NS:
                racy = True
        self._files = files
        self._suspect = set()
        self._racy = racy
        self._summarise()

    def _update(self) -> None:
        """Re-read just the files events or writers named (added, rewritten or removed); the
        totals and the path order are kept up to date rather than recomputed over every file."""
        now = time.time_ns()
        files = self._files
        for rel in sorted(self._suspect):
            if any(_skipped(part) for part in rel.split("/")):
                continue
            try:
                st = os.stat(self.code_dir / rel)
            except OSError:
                st = None  # removed or renamed away
            if st is not None and stat.S_ISDIR(st.st_mode):
                self._dirty = True
                continue
            digest = hash_file(self.code_dir / rel) if st is not None and stat.S_ISREG(st.st_mode) else None
            old = files.pop(rel, None)
            if old is not None:
                self._size -= old.size
                if digest is None:
                    del self._order[bisect.bisect_left(self._order, rel)]
            if digest is not None and st is not None:
                files[rel] = _File(st.st_size, st.st_mtime_ns, st.st_ino, digest, now, _record(rel, st.st_size, digest))
                self._size += st.st_size
                self._newest = max(self._newest, st.st_mtime_ns)
                if old is None:
                    bisect.insort(self._order, rel)
        self._suspect = set()
        if self._dirty:
            self._rescan()
            return
        self._snapshot = CodeSnapshot(
            sha256=_combine([files[rel].record for rel in self._order]),
            files=len(files),
            size=self._size,
            last_modified_ns=self._newest,  # a removed file's time may linger: it only ever grows
        )

    def _summarise(self) -> None:
        files = self._files
        self._order = sorted(files)
        self._size = sum(f.size for f in files.values())
        self._newest = max((f.mtime_ns for f in files.values()), default=0)
        self._snapshot = CodeSnapshot(
            sha256=_combine([files[rel].record for rel in self._order]),
            files=len(files),
            size=self._size,
            last_modified_ns=self._newest,
        )


class CodeIndex:
    """The CodeFolders of the functions one engine runs, the least recently used closed past a cap."""

    def __init__(self, max_folders: int = MAX_FOLDERS, *, watch: bool = True) -> None:
        self._lock = threading.Lock()
        self._folders: OrderedDict[str, CodeFolder] = OrderedDict()
        self._max = max_folders
        self._watch = watch

    def folder(self, code_dir: Path | str) -> CodeFolder:
        key = os.fspath(code_dir)
        evicted: list[CodeFolder] = []
        with self._lock:
            folder = self._folders.get(key)
            if folder is None:
                folder = self._folders[key] = CodeFolder(code_dir, watch=self._watch)
                while len(self._folders) > self._max:
                    evicted.append(self._folders.popitem(last=False)[1])
            else:
                self._folders.move_to_end(key)
        for old in evicted:
            old.close()
        return folder

    def snapshot(self, code_dir: Path | str) -> CodeSnapshot:
        return self.folder(code_dir).snapshot()

    def changed(self, code_dir: Path | str, rel: str | None = None) -> None:
        with self._lock:
            folder = self._folders.get(os.fspath(code_dir))
        if folder is not None:
            folder.changed(rel)

    def close(self) -> None:
        with self._lock:
            folders = list(self._folders.values())
            self._folders.clear()
        for folder in folders:
            folder.close()
