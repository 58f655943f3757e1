"""`lambda-console serve`: the Invoke API over local functions, on an event-loop HTTP/1.1 server (serve_loop.py)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Callable, Iterable

from .api import InvokeApi, Response
from .concurrency import DEFAULT_CONCURRENCY, ConcurrencyLimiter
from .events import SYNC_PAYLOAD_LIMIT, too_large
from .http_parsing import BadRequest, header_value
from .invoker import Invoker
from .metrics import MetricsRegistry, metrics_path
from .registry import FunctionRegistry
from .serve_loop import ServeLoop

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001  # what `sam local start-lambda` listens on, so existing scripts just work
# No request body the API accepts is larger than Lambda's sync limit: a larger one is read and
# thrown away (so the client sees the 413, not a reset) up to MAX_DRAIN, never kept in memory.
MAX_BODY = SYNC_PAYLOAD_LIMIT
MAX_DRAIN = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 300.0
# Connections at most: past it the longest-idle keep-alive connection is closed to make room, and
# when none is idle the new one is answered 503 at once.
MAX_CONNECTIONS = 128
BACKLOG = 256
FLUSH_INTERVAL_S = 5.0
_REASONS = {
    100: "Continue", 200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request",
    404: "Not Found", 408: "Request Timeout", 411: "Length Required", 413: "Request Entity Too Large",
    403: "Forbidden", 414: "URI Too Long",
    429: "Too Many Requests", 503: "Service Unavailable", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 505: "HTTP Version Not Supported",
}


class _Date:
    """The Date header, formatted once a second rather than per response."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._value = formatdate(now, usegmt=True)
            self._second = now
        return self._value


_DATE = _Date()


def _too_large() -> Response:
    from .api import error_response

    return error_response(too_large(MAX_DRAIN + 1))


def _bad_request(exc: BadRequest) -> bytes:
    body = f'{{"Type":"User","message":"{exc}"}}'.encode()
    return _encode(Response(exc.status, body, [("x-amzn-ErrorType", "BadRequest")]), False)


_BUSY = b'{"Type":"Service","Message":"Too many connections; try again"}'


def _encode(response: Response, keep_alive: bool) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}", f"Date: {_DATE.get()}"]
    if response.request_id:
        lines.append(f"x-amzn-RequestId: {response.request_id}")
    if response.body or status not in (202, 204):
        lines.append(f"Content-Type: {header_value(response.content_type) or 'application/json'}")
    for key, value in response.headers:
        lines.append(f"{key}: {header_value(value)}")
    if status != 204:
        lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body if status != 204 else head


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


class LambdaServer:
    """The Invoke API on a socket, over the functions of `registry`.

    `access_log`, when given, receives one line per request (method, path, invocation type,
    status, error type, milliseconds).

    Owns an Invoker (over the engine given, else its own), with the concurrency limiter; the
    invoker runs the async queue and saves the metrics to each function's
    `.lambda-console/metrics.json` after invocations and on close.
    """

    def __init__(
        self,
        registry: FunctionRegistry,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        engine: object | None = None,
        time_scale: float = 1.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        allow_remote: bool = False,
        persist_metrics: bool = True,
        async_workers: int = 4,
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        if not allow_remote and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"refusing to listen on {host}: pass allow_remote=True (--allow-remote) to expose it")
        self.registry = registry
        self.metrics = MetricsRegistry()
        self.limiter = ConcurrencyLimiter(concurrency)
        self.invoker = Invoker(
            engine,  # type: ignore[arg-type]
            metrics=self.metrics,
            time_scale=time_scale,
            async_workers=async_workers,
            limiter=self.limiter,
            persist_metrics=persist_metrics,
        )
        self.engine = self.invoker.engine
        self.async_queue = self.invoker.async_queue
        self.api = InvokeApi(registry, self.invoker)
        self.persist_metrics = persist_metrics
        configs = registry.all()
        if persist_metrics:
            for config in configs:
                self.metrics.load_file(config.function_name, metrics_path(config.code_dir))
        self._reported_problems = 0
        self._report_problems()
        # Event invocations accepted before a restart (or by another front that quit) run now.
        self.resumed_events = self.async_queue.resume(configs)
        self.remaining_events = 0  # what close() leaves queued, for the goodbye line
        self._listener = _listen(host, port)
        if host in ("127.0.0.1", "localhost", "::1"):
            # Only the names of this loopback address: a page whose DNS name was rebound to it is refused.
            self.api.allowed_hosts = frozenset({"localhost", "127.0.0.1", "::1", host.lower()})
        busy = _encode(Response(503, _BUSY, [("x-amzn-ErrorType", "ServiceException")]), False)
        # Module globals read at each request: tests narrow the limits on a running server.
        self._loop = ServeLoop(
            self._listener, self.api, encode=_encode, bad_request=_bad_request, too_large=_too_large, busy=busy,
            max_connections=MAX_CONNECTIONS, idle_timeout=IDLE_TIMEOUT_S, max_body=lambda: MAX_BODY,
            max_drain=lambda: MAX_DRAIN, access_log=access_log,
        )
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._maintenance = threading.Thread(target=self._maintain, name="lambda-serve-maintenance", daemon=True)
        self._maintenance.start()
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> LambdaServer:
        """Serve in a background thread (tests, the TUI)."""
        self._thread = threading.Thread(target=self._loop.serve, name="lambda-serve", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._loop.serve()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.stop()  # hangs up on every connection, keep-alive ones too
        self._listener.close()
        self._stop.set()
        # Stops the queue (what stays queued is counted), saves the metrics, stops its own engine.
        self.remaining_events = self.invoker.close(timeout=5.0)
        self._report_problems()

    def __enter__(self) -> LambdaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def flush_metrics(self) -> None:
        self.invoker.flush_metrics()
        self._report_problems()

    def _report_problems(self) -> None:
        problems = self.metrics.problems
        for problem in problems[self._reported_problems:]:
            print(f"lambda-console serve: metrics: {problem}", file=sys.stderr)
        self._reported_problems = len(problems)

    def _maintain(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            try:
                self.flush_metrics()
                self.registry.refresh()  # settings edited meanwhile (e.g. in the TUI) take effect
            except Exception as exc:  # keep flushing whatever one bad folder does
                print(f"lambda-console serve: maintenance error: {exc!r}", file=sys.stderr)


def make_server(
    dirs: Iterable[Path] | None = None,
    **kwargs: object,
) -> LambdaServer:
    """A server over the given function directories, or over the workspace when there are none."""
    dirs = list(dirs or [])
    registry = FunctionRegistry(dirs if dirs else None)
    return LambdaServer(registry, **kwargs)  # type: ignore[arg-type]
