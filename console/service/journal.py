"""The durable journal of accepted Event invocations: one SQLite file in each function's state folder."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

JOURNAL_FILE = "async-queue.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    function_name TEXT NOT NULL,
    event BLOB NOT NULL,
    received_at REAL NOT NULL,      -- wall clock (epoch seconds) when the 202 was answered
    next_at REAL NOT NULL,          -- wall clock of the next attempt or delivery
    attempts INTEGER NOT NULL DEFAULT 0,
    settings TEXT NOT NULL,         -- the EventInvokeConfig the event was accepted under (JSON)
    has_result INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                -- the last attempt's function error (NULL: it succeeded)
    last_payload BLOB,
    delivery TEXT,                  -- once decided: the destination file the record goes to
    record BLOB,                    -- ... and the record line to append there
    owner TEXT                      -- the queue running it (NULL: nobody; a dead owner's are free)
)
"""


def _process_token(pid: int) -> str | None:
    """pid + the process's start time, so a recycled pid is not mistaken for the old owner."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return f"{pid}.{stat.rsplit(b')', 1)[1].split()[19].decode()}"
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return f"{pid}"


def _owner_alive(owner: str) -> bool:
    process, _, _ = owner.partition(":")
    try:
        pid = int(process.split(".")[0])
    except ValueError:
        return False
    return _process_token(pid) == process


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, backup)
    for suffix in ("-wal", "-shm"):
        try:
            os.replace(path.with_name(path.name + suffix), backup.with_name(backup.name + suffix))
        except FileNotFoundError:
            pass
    return backup


@dataclass
class JournalEntry:
    """What the queue keeps in memory per queued event (the event bytes stay on disk)."""

    seq: int
    request_id: str
    function_name: str
    received_at: float
    next_at: float
    attempts: int
    settings: str
    delivery: str | None


class Journal:
    """One function's journal. Thread-safe; several processes may share the file (SQLite locks it),
    each claiming the events it runs, so an event is never run by two queues at once."""

    def __init__(self, path: Path, owner: str) -> None:
        self.path = Path(path)
        self.owner = owner
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.moved_aside: Path | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # locked, read-only, full disk: the file may be fine; say so and retry later
            # Not a database (a torn copy, another program's file): kept aside, a new one started.
            self.moved_aside = _move_aside(self.path)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a 202 is only answered once the event survives a power cut, not just a crash.
            db.execute("PRAGMA synchronous=FULL")
            db.execute(_SCHEMA)
            db.execute("SELECT COUNT(*) FROM events").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    @staticmethod
    def new_owner() -> str:
        return f"{_process_token(os.getpid())}:{uuid.uuid4().hex}"

    def _run(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def add(self, request_id: str, function_name: str, event: bytes, received_at: float,
            settings: str) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO events (request_id, function_name, event, received_at, next_at, settings, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (request_id, function_name, event, received_at, received_at, settings, self.owner),
            )
            return int(cur.lastrowid or 0)

    def claim_orphans(self) -> list[JournalEntry]:
        """Take over the events nobody runs (their queue closed or its process died)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "SELECT seq, request_id, function_name, received_at, next_at, attempts, settings,"
                    " delivery, owner FROM events WHERE owner IS NULL OR owner != ? ORDER BY seq",
                    (self.owner,),
                ).fetchall()
                claimed = []
                for *fields, owner in rows:
                    if owner is None or not _owner_alive(owner):
                        claimed.append(JournalEntry(*fields))
                self._db.executemany("UPDATE events SET owner = ? WHERE seq = ?",
                                     [(self.owner, e.seq) for e in claimed])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return claimed

    def event(self, seq: int) -> bytes:
        row = self._run("SELECT event FROM events WHERE seq = ?", (seq,)).fetchone()
        return bytes(row[0]) if row else b"{}"

    def last_result(self, seq: int) -> tuple[bool, str | None, bytes]:
        """(whether an attempt finished, its function error, its payload)."""
        row = self._run("SELECT has_result, last_error, last_payload FROM events WHERE seq = ?",
                        (seq,)).fetchone()
        if not row:
            return False, None, b""
        return bool(row[0]), row[1], bytes(row[2] or b"")

    def record(self, seq: int) -> bytes | None:
        row = self._run("SELECT record FROM events WHERE seq = ?", (seq,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def set_attempts(self, seq: int, attempts: int) -> None:
        self._run("UPDATE events SET attempts = ? WHERE seq = ?", (attempts, seq))

    def reschedule(self, seq: int, next_at: float, function_error: str | None = None,
                   payload: bytes | None = None) -> None:
        if payload is None:
            self._run("UPDATE events SET next_at = ? WHERE seq = ?", (next_at, seq))
        else:
            self._run("UPDATE events SET next_at = ?, has_result = 1, last_error = ?, last_payload = ?"
                      " WHERE seq = ?", (next_at, function_error, payload, seq))

    def decide(self, seq: int, delivery: str, record: bytes) -> None:
        """The event's outcome is known: only its record remains to be appended."""
        self._run("UPDATE events SET delivery = ?, record = ? WHERE seq = ?", (delivery, record, seq))

    def remove(self, seq: int) -> None:
        self._run("DELETE FROM events WHERE seq = ?", (seq,))

    def release(self) -> int:
        """Give up this queue's events (on close), so the next start of any front runs them."""
        return self._run("UPDATE events SET owner = NULL WHERE owner = ?", (self.owner,)).rowcount

    def count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
