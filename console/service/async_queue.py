"""The async (Event) invocation queue: background attempts, Lambda's retries and destinations."""

from __future__ import annotations

import heapq
import itertools
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from .appends import append_all_or_nothing, file_contains
from .destinations import (  # noqa: F401 - read_records and destination_record are used through here
    ON_FAILURE_FILE,
    ON_SUCCESS_FILE,
    destination_record,
    dump_record,
    function_state_dir,
    json_or_text,
    read_records,
)
from .errors import ServiceError
from .event_invoke_config import EVENT_INVOKE_CONFIG_FILE, STATE_DIR, EventInvokeConfig  # noqa: F401
from .journal import JOURNAL_FILE, Journal

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .concurrency import ConcurrencyLimiter
    from .metrics import MetricsRegistry

ASYNC_LOG = Path("logs") / "async.log"
# Lambda waits about one minute before the first retry and two before the second.
RETRY_DELAYS_S: tuple[float, ...] = (60.0, 120.0)
# A destination record that could not be appended (a full disk) is tried again this much later.
DELIVERY_RETRY_S = 30.0

UpdateKind = Literal["queued", "start", "log", "attempt", "retry", "destination", "delivery_failed", "warning", "dropped"]


@dataclass(frozen=True)
class AsyncUpdate:
    """Something that happened to an async event, for live followers (the TUI's Log output)."""

    kind: UpdateKind
    function_name: str
    request_id: str
    attempt: int = 0  # 1 for the first attempt, 2 and 3 for the retries
    text: str = ""  # a chunk of log text ("log") or a human line ("retry", "destination", ...)
    result: InvocationResult | None = None  # "attempt"
    record: dict[str, Any] | None = None  # "destination"


@dataclass
class _Job:
    """A queued event as the queue keeps it in memory: its event and results stay in the journal."""

    config: FunctionConfig
    journal: Journal
    seq: int
    request_id: str
    settings: EventInvokeConfig
    received_at: float  # wall clock, so the event's age holds across restarts
    attempts: int = 0
    delivery: str | None = None  # set once the outcome is decided and only its record is owed
    recheck_delivery: bool = False  # resumed: the record may already be in the file


Listener = Callable[[AsyncUpdate], None]


