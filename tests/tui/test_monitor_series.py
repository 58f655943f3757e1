"""The Monitor's series: a metrics export as the last hour, minute by minute."""

from __future__ import annotations

from console.service.metrics import MetricsRegistry
from console.tui.monitor_series import series


class Result:
    def __init__(self, ok: bool, ms: float) -> None:
        self.succeeded = ok
        self.summary = type("S", (), {"duration_ms": ms})()


def test_an_hour_of_minutes_with_counts_durations_and_success_rate():
    clock = [3_600_000.0]
    registry = MetricsRegistry(clock=lambda: clock[0])
    registry.record_invocation("fn", Result(True, 10))
    registry.record_invocation("fn", Result(False, 30))
    clock[0] += 120  # two minutes later
    registry.record_invocation("fn", Result(True, 5))
    registry.count("fn", "AsyncEventsReceived")
    s = series(registry.export(), "fn", now=clock[0])
    assert len(s.minutes_ago) == 60 and s.minutes_ago[-1] == 0 and s.minutes_ago[0] == -59
    assert s.counts["Invocations"][-3:] == [2, 0, 1] and s.total("Invocations") == 3
    assert s.counts["Errors"][-3] == 1 and s.total("AsyncEventsReceived") == 1
    assert s.success_rate[-3:] == [50.0, None, 100.0]
    assert s.duration_max[-3] == 30 and s.duration_p50[-2] is None


def test_minutes_older_than_the_window_and_other_functions_are_left_out():
    clock = [3_600_000.0]
    registry = MetricsRegistry(clock=lambda: clock[0])
    registry.record_invocation("fn", Result(True, 1))
    registry.record_invocation("other", Result(True, 1))
    clock[0] += 61 * 60
    s = series(registry.export(), "fn", now=clock[0])
    assert s.total("Invocations") == 0
