"""The one invocation path: every front (TUI, CLI, Invoke API, Step Functions, ...) invokes through an Invoker."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .invocation_types import InvokeOutcome, check_payload, invoke as _invoke_typed, normalise_invocation_type

if TYPE_CHECKING:
    from console.engine import Engine, FunctionConfig, InvocationResult

    from .async_queue import AsyncQueue, EventInvokeConfig
    from .concurrency import ConcurrencyLimiter
    from .metrics import MetricsRegistry


class Invoker:
    """Owns the engine, the metrics and the Event queue of one process, and is the only caller of
    `Engine.invoke`. Rules about events (validity, Lambda's size limits), invocation types and
    metrics are applied here once, whichever front asked.

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
    ) -> None:
        from .metrics import MetricsRegistry

        self._engine = engine
        self._owns_engine = engine is None
        self.metrics = metrics if metrics is not None else MetricsRegistry()
        self.time_scale = time_scale
        self.limiter = limiter
        self._async_workers = async_workers
        self._event_settings = event_settings
        self._async_queue: AsyncQueue | None = None
        self._lock = threading.Lock()
        self._closed = False

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

                self._async_queue = AsyncQueue(
                    engine,
                    time_scale=self.time_scale,
                    workers=self._async_workers,
                    limiter=self.limiter,
                    metrics=self.metrics,
                    settings=self._event_settings,
                    run=self.run_attempt,
                )
            return self._async_queue

    @property
    def started_async_queue(self) -> AsyncQueue | None:
        """The Event queue if anything started it, else None (nothing queued)."""
        return self._async_queue

    # ------------------------------------------------------------ invoking

    @staticmethod
    def check_event(event: bytes, invocation_type: str = "RequestResponse") -> bytes:
        """The event the function gets (an empty body becomes `{}`), or the InvokeError Lambda gives."""
        return check_payload(event, normalise_invocation_type(invocation_type))

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
        """Invoke `config` as the Invoke API does for `invocation_type` (see invocation_types.invoke).

        Raises an InvokeError for a request Lambda refuses and ConfigError for an invalid function.
        """
        body = event.encode("utf-8") if isinstance(event, str) else bytes(event)
        queue = self.async_queue if normalise_invocation_type(invocation_type) == "Event" else None
        return _invoke_typed(
            self.engine,
            config,
            body,
            invocation_type,
            async_queue=queue,
            client_context=client_context,
            identity=identity,
            cancel=cancel,
            on_log=on_log,
            force_cold=force_cold,
            qualifier=qualifier,
            metrics=self.metrics,
        )

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
        return self.engine.invoke(config, event, cancel=cancel, on_log=on_log, request_id=request_id)

    # ------------------------------------------------------------ code and environments

    def code_changed(self, code_dir: Path) -> None:
        """A writer of the function's files (an editor's save, a new file) says so: the next
        invocation runs what is on disk."""
        self.engine.code_changed(Path(code_dir))

    def new_environment(self, config: FunctionConfig) -> None:
        """Retire the function's warm environments: the next invocation is a cold start."""
        self.engine.new_environment(config)

    def code_sha256(self, config: FunctionConfig) -> str:
        return self.engine.code_sha256(config)

    # ------------------------------------------------------------ lifetime

    def close(self, timeout: float = 10.0) -> None:
        """Stop the Event queue (see AsyncQueue.close) and the engine this invoker started."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            queue, engine = self._async_queue, self._engine
        if queue is not None:
            queue.close(timeout=timeout)
        if engine is not None and self._owns_engine:
            engine.close()

    def __enter__(self) -> Invoker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
