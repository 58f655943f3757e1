"""`lambda-console serve`: a lean threaded HTTP/1.1 server for the Invoke API over local functions."""

from __future__ import annotations

import re
import socket
import socketserver
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Callable, Iterable

from console.display import neutralise

from .api import InvokeApi, Response
from .concurrency import DEFAULT_CONCURRENCY, ConcurrencyLimiter
from .events import SYNC_PAYLOAD_LIMIT, too_large
from .invoker import Invoker
from .metrics import MetricsRegistry, metrics_path
from .registry import FunctionRegistry

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001  # what `sam local start-lambda` listens on, so existing scripts just work
MAX_LINE = 65536
MAX_HEADERS = 100
# No request body the API accepts is larger than Lambda's sync limit: a larger one is read and
# thrown away (so the client sees the 413, not a reset) up to MAX_DRAIN, never kept in memory.
MAX_BODY = SYNC_PAYLOAD_LIMIT
MAX_DRAIN = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 300.0
# Connection threads at most: past it the longest-idle keep-alive connection is closed to make
# room, and when none is idle the new one is answered 503 at once.
MAX_CONNECTIONS = 128
_DIGITS = re.compile(rb"[0-9]{1,18}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# One header value as _encode may write it: visible ASCII, spaces and tabs, nothing else.
_UNSAFE_HEADER = re.compile(r"[^\x20-\x7e\t]")
FLUSH_INTERVAL_S = 5.0
_REASONS = {
    100: "Continue", 200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request",
    404: "Not Found", 408: "Request Timeout", 411: "Length Required", 413: "Request Entity Too Large",
    403: "Forbidden", 414: "URI Too Long",
    429: "Too Many Requests", 503: "Service Unavailable", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
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
                    self.server.idle(sock, True)
                    request = self._read_request()
                except _BadRequest as exc:
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
        # What a client sent reaches the terminal harmless: no escape sequences, no line breaks.
        line = neutralise(line).replace("\n", "\\n").replace("\t", "\\t")
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
        self.server.idle(self.request, False)
        if len(line) > MAX_LINE:
            raise _BadRequest(414, "Request line too long")
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise _BadRequest(400, "Malformed request line")
        method, target, version = (p.decode("latin-1") for p in parts)
        headers: dict[str, str] = {}
        seen = 0
        while True:
            h = rfile.readline(MAX_LINE + 1)
            if h in (b"\r\n", b"\n"):
                break
            if not h:
                return None
            seen += 1
            if len(h) > MAX_LINE or seen > MAX_HEADERS:
                raise _BadRequest(431, "Request header fields too large")
            key, sep, value = h.partition(b":")
            # No space before the colon, no folded lines (RFC 9112 5.1): both are smuggling tools.
            if not sep or not _TOKEN.fullmatch(key):
                raise _BadRequest(400, "Malformed header line")
            name = key.lower().decode("latin-1")
            if name in headers and name in ("content-length", "transfer-encoding", "host"):
                raise _BadRequest(400, f"Duplicate {name} header")
            text = value.strip().decode("latin-1")
            headers[name] = f"{headers[name]}, {text}" if name in headers else text
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if "transfer-encoding" in headers:
            if "content-length" in headers:
                raise _BadRequest(400, "Both Transfer-Encoding and Content-Length")
            if headers["transfer-encoding"].strip().lower() != "chunked":
                raise _BadRequest(501, "Only the chunked transfer coding is supported")
            self._continue(headers)
            body = self._read_chunked()
            return method, target, headers, body, keep_alive and body is not None
        raw_length = headers.get("content-length", "0").strip() or "0"
        if not _DIGITS.fullmatch(raw_length.encode("latin-1")):
            raise _BadRequest(400, "Invalid Content-Length")
        length = int(raw_length)
        if length > MAX_DRAIN:
            return method, target, headers, None, False
        self._continue(headers)
        if length > MAX_BODY:
            if not self._discard(length):
                return None
            return method, target, headers, None, keep_alive
        body = rfile.read(length) if length else b""
        if len(body) < length:
            return None
        return method, target, headers, body, keep_alive

    def _continue(self, headers: dict[str, str]) -> None:
        if headers.get("expect", "").lower() == "100-continue":
            self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _discard(self, length: int) -> bool:
        """Read and drop `length` bytes in small pieces; False when the client went away."""
        while length > 0:
            piece = self.rfile.read(min(length, 65536))
            if not piece:
                return False
            length -= len(piece)
        return True

    def _read_chunked(self) -> bytes | None:
        """The body of a chunked request (RFC 9112 7.1), parsed strictly: hexadecimal sizes only,
        every chunk ends in CRLF. Past MAX_BODY the rest is dropped (None: answer 413), past
        MAX_DRAIN reading stops."""
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(MAX_LINE + 1)
            if not size_line.endswith(b"\n"):
                raise _BadRequest(400, "Malformed chunk")
            digits = size_line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(digits):
                raise _BadRequest(400, "Malformed chunk size")
            size = int(digits, 16)
            if size == 0:
                for _ in range(MAX_HEADERS + 1):  # trailers, ignored
                    trailer = self.rfile.readline(MAX_LINE + 1)
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                else:
                    raise _BadRequest(431, "Too many trailer fields")
                return b"".join(chunks) if total <= MAX_BODY else None
            total += size
            if total > MAX_DRAIN:
                raise _BadRequest(413, "Request body too large")
            if total > MAX_BODY:
                chunks.clear()
                if not self._discard(size):
                    raise _BadRequest(400, "Truncated chunk")
            else:
                data = self.rfile.read(size)
                if len(data) < size:
                    raise _BadRequest(400, "Truncated chunk")
                chunks.append(data)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequest(400, "Malformed chunk")


def _too_large() -> Response:
    from .api import error_response

    return error_response(too_large(MAX_DRAIN + 1))


def _encode(response: Response, keep_alive: bool) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}", f"Date: {_DATE.get()}"]
    if response.request_id:
        lines.append(f"x-amzn-RequestId: {response.request_id}")
    if response.body or status not in (202, 204):
        lines.append(f"Content-Type: {_header_value(response.content_type) or 'application/json'}")
    for key, value in response.headers:
        lines.append(f"{key}: {_header_value(value)}")
    if status != 204:
        lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body if status != 204 else head


def _header_value(value: str) -> str:
    """A header value that cannot end its line: CR, LF and other control bytes are removed
    (a second guard; the API already refuses content types that are not media types)."""
    return _UNSAFE_HEADER.sub("", value)


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
