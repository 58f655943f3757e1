"""The simulation's clock: virtual seconds that jump ahead, optionally paced at N times real time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class Cancelled(Exception):
    """The run was cancelled while the clock waited."""


class VirtualClock:
    """Seconds since the run started. Waiting for a later time costs nothing (the clock jumps),
    unless `time_scale` is set: then the run is paced so that one real second shows N virtual ones.

    Invocations run for real: a batch ends at its start time plus what the function really took.
    """

    def __init__(self, time_scale: float | None = None, *, epoch: float | None = None) -> None:
        if time_scale is not None and not time_scale > 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self.epoch = time.time() if epoch is None else epoch  # wall time of virtual 0
        self._now = 0.0
        self._real_start = time.monotonic()

    def now(self) -> float:
        return self._now

    def wall(self, t: float | None = None) -> float:
        """Epoch seconds of virtual time `t` (now by default), for the timestamps records carry."""
        return self.epoch + (self._now if t is None else t)

    def advance_to(self, t: float, cancel: threading.Event | None = None) -> None:
        """Move to `t` (never backwards); with a time scale, first wait until it is due in real time."""
        if t <= self._now:
            return
        if self.time_scale is not None:
            while True:
                wait = self._real_start + t / self.time_scale - time.monotonic()
                if wait <= 0:
                    break
                if cancel is not None:
                    if cancel.wait(min(wait, 0.5)):
                        raise Cancelled()
                else:
                    time.sleep(min(wait, 0.5))
        self._now = t


def iso_ms(epoch_s: float) -> str:
    """'2019-11-14T00:38:06.021Z'."""
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_s(epoch_s: float) -> str:
    """'2019-11-14T00:13:19Z'."""
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def elapsed(t: float) -> str:
    """Virtual seconds as 'H:MM:SS.mmm' for timelines (hours grow past 24)."""
    ms = int(round(t * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}"
