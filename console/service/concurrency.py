"""Per-function concurrency slots, like a function's reserved concurrency."""

from __future__ import annotations

import threading

DEFAULT_CONCURRENCY = 10


class ConcurrencyLimiter:
    """Counts running invocations per function and refuses one over the limit."""

    def __init__(self, limit: int = DEFAULT_CONCURRENCY) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.limit = limit
        self._running: dict[str, int] = {}
        self._cond = threading.Condition()

    def try_acquire(self, function_name: str) -> int:
        """The number now running including this one, or 0 when the function is at its limit."""
        with self._cond:
            running = self._running.get(function_name, 0)
            if running >= self.limit:
                return 0
            self._running[function_name] = running + 1
            return running + 1

    def acquire(self, function_name: str, timeout: float | None = None) -> int:
        """Wait for a slot (the async queue waits rather than throttle); 0 on timeout."""
        with self._cond:
            ok = self._cond.wait_for(lambda: self._running.get(function_name, 0) < self.limit, timeout)
            if not ok:
                return 0
            running = self._running.get(function_name, 0) + 1
            self._running[function_name] = running
            return running

    def release(self, function_name: str) -> None:
        with self._cond:
            running = self._running.get(function_name, 0) - 1
            if running > 0:
                self._running[function_name] = running
            else:
                self._running.pop(function_name, None)
            self._cond.notify_all()

    def running(self, function_name: str) -> int:
        with self._cond:
            return self._running.get(function_name, 0)
