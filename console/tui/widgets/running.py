"""The running indicator: a spinner and the elapsed time while a test runs."""

from __future__ import annotations

import time
from typing import Callable

from textual.timer import Timer
from textual.widgets import Static

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SHOW_AFTER_S = 0.15


class RunningIndicator(Static):
    """Hidden when idle; 'Running 1.2 s · Esc cancels' while a test runs."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._started: float | None = None
        self._timer: Timer | None = None
        self._frame = 0
        self.label = "Running"
        self._on_show: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self.display = False

    @property
    def running(self) -> bool:
        return self._started is not None

    @property
    def elapsed(self) -> float:
        return 0.0 if self._started is None else time.monotonic() - self._started

    def start(self, label: str = "Running", on_show: Callable[[], None] | None = None) -> None:
        """Start timing now; appear only after SHOW_AFTER_S so quick runs don't flash (or repaint)."""
        self.label = label
        self._started = time.monotonic()
        self._frame = 0
        self._on_show = on_show
        if self._timer is None:
            self._timer = self.set_interval(0.05, self._tick)
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
        if not self.display:
            if self.elapsed < SHOW_AFTER_S:
                return
            self.display = True
            if self._on_show is not None:
                self._on_show()
        self._frame = (self._frame + 1) % len(_FRAMES)
        self.update(f"{_FRAMES[self._frame]} {self.label} {self.elapsed:.1f} s · Esc cancels")
