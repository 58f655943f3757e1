"""The Invoke API's event loop: one thread reads requests, starts warm invocations and writes answers.

Why one thread: with a thread per connection, every request's socket calls hand the interpreter
lock between threads a dozen times (futex storms on a 2-core laptop). Here one thread does the
HTTP work and hands each RequestResponse event straight to a warm execution environment
(InvokeApi.start), then answers when that environment's socket says the function replied.

Anything that could block is done elsewhere, with the same code as before: an invocation with
no warm environment idle (a cold start), one not answered within PATIENCE_S (it then has its
memory sampled and its timeout kept by Engine's blocking wait), every other operation and
invocation type (Event's durable queue writes, DryRun, List/GetFunction) run on worker threads;
a request the quick parser does not take (chunked, Expect: 100-continue, a large body, a head
that does not fit) is served, from its first byte, by the strict blocking parser on a thread
that keeps the connection from then on.
"""

from __future__ import annotations

import io
import queue
import select
import socket
import threading
import time
from typing import TYPE_CHECKING, Callable

from .serve_tools import Poller, PrefixedReader, Workers
from .http_parsing import (
    MAX_HEADERS,
    BadRequest,
    body_length,
    header_line,
    log_safe,
    read_request,
    request_line,
    wants_keep_alive,
)

if TYPE_CHECKING:
    from .api import InvokeApi, PendingResponse, Response

# A warm invocation not answered within this long is finished by the engine's blocking wait on a
# worker thread (memory sampling, timeout, a chatty log): what the engine itself waits before it
# samples memory.
PATIENCE_S = 0.005
# What the quick parser takes: a head this long at most, a Content-Length body this long at most.
FAST_HEAD_MAX = 16 * 1024
FAST_BODY_MAX = 1024 * 1024
RECV_BYTES = 256 * 1024
SWEEP_S = 1.0
READ = select.POLLIN
WRITE = select.POLLOUT
_READY = select.POLLIN | select.POLLERR | select.POLLHUP  # an end or an error reads as readable


class Conn:
    """One client connection as the loop sees it."""

    __slots__ = ("sock", "fd", "buf", "out", "busy", "keep_alive", "last", "thread", "request", "t0", "events")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.buf = bytearray()
        self.out = b""  # response bytes not written yet
        self.busy = False  # a request is being answered
        self.keep_alive = True
        self.last = time.monotonic()  # last activity, for the idle timeout
        self.thread = False  # a blocking thread owns it now
        self.request: tuple[str, str, dict[str, str]] | None = None  # for the access log
        self.t0 = 0.0
        self.events = 0  # what the loop's selector watches it for

    def idle(self) -> bool:
        """Waiting for a request that has not begun: the one to close first when full."""
        return not self.busy and not self.thread and not self.out and b"\n" not in self.buf.lstrip(b"\r\n")


