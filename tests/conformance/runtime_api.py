"""A minimal local Lambda Runtime API (2018-06-01) that drives the real awslambdaric in tests.

awslambdaric talks to it through two clients: its C extension `runtime_client` (aws-lambda-cpp over
libcurl: keep-alive HTTP/1.1, `next`, `response`, `error`) and, for init errors only, Python's
http.client (`call_rapid`). awslambdaric 4.x's C client does not send
Lambda-Runtime-Function-Error-Type on invocation errors (only the X-Ray cause header); the Python
client sends it on /init/error. Whatever arrives is recorded. Both are served here. One server hosts one *session* at a time (one
runtime process fed a queue of invocations); `RuntimeApiServer.session()` swaps it.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

PREFIX = "/2018-06-01/runtime"
# awslambdaric sends the X-Ray error cause as a header of up to 1 MiB (a deep recursion's trace);
# http.server reads header lines with http.client's 64 KiB limit, so raise it (this only loosens).
http.client._MAXLINE = max(getattr(http.client, "_MAXLINE", 65536), 2 * 1024 * 1024)
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


@dataclass
class Invocation:
    """One event handed to the runtime and what the runtime answered for it."""

    event: bytes
    function_arn: str
    timeout_s: float = 30.0
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_context: str | None = None
    cognito_identity: str | None = None
    content_type: str = "application/json"
    deadline_ms: int = 0  # set when the runtime picks the invocation up, like Lambda does
    response: bytes | None = None
    response_content_type: str | None = None
    error: bytes | None = None
    error_type: str | None = None
    xray_error_cause: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def answered(self) -> bool:
        return self.done.is_set()


class Session:
    """The Runtime API state of one runtime process: pending invocations, answers, init error."""

    def __init__(self, on_next: Callable[[Invocation], None] | None = None) -> None:
        self._lock = threading.Condition()
        self._pending: list[Invocation] = []
        self._by_id: dict[str, Invocation] = {}
        self._closed = False
        self._on_next = on_next
        self.init_error: bytes | None = None
        self.init_error_type: str | None = None
        self.init_error_posted = threading.Event()
        self.next_calls = 0
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order, for debugging

    def enqueue(self, invocation: Invocation) -> Invocation:
        with self._lock:
            self._pending.append(invocation)
            self._by_id[invocation.request_id] = invocation
            self._lock.notify_all()
        return invocation

    def close(self) -> None:
        """Release every `next` still waiting (the runtime is being killed)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def take_next(self) -> Invocation | None:
        """Block until an invocation is queued; None once the session is closed."""
        with self._lock:
            self.next_calls += 1
            while not self._pending and not self._closed:
                self._lock.wait(0.5)
            if self._closed:
                return None
            invocation = self._pending.pop(0)
        invocation.deadline_ms = int(time.time() * 1000 + invocation.timeout_s * 1000)
        if self._on_next is not None:
            self._on_next(invocation)
        return invocation

    def find(self, request_id: str) -> Invocation | None:
        with self._lock:
            return self._by_id.get(request_id)


class _Handler(BaseHTTPRequestHandler):
    # libcurl keeps the connection alive between `next` and `response`.
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailer section ends with an empty line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _status(self, code: int, status: str) -> None:
        self._send(code, json.dumps({"status": status}).encode(), {"Content-Type": "application/json"})

    def _error(self, code: int, error_type: str, message: str) -> None:
        body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
        self._send(code, body, {"Content-Type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        session = self.server.current
        if session is not None:
            session.requests.append(("GET", self.path))
        if self.path != f"{PREFIX}/invocation/next":
            self._error(404, "NotFound", f"unknown path {self.path}")
            return
        invocation = session.take_next() if session is not None else None
        if invocation is None:
            self._error(410, "Gone", "session closed")
            self.close_connection = True
            return
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            "Content-Type": invocation.content_type,
        }
        if invocation.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        if invocation.cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
        self._send(200, invocation.event, headers)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        session = self.server.current
        body = self._body()
        if session is not None:
            session.requests.append(("POST", self.path))
        if session is None:
            self._error(500, "NoSession", "no runtime session is active")
            return
        if self.path == f"{PREFIX}/init/error":
            session.init_error = body
            session.init_error_type = self.headers.get(ERROR_TYPE_HEADER)
            self._status(202, "OK")
            session.init_error_posted.set()
            return
        parts = self.path[len(PREFIX) :].strip("/").split("/") if self.path.startswith(PREFIX) else []
        if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
            self._error(404, "NotFound", f"unknown path {self.path}")
            return
        invocation = session.find(parts[1])
        if invocation is None:
            self._error(400, "InvalidRequestID", f"unknown request id {parts[1]}")
            return
        if invocation.answered:
            self._error(400, "InvalidStateTransition", "invocation already answered")
            return
        if parts[2] == "response":
            invocation.response = body
            invocation.response_content_type = self.headers.get("Content-Type")
        else:
            invocation.error = body
            invocation.error_type = self.headers.get(ERROR_TYPE_HEADER)
            invocation.xray_error_cause = self.headers.get("Lambda-Runtime-Function-XRay-Error-Cause")
        self._status(202, "OK")
        invocation.done.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    current: Session | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        # The runtime is killed while its next `next` is parked here: a reset connection is the
        # normal end of every session, not something to print.
        pass


class RuntimeApiServer:
    """The Runtime API on 127.0.0.1 with an ephemeral port, served from a background thread."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """The value for AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def session(self, on_next: Callable[[Invocation], None] | None = None) -> Session:
        """Start serving a fresh runtime process (closing the previous session)."""
        if self._server.current is not None:
            self._server.current.close()
        self._server.current = Session(on_next)
        return self._server.current

    def close(self) -> None:
        if self._server.current is not None:
            self._server.current.close()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "RuntimeApiServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