class AsyncQueue:
    """Runs Event invocations in worker threads through the engine, retrying like Lambda.

    Every accepted event is journalled (SQLite, in the function's `.lambda-console/`) before
    `submit` returns, and leaves the journal only once it succeeded or its destination record
    is appended: closing the queue, a kill or a crash keeps it for the next queue that `resume`s
    the function (any front, any process), with its original timestamps.

    `time_scale` divides the retry delays and multiplies the event's age (60 = a minute passes
    in a second). Every attempt is a separate invocation with its own START/END/REPORT; they share
    the event's request id, as Lambda's retries of an async event do.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        time_scale: float = 1.0,
        workers: int = 4,
        limiter: ConcurrencyLimiter | None = None,
        metrics: MetricsRegistry | None = None,
        settings: EventInvokeConfig | None = None,
        run: Callable[..., InvocationResult] | None = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.engine = engine
        self.time_scale = float(time_scale)
        self.limiter = limiter
        self.metrics = metrics
        # How an attempt runs: the Invoker's run_attempt , else the engine itself.
        self._run_attempt = run
        self._settings = settings  # overrides every function's own file when given
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._inflight: set[str] = set()
        self._closed = False
        self._cancel = threading.Event()
        self._listeners: list[Listener] = []
        self._owner = Journal.new_owner()
        self._journals: dict[str, Journal] = {}
        self._journals_lock = threading.Lock()
        self.remaining = 0  # events left in the journals by close(), for the front's goodbye line
        self._workers = [
            threading.Thread(target=self._work, name=f"lambda-async-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for worker in self._workers:
            worker.start()

    # Public API

    def submit(self, config: FunctionConfig, event_bytes: bytes, *, request_id: str | None = None) -> str:
        """Journal an event and queue it; returns its request id (what the 202 response carries).

        Raises InvalidParameterValue for an unusable event-invoke-config.json and ServiceError
        when the journal cannot be written (the event is then not accepted)."""
        settings = self._settings or EventInvokeConfig.load(config.code_dir)
        request_id = request_id or str(uuid.uuid4())
        with self._cond:
            if self._closed:
                raise RuntimeError("the async queue is closed")
        received = time.time()
        try:
            journal = self._journal(config)
            seq = journal.add(request_id, config.function_name, bytes(event_bytes), received, settings.to_json())
        except (sqlite3.Error, OSError) as exc:
            raise ServiceError(f"The event could not be queued: {_journal_problem(exc)}") from None
        job = _Job(config, journal, seq, request_id, settings, received)
        with self._cond:
            self._push(job, received)
        if self.metrics is not None:
            self.metrics.count(config.function_name, "AsyncEventsReceived")
        self._emit(AsyncUpdate("queued", config.function_name, job.request_id, 0, "Event queued"))
        return job.request_id

    def resume(self, configs: Iterable[FunctionConfig]) -> int:
        """Take over the events these functions' journals hold that no live queue runs (left by a
        closed or killed front); returns how many. A function without a journal costs nothing."""
        resumed = 0
        for config in configs:
            if not (function_state_dir(config) / JOURNAL_FILE).exists():
                continue
            try:
                resumed += self._open_journal(config)[1]
            except (sqlite3.Error, OSError) as exc:
                self._emit(AsyncUpdate("dropped", config.function_name, "", 0,
                                       f"Queued events cannot be resumed yet: {_journal_problem(exc)}"))
        return resumed

    def queued(self) -> int:
        """Events in the journals this queue has open (waiting, retrying, running or owed a
        record), whichever front accepted them: what a front says remain when it quits."""
        with self._journals_lock:
            journals = list(self._journals.values())
        total = 0
        for journal in journals:
            try:
                total += journal.count()
            except sqlite3.Error:
                pass
        return total

    def add_listener(self, listener: Listener) -> None:
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def pending(self) -> int:
        """Events waiting or running in this queue."""
        with self._cond:
            return len(self._heap) + len(self._inflight)

    def drain(self, timeout: float | None = None, *, request_ids: Iterable[str] | None = None) -> bool:
        """Wait until every queued event (or only those named) has finished, retries and record
        included; False on timeout."""
        wanted = set(request_ids) if request_ids is not None else None

        def done() -> bool:
            if wanted is None:
                return not self._heap and not self._inflight
            return not (wanted & self._inflight) and not any(j.request_id in wanted for _, _, j in self._heap)

        with self._cond:
            return self._cond.wait_for(done, timeout)

    def close(self, timeout: float = 10.0) -> int:
        """Stop: events not started stay in their journals; running attempts get `timeout` to
        finish, then are cancelled (and stay queued too). Returns how many events remain queued."""
        with self._cond:
            if self._closed:
                return self.remaining
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        if any(w.is_alive() for w in self._workers):
            self._cancel.set()
            for worker in self._workers:
                worker.join(2.0)
        remaining = 0
        with self._journals_lock:
            journals = list(self._journals.values())
            self._journals.clear()
        for journal in journals:
            try:
                remaining += journal.release()
            except sqlite3.Error:
                remaining += 1  # unknown, but not nothing: the owner's death frees them anyway
            journal.close()
        self.remaining = remaining
        return remaining

    def __enter__(self) -> AsyncQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Internals

    def _journal(self, config: FunctionConfig) -> Journal:
        return self._open_journal(config)[0]

    def _open_journal(self, config: FunctionConfig) -> tuple[Journal, int]:
        """The function's journal, opened once per queue; opening it takes over its orphans."""
        path = function_state_dir(config) / JOURNAL_FILE
        key = str(path.resolve())
        with self._journals_lock:
            journal = self._journals.get(key)
            if journal is not None:
                return journal, 0
            journal = Journal(path, self._owner)
            self._journals[key] = journal
            if journal.moved_aside is not None:
                self._emit(AsyncUpdate("warning", config.function_name, "", 0,
                                       f"The Event queue journal {path} was not a database; kept it as "
                                       f"{journal.moved_aside.name} and started a new one"))
            try:
                orphans = journal.claim_orphans()
            except sqlite3.Error:
                orphans = []  # another process holds the file; the next open tries again
        now_wall = time.time()
        with self._cond:
            for entry in orphans:
                job = _Job(config, journal, entry.seq, entry.request_id,
                           self._settings or EventInvokeConfig.from_json(entry.settings),
                           entry.received_at, entry.attempts, entry.delivery, recheck_delivery=True)
                self._push(job, max(entry.next_at, now_wall) if entry.delivery is None else now_wall)
        for entry in orphans:
            self._emit(AsyncUpdate("queued", config.function_name, entry.request_id, entry.attempts,
                                   "Event resumed from the queue journal"))
        return journal, len(orphans)

    def _push(self, job: _Job, due_wall: float) -> None:
        due = time.monotonic() + max(0.0, due_wall - time.time())
        heapq.heappush(self._heap, (due, next(self._seq), job))
        self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._heap:
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, job = heapq.heappop(self._heap)
                        self._inflight.add(job.request_id)
                        return job
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _work(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            try:
                if job.delivery is not None:
                    self._deliver(job)
                else:
                    self._run(job)
            except Exception as exc:  # a broken listener or journal must not kill the worker
                # The event is still in the journal: the next start runs it again.
                self._emit(AsyncUpdate("dropped", job.config.function_name, job.request_id, job.attempts,
                                       f"Internal error (the event stays in the journal): {exc!r}"))
            finally:
                with self._cond:
                    self._inflight.discard(job.request_id)
                    self._cond.notify_all()

    def _age_s(self, job: _Job) -> float:
        return max(0.0, time.time() - job.received_at) * self.time_scale

    def _run(self, job: _Job) -> None:
        name = job.config.function_name
        if self._age_s(job) > job.settings.maximum_event_age_s:
            self._decide(job, "EventAgeExceeded", None)
            return
        running = self._acquire(name)
        if not running:
            return
        try:
            if self.metrics is not None and self.limiter is not None:
                self.metrics.record_concurrency(name, running)
            job.attempts += 1
            # Counted before it runs: an event that kills its host still runs out of attempts.
            job.journal.set_attempts(job.seq, job.attempts)
            if job.attempts > 1 and self.metrics is not None:
                self.metrics.count(name, "AsyncRetries")
            self._emit(AsyncUpdate("start", name, job.request_id, job.attempts,
                                   f"Attempt {job.attempts} of {1 + job.settings.maximum_retry_attempts}"))
            result = self._invoke(job)
        finally:
            if self.limiter is not None:
                self.limiter.release(name)
        if result.cancelled and self._closed:
            # Cut short by shutdown, not the function's failure: it runs again after the restart.
            job.attempts -= 1
            job.journal.set_attempts(job.seq, job.attempts)
            return
        try:
            append_all_or_nothing(function_state_dir(job.config) / ASYNC_LOG,
                                  _with_newline(result.log).encode("utf-8", "replace"))
        except OSError as exc:
            self._emit(AsyncUpdate("warning", name, job.request_id, job.attempts,
                                   f"Could not append to {ASYNC_LOG}: {exc.strerror or exc}"))
        if self.metrics is not None:
            self.metrics.record_invocation(name, result)
        self._emit(AsyncUpdate("attempt", name, job.request_id, job.attempts, result=result))
        if result.succeeded:
            if job.settings.on_success:
                self._decide(job, "Success", result)
            else:
                job.journal.remove(job.seq)
            return
        if job.attempts > job.settings.maximum_retry_attempts:
            self._decide(job, "RetriesExhausted", result)
            return
        delay = RETRY_DELAYS_S[min(job.attempts - 1, len(RETRY_DELAYS_S) - 1)] / self.time_scale
        due = time.time() + delay
        job.journal.reschedule(job.seq, due, result.function_error, result.payload)
        self._emit(AsyncUpdate("retry", name, job.request_id, job.attempts,
                               f"Function error; retrying in {delay:.1f} s (attempt {job.attempts + 1})"))
        with self._cond:
            if not self._closed:
                self._push(job, due)

    def _acquire(self, name: str) -> int:
        """How many run now including this attempt (1 without a limiter); 0 once the queue closes."""
        if self.limiter is None:
            return 1
        while not self._closed:
            # Lambda keeps a throttled async event queued; waiting for a slot is the local equivalent.
            running = self.limiter.acquire(name, timeout=0.5)
            if running:
                return running
        return 0

    def _invoke(self, job: _Job) -> InvocationResult:
        name, request_id = job.config.function_name, job.request_id

        def on_log(text: str) -> None:
            self._emit(AsyncUpdate("log", name, request_id, job.attempts, text))

        event = job.journal.event(job.seq)
        # Lambda keeps the event's request id across the retries of an async event.
        run = self._run_attempt or self.engine.invoke
        return run(job.config, event, cancel=self._cancel, on_log=on_log, request_id=request_id)

    def _decide(self, job: _Job, condition: str, result: InvocationResult | None) -> None:
        """The event's outcome is known: journal the record it owes, then deliver it."""
        name = job.config.function_name
        if condition != "Success" and self.metrics is not None:
            self.metrics.count(name, "AsyncEventsDropped")
        if condition != "Success" and not job.settings.on_failure:
            job.journal.remove(job.seq)
            self._emit(AsyncUpdate("dropped", name, job.request_id, job.attempts,
                                   f"Event discarded ({condition})"))
            return
        if result is not None:
            last: tuple[str | None, bytes] | None = (result.function_error, result.payload)
        else:
            has_result, error, payload = job.journal.last_result(job.seq)
            last = (error, payload) if has_result else None
        record = destination_record(job.config, job.request_id, job.journal.event(job.seq), condition,
                                    job.attempts, last)
        relative = ON_SUCCESS_FILE if condition == "Success" else ON_FAILURE_FILE
        job.journal.decide(job.seq, str(relative), dump_record(record))
        job.delivery = str(relative)
        self._deliver(job, record)

    def _deliver(self, job: _Job, record: dict[str, Any] | None = None) -> None:
        """Append the event's record to its destination file, all or nothing; a failed append
        (a full disk) is counted, reported, and tried again later: the event stays queued."""
        name = job.config.function_name
        path = function_state_dir(job.config) / (job.delivery or str(ON_FAILURE_FILE))
        line = dump_record(record) if record is not None else job.journal.record(job.seq)
        if line is None:
            job.journal.remove(job.seq)
            return
        if record is None:
            record = json_or_text(line)
        condition = (record.get("requestContext") or {}).get("condition", "") if isinstance(record, dict) else ""
        if job.recheck_delivery and file_contains(path, f'"requestId": "{job.request_id}"'.encode()):
            job.journal.remove(job.seq)  # delivered before the restart; the journal had not caught up
            return
        try:
            append_all_or_nothing(path, line)
        except OSError as exc:
            if self.metrics is not None:
                self.metrics.count(name, "DestinationDeliveryFailures")
            delay = max(0.05, DELIVERY_RETRY_S / self.time_scale)
            due = time.time() + delay
            job.journal.reschedule(job.seq, due)
            self._emit(AsyncUpdate("delivery_failed", name, job.request_id, job.attempts,
                                   f"{condition}: could not append the record to {path} "
                                   f"({exc.strerror or exc}); the event stays queued, next try in {delay:.1f} s"))
            with self._cond:
                if not self._closed:
                    self._push(job, due)
            return
        job.recheck_delivery = True  # if removing it from the journal fails, never append it twice
        job.journal.remove(job.seq)
        self._emit(AsyncUpdate("destination", name, job.request_id, job.attempts,
                               f"{condition}: record appended to {path}",
                               record=record if isinstance(record, dict) else None))

    def _emit(self, update: AsyncUpdate) -> None:
        with self._cond:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(update)
            except Exception:
                pass  # a follower's bug must not stop the queue


def journalled_events(configs: Iterable[FunctionConfig]) -> int:
    """How many accepted Event invocations these functions' journals hold, without starting a
    queue (e.g. for a front to say at start that some will resume)."""
    total = 0
    for config in configs:
        path = function_state_dir(config) / JOURNAL_FILE
        if not path.exists():
            continue
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
            try:
                total += int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            finally:
                db.close()
        except sqlite3.Error:
            continue
    return total


def _journal_problem(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