class ServeLoop:
    """Serves `api` on `listener` until stop(). `encode(response, keep_alive)` makes the wire
    bytes; `too_large()` is the 413 answer; `access_log`, when given, gets one line per request.
    At most `max_connections` connections: past it the longest-idle one is closed to make room,
    and when none is idle the new one is answered `busy` (a 503) at once."""

    def __init__(
        self,
        listener: socket.socket,
        api: InvokeApi,
        *,
        encode: Callable[[Response, bool], bytes],
        bad_request: Callable[[BadRequest], bytes],
        too_large: Callable[[], Response],
        busy: bytes,
        max_connections: int,
        idle_timeout: float,
        max_body: Callable[[], int],
        max_drain: Callable[[], int],
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        self.listener = listener
        self.api = api
        self._encode = encode
        self._bad_request = bad_request
        self._too_large = too_large
        self._busy = busy
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self._max_body = max_body
        self._max_drain = max_drain
        self.access_log = access_log
        self._poller = Poller()
        self._handlers: dict[int, object] = {}  # fd -> its Conn, or its PendingResponse
        self._conns: dict[int, Conn] = {}
        self._lock = threading.Lock()  # guards _conns against close_connections() from other threads
        self._pending: dict[int, tuple[Conn, PendingResponse]] = {}  # environment fd -> waiting
        self._done: queue.SimpleQueue[tuple[Conn, Response | None]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._woken = False
        self._stop = False
        self._stopped = threading.Event()
        self._running = False
        self.workers = Workers("lambda-serve-worker")

    # ------------------------------------------------------------ life

    def serve(self) -> None:
        """Run the loop in this thread until stop() (or an exception, e.g. KeyboardInterrupt)."""
        self._running = True
        self.listener.setblocking(False)
        poller = self._poller
        handlers = self._handlers
        listen_fd, wake_fd = self.listener.fileno(), self._wake_r.fileno()
        poller.register(listen_fd, READ)
        poller.register(wake_fd, READ)
        next_sweep = time.monotonic() + SWEEP_S
        try:
            while not self._stop:
                timeout = SWEEP_S
                if self._pending:
                    now = time.perf_counter()
                    first = min(p.started for _, p in self._pending.values())
                    timeout = max(0.0, first + PATIENCE_S - now)
                for fd, mask in poller.poll(timeout):
                    handler = handlers.get(fd)
                    if handler is None:
                        if fd == listen_fd:
                            self._accept()
                        elif fd == wake_fd:
                            self._drain_wake()
                    elif type(handler) is Conn:
                        if mask & WRITE:
                            self._flush(handler)
                        if mask & _READY and handler.events & READ and handlers.get(fd) is handler:
                            self._readable(handler)
                    else:
                        self._answered(fd)
                if self._pending:
                    self._hand_over_overdue()
                now = time.monotonic()
                if now >= next_sweep:
                    next_sweep = now + SWEEP_S
                    self._sweep(now)
        finally:
            self._shutdown()

    def stop(self) -> None:
        self._stop = True
        self._wake()
        if self._running:
            self._stopped.wait(10)
        else:
            self._shutdown()

    def _shutdown(self) -> None:
        # Invocations still running finish on workers: their slots are released and metrics kept.
        for conn, pending in self._pending.values():
            self.workers.submit(pending.wait)
        self._pending.clear()
        self.close_connections()
        try:
            self._poller.close()
        except (OSError, ValueError):
            pass
        self.workers.stop()
        for sock in (self._wake_r, self._wake_w):
            try:
                sock.close()
            except OSError:
                pass
        self._running = False
        self._stopped.set()

    def close_connections(self) -> None:
        """Hang up on every client (keep-alive ones too), so nothing is served after close."""
        with self._lock:
            conns = list(self._conns.values())
            self._conns.clear()
        for conn in conns:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            if not conn.thread:  # a thread's connection is closed by that thread
                conn.sock.close()

    def _wake(self) -> None:
        if not self._woken:
            self._woken = True
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass
        # Only now: a wake-up asked after this point sends a byte, and every answer put before
        # it is taken below (workers put their answer before they look at the flag).
        self._woken = False
        while True:
            try:
                conn, response = self._done.get_nowait()
            except queue.Empty:
                return
            if response is None:  # a blocking thread finished with its connection
                self._forget(conn)
            elif conn.fd in self._conns and self._conns[conn.fd] is conn:
                self._respond(conn, response)

    # ------------------------------------------------------------ connections

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. out of descriptors: the client is refused by the kernel's backlog
            if len(self._conns) >= self.max_connections and not self._make_room():
                try:
                    sock.setblocking(False)
                    sock.send(self._busy)
                except OSError:
                    pass
                sock.close()
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Conn(sock)
            with self._lock:
                self._conns[conn.fd] = conn
            self._watch(conn, READ)

    def _make_room(self) -> bool:
        idle = [c for c in self._conns.values() if c.idle()]
        if not idle:
            return False
        self._close(min(idle, key=lambda c: c.last))
        return True

    def _sweep(self, now: float) -> None:
        for conn in [c for c in self._conns.values() if not c.busy and not c.thread]:
            if now - conn.last > self.idle_timeout:
                self._close(conn)

    def _watch(self, conn: Conn, events: int) -> None:
        if events == conn.events:
            return
        if conn.events == 0:
            self._poller.register(conn.fd, events)
            self._handlers[conn.fd] = conn
        elif events == 0:
            self._poller.unregister(conn.fd)
            del self._handlers[conn.fd]
        else:
            self._poller.modify(conn.fd, events)
        conn.events = events

    def _close(self, conn: Conn) -> None:
        self._forget(conn)
        if conn.events:
            conn.events = 0
            if self._handlers.get(conn.fd) is conn:
                del self._handlers[conn.fd]
            try:
                self._poller.unregister(conn.fd)
            except (KeyError, ValueError, OSError):
                pass
        try:
            conn.sock.close()
        except OSError:
            pass

    def _forget(self, conn: Conn) -> None:
        with self._lock:
            if self._conns.get(conn.fd) is conn:
                del self._conns[conn.fd]

    def _readable(self, conn: Conn) -> None:
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.last = time.monotonic()
        if not data:
            if conn.busy:
                conn.keep_alive = False  # answer what was asked, then hang up
                self._watch(conn, conn.events & ~READ)
            else:
                self._close(conn)
            return
        conn.buf += data
        if not conn.busy:
            self._next_request(conn)
        elif len(conn.buf) > FAST_HEAD_MAX + FAST_BODY_MAX:
            self._watch(conn, conn.events & ~READ)  # read on once this one is answered

    # ------------------------------------------------------------ requests

    def _next_request(self, conn: Conn) -> None:
        """Start answering the next request in the connection's buffer, once it is whole."""
        buf = conn.buf
        if buf[:1] in (b"\r", b"\n"):
            stripped = buf.lstrip(b"\r\n")  # stray CRLFs between requests (as the blocking parser)
            del buf[: len(buf) - len(stripped)]
        if not buf:
            return
        ends = [i for i in (buf.find(b"\n\r\n"), buf.find(b"\n\n")) if i >= 0]
        if not ends:
            if len(buf) > FAST_HEAD_MAX:
                self._to_thread(conn)
            return
        end = min(ends)
        head_end = end + (3 if buf[end + 1 : end + 2] == b"\r" else 2)
        if head_end > FAST_HEAD_MAX:
            self._to_thread(conn)
            return
        lines = bytes(buf[: end + 1]).split(b"\n")[:-1]
        if len(lines) - 1 > MAX_HEADERS:
            self._to_thread(conn)  # the blocking parser's own limit and words
            return
        try:
            method, target, version = request_line(lines[0])
            fields: list[tuple[str, str]] = []
            headers: dict[str, str] = {}
            for line in lines[1:]:
                header_line(line + b"\n", fields, headers)
            length = body_length(headers)
        except BadRequest as exc:
            conn.busy = True
            conn.keep_alive = False
            self._send(conn, self._bad_request(exc))
            return
        if length is None or length > min(FAST_BODY_MAX, self._max_body()) or "expect" in headers:
            self._to_thread(conn)
            return
        if len(buf) < head_end + length:
            return  # the body is still arriving
        body = bytes(buf[head_end : head_end + length])
        del buf[: head_end + length]
        conn.busy = True
        conn.keep_alive = wants_keep_alive(version, headers)
        conn.request = (method, target, headers)
        conn.t0 = time.perf_counter()
        answer = self.api.start(method, target, headers, body)
        if answer is None:
            api = self.api
            self._on_worker(conn, lambda: api.handle(method, target, headers, body))
        elif hasattr(answer, "poll"):
            fd = answer.fileno()  # type: ignore[union-attr]
            self._pending[fd] = (conn, answer)  # type: ignore[assignment]
            self._handlers[fd] = answer
            self._poller.register(fd, READ)
        else:
            self._respond(conn, answer)  # type: ignore[arg-type]

    def _answered(self, fd: int) -> None:
        conn, pending = self._pending[fd]
        response = pending.poll()
        if response is None and not pending.stalled:
            return
        self._unwatch_pending(fd)
        if response is None:
            self._on_worker(conn, pending.wait)
        else:
            self._respond(conn, response)

    def _hand_over_overdue(self) -> None:
        late = time.perf_counter() - PATIENCE_S
        for fd, (conn, pending) in list(self._pending.items()):
            if pending.started <= late:
                self._unwatch_pending(fd)
                self._on_worker(conn, pending.wait)

    def _unwatch_pending(self, fd: int) -> None:
        del self._pending[fd]
        del self._handlers[fd]
        try:
            self._poller.unregister(fd)
        except OSError:
            pass  # its environment was killed meanwhile (closing the channel unwatched it)

    def _on_worker(self, conn: Conn, answer: Callable[[], Response]) -> None:
        def job() -> None:
            try:
                response = answer()
            except BaseException as exc:  # noqa: BLE001 - the client still gets an answer
                response = self.api.failure(exc) if isinstance(exc, Exception) else None
            self._done.put((conn, response))
            self._wake()

        self.workers.submit(job)

    def _respond(self, conn: Conn, response: Response | None) -> None:
        if response is None:
            self._close(conn)
            return
        if self.access_log is not None and conn.request is not None:
            method, target, headers = conn.request
            self._log(method, target, headers, response, (time.perf_counter() - conn.t0) * 1000)
        self._send(conn, self._encode(response, conn.keep_alive))

    def _log(self, method: str, target: str, headers: dict[str, str], response: Response, ms: float) -> None:
        kind = headers.get("x-amz-invocation-type", "RequestResponse") if method == "POST" else ""
        error = dict(response.headers).get("x-amzn-ErrorType") or dict(response.headers).get("X-Amz-Function-Error", "")
        stamp = time.strftime("%H:%M:%S")
        line = f"{stamp} {method} {target.split('?')[0]} {kind} {response.status} {error} {ms:.1f} ms".replace("  ", " ")
        try:
            self.access_log(log_safe(line))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - a broken log sink must not fail the request
            pass

    def _send(self, conn: Conn, data: bytes) -> None:
        conn.out = data
        self._flush(conn)

    def _flush(self, conn: Conn) -> None:
        try:
            while conn.out:
                n = conn.sock.send(conn.out)
                conn.out = conn.out[n:]
        except (BlockingIOError, InterruptedError):
            self._watch(conn, WRITE)
            return
        except OSError:
            self._close(conn)
            return
        conn.last = time.monotonic()
        if not conn.keep_alive:
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self._close(conn)
            return
        conn.busy = False
        conn.request = None
        self._watch(conn, READ)
        if conn.buf:
            self._next_request(conn)  # a pipelined request

    # ------------------------------------------------------------ the blocking path

    def _to_thread(self, conn: Conn) -> None:
        """From here the strict blocking parser serves this connection, on a thread of its own."""
        self._watch(conn, 0)
        conn.thread = True
        conn.busy = True
        prefix = bytes(conn.buf)
        conn.buf.clear()
        threading.Thread(target=self._serve_blocking, args=(conn, prefix), name="lambda-serve-conn", daemon=True).start()

    def _serve_blocking(self, conn: Conn, prefix: bytes) -> None:
        sock = conn.sock
        try:
            sock.setblocking(True)
            sock.settimeout(self.idle_timeout)
            rfile = io.BufferedReader(PrefixedReader(prefix, sock), 65536)  # type: ignore[arg-type]
            while not self._stop:
                try:
                    request = read_request(rfile, max_body=self._max_body(), max_drain=self._max_drain(),
                                           send=sock.sendall)
                except BadRequest as exc:
                    sock.sendall(self._encode(self._too_large(), False) if exc.status == 413 else self._bad_request(exc))
                    return
                if request is None:
                    return
                keep_alive = request.keep_alive
                if request.body is None:  # past Lambda's limit (read and dropped, or not read at all)
                    response = self._too_large()
                    keep_alive = False
                else:
                    started = time.perf_counter()
                    response = self.api.handle(request.method, request.target, request.headers, request.body)
                    if self.access_log is not None:
                        self._log(request.method, request.target, request.headers, response,
                                  (time.perf_counter() - started) * 1000)
                sock.sendall(self._encode(response, keep_alive))
                if not keep_alive:
                    return
        except (OSError, ValueError):
            return  # the client went away or timed out; nothing to answer
        finally:
            try:
                sock.close()
            except OSError:
                pass
            self._done.put((conn, None))
            self._wake()
