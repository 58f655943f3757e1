"""Per-function metrics named like Lambda's CloudWatch metrics, in one-minute buckets."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

from console import jsonfile
from console.jsonfile import JsonError

# Lambda's metric names where Lambda has one; AsyncRetries has no CloudWatch counterpart.
COUNTERS: tuple[str, ...] = (
    "Invocations",
    "Errors",
    "Throttles",
    "AsyncEventsReceived",
    "AsyncRetries",
    "AsyncEventsDropped",
    "DestinationDeliveryFailures",  # Lambda's name for a destination it could not deliver to
    # Event source mappings: Lambda's opt-in mapping metrics, and SQS redrive moves (no CloudWatch twin).
    "DeadLetteredMessages",
    "OnFailureDestinationDeliveredEventCount",
    "DroppedEventCount",
)
# Gauges kept as their largest value per minute (CloudWatch's Maximum statistic).
MAXIMA: tuple[str, ...] = ("IteratorAge",)
BUCKET_S = 60
KEEP_BUCKETS = 1440  # one day of minutes
SAMPLES_PER_BUCKET = 1024  # reservoir for the duration percentiles
SPARK_CHARS = "▁▂▃▄▅▆▇█"
METRICS_FILE = "metrics.json"


def metrics_path(code_dir: Path, function_name: str | None = None) -> Path:
    """Where a function's metrics are saved: `<function>/.lambda-console/metrics.json` (see
    workspace.state_dir for blueprints inside the installed package)."""
    from console import workspace

    return workspace.state_dir(code_dir, function_name) / METRICS_FILE


@dataclass
class _Bucket:
    counts: dict[str, int] = field(default_factory=dict)
    durations: list[float] = field(default_factory=list)
    duration_count: int = 0
    duration_max: float = 0.0
    concurrency_max: int = 0
    maxima: dict[str, float] = field(default_factory=dict)

    def add_duration(self, ms: float, rng: random.Random) -> None:
        self.duration_count += 1
        self.duration_max = max(self.duration_max, ms)
        if len(self.durations) < SAMPLES_PER_BUCKET:
            self.durations.append(ms)
        else:
            # Reservoir sampling keeps the percentiles unbiased at any request rate.
            slot = rng.randrange(self.duration_count)
            if slot < SAMPLES_PER_BUCKET:
                self.durations[slot] = ms

    def to_json(self, minute: int) -> dict[str, Any]:
        out: dict[str, Any] = {"timestamp": _iso(minute * BUCKET_S)}
        for name in COUNTERS:
            out[name] = self.counts.get(name, 0)
        out["ConcurrentExecutions"] = self.concurrency_max
        for name in MAXIMA:
            out[name] = self.maxima.get(name)
        out["Duration"] = {
            "count": self.duration_count,
            "p50": percentile(self.durations, 50),
            "p99": percentile(self.durations, 99),
            "max": round(self.duration_max, 2) if self.duration_count else None,
        }
        return out

    def to_file(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "durations": [round(d, 3) for d in self.durations],
            "durationCount": self.duration_count,
            "durationMax": self.duration_max,
            "concurrencyMax": self.concurrency_max,
            "maxima": self.maxima,
        }

    @classmethod
    def from_file(cls, data: Any, problems: list[str], where: str) -> _Bucket:
        """What of a saved bucket can be read; each field that cannot is named in `problems`."""
        if not isinstance(data, dict):
            raise ValueError(f"{where} is not an object")
        counts: dict[str, int] = {}
        raw_counts = data.get("counts", {})
        if isinstance(raw_counts, dict):
            for k, v in raw_counts.items():
                n = _count(v)
                if n is None:
                    problems.append(f"{where}.counts.{k}")
                else:
                    counts[str(k)] = n
        else:
            problems.append(f"{where}.counts")
        durations: list[float] = []
        raw_durations = data.get("durations", [])
        if isinstance(raw_durations, list):
            for d in raw_durations[:SAMPLES_PER_BUCKET]:
                if isinstance(d, (int, float)) and not isinstance(d, bool) and math.isfinite(d):
                    durations.append(float(d))
                else:
                    problems.append(f"{where}.durations")
                    break
        else:
            problems.append(f"{where}.durations")

        def number(key: str, default: float) -> float:
            value = data.get(key, default)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                return value
            problems.append(f"{where}.{key}")
            return default

        return cls(
            counts=counts,
            durations=durations,
            duration_count=max(int(number("durationCount", len(durations))), len(durations)),
            duration_max=float(number("durationMax", max(durations, default=0.0))),
            concurrency_max=int(number("concurrencyMax", 0)),
            maxima=_maxima(data.get("maxima", {}), problems, where),
        )


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _maxima(raw: Any, problems: list[str], where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        problems.append(f"{where}.maxima")
        return {}
    out = {}
    for k, v in raw.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[str(k)] = float(v)
        else:
            problems.append(f"{where}.maxima.{k}")
    return out


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (what CloudWatch's pNN statistics approximate), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return round(ordered[int(rank) - 1], 2)


def sparkline(values: Iterable[float | None]) -> str:
    """Values as ▁▂▃▄▅▆▇█ (a space for no data), scaled from zero to the largest value."""
    items = list(values)
    top = max((v for v in items if v), default=0)
    chars = []
    for v in items:
        if v is None:
            chars.append(" ")
        elif top <= 0:
            chars.append(SPARK_CHARS[0])
        else:
            chars.append(SPARK_CHARS[min(len(SPARK_CHARS) - 1, int(v / top * (len(SPARK_CHARS) - 1) + 0.5))])
    return "".join(chars)


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))  # UTC, as datetime's would


class MetricsRegistry:
    """Thread-safe per-function counters and duration samples, one bucket per minute.

    What is recorded since the last save is also kept apart, so that saving merges it into the
    file as it is on disk now: a server and a console recording the same function at the same time
    both keep their counts (writers take a lock file).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._functions: dict[str, dict[int, _Bucket]] = {}  # everything known: what export shows
        self._pending: dict[str, dict[int, _Bucket]] = {}  # recorded since the last save
        self._rng = random.Random()
        self.problems: list[str] = []  # one line per unreadable file or field met, for the fronts

    def _problem(self, text: str) -> None:
        with self._lock:
            if text not in self.problems:
                self.problems.append(text)

    def _buckets(self, function_name: str) -> tuple[_Bucket, _Bucket]:
        minute = int(self._clock() // BUCKET_S)
        shown = _bucket_in(self._functions.setdefault(function_name, {}), minute)
        pending = _bucket_in(self._pending.setdefault(function_name, {}), minute)
        return shown, pending

    def count(self, function_name: str, metric: str, n: int = 1) -> None:
        with self._lock:
            for bucket in self._buckets(function_name):
                bucket.counts[metric] = bucket.counts.get(metric, 0) + n

    def record_invocation(self, function_name: str, result: Any) -> None:
        """One finished invocation: Invocations, Errors (function errors and timeouts), Duration."""
        failed = not getattr(result, "succeeded", True)
        summary = getattr(result, "summary", None)
        duration = getattr(summary, "duration_ms", None)
        with self._lock:
            for bucket in self._buckets(function_name):
                bucket.counts["Invocations"] = bucket.counts.get("Invocations", 0) + 1
                if failed:
                    bucket.counts["Errors"] = bucket.counts.get("Errors", 0) + 1
                if duration is not None:
                    bucket.add_duration(float(duration), self._rng)

    def record_max(self, function_name: str, metric: str, value: float) -> None:
        """A gauge such as IteratorAge (ms): each minute keeps its largest value."""
        with self._lock:
            for bucket in self._buckets(function_name):
                bucket.maxima[metric] = max(bucket.maxima.get(metric, value), value)

    def record_throttle(self, function_name: str) -> None:
        self.count(function_name, "Throttles")

    def record_concurrency(self, function_name: str, running: int) -> None:
        with self._lock:
            for bucket in self._buckets(function_name):
                bucket.concurrency_max = max(bucket.concurrency_max, running)

    def functions(self) -> list[str]:
        with self._lock:
            return sorted(self._functions)

    def export(self, function_name: str | None = None) -> dict[str, Any]:
        """{"functions": {name: {"totals": {...}, "buckets": [per-minute dicts, oldest first]}}}."""
        with self._lock:
            names = [function_name] if function_name else sorted(self._functions)
            out: dict[str, Any] = {}
            for name in names:
                buckets = self._functions.get(name, {})
                out[name] = _export_function(buckets)
        return {"functions": out}

    def dirty(self) -> set[str]:
        """Functions with metrics recorded since their last save."""
        with self._lock:
            return {name for name, pending in self._pending.items() if pending}

    # Persistence: one file per function (`<function>/.lambda-console/metrics.json`).

    def load_file(self, function_name: str, path: Path) -> None:
        """Show what the file holds (e.g. earlier runs) besides what this registry recorded;
        what cannot be read is said in `problems` (and kept aside by the next save)."""
        on_disk, problem = _read_buckets(Path(path))
        if problem:
            self._problem(problem)
        with self._lock:
            self._functions[function_name] = _combined(on_disk, self._pending.get(function_name, {}), self._rng)

    def save_file(self, function_name: str, path: Path) -> None:
        """Add what was recorded since the last save to the file, as it is on disk now."""
        path = Path(path)
        with self._lock:
            pending = self._pending.pop(function_name, {})
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with _file_lock(path):
                on_disk, problem = _read_buckets(path)
                if problem:
                    # Never drop counts silently: what could not be read is kept beside the new file.
                    backup = _move_aside(path)
                    if backup is None:
                        raise OSError(f"{problem}; it could not be moved aside, so it is left as it is")
                    self._problem(f"{problem}; kept what could be read and moved the file to {backup.name}")
                merged = _combined(on_disk, pending, self._rng)
                _write_buckets(path, function_name, merged)
        except BaseException:
            with self._lock:  # keep the counts for the next save
                self._pending[function_name] = _combined(pending, self._pending.get(function_name, {}), self._rng)
            raise
        with self._lock:
            self._functions[function_name] = _combined(merged, self._pending.get(function_name, {}), self._rng)


def _bucket_in(buckets: dict[int, _Bucket], minute: int) -> _Bucket:
    bucket = buckets.get(minute)
    if bucket is None:
        bucket = buckets[minute] = _Bucket()
        if len(buckets) > KEEP_BUCKETS:
            for old in sorted(buckets)[: len(buckets) - KEEP_BUCKETS]:
                del buckets[old]
    return bucket


def _copy(bucket: _Bucket) -> _Bucket:
    return _Bucket(dict(bucket.counts), list(bucket.durations), bucket.duration_count,
                   bucket.duration_max, bucket.concurrency_max, dict(bucket.maxima))


def _combined(base: dict[int, _Bucket], extra: dict[int, _Bucket], rng: random.Random) -> dict[int, _Bucket]:
    out = {m: _copy(b) for m, b in base.items()}
    for minute, bucket in extra.items():
        if minute in out:
            _merge(out[minute], bucket, rng)
        else:
            out[minute] = _copy(bucket)
    for old in sorted(out)[: max(0, len(out) - KEEP_BUCKETS)]:
        del out[old]
    return out


def _read_buckets(path: Path) -> tuple[dict[int, _Bucket], str | None]:
    """The buckets that can be read, and what could not (None when the file is whole)."""
    try:
        data = jsonfile.read(path)
    except FileNotFoundError:
        return {}, None
    except JsonError as exc:
        return {}, str(exc)
    raw = data.get("buckets") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return {}, f"{path} holds no 'buckets' object"
    buckets: dict[int, _Bucket] = {}
    problems: list[str] = []
    for key, value in raw.items():
        try:
            minute = int(key)
            buckets[minute] = _Bucket.from_file(value, problems, f"buckets.{key}")
        except (ValueError, TypeError, OverflowError):
            problems.append(f"buckets.{key}")
    if problems:
        shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        return buckets, f"{path}: unreadable field(s) {shown}"
    return buckets, None


def _move_aside(path: Path) -> Path | None:
    """Keep an unreadable metrics file next to the new one (metrics.json.corrupt-<time>)."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        if path.is_dir():
            os.replace(path, backup)
        else:
            shutil.copy2(path, backup)  # the original is replaced atomically by the save
    except OSError:
        return None
    return backup


def _write_buckets(path: Path, function_name: str, buckets: dict[int, _Bucket]) -> None:
    data = {
        "version": 1,
        "function": function_name,
        "buckets": {str(m): b.to_file() for m, b in sorted(buckets.items())},
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(tmp, path)


class _file_lock:
    """An exclusive lock between processes on the folder that holds `path` (no lock file is left
    behind in the user's folder; a no-op where fcntl is missing)."""

    def __init__(self, path: Path) -> None:
        self._path = path.parent
        self._fd: int | None = None

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:
            return
        self._fd = os.open(self._path, os.O_RDONLY)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock


def _merge(into: _Bucket, other: _Bucket, rng: random.Random) -> None:
    for k, v in other.counts.items():
        into.counts[k] = into.counts.get(k, 0) + v
    for d in other.durations:
        into.add_duration(d, rng)
    into.duration_count += other.duration_count - len(other.durations)
    into.duration_max = max(into.duration_max, other.duration_max)
    into.concurrency_max = max(into.concurrency_max, other.concurrency_max)
    for k, v in other.maxima.items():
        into.maxima[k] = max(into.maxima.get(k, v), v)


def _export_function(buckets: dict[int, _Bucket]) -> dict[str, Any]:
    totals: dict[str, Any] = {name: sum(b.counts.get(name, 0) for b in buckets.values()) for name in COUNTERS}
    for name in MAXIMA:
        totals[name] = max((b.maxima[name] for b in buckets.values() if name in b.maxima), default=None)
    samples = [d for b in buckets.values() for d in b.durations]
    totals["Duration"] = {
        "count": sum(b.duration_count for b in buckets.values()),
        "p50": percentile(samples, 50),
        "p99": percentile(samples, 99),
    }
    return {"totals": totals, "buckets": [b.to_json(m) for m, b in sorted(buckets.items())]}


def load_exports(files: dict[str, Path], problems: list[str] | None = None) -> dict[str, Any]:
    """Export the metrics saved in {function name: metrics.json path} (for `lambda-console metrics`);
    what could not be read is appended to `problems`."""
    registry = MetricsRegistry()
    for name, path in files.items():
        registry.load_file(name, path)
    if problems is not None:
        problems.extend(registry.problems)
    return registry.export()


def render_table(export: dict[str, Any], *, minutes: int = 30, now: float | None = None) -> str:
    """A text table: totals per function and sparklines of the last `minutes` minutes."""
    from datetime import datetime, timezone

    now = time.time() if now is None else now
    last = int(now // BUCKET_S)
    first = last - minutes + 1
    header = (
        f"{'Function':<24} {'Invocations':>11} {'Errors':>6} {'Throttles':>9} {'AsyncRetries':>12} {'DestFail':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}  Invocations / Duration p99 (last {minutes} min)"
    )
    lines = [header, "-" * len(header)]
    functions = export.get("functions", {})
    if not functions:
        lines.append("(no functions)")
    for name, data in functions.items():
        totals = data["totals"]
        by_minute: dict[int, dict[str, Any]] = {}
        for b in data["buckets"]:
            stamp = datetime.strptime(b["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            by_minute[int(stamp.timestamp() // BUCKET_S)] = b
        window = [by_minute.get(m) for m in range(first, last + 1)]
        invocations = sparkline([b["Invocations"] if b else 0 for b in window])
        p99s = sparkline([b["Duration"]["p99"] if b and b["Duration"]["p99"] is not None else None for b in window])
        dur = totals["Duration"]
        lines.append(
            f"{name[:24]:<24} {totals['Invocations']:>11} {totals['Errors']:>6} {totals['Throttles']:>9} "
            f"{totals['AsyncRetries']:>12} {totals.get('DestinationDeliveryFailures', 0):>8} {_ms(dur['p50']):>8} {_ms(dur['p99']):>8}  {invocations} {p99s}".rstrip()
        )
    lines.extend(_event_source_rows(functions))
    return "\n".join(lines)


def render_totals(export: dict[str, Any]) -> str:
    """The totals per function as a narrow table for the console's Monitor (whose charts draw the
    minutes): columns sized to their content, short headers, DestFail only where a destination
    failed, so it fits an 80-column terminal."""
    functions = export.get("functions", {})
    columns: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("Invocations", lambda t: str(t["Invocations"])),
        ("Errors", lambda t: str(t["Errors"])),
        ("Throttles", lambda t: str(t["Throttles"])),
        ("Retries", lambda t: str(t["AsyncRetries"])),
        ("p50 ms", lambda t: _ms(t["Duration"]["p50"])),
        ("p99 ms", lambda t: _ms(t["Duration"]["p99"])),
    ]
    if any(data["totals"].get("DestinationDeliveryFailures") for data in functions.values()):
        columns.insert(4, ("DestFail", lambda t: str(t.get("DestinationDeliveryFailures", 0))))
    rows = [[name] + [cell(data["totals"]) for _, cell in columns] for name, data in functions.items()]
    header = ["Function"] + [title for title, _ in columns]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return " ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    lines = [line(header), "-" * (sum(widths) + len(widths) - 1)]
    lines += [line(r) for r in rows] if rows else ["(no functions)"]
    lines.extend(_event_source_rows(functions))
    return "\n".join(lines)


def _event_source_rows(functions: dict[str, Any]) -> list[str]:
    """A second table for functions behind event source mappings (only when there are any)."""
    rows = []
    for name, data in functions.items():
        totals = data["totals"]
        if totals.get("IteratorAge") is None and not any(
            totals.get(k) for k in ("DeadLetteredMessages", "OnFailureDestinationDeliveredEventCount", "DroppedEventCount")
        ):
            continue
        rows.append(
            f"{name[:24]:<24} {_ms(totals.get('IteratorAge')):>15} {totals.get('DeadLetteredMessages', 0):>12} "
            f"{totals.get('OnFailureDestinationDeliveredEventCount', 0):>9} {totals.get('DroppedEventCount', 0):>7}"
        )
    if not rows:
        return []
    header = f"{'Event sources':<24} {'IteratorAge max':>15} {'DeadLettered':>12} {'OnFailure':>9} {'Dropped':>7}"
    return ["", header, "-" * len(header), *rows]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
