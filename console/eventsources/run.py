"""The driver: builds a source from records and settings, runs it on the virtual clock, and reports."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .clock import Cancelled, VirtualClock
from .mapping import KINDS, MappingError

if TYPE_CHECKING:
    from console.engine import FunctionConfig, InvocationResult
    from console.service.invoker import Invoker

DEFAULT_MAX_INVOCATIONS = 1000

# A record's fate once the run ends.
PROCESSED = "processed"
FATES = ("processed", "dead-letter", "on-failure", "discarded", "expired", "trimmed", "skipped", "pending")


@dataclass
class BatchEntry:
    """One invocation with its batch: a line of the timeline."""

    time: float  # virtual seconds since the run started
    source: str  # the queue's name or the shard's id
    record_ids: list[str]
    numbers: list[int]  # the records' positions in the input (1-based), for people
    attempt: int
    request_id: str
    status: str  # the invocation's: "Succeeded" | "Failed" (a partial batch response is in batch_item_failures)
    error_type: str | None
    batch_item_failures: list[str] | None
    bisected: bool  # this failed batch was split in two
    outcome: str  # what happened to the batch, in words
    duration_s: float
    shard: str | None = None
    result: InvocationResult | None = field(default=None, repr=False)
    event: bytes = field(default=b"", repr=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"requestId": self.request_id, "time": round(self.time, 3)}
        if self.shard is not None:
            out["shard"] = self.shard
        out.update({
            "recordIds": self.record_ids,
            "attempt": self.attempt,
            "status": self.status,
            "errorType": self.error_type,
            "batchItemFailures": self.batch_item_failures,
            "bisected": self.bisected,
            "outcome": self.outcome,
        })
        return out


@dataclass
class MoveEntry:
    """Records that moved without an invocation: to the DLQ, to the on-failure destination, or away."""

    time: float
    source: str
    record_ids: list[str]
    numbers: list[int]
    kind: str  # "dead-letter" | "on-failure" | "discarded" | "expired" | "trimmed" | "note"
    text: str
    documents: list[dict[str, Any]] = field(default_factory=list)  # the DLQ messages or on-failure record


Entry = BatchEntry | MoveEntry


@dataclass
class RecordInfo:
    id: str
    payload: Any
    number: int
    shard: str | None = None
    fate: str = "pending"

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "payload": self.payload}
        if self.shard is not None:
            out["shard"] = self.shard
        out["fate"] = self.fate
        return out


@dataclass
class Report:
    kind: str
    records: list[RecordInfo]
    invocations: list[BatchEntry] = field(default_factory=list)
    moves: list[MoveEntry] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    dead_letter: list[dict[str, Any]] = field(default_factory=list)
    on_failure: list[dict[str, Any]] = field(default_factory=list)
    stopped_because: str | None = None
    end_time: float = 0.0

    @property
    def unprocessed(self) -> list[str]:
        return [r.id for r in self.records if r.fate != PROCESSED]

    @property
    def all_processed(self) -> bool:
        return not self.unprocessed

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "records": [r.to_json() for r in self.records],
            "invocations": [e.to_json() for e in self.invocations],
            "processed": list(self.processed),
            "deadLetter": list(self.dead_letter),
            "onFailure": list(self.on_failure),
            "unprocessed": self.unprocessed,
            "stoppedBecause": self.stopped_because,
            "virtualSeconds": round(self.end_time, 3),
        }


class StopRun(Exception):
    """The invocation bound was reached."""


class Run:
    """What a source shares with the driver: the clock, the one invocation path, the report, the
    listener, and the bound on invocations."""

    def __init__(
        self,
        kind: str,
        config: FunctionConfig,
        invoker: Invoker,
        clock: VirtualClock,
        *,
        max_invocations: int = DEFAULT_MAX_INVOCATIONS,
        cancel: threading.Event | None = None,
        on_entry: Callable[[Entry], None] | None = None,
        on_log: Callable[[str], None] | None = None,
    ) -> None:
        self.kind = kind
        self.config = config
        self.invoker = invoker
        self.clock = clock
        self.max_invocations = max_invocations
        self.cancel = cancel or threading.Event()
        self._on_entry = on_entry
        self._on_log = on_log
        self.report = Report(kind, [])
        self._by_id: dict[str, RecordInfo] = {}

    # records

    def add_record(self, record_id: str, payload: Any, shard: str | None = None) -> None:
        info = RecordInfo(record_id, payload, len(self.report.records) + 1, shard)
        self.report.records.append(info)
        self._by_id[record_id] = info

    def number(self, record_id: str) -> int:
        return self._by_id[record_id].number

    def settle(self, record_ids: list[str], fate: str) -> None:
        for record_id in record_ids:
            info = self._by_id[record_id]
            if info.fate == "pending":
                info.fate = fate
                if fate == PROCESSED:
                    self.report.processed.append(record_id)

    # invoking

    def invoke(self, event: bytes) -> InvocationResult:
        """One batch through the one invocation path; StopRun once the bound is reached."""
        if len(self.report.invocations) >= self.max_invocations:
            raise StopRun()
        outcome = self.invoker.invoke(self.config, event, "RequestResponse", cancel=self.cancel,
                                      on_log=self._on_log)
        assert outcome.result is not None  # RequestResponse always runs the function
        return outcome.result

    @staticmethod
    def duration_s(result: InvocationResult) -> float:
        summary = result.summary
        return (summary.duration_ms + (summary.init_duration_ms or 0.0)) / 1000.0

    # metrics

    def metric_count(self, metric: str, n: int) -> None:
        if n:
            self.invoker.metrics.count(self.config.function_name, metric, n)

    def metric_max(self, metric: str, value: float) -> None:
        record = getattr(self.invoker.metrics, "record_max", None)
        if record is not None:
            record(self.config.function_name, metric, value)

    # timeline

    def emit(self, entry: Entry) -> None:
        if isinstance(entry, BatchEntry):
            self.report.invocations.append(entry)
        else:
            self.report.moves.append(entry)
        if self._on_entry is not None:
            self._on_entry(entry)


class Source(Protocol):
    def next_time(self, now: float) -> float | None:
        """When the source next has something to do (None: nothing ever again)."""

    def step(self, now: float) -> None:
        """Do what is due at `now`: completions, moves, and new batches (real invocations)."""

    def finish(self) -> None:
        """The run ended: settle what is left."""


@dataclass
class Inputs:
    """Everything a run reads besides the function: the records text and the parsed JSON files."""

    records_text: str
    mapping: dict[str, Any] = field(default_factory=dict)
    queue: dict[str, Any] | None = None  # SQS queue attributes, or the stream's settings


def build(kind: str, run: Run, inputs: Inputs) -> Source:
    """The source for `kind`, its records added to the run's report. MappingError or RecordsError
    (both ValueErrors, messages for the user) for settings or records Lambda would refuse."""
    if kind not in KINDS:
        raise MappingError(f"unknown source kind '{kind}' (sqs, kinesis or dynamodb)")
    if not isinstance(inputs.mapping, dict):
        raise MappingError("the mapping must be a JSON object (a CreateEventSourceMapping request)")
    if inputs.queue is not None and not isinstance(inputs.queue, dict):
        raise MappingError("the queue file must be a JSON object")
    if kind == "sqs":
        from .sqs import SqsSource

        return SqsSource.build(run, inputs)
    from .streams import StreamSource

    return StreamSource.build(run, inputs)


def simulate(run: Run, source: Source) -> Report:
    """Run until nothing is left to do, the bound is hit, or the run is cancelled."""
    clock = run.clock
    try:
        while not run.cancel.is_set():
            due = source.next_time(clock.now())
            if due is None:
                break
            clock.advance_to(max(due, clock.now()), run.cancel)
            source.step(clock.now())
        else:
            run.report.stopped_because = "cancelled"
    except StopRun:
        run.report.stopped_because = "max-invocations"
    except Cancelled:
        run.report.stopped_because = "cancelled"
    source.finish()
    run.report.end_time = clock.now()
    return run.report


def load_json_file(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise MappingError(f"{where} is not valid JSON ({exc})") from None
    except RecursionError:
        raise MappingError(f"{where} is nested too deeply to read") from None


def record_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> '#1-#3 #5' (records by their position in the input)."""
    parts: list[str] = []
    start = prev = None
    for n in numbers:
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(f"#{start}" if start == prev else f"#{start}-#{prev}")
        start = prev = n
    if start is not None:
        parts.append(f"#{start}" if start == prev else f"#{start}-#{prev}")
    return " ".join(parts)
