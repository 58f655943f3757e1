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
from .events import too_large
from .invoker import Invoker
from .metrics import MetricsRegistry, metrics_path
from .registry import FunctionRegistry

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001  # what `sam local start-lambda` listens on, so existing scripts just work
MAX_LINE = 65536
MAX_HEADERS = 100
# Bodies past the sync limit are still read (so the client sees the 413, not a reset) up to this.
MAX_DRAIN = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 300.0
FLUSH_INTERVAL_S = 5.0
_REASONS = {
    100: "Continue", 200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request",
    404: "Not Found", 408: "Request Timeout", 411: "Length Required", 413: "Request Entity Too Large",
    414: "URI Too Long",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 505: "HTTP Version Not Supported",
}


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(IDLE_TIMEOUT_S)
        self.rfile = sock.makefile("rb", buffering=65536)
        self.server.track(sock, True)

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
                    request = self._read_request()
                except _BadRequest as exc:
                    body = f'{{"Type":"User","message":"{exc}"}}'.encode()
                    sock.sendall(_encode(Response(exc.status, body, [("x-amzn-ErrorType", "BadRequest")]), False))
                    return
                if request is None:
                    return
                method, target, headers, body, keep_alive = request
                if body is None:  # declared past MAX_DRAIN: answer, then hang up
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
        try:
            self.server.access_log(line)  # type: ignore[misc]
        except Exception:
            pass  # a broken log sink must not fail the request

    def _read_request(self) -> tuple[str, str, dict[str, str], bytes | None, bool] | None:
        rfile = self.rfile
        line = rfile.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests (RFC 9112 2.2)
            line = rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE:
            raise _BadRequest(414, "Request line too long")
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise _BadRequest(400, "Malformed request line")
        method, target, version = (p.decode("latin-1") for p in parts)
        headers: dict[str, str] = {}
        while True:
            h = rfile.readline(MAX_LINE + 1)
            if h in (b"\r\n", b"\n"):
                break
            if not h:
                return None
            if len(h) > MAX_LINE or len(headers) >= MAX_HEADERS:
                raise _BadRequest(431, "Request header fields too large")
            key, sep, value = h.partition(b":")
            if not sep:
                raise _BadRequest(400, "Malformed header line")
            headers[key.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if headers.get("expect", "").lower() == "100-continue":
            self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        else:
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError:
                raise _BadRequest(400, "Invalid Content-Length") from None
            if length < 0:
                raise _BadRequest(400, "Invalid Content-Length")
            if length > MAX_DRAIN:
                return method, target, headers, None, False
            body = rfile.read(length) if length else b""
            if len(body) < length:
                return None
        return method, target, headers, body, keep_alive

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(MAX_LINE + 1)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Malformed chunk") from None
            if size == 0:
                while self.rfile.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks) if total <= MAX_DRAIN else None
            total += size
            data = self.rfile.read(size)
            if total <= MAX_DRAIN:
                chunks.append(data)
            self.rfile.readline(MAX_LINE + 1)


def _too_large() -> Response:
    from .api import error_response

    return error_response(too_large(MAX_DRAIN + 1))


def _encode(response: Response, keep_alive: bool) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}", f"Date: {_DATE.get()}"]
    if response.request_id:
        lines.append(f"x-amzn-RequestId: {response.request_id}")
    if response.body or status not in (202, 204):
        lines.append(f"Content-Type: {response.content_type or 'application/json'}")
    for key, value in response.headers:
        lines.append(f"{key}: {value}")
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

    def track(self, sock: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(sock)

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
