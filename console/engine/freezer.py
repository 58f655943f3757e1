"""Freezes idle execution environments, as Lambda freezes a sandbox between invocations.

An environment that has sat in the pool for FREEZE_AFTER_S has its whole process tree stopped
(SIGSTOP), so a thread or a process the function left running uses no CPU while nobody invokes
it; the engine continues it (SIGCONT) when it takes it for the next invocation. The short delay
keeps back-to-back invocations from paying for a stop and a continue each (see
tests/benchmarks/bench_engine.py); what runs meanwhile only ever writes to the log pipe, which
the next invocation reads, as in Lambda where such output lands in the next invocation's log.
"""

from __future__ import annotations

import threading
import time

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it

if TYPE_CHECKING:
    from .environment import Environment

FREEZE_AFTER_S = 0.05


class Freezer:
    """One thread per engine, started with the first idle environment, asleep when none waits."""

    def __init__(self, lock: threading.Lock, pools: dict[tuple, list["Environment"]]) -> None:
        # The engine's own lock: an environment is frozen only while it is still in a pool, so a
        # thread that takes it from the pool (and thaws it) can never race a freeze.
        self._cond = threading.Condition(lock)
        self._pools = pools
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._wake: float | None = None  # when the thread wakes next; None: when told
        self._last_release = 0.0

    def released(self) -> None:
        """An environment went back to its pool. Called with the engine's lock held."""
        if self._stopped:
            return
        self._last_release = time.monotonic()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lambda-console-freezer", daemon=True)
            self._thread.start()
        elif self._wake is None:
            # Only a thread asleep without a deadline needs waking: one with a deadline will look
            # at this environment then (it is due later), and back-to-back invocations do not
            # hand the interpreter lock to this thread each time.
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                wake: float | None = None
                for pool in self._pools.values():
                    for env in pool:
                        if env.frozen:
                            continue
                        due = env.idle_since + FREEZE_AFTER_S
                        if due <= now:
                            env.freeze()
                        elif wake is None or due < wake:
                            wake = due
                if wake is None and now - self._last_release < FREEZE_AFTER_S:
                    # Environments are going out and coming back (back-to-back invocations): look
                    # again in a while rather than be woken by every release, which would hand
                    # the interpreter lock to this thread at nearly every invocation.
                    wake = now + FREEZE_AFTER_S
                self._wake = wake
                self._cond.wait(None if wake is None else wake - now)
