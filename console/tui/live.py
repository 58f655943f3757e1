"""Live log text from the engine's thread, held for the UI to take in batches and capped."""

from __future__ import annotations

import threading

LIVE_LOG_CAP = 256 * 1024  # characters streamed while running; the whole (capped) log comes with the result
LIVE_DELIVERY_S = 0.1  # how often the UI takes what arrived
OVERFLOW_NOTE = "\n… output continues; the full log appears when the run ends\n"


class LiveLog:
    """Collects on_log chunks without touching the UI: a flood of prints costs the event loop
    one small batch every LIVE_DELIVERY_S, never one callback per chunk."""

    def __init__(self, cap: int = LIVE_LOG_CAP) -> None:
        self._lock = threading.Lock()
        self._chunks: list[str] = []
        self._size = 0
        self._cap = cap
        self._overflow = False
        self._noted = False

    def add(self, chunk: str) -> None:
        """Called from the engine's thread for every piece of output."""
        with self._lock:
            room = self._cap - self._size
            if room <= 0:
                self._overflow = True
                return
            if len(chunk) > room:
                self._overflow = True
                chunk = chunk[:room]
            self._chunks.append(chunk)
            self._size += len(chunk)

    def take(self) -> str:
        """Everything that arrived since the last take (plus the overflow note, once)."""
        with self._lock:
            text = "".join(self._chunks)
            self._chunks.clear()
            if self._overflow and not self._noted:
                self._noted = True
                text += OVERFLOW_NOTE
        return text

    @property
    def overflowed(self) -> bool:
        with self._lock:
            return self._overflow
