"""`lambda-console serve`: a lean threaded HTTP/1.1 server for the Invoke API over local functions."""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Callable, Iterable

from .api import InvokeApi, Response
from .concurrency import DEFAULT_CONCURRENCY, ConcurrencyLimiter
from .events import SYNC_PAYLOAD_LIMIT, too_large
from .http_parsing import BadRequest, header_value, log_safe, open_reader, read_request
from .invoker import Invoker
from .metrics import MetricsRegistry, metrics_path
from .registry import FunctionRegistry

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001  # what `sam local start-lambda` listens on, so existing scripts just work
# No request body the API accepts is larger than Lambda's sync limit: a larger one is read and
# thrown away (so the client sees the 413, not a reset) up to MAX_DRAIN, never kept in memory.
MAX_BODY = SYNC_PAYLOAD_LIMIT
MAX_DRAIN = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 300.0
# Connection threads at most: past it the longest-idle keep-alive connection is closed to make
# room, and when none is idle the new one is answered 503 at once.
MAX_CONNECTIONS = 128
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


class _Connection(socketserver.BaseRequestHandler):
    """One client connection: requests are read and answered in turn while it stays alive."""

    server: _TCPServer

    def setup(self) -> None:
        self.rfile = open_reader(self.request, IDLE_TIMEOUT_S)
        self.server.track(self.request, True)

    def finish(self) -> None:
        self.server.track(self.request, False)
        try:
            self.rfile.close()
        except OSError:
            pass

    def handle(self) -> None:
        api = self.server.api
        sock: socket.socket = self.request
        try:
            while True:
                try:
                    self.server.idle(sock, True)
                    request = self._read_request()
                except BadRequest as exc:
                    if exc.status == 413:
                        sock.sendall(_encode(_too_large(), False))
                        return
                    body = f'{{"Type":"User","message":"{exc}"}}'.encode()
                    sock.sendall(_encode(Response(exc.status, body, [("x-amzn-ErrorType", "BadRequest")]), False))
                    return
                if request is None:
                    return
                method, target, headers, body, keep_alive = request
                if body is None:  # past Lambda's limit (read and dropped, or not read at all)
                    response = _too_large()
                    keep_alive = False
                else:
                    started = time.perf_counter()
                    response = api.handle(method, target, headers, body)
                    if self.server.access_log is not None:
                        elapsed = (time.perf_counter() - started) * 1000
                        self._log(method, target, headers, response, elapsed)
                sock.sendall(_encode(response, keep_alive))
                if not keep_alive:
                    return
        except (OSError, ValueError):
            return  # the client went away or timed out; nothing to answer

    def _log(self, method: str, target: str, headers: dict[str, str], response: Response, ms: float) -> None:
        kind = headers.get("x-amz-invocation-type", "RequestResponse") if method == "POST" else ""
        error = dict(response.headers).get("x-amzn-ErrorType") or dict(response.headers).get("X-Amz-Function-Error", "")
        stamp = time.strftime("%H:%M:%S")
        line = f"{stamp} {method} {target.split('?')[0]} {kind} {response.status} {error} {ms:.1f} ms".replace("  ", " ")
        line = log_safe(line)
        try:
            self.server.access_log(line)  # type: ignore[misc]
        except Exception:
            pass  # a broken log sink must not fail the request

    def _read_request(self) -> tuple[str, str, dict[str, str], bytes | None, bool] | None:
        sock: socket.socket = self.request
        request = read_request(
            self.rfile, max_body=MAX_BODY, max_drain=MAX_DRAIN, send=sock.sendall,
            started=lambda: self.server.idle(sock, False),
        )
        if request is None:
            return None
        return request.method, request.target, request.headers, request.body, request.keep_alive


def _too_large() -> Response:
    from .api import error_response

    return error_response(too_large(MAX_DRAIN + 1))


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


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    block_on_close = False
    api: InvokeApi
    access_log: Callable[[str], None] | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread_count = 0  # connection threads started and not yet finished
        self._idle: dict[socket.socket, float] = {}  # connections waiting for a request, since when

    def track(self, sock: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(sock)
            if not open_:
                self._idle.pop(sock, None)

    def idle(self, sock: socket.socket, waiting: bool) -> None:
        with self._connections_lock:
            if waiting:
                self._idle.setdefault(sock, time.monotonic())
            else:
                self._idle.pop(sock, None)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """A thread per connection, at most MAX_CONNECTIONS of them (see MAX_CONNECTIONS)."""
        victim = None
        with self._connections_lock:
            if self._thread_count >= MAX_CONNECTIONS:
                if not self._idle:
                    full = True
                else:
                    full = False
                    victim = min(self._idle, key=self._idle.__getitem__)
                    del self._idle[victim]
            else:
                full = False
            if not full:
                self._thread_count += 1
        if full:
            try:
                body = b'{"Type":"Service","Message":"Too many connections; try again"}'
                request.sendall(_encode(Response(503, body, [("x-amzn-ErrorType", "ServiceException")]), False))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        if victim is not None:
            try:
                victim.shutdown(socket.SHUT_RDWR)  # its thread sees the end of input and ends
            except OSError:
                pass
        try:
            super().process_request(request, client_address)
        except BaseException:
            with self._connections_lock:
                self._thread_count -= 1
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._thread_count -= 1

    def close_connections(self) -> None:
        """Hang up on keep-alive clients, so no connection thread serves after close()."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        # A connection that fails is that client's problem; the server carries on quietly.
        exc = sys.exc_info()[1]
        print(f"lambda-console serve: connection error from {client_address}: {exc!r}", file=sys.stderr)


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
        server_cls = _TCPServer
        if ":" in host:
            server_cls = type("_TCPServer6", (_TCPServer,), {"address_family": socket.AF_INET6})
        self._server = server_cls((host, port), _Connection)
        self._server.api = self.api
        if host in ("127.0.0.1", "localhost", "::1"):
            # Only the names of this loopback address: a page whose DNS name was rebound to it is refused.
            self.api.allowed_hosts = frozenset({"localhost", "127.0.0.1", "::1", host.lower()})
        self._server.access_log = access_log
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._maintenance = threading.Thread(target=self._maintain, name="lambda-serve-maintenance", daemon=True)
        self._maintenance.start()
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> LambdaServer:
        """Serve in a background thread (tests, the TUI)."""
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="lambda-serve", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.5)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
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
