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
import hashlib
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SKIP_DIRS = {"__pycache__"}
CHUNK_BYTES = 1 << 20
# A file whose mtime is this close to the moment it was looked at may be rewritten within the same
# timestamp tick (1-2 s on some filesystems): its hash is not trusted on the stat alone (as git's
# "racily clean" entries).
RACY_NS = 2_000_000_000
# Folders whose state is kept at once (each holds one inotify descriptor on Linux).
MAX_FOLDERS = 64

try:  # inotify_simple is a dependency on Linux only
    from inotify_simple import INotify, flags as _flags

    _WATCH_MASK = (
        _flags.MODIFY | _flags.ATTRIB | _flags.CLOSE_WRITE | _flags.CREATE | _flags.DELETE
        | _flags.MOVED_FROM | _flags.MOVED_TO | _flags.DELETE_SELF | _flags.MOVE_SELF
    )
except ImportError:  # pragma: no cover - other platforms
    INotify = None  # type: ignore[assignment,misc]
    _WATCH_MASK = 0


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
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _combine(entries: list[tuple[str, int, bytes]]) -> str:
    digest = hashlib.sha256()
    for rel, size, file_hash in entries:
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0" + size.to_bytes(8, "big") + file_hash)
    return base64.b64encode(digest.digest()).decode()


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
        self._inotify: Any = None
        self._watched: dict[int, str] = {}  # inotify watch descriptor -> folder
        self._watch = watch and INotify is not None

    # ------------------------------------------------------------ public

    def snapshot(self) -> CodeSnapshot:
        """What is on disk now (exact: a write that finished before this call is seen)."""
        with self._lock:
            if self._inotify is not None:
                self._drain()
            if self._dirty or self._racy or self._inotify is None or self._snapshot is None:
                self._rescan()
            assert self._snapshot is not None
            return self._snapshot

    def changed(self, rel: str | None = None) -> None:
        """A writer says the code changed (`rel` the file, if known): trust no stat until re-read."""
        with self._lock:
            self._dirty = True
            if rel is None:
                self._suspect.update(self._files)
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

    def _drop_watch(self, *, for_good: bool = False) -> None:
        if self._inotify is not None:
            try:
                self._inotify.close()
            except OSError:
                pass
        self._inotify = None
        self._watched.clear()
        if for_good:
            self._watch = False

    def _add_watches(self, folders: list[str]) -> None:
        if self._inotify is None:
            try:
                self._inotify = INotify(nonblocking=True)
            except OSError:
                self._watch = False  # out of inotify instances: walk the folder on every look
                return
        known = set(self._watched.values())
        for rel in folders:
            if rel in known:
                continue
            try:
                wd = self._inotify.add_watch(os.path.join(self.code_dir, rel) if rel else self.code_dir, _WATCH_MASK)
            except OSError:
                # Past the kernel's watch limit (or the folder vanished): walk the whole folder on
                # every look instead, which is exact too.
                self._drop_watch(for_good=True)
                return
            self._watched[wd] = rel

    def _drain(self) -> None:
        try:
            events = list(self._inotify.read(timeout=0))
        except BlockingIOError:
            return
        except OSError:
            self._drop_watch(for_good=True)
            self._dirty = True
            return
        for event in events:
            if event.mask & (_flags.Q_OVERFLOW | _flags.IGNORED) or (
                event.mask & _flags.ISDIR and event.mask & (_flags.MOVED_FROM | _flags.MOVED_TO | _flags.DELETE)
            ):
                # Lost events, or folders moved or removed under the watches: start the watch
                # again and trust no stored stat.
                self._drop_watch()
                self._dirty = True
                self._suspect.update(self._files)
                return
            if event.name and _skipped(event.name):
                continue
            self._dirty = True
            folder = self._watched.get(event.wd, "")
            if event.name:
                self._suspect.add(f"{folder}/{event.name}" if folder else event.name)

    def _rescan(self) -> None:
        watching = self._watch
        if watching and not self._watched:
            self._add_watches([""])  # the top folder first, so no write during the walk is missed
        found, folders = _walk(self.code_dir)
        if self._watch:
            self._add_watches(folders)
        # Without a watch, a file written within the same timestamp tick as our look could keep
        # its stat: such files are re-hashed until they are older than RACY_NS.
        check_racy = not self._watch
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
            files[rel] = _File(st.st_size, st.st_mtime_ns, st.st_ino, digest, now)
            if check_racy and now - st.st_mtime_ns <= RACY_NS:
                racy = True
        self._files = files
        self._suspect = set()
        self._dirty = False
        self._racy = racy
        ordered = sorted(files.items())
        self._snapshot = CodeSnapshot(
            sha256=_combine([(rel, f.size, f.digest) for rel, f in ordered]),
            files=len(files),
            size=sum(f.size for f in files.values()),
            last_modified_ns=max((f.mtime_ns for f in files.values()), default=0),
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
