"""Kinesis and DynamoDB Streams: shards of records, and Lambda's per-shard poller with its retry rules."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .clock import elapsed
from .destinations import RECORD_AGE_EXCEEDED, RETRIES_EXHAUSTED, stream_on_failure
from .mapping import StreamMapping, StreamSettings, stream_mapping, stream_settings
from .records import StreamRecord, dynamodb_record, dynamodb_records, event_bytes, fit_batch, kinesis_record, kinesis_records
from .responses import judge
from .run import PROCESSED, BatchEntry, MoveEntry

if TYPE_CHECKING:
    from .run import Inputs, Run

# Lambda does not document the wait between retries of a failing stream batch; this simulator
# backs off like Lambda's async throttle retries: 1 s, doubling, at most 5 minutes.
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0


def backoff_s(failures: int) -> float:
    """The wait before the retry that follows `failures` consecutive failures (1, 2, 4 ... 300 s)."""
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(0, failures - 1))


def shard_id(kind: str, index: int) -> str:
    if kind == "dynamodb":
        return f"shardId-00000001767225600000-{hashlib.md5(str(index).encode()).hexdigest()[:8]}"
    return f"shardId-{index:012d}"


@dataclass
class _Batch:
    records: list[StreamRecord]
    retries: int = 0  # retries consumed (bisection consumes none)
    invocations: int = 0  # invocations of exactly these records
    last_result: object | None = None
    last_request_id: str | None = None
    last_event: bytes | None = None


@dataclass
class _Lane:
    """One shard, or with ParallelizationFactor > 1 one of its concurrent batches: the records
    whose partition keys hash to it, in order; a failing batch blocks only its lane."""

    shard: int
    label: str  # the shard's id (with "/n" when the shard has several lanes)
    records: list[StreamRecord]
    pos: int = 0  # the checkpoint: records before it are finished
    ready_at: float = 0.0
    current: _Batch | None = None
    queued: deque[_Batch] = field(default_factory=deque)  # halves of a bisected batch, in order
    failures: int = 0  # consecutive failed invocations, for the backoff
    window_start: float | None = None

    def has_work(self) -> bool:
        return self.current is not None or bool(self.queued) or self.pos < len(self.records)


class StreamSource:
    """Lambda reading every shard of one stream: batches in order per lane, a failing batch retried
    in place (bisected, checkpointed, given up) before the lane moves on."""

    def __init__(self, run: Run, kind: str, stream: StreamSettings, mapping: StreamMapping,
                 records: list[StreamRecord]) -> None:
        self.run = run
        self.kind = kind
        self.stream = stream
        self.mapping = mapping
        self.records = records
        self.lanes: list[_Lane] = []
        self._pending_moves: list[MoveEntry] = []
        factor = mapping.parallelization
        for shard in range(stream.shard_count):
            mine = [r for r in records if r.shard == shard]
            for part in range(factor):
                own = [r for r in mine if factor == 1 or _bucket(r.partition_key, factor) == part]
                label = shard_id(kind, shard) + (f"/{part + 1}" if factor > 1 else "")
                if own:
                    self.lanes.append(_Lane(shard, label, own))
        for r in records:
            run.add_record(r.sequence_number, r.payload, shard_id(kind, r.shard))
        self._skip_before_start()

    @classmethod
    def build(cls, run: Run, inputs: Inputs) -> StreamSource:
        kind = run.kind
        stream = stream_settings(inputs.queue, kind)
        arn = inputs.mapping.get("EventSourceArn")
        if arn is not None:
            stream = stream_settings({**(inputs.queue or {}), "StreamARN": arn,
                                      "ShardCount": stream.shard_count,
                                      "RetentionPeriodHours": stream.retention_s // 3600}, kind, "mapping")
        mapping = stream_mapping(inputs.mapping, kind)
        parse = dynamodb_records if kind == "dynamodb" else kinesis_records
        return cls(run, kind, stream, mapping, parse(inputs.records_text, stream.shard_count))

    def _skip_before_start(self) -> None:
        # The records are put after the mapping is created, so TRIM_HORIZON and LATEST both read them;
        # AT_TIMESTAMP skips those that arrived before its timestamp.
        if self.mapping.starting_position != "AT_TIMESTAMP":
            return
        start = self.mapping.starting_timestamp or 0.0
        for lane in self.lanes:
            skipped = []
            while lane.pos < len(lane.records) and self._arrival(lane.records[lane.pos]) < start:
                skipped.append(lane.records[lane.pos])
                lane.pos += 1
            if skipped:
                self._settle(lane, 0.0, skipped, "skipped", "before StartingPositionTimestamp: never read")

    # ------------------------------------------------------------ scheduling

    def next_time(self, now: float) -> float | None:
        due = [lane.ready_at for lane in self.lanes if lane.has_work()]
        return min(due) if due else None

    def step(self, now: float) -> None:
        for lane in self.lanes:
            if lane.has_work() and lane.ready_at <= now:
                self._step_lane(lane, now)

    def finish(self) -> None:
        """Records not reached stay unprocessed ('pending')."""

    # ------------------------------------------------------------ one lane

    def _arrival(self, record: StreamRecord) -> float:
        return self.run.clock.wall(record.arrival)

    def _step_lane(self, lane: _Lane, now: float) -> None:
        self._trim(lane, now)
        batch = self._next_batch(lane, now)
        if batch is None:
            return
        self._expire_by_age(lane, batch, now)
        if not batch.records:
            lane.current = None
            lane.ready_at = now
            return
        self._invoke(lane, batch, now)

    def _trim(self, lane: _Lane, now: float) -> None:
        """Records past the stream's retention are gone: Lambda can no longer read them."""
        horizon = now - self.stream.retention_s
        gone = [r for r in lane.records[lane.pos:] if r.arrival <= horizon]
        if not gone:
            return
        dropped = set(r.sequence_number for r in gone)
        if lane.current is not None:
            lane.current.records = [r for r in lane.current.records if r.sequence_number not in dropped]
            if not lane.current.records:
                lane.current = None
        for queued in lane.queued:
            queued.records = [r for r in queued.records if r.sequence_number not in dropped]
        lane.queued = deque(b for b in lane.queued if b.records)
        while lane.pos < len(lane.records) and lane.records[lane.pos].sequence_number in dropped:
            lane.pos += 1
        hours = self.stream.retention_s / 3600
        self._settle(lane, now, gone, "trimmed", f"expired: older than the stream's retention ({hours:g} h)")

    def _next_batch(self, lane: _Lane, now: float) -> _Batch | None:
        if lane.current is not None:
            return lane.current
        if lane.queued:
            lane.current = lane.queued.popleft()
            return lane.current
        rest = lane.records[lane.pos:]
        if not rest:
            return None
        size = self.mapping.batch_size
        if self.mapping.window_s and len(rest) < size:
            if lane.window_start is None:
                lane.window_start = now
            if now < lane.window_start + self.mapping.window_s:
                lane.ready_at = lane.window_start + self.mapping.window_s
                return None
        lane.window_start = None
        lane.current = _Batch(rest[:size])
        return lane.current

    def _expire_by_age(self, lane: _Lane, batch: _Batch, now: float) -> None:
        limit = self.mapping.max_record_age_s
        if limit == -1:
            return
        old = [r for r in batch.records if now - r.arrival > limit]
        if not old:
            return
        batch.records = [r for r in batch.records if now - r.arrival <= limit]
        self._give_up(lane, batch, old, now, RECORD_AGE_EXCEEDED,
                      f"older than MaximumRecordAgeInSeconds ({limit} s)")

    def _lambda_record(self, record: StreamRecord) -> dict:
        if self.kind == "dynamodb":
            return dynamodb_record(record, self.stream.arn, self._arrival(record))
        return kinesis_record(record, shard_id(self.kind, record.shard), self.stream.arn, self._arrival(record))

    def _invoke(self, lane: _Lane, batch: _Batch, now: float) -> None:
        payloads = [self._lambda_record(r) for r in batch.records]
        fit = fit_batch(payloads)
        if fit < len(batch.records):  # over the 6 MB payload limit: the rest waits for the next batch
            lane.queued.appendleft(_Batch(batch.records[fit:], batch.retries))
            batch.records, payloads = batch.records[:fit], payloads[:fit]
        event = event_bytes(payloads)
        result = self.run.invoke(event)
        batch.invocations += 1
        batch.last_result, batch.last_request_id, batch.last_event = result, result.request_id, event
        duration = self.run.duration_s(result)
        end = now + duration
        self.run.metric_max("IteratorAge", (now - batch.records[-1].arrival) * 1000.0)
        ids = [r.sequence_number for r in batch.records]
        verdict = judge(result, ids, self.mapping.report_failures)
        attempt = batch.invocations
        bisected = False
        if verdict.succeeded:
            outcome = f"checkpoint after #{self.run.number(ids[-1])}"
            self._finish_batch(lane, batch, batch.records, PROCESSED)
            lane.failures = 0
            lane.ready_at = end
        elif not verdict.complete_failure:
            # Partial batch response: checkpoint at the lowest reported sequence number, retry from there.
            lowest = min(verdict.failed, key=int)
            cut = ids.index(lowest)
            done, rest = batch.records[:cut], batch.records[cut:]
            if done:
                self.run.settle([r.sequence_number for r in done], PROCESSED)
            lane.pos += len(done)
            batch.records = rest
            outcome = f"checkpoint at #{self.run.number(lowest)} ({len(done)} done); "
            outcome += self._retry_or_give_up(lane, batch, end)
        elif self.mapping.bisect and len(batch.records) > 1:
            half = len(batch.records) // 2
            first, second = batch.records[:half], batch.records[half:]
            lane.current = _Batch(first, batch.retries)
            lane.queued.appendleft(_Batch(second, batch.retries))
            bisected = True
            lane.failures = 0
            lane.ready_at = end
            outcome = f"bisected into {len(first)} + {len(second)} records"
            if verdict.problem and not verdict.problem.startswith("function error"):
                outcome += f" ({verdict.problem})"
        else:
            outcome = self._retry_or_give_up(lane, batch, end)
            if verdict.problem and not verdict.problem.startswith("function error"):
                outcome += f" ({verdict.problem}: the whole batch failed)"
        label = shard_id(self.kind, lane.shard)
        self.run.emit(BatchEntry(
            time=now, source=lane.label, record_ids=ids, numbers=[self.run.number(i) for i in ids],
            attempt=attempt, request_id=result.request_id,
            status=result.status, error_type=result.error_type,
            batch_item_failures=list(verdict.reported) if verdict.reported else ([] if verdict.succeeded else None),
            bisected=bisected, outcome=outcome, duration_s=duration, shard=label, result=result, event=event))
        for entry in self._pending_moves:
            self.run.emit(entry)
        self._pending_moves.clear()

    def _retry_or_give_up(self, lane: _Lane, batch: _Batch, end: float) -> str:
        limit = self.mapping.max_retry_attempts
        if limit != -1 and batch.retries >= limit:
            self._give_up(lane, batch, batch.records, end, RETRIES_EXHAUSTED,
                          f"MaximumRetryAttempts ({limit}) reached", later=True)
            lane.failures = 0
            lane.ready_at = end
            return f"given up after {batch.invocations} attempts"
        batch.retries += 1
        lane.current = batch
        lane.failures += 1
        wait = backoff_s(lane.failures)
        lane.ready_at = end + wait
        return f"retry {batch.retries} at {elapsed(end + wait)}"

    def _finish_batch(self, lane: _Lane, batch: _Batch, records: list[StreamRecord], fate: str) -> None:
        self.run.settle([r.sequence_number for r in records], fate)
        lane.pos += len(records)
        if lane.current is batch:
            lane.current = None

    def _give_up(self, lane: _Lane, batch: _Batch, records: list[StreamRecord], now: float, condition: str,
                 why: str, later: bool = False) -> None:
        """Discard `records` (the front of `batch`): an on-failure record if a destination is set."""
        target = self.mapping.on_failure_arn
        fate = "on-failure" if target else "discarded"
        documents = []
        if target:
            documents.append(stream_on_failure(
                self.kind, function_arn=self.run.config.function_arn, condition=condition,
                request_id=batch.last_request_id, invoke_count=batch.invocations, result=batch.last_result,
                shard_id=shard_id(self.kind, lane.shard), records=records, stream_arn=self.stream.arn,
                now_epoch=self.run.clock.wall(now), arrival_epoch=[self._arrival(records[0]),
                                                                    self._arrival(records[-1])],
                destination_arn=target, event=batch.last_event))
            self.run.report.on_failure.extend(documents)
            self.run.metric_count("OnFailureDestinationDeliveredEventCount", len(records))
            where = f"on-failure record sent to {target.rsplit(':', 1)[-1]}"
        else:
            self.run.metric_count("DroppedEventCount", len(records))
            where = "discarded (no on-failure destination)"
        self.run.settle([r.sequence_number for r in records], fate)
        lane.pos += len(records)
        if records is batch.records:
            if lane.current is batch:
                lane.current = None
        ids = [r.sequence_number for r in records]
        entry = MoveEntry(now, lane.label, ids, [self.run.number(i) for i in ids], fate, f"{why}: {where}",
                          documents)
        if later:
            self._pending_moves.append(entry)  # after the invocation's own line
        else:
            self.run.emit(entry)

    def _settle(self, lane: _Lane, now: float, records: list[StreamRecord], fate: str, text: str) -> None:
        ids = [r.sequence_number for r in records]
        self.run.settle(ids, fate)
        if fate != "skipped":
            self.run.metric_count("DroppedEventCount", len(ids))
        self.run.emit(MoveEntry(now, lane.label, ids, [self.run.number(i) for i in ids], fate, text))


def _bucket(key: str, factor: int) -> int:
    return int(hashlib.md5(b"lane:" + key.encode("utf-8")).hexdigest(), 16) % factor

