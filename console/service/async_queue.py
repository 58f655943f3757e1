"""The async (Event) invocation queue: background attempts, Lambda's retries and destinations."""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

from .errors import InvalidParameterValue

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .concurrency import ConcurrencyLimiter
    from .metrics import MetricsRegistry

STATE_DIR = ".lambda-console"
EVENT_INVOKE_CONFIG_FILE = "event-invoke-config.json"
ASYNC_LOG = Path("logs") / "async.log"
ON_FAILURE_FILE = Path("destinations") / "on-failure.jsonl"
ON_SUCCESS_FILE = Path("destinations") / "on-success.jsonl"
# Lambda waits about one minute before the first retry and two before the second.
RETRY_DELAYS_S: tuple[float, ...] = (60.0, 120.0)

UpdateKind = Literal["queued", "start", "log", "attempt", "retry", "destination", "dropped"]


def function_state_dir(config: FunctionConfig) -> Path:
    from console import workspace

    return workspace.state_dir(config.code_dir, config.function_name)


@dataclass(frozen=True)
class EventInvokeConfig:
    """A function's async settings, as PutFunctionEventInvokeConfig sets them."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: int = 21600
    on_success: bool = False  # append Success records to destinations/on-success.jsonl
    on_failure: bool = True  # append failure records to destinations/on-failure.jsonl

    def __post_init__(self) -> None:
        if not 0 <= self.maximum_retry_attempts <= 2:
            raise InvalidParameterValue(
                f"MaximumRetryAttempts must be between 0 and 2 (got {self.maximum_retry_attempts})"
            )
        if not 60 <= self.maximum_event_age_s <= 21600:
            raise InvalidParameterValue(
                f"MaximumEventAgeInSeconds must be between 60 and 21600 (got {self.maximum_event_age_s})"
            )

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> EventInvokeConfig:
        """From the API's shape: MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig."""
        destinations = data.get("DestinationConfig") or {}
        return cls(
            maximum_retry_attempts=int(data.get("MaximumRetryAttempts", 2)),
            maximum_event_age_s=int(data.get("MaximumEventAgeInSeconds", 21600)),
            on_success=bool(destinations.get("OnSuccess")),
            on_failure=bool(destinations.get("OnFailure", True)),
        )

    @classmethod
    def load(cls, code_dir: Path) -> EventInvokeConfig:
        """The function's `.lambda-console/event-invoke-config.json`, defaults when absent."""
        path = Path(code_dir) / STATE_DIR / EVENT_INVOKE_CONFIG_FILE
        try:
            text = path.read_text()
        except FileNotFoundError:
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return cls.from_api(data)
        except (ValueError, TypeError) as exc:
            if isinstance(exc, InvalidParameterValue):
                raise
            raise InvalidParameterValue(f"{path}: {exc}") from None


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
    config: FunctionConfig
    event: bytes
    request_id: str
    settings: EventInvokeConfig
    enqueued_mono: float
    attempts: int = 0
    last_result: InvocationResult | None = field(default=None, repr=False)


Listener = Callable[[AsyncUpdate], None]


