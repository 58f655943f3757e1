"""The one invocation path: every front (TUI, CLI, Invoke API, Step Functions, ...) invokes through an Invoker."""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping

from .events import check_event as _check_event
from .invocation_types import InvokeOutcome, dry_run_problems, normalise_invocation_type

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .async_queue import AsyncQueue, AsyncUpdate, EventInvokeConfig
    from .concurrency import ConcurrencyLimiter
    from .metrics import MetricsRegistry

# Metrics are saved this long after the last invocation that changed them (a burst is one write).
FLUSH_DELAY_S = 0.2


class Invoker:
    """Owns the engine, the metrics and the Event queue of one process, and is the only caller of
    `Engine.invoke`. Rules about events (validity, Lambda's size limits), invocation types,
    concurrency and metrics are applied here once, whichever front asked.

    Metrics are saved to each function's `.lambda-console/metrics.json` shortly after invocations
    (on a background thread, off the caller's path) and on close or at interpreter exit, so
    `lambda-console metrics` shows what every front ran, even while that front is still open.

    Thread-safe. The engine and the async queue start on first use, so a front that never runs an
    Event invocation never starts queue workers.
    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        metrics: MetricsRegistry | None = None,
        time_scale: float = 1.0,
        async_workers: int = 4,
        limiter: ConcurrencyLimiter | None = None,
        event_settings: EventInvokeConfig | None = None,
        persist_metrics: bool = True,
        async_queue: AsyncQueue | None = None,
        background_flush: bool = True,
    ) -> None:
        from .metrics import MetricsRegistry

        self._engine = engine
        self._owns_engine = engine is None
        self.metrics = metrics if metrics is not None else MetricsRegistry()
        self.time_scale = time_scale
        self.limiter = limiter
        self.persist_metrics = persist_metrics
        # False: metrics are saved on close (and at exit) only, for a front that closes right
        # after its invocation (the one-shot CLI), which need not start a thread to save them.
        self.background_flush = background_flush
        self._async_workers = async_workers
        self._event_settings = event_settings
        self._async_queue: AsyncQueue | None = None
        self._owns_queue = async_queue is None
        self._lock = threading.Lock()
        self._closing = False
        self._closed = False
        self.remaining_events = 0
        # Where each function's metrics are saved, learnt from the configurations invoked.
        self._metric_files: dict[str, Path] = {}
        self._flush_wanted = threading.Condition()
        self._flush_pending = False
        self._flusher: threading.Thread | None = None
        if async_queue is not None:
            self._adopt_queue(async_queue)
        if persist_metrics:
            _LIVE.add(self)

    # ------------------------------------------------------------ what it owns

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                from console.engine import Engine

                self._engine = Engine()
            return self._engine

    @property
    def async_queue(self) -> AsyncQueue:
        """The Event queue (started on first use); its attempts run through this invoker."""
        engine = self.engine
        with self._lock:
            if self._async_queue is None:
                from .async_queue import AsyncQueue

                self._adopt_queue(
                    AsyncQueue(
                        engine,
                        time_scale=self.time_scale,
                        workers=self._async_workers,
                        limiter=self.limiter,
                        metrics=self.metrics,
                        settings=self._event_settings,
                        run=self.run_attempt,
                    )
                )
            assert self._async_queue is not None
            return self._async_queue

    def _adopt_queue(self, queue: AsyncQueue) -> None:
        self._async_queue = queue
        if self.persist_metrics:
            # The queue records its own metrics (retries, drops); saving them is this invoker's job.
            queue.add_listener(self._on_async_update)

    @property
    def started_async_queue(self) -> AsyncQueue | None:
        """The Event queue if anything started it, else None (nothing queued)."""
        return self._async_queue

    # ------------------------------------------------------------ invoking

    @staticmethod
    def check_event(event: bytes | str, invocation_type: str = "RequestResponse") -> bytes:
        """The event the function gets (an empty body becomes `{}`), or the InvokeError Lambda gives."""
        return _check_event(event, normalise_invocation_type(invocation_type))

    def invoke(
        self,
        config: FunctionConfig,
        event: bytes | str,
        invocation_type: str = "RequestResponse",
        *,
        client_context: Mapping[str, Any] | None = None,
        identity: Mapping[str, Any] | None = None,
        cancel: threading.Event | None = None,
        on_log: Callable[[str], None] | None = None,
        force_cold: bool = False,
        qualifier: str | None = None,
    ) -> InvokeOutcome:
        """Invoke `config` the way Lambda's Invoke API does for `invocation_type`.

        RequestResponse runs the function now and returns 200 with the engine's result (function
        errors are still 200, with `function_error` set). Event queues it and returns 202 at once;
        the queue runs it through `run_attempt` with Lambda's retries. DryRun validates the
        configuration and the handler statically and returns 204. `qualifier` ("$LATEST" when the
        caller named it) ends the ARN the function sees in context.invoked_function_arn.

        Raises an InvokeError (InvalidParameterValue, InvalidRequestContent, RequestTooLarge,
        TooManyRequests past the limiter's concurrency) for a request Lambda refuses, and
        console.engine.ConfigError (one problem a line) for an invalid function or, for DryRun,
        a handler that does not resolve.
        """
        invocation_type = normalise_invocation_type(invocation_type)
        body = _check_event(event, invocation_type)
        if invocation_type == "DryRun":
            problems = dry_run_problems(config)
            if problems:
                from console.engine import ConfigError

                raise ConfigError("\n".join(problems))
            from console.engine.envvars import request_id

            return InvokeOutcome(204, "DryRun", request_id())
        if invocation_type == "Event":
            from console.engine import check

            check(config)  # refused now, as Lambda refuses it, rather than failing in the queue
            self._learn(config)
            request_id = self.async_queue.submit(config, body)
            return InvokeOutcome(202, "Event", request_id)
        name = config.function_name
        self._take_slot(config)
        try:
            result = self.engine.invoke(
                config,
                body,
                client_context=dict(client_context) if client_context is not None else None,
                identity=dict(identity) if identity is not None else None,
                cancel=cancel,
                on_log=on_log,
                force_cold=force_cold,
                qualifier=qualifier,
            )
        finally:
            if self.limiter is not None:
                self.limiter.release(name)
        return self._record(config, result)

    def start(
        self,
        config: FunctionConfig,
        event: bytes | str,
        *,
        client_context: Mapping[str, Any] | None = None,
        qualifier: str | None = None,
    ) -> StartedInvocation | None:
        """A RequestResponse invocation handed to a warm environment without waiting (an event
        loop's way to invoke; see Engine.start), under every rule of invoke(): the event is
        checked, a concurrency slot taken, and the metrics recorded when it ends.

        None when no warm environment is idle: nothing was taken or recorded, and the caller runs
        invoke() instead (on a thread: it may cold-start). Raises what invoke() raises."""
        body = _check_event(event, "RequestResponse")
        self._take_slot(config)
        try:
            pending = self.engine.start(
                config, body, client_context=dict(client_context) if client_context is not None else None,
                qualifier=qualifier,
            )
        except BaseException:
            if self.limiter is not None:
                self.limiter.release(config.function_name)
            raise
        if pending is None:
            if self.limiter is not None:
                self.limiter.release(config.function_name)
            return None
        return StartedInvocation(self, config, pending)

    def _take_slot(self, config: FunctionConfig) -> None:
        """A concurrency slot for one synchronous invocation, or TooManyRequests (counted)."""
        if self.limiter is None:
            return
        name = config.function_name
        running = self.limiter.try_acquire(name)
        if not running:
            from .errors import TooManyRequests

            self._learn(config)
            self.metrics.record_throttle(name)
            self._flush_soon()
            raise TooManyRequests("Rate Exceeded.", Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
        self.metrics.record_concurrency(name, running)

    def _record(self, config: FunctionConfig, result: InvocationResult) -> InvokeOutcome:
        self._learn(config)
        self.metrics.record_invocation(config.function_name, result)
        self._flush_soon()
        return InvokeOutcome(200, "RequestResponse", result.request_id, result)

    def run_attempt(
        self,
        config: FunctionConfig,
        event: bytes,
        *,
        cancel: threading.Event | None = None,
        on_log: Callable[[str], None] | None = None,
        request_id: str | None = None,
    ) -> InvocationResult:
        """One attempt of a queued Event invocation (the request id is kept across retries); the
        queue records its metrics, with the retry counts only it knows."""
        self._learn(config)
        return self.engine.invoke(config, event, cancel=cancel, on_log=on_log, request_id=request_id)

    # ------------------------------------------------------------ code and environments

    def code_changed(self, code_dir: Path, path: Path | str | None = None) -> None:
        """A writer of the function's files (an editor's save, a new file, a rename) says so: the
        next invocation runs what is on disk, even if the write kept the file's size and time."""
        self.engine.code_changed(Path(code_dir), path)

    def new_environment(self, config: FunctionConfig) -> None:
        """Retire the function's warm environments: the next invocation is a cold start."""
        self.engine.new_environment(config)

    def code_sha256(self, config: FunctionConfig) -> str:
        return self.engine.code_sha256(config)

    def code_snapshot(self, config: FunctionConfig):
        """The code's hash, file count, total size and newest modification (codehash.CodeSnapshot)."""
        return self.engine.code_snapshot(config.code_dir)

    # ------------------------------------------------------------ metrics persistence

    def _learn(self, config: FunctionConfig) -> None:
        if not self.persist_metrics:
            return
        name = config.function_name
        if name not in self._metric_files:
            from .metrics import metrics_path

            self._metric_files[name] = metrics_path(config.code_dir, name)

    def metrics_file(self, function_name: str) -> Path | None:
        """Where this invoker saves a function's metrics (None before it ran that function)."""
        return self._metric_files.get(function_name)

    def _on_async_update(self, update: AsyncUpdate) -> None:
        if update.kind in ("queued", "attempt", "destination", "delivery_failed", "dropped"):
            self._flush_soon()

    def _flush_soon(self) -> None:
        """Save the metrics shortly, on the flusher thread (started on first use). Only the first
        invocation after a save wakes it: the ones that follow within FLUSH_DELAY_S join that
        save, so a busy server writes a function's metrics a few times a second, not per request."""
        if not self.persist_metrics or not self.background_flush or self._flush_pending:
            return  # a save is already due (read without the lock: at worst one extra wake-up)
        with self._flush_wanted:
            if self._closed or self._flush_pending:
                return
            self._flush_pending = True
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_loop, name="lambda-metrics-flush", daemon=True)
                self._flusher.start()
            self._flush_wanted.notify_all()

    def _flush_loop(self) -> None:
        while True:
            with self._flush_wanted:
                self._flush_wanted.wait_for(lambda: self._flush_pending or self._closed)
                if self._closed:
                    return
                # Let a burst of invocations settle into one write: wait out the delay whatever
                # wakes the condition meanwhile (only close() cuts it short).
                due = time.monotonic() + FLUSH_DELAY_S
                while not self._closed and (left := due - time.monotonic()) > 0:
                    self._flush_wanted.wait(left)
                if self._closed:
                    return  # close() saves what is left itself
                # Cleared before saving: what is recorded during the save is due for the next one.
                self._flush_pending = False
            self.flush_metrics()

    def flush_metrics(self) -> None:
        """Save what was recorded since the last save, now (merged into the files as they are)."""
        if not self.persist_metrics:
            return
        for name in self.metrics.dirty():
            path = self._metric_files.get(name)
            if path is None:
                continue
            try:
                self.metrics.save_file(name, path)
            except OSError as exc:  # a read-only folder must not fail an invocation
                print(f"lambda-console: metrics of {name} not saved ({exc.strerror or exc})", file=sys.stderr)

    # ------------------------------------------------------------ lifetime

    def close(self, timeout: float = 10.0) -> int:
        """Stop the Event queue (see AsyncQueue.close), save the metrics, stop the engine it started.
        Returns how many Event invocations stay queued (journalled) for the next start."""
        with self._lock:
            if self._closing:
                return self.remaining_events
            self._closing = True
            queue, engine = self._async_queue, self._engine
        if queue is not None and self._owns_queue:
            self.remaining_events = queue.close(timeout=timeout) or 0
        with self._flush_wanted:
            self._closed = True
            self._flush_wanted.notify_all()
        flusher = self._flusher
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join(timeout)
        self.flush_metrics()
        _LIVE.discard(self)
        if engine is not None and self._owns_engine:
            engine.close()
        return self.remaining_events

    def __enter__(self) -> Invoker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StartedInvocation:
    """A synchronous invocation running in a warm environment (Invoker.start). `fileno()` becomes
    readable when the function may have answered; `poll()` then gives its outcome without
    blocking, or None. When `stalled`, or when it has run longer than a glance, `wait()` finishes
    it, blocking (on a thread of its own). It ends once: the slot is released and the metrics
    recorded whichever way it ends."""

    def __init__(self, invoker: Invoker, config: FunctionConfig, pending: Any) -> None:
        self._invoker = invoker
        self._config = config
        self._pending = pending
        self._outcome: InvokeOutcome | None = None
        self._ended = False
        self.started = pending.started

    def fileno(self) -> int:
        return self._pending.fileno()

    @property
    def stalled(self) -> bool:
        return self._pending.stalled

    def poll(self) -> InvokeOutcome | None:
        if self._ended:
            return self._outcome
        try:
            result = self._pending.poll()
        except BaseException:
            self._end(None)
            raise
        return None if result is None else self._end(result)

    def wait(self) -> InvokeOutcome:
        if self._ended and self._outcome is not None:
            return self._outcome
        try:
            result = self._pending.wait()
        except BaseException:
            self._end(None)
            raise
        return self._end(result)  # type: ignore[return-value]

    def _end(self, result: InvocationResult | None) -> InvokeOutcome | None:
        if self._ended:
            return self._outcome
        self._ended = True
        invoker = self._invoker
        if invoker.limiter is not None:
            invoker.limiter.release(self._config.function_name)
        if result is not None:
            self._outcome = invoker._record(self._config, result)
        return self._outcome


# Invokers not closed when the interpreter exits still save their metrics (never lost at exit).
_LIVE: weakref.WeakSet[Invoker] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for invoker in list(_LIVE):
        try:
            invoker.flush_metrics()
        except Exception:
            pass
