"""The Monitor's charts without a widget: a function's metrics export as per-minute series for the
last hour (the Lambda console's Monitor tab graphs), oldest minute first."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

WINDOW_MINUTES = 60


@dataclass
class Series:
    """Per-minute values, index 0 = WINDOW_MINUTES-1 minutes ago, last = this minute (None: no data)."""

    minutes_ago: list[int]
    counts: dict[str, list[float]] = field(default_factory=dict)
    duration_p50: list[float | None] = field(default_factory=list)
    duration_max: list[float | None] = field(default_factory=list)
    success_rate: list[float | None] = field(default_factory=list)

    def total(self, name: str) -> int:
        return int(sum(self.counts.get(name, [])))


def wall_clock() -> float:
    """The wall clock the Monitor draws against (a seam for pictures with fixed times)."""
    return time.time()


def _minute(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() // 60)


def series(export: dict[str, Any], function_name: str, now: float | None = None, window: int = WINDOW_MINUTES) -> Series:
    """The last `window` minutes of one function's metrics (zeros where nothing happened)."""
    now_minute = int((wall_clock() if now is None else now) // 60)
    first = now_minute - window + 1
    buckets = {}
    for bucket in export.get("functions", {}).get(function_name, {}).get("buckets", []):
        minute = _minute(bucket["timestamp"])
        if first <= minute <= now_minute:
            buckets[minute] = bucket
    out = Series(minutes_ago=[m - now_minute for m in range(first, now_minute + 1)])
    names = ("Invocations", "Errors", "Throttles", "AsyncEventsReceived", "AsyncRetries", "AsyncEventsDropped")
    for name in names:
        out.counts[name] = [float(buckets.get(m, {}).get(name, 0) or 0) for m in range(first, now_minute + 1)]
    for m in range(first, now_minute + 1):
        duration = buckets.get(m, {}).get("Duration") or {}
        out.duration_p50.append(duration.get("p50"))
        out.duration_max.append(duration.get("max"))
        invocations = buckets.get(m, {}).get("Invocations", 0) or 0
        errors = buckets.get(m, {}).get("Errors", 0) or 0
        out.success_rate.append(round(100.0 * (invocations - errors) / invocations, 1) if invocations else None)
    return out
