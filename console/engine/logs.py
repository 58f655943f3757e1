"""Log text of one invocation: the platform's lines, and a capped buffer for what the function wrote."""

from __future__ import annotations

import codecs
import json
import time
from collections import deque
from dataclasses import dataclass

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Callable

# What is kept of one invocation's own output; a flood beyond this is counted, not stored.
HEAD_BYTES = 960 * 1024
TAIL_BYTES = 64 * 1024
_UTF8_DECODER = codecs.getincrementaldecoder("utf-8")


def fmt_ms(ms: float) -> str:
    return f"{ms:.2f}"


class TextPlatformLog:
    """The platform's log lines in Lambda's default text format."""

    def init_start(self, runtime_version: str, host_python: str, label: str | None = None) -> str:
        # Honest labels: the version is the runtime asked for; the ARN names the interpreter that
        # runs it (`python-3.12.1`, or `host-python-3.11.7` / `nearest-python-3.13.0` for a stand-in).
        return (
            f"INIT_START Runtime Version: python:{runtime_version}.local"
            f"\tRuntime Version ARN: local:{label or 'host-python-' + host_python}\n"
        )

    def start(self, request_id: str) -> str:
        return f"START RequestId: {request_id} Version: $LATEST\n"

    def end(self, request_id: str) -> str:
        return f"END RequestId: {request_id}\n"

    def init_report(self, init_ms: float, phase: str, status: str, error_type: str | None) -> str:
        line = f"INIT_REPORT Init Duration: {fmt_ms(init_ms)} ms\tPhase: {phase}\tStatus: {status}"
        if error_type:
            line += f"\tError Type: {error_type}"
        return line + "\n"

    def report(
        self,
        request_id: str,
        duration_ms: float,
        billed_ms: int,
        memory_mb: int,
        max_used_mb: int,
        init_ms: float | None,
        status: str | None = None,
        error_type: str | None = None,
    ) -> str:
        line = (
            f"REPORT RequestId: {request_id}\tDuration: {fmt_ms(duration_ms)} ms"
            f"\tBilled Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB"
            f"\tMax Memory Used: {max_used_mb} MB"
        )
        if init_ms is not None:
            line += f"\tInit Duration: {fmt_ms(init_ms)} ms"
        if status:
            line += f"\tStatus: {status}"
        if error_type:
            line += f"\tError Type: {error_type}"
        return line + "\n"


class JsonPlatformLog(TextPlatformLog):
    """The platform's records when the function logs in JSON (AWS_LAMBDA_LOG_FORMAT=JSON),
    shaped like Lambda's telemetry events (platform.initStart, platform.start, platform.report)."""

    @staticmethod
    def _event(kind: str, record: dict) -> str:
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
        return json.dumps({"time": stamp, "type": kind, "record": record}) + "\n"

    def init_start(self, runtime_version: str, host_python: str, label: str | None = None) -> str:
        return self._event(
            "platform.initStart",
            {
                "initializationType": "on-demand",
                "phase": "init",
                "runtimeVersion": f"python:{runtime_version}.local",
                "runtimeVersionArn": f"local:{label or 'host-python-' + host_python}",
            },
        )

    def start(self, request_id: str) -> str:
        return self._event("platform.start", {"requestId": request_id, "version": "$LATEST"})

    def end(self, request_id: str) -> str:
        return ""  # JSON logs carry no END line; platform.report closes the invocation

    def init_report(self, init_ms: float, phase: str, status: str, error_type: str | None) -> str:
        record: dict = {"initializationType": "on-demand", "phase": phase, "status": status}
        if error_type:
            record["errorType"] = error_type
        record["metrics"] = {"durationMs": round(init_ms, 3)}
        return self._event("platform.initReport", record)

    def report(
        self,
        request_id: str,
        duration_ms: float,
        billed_ms: int,
        memory_mb: int,
        max_used_mb: int,
        init_ms: float | None,
        status: str | None = None,
        error_type: str | None = None,
    ) -> str:
        metrics: dict = {
            "durationMs": round(duration_ms, 3),
            "billedDurationMs": billed_ms,
            "memorySizeMB": memory_mb,
            "maxMemoryUsedMB": max_used_mb,
        }
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 3)
        record: dict = {"requestId": request_id, "metrics": metrics, "status": status or "success"}
        if error_type:
            record["errorType"] = error_type
        return self._event("platform.report", record)


