"""Live log text from worker threads, handed to the UI in batches (one message per 100 ms at most).

A flood of prints must cost the event loop one small message every LIVE_DELIVERY_S, never one
callback per chunk. No Textual here: the batchers call a `deliver` function (which posts a message).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, Callable, Hashable

LIVE_LOG_CAP = 256 * 1024  # characters streamed while running; the whole (capped) log comes with the result
LIVE_DELIVERY_S = 0.1  # how often batched text is handed over
OVERFLOW_NOTE = "\n… output continues; the full log appears when the run ends\n"


class _FlushClock:
    """One daemon thread that flushes each Batcher when its interval is up. A batch costs a heap
    entry, not a threading.Timer: a Timer is a new thread whose start() blocks the caller (the
    invocation's thread, on every test's first line of log) until that thread has been scheduled."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Batcher]] = []
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None

    def schedule(self, batcher: Batcher, delay_s: float) -> int:
        """Call batcher._due(token) after delay_s; returns the token."""
        with self._cond:
            token = next(self._tokens)
            heapq.heappush(self._heap, (time.monotonic() + delay_s, token, batcher))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-log-clock", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, token, batcher = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            try:
                batcher._due(token)  # outside the clock's lock: delivering may take a while
            except Exception:  # a failing delivery must not stop every other batcher's clock
                pass


_CLOCK = _FlushClock()


class Batcher:
    """Collects text per source from any thread; `deliver(source, text)` runs at most every
    `interval_s` (on the shared flush clock's thread) with everything that arrived, in order."""

    def __init__(self, deliver: Callable[[Hashable, str], Any], interval_s: float = LIVE_DELIVERY_S) -> None:
        self._deliver = deliver
        self._interval = interval_s
        self._lock = threading.Lock()  # also held while delivering, so batches never overtake
        self._pending: list[tuple[Hashable, str]] = []
        self._token = 0  # the clock's token of the flush due, 0 when none is
        self._closed = False
        self.deliveries = 0  # how many batches were handed over (a flood's cost to the UI)

    @property
    def scheduled(self) -> bool:
        """Whether a timed flush is due."""
        return self._token != 0

    def add(self, source: Hashable, text: str) -> None:
        with self._lock:
            if self._closed or not text:
                return
            if self._pending and self._pending[-1][0] == source:
                self._pending[-1] = (source, self._pending[-1][1] + text)
            else:
                self._pending.append((source, text))
            if not self._token:
                self._token = _CLOCK.schedule(self, self._interval)

    def _due(self, token: int) -> None:
        """The clock's call: flush, unless this flush was done (or re-scheduled) meanwhile."""
        with self._lock:
            if token != self._token:
                return
            self._flush_locked()

    def flush(self) -> None:
        """Hand over what is pending now (before something that must come after it)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._token = 0
        pending, self._pending = self._pending, []
        for source, text in pending:
            self.deliveries += 1
            self._deliver(source, text)

    def close(self) -> None:
        """Deliver the rest; later text is dropped."""
        with self._lock:
            self._flush_locked()
            self._closed = True


class LiveLog:
    """One test run's streamed output: batched to the UI and capped at `cap` characters (the
    whole log, itself capped by the engine, comes with the result)."""

    def __init__(self, deliver: Callable[[str], Any], cap: int = LIVE_LOG_CAP, interval_s: float = LIVE_DELIVERY_S) -> None:
        self._batcher = Batcher(lambda _source, text: deliver(text), interval_s)
        self._lock = threading.Lock()
        self._size = 0
        self._cap = cap
        self._overflow = False

    def add(self, chunk: str) -> None:
        """Called from the engine's thread for every piece of output."""
        with self._lock:
            if self._overflow:
                return
            room = self._cap - self._size
            if len(chunk) > room:
                self._overflow = True
                chunk = chunk[: max(room, 0)] + OVERFLOW_NOTE
            self._size += len(chunk)
        self._batcher.add(0, chunk)

    def close(self) -> None:
        """The run ended: what is pending is delivered now, nothing after."""
        self._batcher.close()

    @property
    def overflowed(self) -> bool:
        with self._lock:
            return self._overflow

    @property
    def deliveries(self) -> int:
        return self._batcher.deliveries


class AsyncFollower:
    """An async-queue listener for one function's Event invocations: their log text is batched
    into `deliver_log(request_id, text)`; every other happening goes to `deliver_update` after
    the log text that came before it."""

    def __init__(
        self,
        function_name: str,
        deliver_log: Callable[[str, str], Any],
        deliver_update: Callable[[Any], Any],
        interval_s: float = LIVE_DELIVERY_S,
    ) -> None:
        self.function_name = function_name
        self._batcher = Batcher(lambda source, text: deliver_log(str(source), text), interval_s)
        self._deliver_update = deliver_update

    def __call__(self, update: Any) -> None:
        """The queue's listener (runs on the queue's worker threads)."""
        if update.function_name != self.function_name:
            return
        if update.kind == "log":
            self._batcher.add(update.request_id, update.text)
            return
        self._batcher.flush()
        self._deliver_update(update)

    @property
    def deliveries(self) -> int:
        return self._batcher.deliveries

    def close(self) -> None:
        self._batcher.close()
