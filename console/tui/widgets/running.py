"""The running indicator: a spinner and the elapsed time while a test runs."""

from __future__ import annotations

import time

from textual.timer import Timer
from textual.widgets import Static

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class RunningIndicator(Static):
    """Hidden when idle; 'Running 1.2 s · Esc cancels' while a test runs."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._started: float | None = None
        self._timer: Timer | None = None
        self._frame = 0
        self.label = "Running"

    def on_mount(self) -> None:
        self.display = False

    @property
    def running(self) -> bool:
        return self._started is not None

    @property
    def elapsed(self) -> float:
        return 0.0 if self._started is None else time.monotonic() - self._started

    def start(self, label: str = "Running") -> None:
        self.label = label
        self._started = time.monotonic()
        self._frame = 0
        self.display = True
        self._tick()
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._tick)
        else:
            self._timer.resume()

    def set_label(self, label: str) -> None:
        self.label = label
        self._tick()

    def stop(self) -> None:
        self._started = None
        if self._timer is not None:
            self._timer.pause()
        self.display = False

    def _tick(self) -> None:
        if self._started is None:
            return
        self._frame = (self._frame + 1) % len(_FRAMES)
        self.update(f"{_FRAMES[self._frame]} {self.label} {self.elapsed:.1f} s · Esc cancels")
