"""A simulated SQS queue (standard or FIFO, visibility, retention, redrive) and Lambda's poller for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clock import elapsed
from .destinations import dead_letter_message
from .mapping import QueueSettings, SqsMapping, check_visibility, queue_settings, sqs_mapping
from .records import SqsMessage, event_bytes, fit_batch, receipt_handle, sqs_messages, sqs_record
from .responses import judge
from .run import PROCESSED, BatchEntry, MoveEntry

if TYPE_CHECKING:
    from .run import Inputs, Run


@dataclass
class _Message:
    message: SqsMessage
    sent: float
    visible_at: float
    receive_count: int = 0
    first_receive: float | None = None
    done: bool = False
    lane: int | None = None  # the poller lane whose invocation holds it


@dataclass
class _Completion:
    at: float
    deleted: list[_Message]
    returned: list[_Message]


@dataclass
class _Lane:
    busy: _Completion | None = None
    window_start: float | None = None


class SqsSource:
    """Lambda polling one queue with up to `MaximumConcurrency` batches in flight (five by default).

    A batch is received (each message's receive count goes up and it turns invisible for the
    visibility timeout), the function runs for real, and the outcome applies when the invocation
    ends: deleted messages leave the queue; returned ones reappear when their visibility timeout
    ends. A message that reappears having been received `maxReceiveCount` times moves to the
    dead-letter queue instead of being delivered again.
    """

    def __init__(self, run: Run, queue: QueueSettings, mapping: SqsMapping, messages: list[SqsMessage]) -> None:
        self.run = run
        self.queue = queue
        self.mapping = mapping
        self.messages = [_Message(m, 0.0, float(queue.delay_s)) for m in messages]
        self.lanes = [_Lane() for _ in range(mapping.max_concurrency)]
        for m in messages:
            run.add_record(m.message_id, m.payload)

    @classmethod
    def build(cls, run: Run, inputs: Inputs) -> SqsSource:
        queue = queue_settings(inputs.queue)
        arn = inputs.mapping.get("EventSourceArn")
        if arn is not None and arn != queue.arn:
            if inputs.queue and "QueueArn" in (inputs.queue.get("Attributes") or inputs.queue):
                from .mapping import MappingError

                raise MappingError(f"mapping: EventSourceArn {arn} is not the queue's QueueArn {queue.arn}")
            queue = queue_settings({**(inputs.queue or {}), "QueueArn": arn})
        mapping = sqs_mapping(inputs.mapping, queue)
        check_visibility(queue, run.config.timeout_s)
        messages = sqs_messages(inputs.records_text, fifo=queue.fifo)
        return cls(run, queue, mapping, messages)

    # ------------------------------------------------------------ scheduling

    def _blocked_groups(self, now: float) -> set[str]:
        # FIFO: a group with a message in flight (received, not yet deleted) delivers nothing else.
        return {m.message.group_id for m in self.messages
                if not m.done and m.message.group_id is not None and (m.lane is not None or m.visible_at > now)
                and m.receive_count > 0}

    def _available(self, now: float) -> list[_Message]:
        if not self.queue.fifo:
            return [m for m in self.messages if not m.done and m.lane is None and m.visible_at <= now]
        stopped = self._blocked_groups(now)
        out: list[_Message] = []
        for m in self.messages:
            group = m.message.group_id
            if m.done or group in stopped:
                continue
            if m.lane is not None or m.visible_at > now:
                stopped.add(group)  # order within a group: never skip past a waiting message
                continue
            out.append(m)
        # SQS returns as many messages of one group as it can, groups in the order they arrived.
        first = {g: n for n, g in reversed(list(enumerate(m.message.group_id for m in out)))}
        out.sort(key=lambda m: first[m.message.group_id])
        return out

    def next_time(self, now: float) -> float | None:
        times: list[float] = [lane.busy.at for lane in self.lanes if lane.busy is not None]
        pending = [m for m in self.messages if not m.done]
        if not pending and not times:
            return None
        times += [m.sent + self.queue.retention_s for m in pending]
        if any(lane.busy is None for lane in self.lanes):
            later = [m.visible_at for m in pending if m.lane is None and m.visible_at > now]
            times += later
            available = self._available(now)
            if available:
                waiting = [lane.window_start + self.mapping.window_s for lane in self.lanes
                           if lane.busy is None and lane.window_start is not None]
                if self._ready(len(available), now):
                    times.append(now)
                elif waiting:
                    times.append(min(waiting))
                else:
                    times.append(now)  # a lane opens its batching window now
        return min(times) if times else None

    def _ready(self, count: int, now: float) -> bool:
        window = self.mapping.window_s
        if window == 0 or count >= self.mapping.batch_size:
            return True
        starts = [lane.window_start for lane in self.lanes if lane.busy is None and lane.window_start is not None]
        return bool(starts) and now >= min(starts) + window

    # ------------------------------------------------------------ one moment

    def step(self, now: float) -> None:
        for lane in self.lanes:
            if lane.busy is not None and lane.busy.at <= now:
                self._complete(lane, lane.busy, now)
        self._expire(now)
        self._redrive(now)
        for index, lane in enumerate(self.lanes):
            if lane.busy is not None:
                continue
            available = self._available(now)
            if not available:
                lane.window_start = None
                break
            if self.mapping.window_s and lane.window_start is None and len(available) < self.mapping.batch_size:
                lane.window_start = now  # gather until the window closes or the batch is full
                break
            if not self._ready(len(available), now):
                break
            self._invoke(index, lane, available, now)

    def _expire(self, now: float) -> None:
        gone = [m for m in self.messages if not m.done and now >= m.sent + self.queue.retention_s]
        for m in gone:
            m.done = True
        if gone:
            ids = [m.message.message_id for m in gone]
            self.run.settle(ids, "expired")
            self._move(now, ids, "expired",
                       f"deleted by SQS: older than MessageRetentionPeriod ({self.queue.retention_s} s)")

    def _redrive(self, now: float) -> None:
        redrive = self.queue.redrive
        if redrive is None:
            return
        moved = [m for m in self.messages if not m.done and m.lane is None and m.visible_at <= now
                 and m.receive_count >= redrive.max_receive_count]
        documents = []
        for m in moved:
            m.done = True
            epoch_ms = self._ms
            documents.append(dead_letter_message(
                m.message, dlq_arn=redrive.dead_letter_arn, source_arn=self.queue.arn,
                receive_count=m.receive_count, sent_ms=epoch_ms(m.sent),
                first_receive_ms=epoch_ms(m.first_receive if m.first_receive is not None else m.sent)))
        self.run.report.dead_letter.extend(documents)
        if moved:
            ids = [m.message.message_id for m in moved]
            self.run.settle(ids, "dead-letter")
            self.run.metric_count("DeadLetteredMessages", len(ids))
            dlq = redrive.dead_letter_arn.rsplit(":", 1)[-1]
            self._move(now, ids, "dead-letter",
                       f"moved to the dead-letter queue {dlq} after {redrive.max_receive_count} receives", documents)

    def _ms(self, t: float) -> int:
        return int(self.run.clock.wall(t) * 1000)

    def _invoke(self, index: int, lane: _Lane, available: list[_Message], now: float) -> None:
        lane.window_start = None
        batch = available[: self.mapping.batch_size]
        for m in batch:
            m.receive_count += 1
            if m.first_receive is None:
                m.first_receive = now
            m.visible_at = now + self.queue.visibility_timeout_s
            m.lane = index
        records = [sqs_record(m.message, self.queue.arn, receive_count=m.receive_count, sent_ms=self._ms(m.sent),
                              first_receive_ms=self._ms(m.first_receive or now),
                              receipt=receipt_handle(m.message.message_id, m.receive_count))
                   for m in batch]
        fit = fit_batch(records)
        for m in batch[fit:]:  # over the 6 MB payload limit: not received after all
            m.receive_count -= 1
            m.visible_at = now
            m.lane = None
            if m.receive_count == 0:
                m.first_receive = None
        batch, records = batch[:fit], records[:fit]
        event = event_bytes(records)
        try:
            result = self.run.invoke(event)
        except BaseException:
            for m in batch:  # never ran: as if never received
                m.receive_count -= 1
                m.visible_at = now
                m.lane = None
            raise
        ids = [m.message.message_id for m in batch]
        verdict = judge(result, ids, self.mapping.report_failures)
        failed = set(verdict.failed)
        deleted = [m for m in batch if m.message.message_id not in failed]
        returned = [m for m in batch if m.message.message_id in failed]
        duration = self.run.duration_s(result)
        lane.busy = _Completion(now + duration, deleted, returned)
        self.run.emit(BatchEntry(
            time=now, source=self.queue.name, record_ids=ids, numbers=[self.run.number(i) for i in ids],
            attempt=max(m.receive_count for m in batch), request_id=result.request_id,
            status=result.status, error_type=result.error_type,
            batch_item_failures=list(verdict.reported) if verdict.reported else ([] if verdict.succeeded else None),
            bisected=False, outcome=self._outcome(verdict, deleted, returned, now), duration_s=duration,
            result=result, event=event))
        self._fifo_warning(batch, failed, now)

    def _outcome(self, verdict, deleted: list[_Message], returned: list[_Message], now: float) -> str:
        parts = []
        if deleted:
            parts.append(f"{len(deleted)} deleted")
        if returned:
            back = elapsed(now + self.queue.visibility_timeout_s)
            parts.append(f"{len(returned)} back to the queue, visible again at {back}")
        text = ", ".join(parts)
        if verdict.problem and not verdict.problem.startswith("function error"):
            text += f" ({verdict.problem}: the whole batch failed)"
        return text

    def _fifo_warning(self, batch: list[_Message], failed: set[str], now: float) -> None:
        if not self.queue.fifo or not failed:
            return
        failed_groups: set[str] = set()
        broken: list[_Message] = []
        for m in batch:
            group = m.message.group_id or ""
            if m.message.message_id in failed:
                failed_groups.add(group)
            elif group in failed_groups:
                broken.append(m)
        if broken:
            ids = [m.message.message_id for m in broken]
            self._move(now, ids, "note",
                       "reported as processed after an earlier message of its group failed: Lambda deletes it, "
                       "so the group's order is broken (a FIFO handler should report every message after the "
                       "first failure)")

    def _complete(self, lane: _Lane, done: _Completion, now: float) -> None:
        lane.busy = None
        for m in done.deleted:
            m.lane = None
            m.done = True
        self.run.settle([m.message.message_id for m in done.deleted], PROCESSED)
        for m in done.returned:
            m.lane = None

    def _move(self, now: float, ids: list[str], kind: str, text: str, documents: list | None = None) -> None:
        self.run.emit(MoveEntry(now, self.queue.name, ids, [self.run.number(i) for i in ids], kind, text,
                                documents or []))

    def finish(self) -> None:
        """Messages still in the queue stay unprocessed ('pending')."""
