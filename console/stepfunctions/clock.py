"""Virtual time for an execution: it runs `scale` times faster while any Wait or retry interval is pending."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class ScaledClock:
    """Real time, plus the waiting the time scale skipped.

    While at least one wait is in progress (concurrent branches may wait together), virtual time
    advances `scale` times faster than real time; otherwise it advances at the real pace, so a
    task's own run time is never shortened. Histories therefore show the full waits.
    """

    def __init__(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = float(scale)
        self._lock = threading.Lock()
        self._offset = 0.0
        self._waiting = 0
        self._settled = time.monotonic()
        self._last = 0.0

    def _settle(self) -> None:
        now = time.monotonic()
        if self._waiting:
            self._offset += (self.scale - 1.0) * (now - self._settled)
        self._settled = now

    def _virtual(self) -> float:
        """Virtual seconds since the epoch; never goes backwards. Call with the lock held."""
        self._settle()
        value = max(time.time() + self._offset, self._last)
        self._last = value
        return value

    def now(self) -> datetime:
        with self._lock:
            value = self._virtual()
        return datetime.fromtimestamp(value, timezone.utc)

    def wait(self, seconds: float, stop: "Waitable") -> bool:
        """Wait `seconds` of virtual time; True if `stop` fired first."""
        if seconds <= 0:
            return stop.is_set()
        with self._lock:
            start_virtual = self._virtual()
            start_real = time.monotonic()
            self._waiting += 1
        stopped = False
        try:
            stopped = stop.wait(seconds / self.scale)
            return stopped
        finally:
            with self._lock:
                self._settle()
                if self._waiting == 1 and not stopped:
                    # Alone, a wait lasts exactly its virtual length: the scheduler's overshoot
                    # (multiplied by the scale) must not show in the history.
                    real = time.monotonic() - start_real
                    target = start_virtual + max(seconds, real)
                    self._offset -= max(0.0, time.time() + self._offset - target)
                self._waiting -= 1


class Waitable:
    """What a stop signal offers (threading.Event satisfies it)."""

    def is_set(self) -> bool:  # pragma: no cover - protocol
        raise NotImplementedError

    def wait(self, timeout: float) -> bool:  # pragma: no cover - protocol
        raise NotImplementedError
