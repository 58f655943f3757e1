"""All-or-nothing appends to line files (destination records, the async log): never a torn line."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_LOCK = threading.Lock()


def _write(fd: int, data: bytes) -> int:
    """One write(2); a seam the full-disk tests replace."""
    return os.write(fd, data)


def append_all_or_nothing(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Append `data` to `path`, or leave the file exactly as it was and raise OSError.

    A full disk (ENOSPC, EFBIG past RLIMIT_FSIZE) can let a write through half-way; what was
    written is cut off again, so a reader never sees half a record and the next append does not
    glue itself onto one. A file that an older version left torn (no final newline) gets the
    newline first, so the new record stays a line of its own.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _lock_file(fd)
            size = os.fstat(fd).st_size
            if size and not _ends_with_newline(path, size):
                data = b"\n" + data
            written = 0
            try:
                while written < len(data):
                    n = _write(fd, data[written:])
                    if n <= 0:
                        raise OSError(28, "No space left on device")
                    written += n
                if sync:
                    os.fsync(fd)
            except BaseException:
                if written:
                    try:
                        os.ftruncate(fd, size)
                    except OSError:
                        pass
                raise
        finally:
            os.close(fd)  # also releases the lock


def _ends_with_newline(path: Path, size: int) -> bool:
    try:
        with open(path, "rb") as f:
            f.seek(size - 1)
            return f.read(1) == b"\n"
    except OSError:
        return True


def _lock_file(fd: int) -> None:
    """Serialise appends between processes (a server and a console on the same function)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Windows
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def file_contains(path: Path, needle: bytes) -> bool:
    """Whether `needle` occurs in the file, read in bounded chunks (for re-checking a delivery)."""
    overlap = max(0, len(needle) - 1)
    tail = b""
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    return False
                if needle in tail + chunk:
                    return True
                tail = (tail + chunk)[-overlap:] if overlap else b""
    except OSError:
        return False