class AsyncQueue:
    """Runs Event invocations in worker threads through the engine, retrying like Lambda.

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
        self._inflight = 0
        self._closed = False
        self._cancel = threading.Event()
        self._listeners: list[Listener] = []
        self._file_lock = threading.Lock()
        self._workers = [
            threading.Thread(target=self._work, name=f"lambda-async-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for worker in self._workers:
            worker.start()

    # Public API

    def submit(self, config: FunctionConfig, event_bytes: bytes, *, request_id: str | None = None) -> str:
        """Queue an event; returns its request id at once (what the 202 response carries)."""
        settings = self._settings or EventInvokeConfig.load(config.code_dir)
        job = _Job(config, bytes(event_bytes), request_id or str(uuid.uuid4()), settings, time.monotonic())
        with self._cond:
            if self._closed:
                raise RuntimeError("the async queue is closed")
            self._push(job, 0.0)
        if self.metrics is not None:
            self.metrics.count(config.function_name, "AsyncEventsReceived")
        self._emit(AsyncUpdate("queued", config.function_name, job.request_id, 0, "Event queued"))
        return job.request_id

    def add_listener(self, listener: Listener) -> None:
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def pending(self) -> int:
        """Events waiting or running."""
        with self._cond:
            return len(self._heap) + self._inflight

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued event has finished (retries included); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._inflight, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop: drop events not started, let running attempts finish for `timeout`, then cancel them."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            dropped = [job for _, _, job in self._heap]
            self._heap.clear()
            self._cond.notify_all()
        for job in dropped:
            self._emit(AsyncUpdate("dropped", job.config.function_name, job.request_id, job.attempts,
                                   "Queue closed before the event ran"))
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        if any(w.is_alive() for w in self._workers):
            self._cancel.set()
            for worker in self._workers:
                worker.join(2.0)

    def __enter__(self) -> AsyncQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Internals

    def _push(self, job: _Job, delay_s: float) -> None:
        heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), job))
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
                        self._inflight += 1
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
                self._run(job)
            except Exception as exc:  # a broken listener or disk must not kill the worker
                self._emit(AsyncUpdate("dropped", job.config.function_name, job.request_id,
                                       job.attempts, f"Internal error: {exc!r}"))
            finally:
                with self._cond:
                    self._inflight -= 1
                    self._cond.notify_all()

    def _age_s(self, job: _Job) -> float:
        return (time.monotonic() - job.enqueued_mono) * self.time_scale

    def _run(self, job: _Job) -> None:
        name = job.config.function_name
        if self._age_s(job) > job.settings.maximum_event_age_s:
            self._fail(job, "EventAgeExceeded")
            return
        running = self._acquire(name)
        if not running:
            return
        try:
            if self.metrics is not None and self.limiter is not None:
                self.metrics.record_concurrency(name, running)
            job.attempts += 1
            if job.attempts > 1 and self.metrics is not None:
                self.metrics.count(name, "AsyncRetries")
            self._emit(AsyncUpdate("start", name, job.request_id, job.attempts,
                                   f"Attempt {job.attempts} of {1 + job.settings.maximum_retry_attempts}"))
            result = self._invoke(job)
        finally:
            if self.limiter is not None:
                self.limiter.release(name)
        job.last_result = result
        self._append(function_state_dir(job.config) / ASYNC_LOG, _with_newline(result.log))
        if self.metrics is not None:
            self.metrics.record_invocation(name, result)
        self._emit(AsyncUpdate("attempt", name, job.request_id, job.attempts, result=result))
        if result.cancelled and self._closed:
            return
        if result.succeeded:
            if job.settings.on_success:
                self._deliver(job, "Success", ON_SUCCESS_FILE)
            return
        if job.attempts > job.settings.maximum_retry_attempts:
            self._fail(job, "RetriesExhausted")
            return
        delay = RETRY_DELAYS_S[min(job.attempts - 1, len(RETRY_DELAYS_S) - 1)] / self.time_scale
        self._emit(AsyncUpdate("retry", name, job.request_id, job.attempts,
                               f"Function error; retrying in {delay:.1f} s (attempt {job.attempts + 1})"))
        with self._cond:
            if not self._closed:
                self._push(job, delay)

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

        # Lambda keeps the event's request id across the retries of an async event.
        run = self._run_attempt or self.engine.invoke
        return run(job.config, job.event, cancel=self._cancel, on_log=on_log, request_id=request_id)

    def _fail(self, job: _Job, condition: str) -> None:
        if self.metrics is not None:
            self.metrics.count(job.config.function_name, "AsyncEventsDropped")
        if job.settings.on_failure:
            self._deliver(job, condition, ON_FAILURE_FILE)
        else:
            self._emit(AsyncUpdate("dropped", job.config.function_name, job.request_id, job.attempts,
                                   f"Event discarded ({condition})"))

    def _deliver(self, job: _Job, condition: str, relative: Path) -> None:
        record = destination_record(job.config, job.request_id, job.event, condition, job.attempts,
                                    job.last_result)
        self._append(function_state_dir(job.config) / relative, json.dumps(record) + "\n")
        self._emit(AsyncUpdate("destination", job.config.function_name, job.request_id, job.attempts,
                               f"{condition}: record appended to {function_state_dir(job.config) / relative}",
                               record=record))

    def _append(self, path: Path, text: str) -> None:
        with self._file_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(text)

    def _emit(self, update: AsyncUpdate) -> None:
        with self._cond:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(update)
            except Exception:
                pass  # a follower's bug must not stop the queue


def destination_record(
    config: FunctionConfig,
    request_id: str,
    event: bytes,
    condition: str,
    invoke_count: int,
    result: InvocationResult | None,
) -> dict[str, Any]:
    """An invocation record in the shape Lambda sends to destinations."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{config.function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json_or_text(event),
    }
    if result is not None:
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if result.function_error:
            response_context["functionError"] = result.function_error
        record["responseContext"] = response_context
        record["responsePayload"] = _json_or_text(result.payload)
    return record


def read_records(config: FunctionConfig, which: str = "on-failure") -> list[dict[str, Any]]:
    """The records in a function's destination file ("on-failure" or "on-success"), oldest first."""
    path = function_state_dir(config) / "destinations" / f"{which}.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _json_or_text(data: bytes) -> Any:
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