# Both formats keep no state: one of each serves every invocation.
_TEXT_PLATFORM_LOG = TextPlatformLog()
_JSON_PLATFORM_LOG = JsonPlatformLog()


@dataclass(frozen=True)
class ReportFields:
    """A REPORT line read back (what a remote invocation's log tail tells about its figures)."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None
    error_type: str | None = None


def parse_report(log: str) -> ReportFields | None:
    """The last REPORT line of a text log, read field by field (None when there is none)."""
    line = next((ln for ln in reversed(log.splitlines()) if ln.startswith("REPORT RequestId: ")), None)
    if line is None:
        return None
    fields: dict[str, str] = {}
    for part in line.removeprefix("REPORT ").split("\t"):
        label, sep, value = part.partition(": ")
        if sep:
            fields[label.strip()] = value.strip()

    def number(label: str, unit: str) -> float | None:
        raw = fields.get(label, "").removesuffix(unit).strip()
        try:
            return float(raw)
        except ValueError:
            return None

    init = number("Init Duration", "ms")
    return ReportFields(
        request_id=fields.get("RequestId", ""),
        duration_ms=number("Duration", "ms") or 0.0,
        billed_duration_ms=int(number("Billed Duration", "ms") or 0),
        memory_size_mb=int(number("Memory Size", "MB") or 0),
        max_memory_used_mb=int(number("Max Memory Used", "MB") or 0),
        init_duration_ms=init,
        status=fields.get("Status"),
        error_type=fields.get("Error Type"),
    )


def platform_log(environment: dict) -> TextPlatformLog:
    """The platform's line format for a function, chosen as Lambda chooses it."""
    if str(environment.get("AWS_LAMBDA_LOG_FORMAT", "")).upper() == "JSON":
        return _JSON_PLATFORM_LOG
    return _TEXT_PLATFORM_LOG


class LogBuffer:
    """Collects one invocation's log; keeps the head and the tail of a flood and says what was cut."""

    def __init__(self, on_log: Callable[[str], None] | None = None) -> None:
        self._parts: list[str] = []
        self._on_log = on_log
        self._decoder = _UTF8_DECODER(errors="replace")
        self._kept = 0
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.cut_bytes = 0
        self._at_line_start = True
        self._fed = False  # output went into the decoder since its last final decode

    @property
    def truncated(self) -> bool:
        return self.cut_bytes > 0

    def line(self, text: str) -> None:
        """A platform line (or any text the engine adds): always on a line of its own, as each
        platform record is its own log event in CloudWatch."""
        self._flush_tail()
        if self._fed:
            # Only output fed to the decoder can leave a partial character in it.
            self._fed = False
            pending = self._decoder.decode(b"", final=True)
            if pending:
                self._emit(pending)
        if text and not self._at_line_start:
            text = "\n" + text
        self._emit(text)

    def output(self, data: bytes) -> None:
        """Bytes the function wrote to stdout/stderr."""
        self._fed = True
        room = HEAD_BYTES - self._kept
        if room > 0:
            head, data = data[:room], data[room:]
            self._kept += len(head)
            self._emit(self._decoder.decode(head))
        if data:
            self._tail.append(data)
            self._tail_size += len(data)
            while self._tail_size - len(self._tail[0]) >= TAIL_BYTES:
                dropped = self._tail.popleft()
                self._tail_size -= len(dropped)
                self.cut_bytes += len(dropped)

    def _flush_tail(self) -> None:
        if not self._tail:
            return
        tail = b"".join(self._tail)
        self._tail.clear()
        self._tail_size = 0
        extra = max(0, len(tail) - TAIL_BYTES)
        self.cut_bytes += extra
        tail = tail[extra:]
        if self.cut_bytes:
            pending = self._decoder.decode(b"", final=True)
            self._emit(
                pending
                + f"\n[lambda-console: {self.cut_bytes:,} bytes of log output cut here; "
                f"each invocation keeps the first {HEAD_BYTES // 1024} KiB and the last "
                f"{TAIL_BYTES // 1024} KiB]\n"
            )
        self._emit(self._decoder.decode(tail))
        self._kept += len(tail)

    def _emit(self, text: str) -> None:
        if text:
            self._at_line_start = text.endswith("\n")
            self._parts.append(text)
            if self._on_log is not None:
                self._on_log(text)

    def text(self) -> str:
        self._flush_tail()
        rest = self._decoder.decode(b"", final=True)
        if rest:
            self._emit(rest)
        return "".join(self._parts)
