"""The serve loop's plumbing: a plain poller, reusable daemon worker threads, and a reader that
replays what the loop read ahead to the blocking parser."""

from __future__ import annotations

import io
import queue
import select
import socket
import threading
from typing import Callable


class Poller:
    """epoll where there is one (Linux), poll elsewhere: file descriptor numbers in, (fd, events)
    out. Plainer than `selectors` for the same system calls, which counts at thousands a second."""

    def __init__(self) -> None:
        if hasattr(select, "epoll"):
            self._p = select.epoll()
            self._scale = 1.0
        else:  # pragma: no cover - macOS
            self._p = select.poll()
            self._scale = 1000.0
        self.register = self._p.register
        self.modify = self._p.modify
        self.unregister = self._p.unregister

    def poll(self, timeout: float) -> list[tuple[int, int]]:
        return self._p.poll(timeout * self._scale)

    def close(self) -> None:
        close = getattr(self._p, "close", None)
        if close is not None:
            close()


class PrefixedReader(io.RawIOBase):
    """A socket's reader for the blocking parser that first gives back what the loop read ahead."""

    def __init__(self, prefix: bytes, sock: socket.socket) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._sock = sock

    def readinto(self, b) -> int:  # the raw reader of an io.BufferedReader
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return self._sock.recv_into(b)

    def readable(self) -> bool:
        return True


class Workers:
    """Daemon threads for what must not run on the loop, started as needed and reused."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._count = 0
        self._name = name

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            spawn = self._idle == 0
            if spawn:
                self._count += 1
            else:
                self._idle -= 1
        self._jobs.put(job)
        if spawn:
            threading.Thread(target=self._run, name=f"{self._name}-{self._count}", daemon=True).start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # noqa: BLE001 - a job answers its own failures; never kill the worker
                pass
            with self._lock:
                self._idle += 1

    def stop(self) -> None:
        with self._lock:
            count = self._count
        for _ in range(count):
            self._jobs.put(None)
