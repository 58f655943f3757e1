"""`lambda-console api`: a local HTTP server in front of a SAM project's functions (its REST and
HTTP APIs on one port, each function URL on its own), every request invoked through the Invoker."""

from __future__ import annotations

import json
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Callable

from console.sam.functions import SamProject
from console.sam.routes import Api, HttpSetup, Route, http_setup
from console.sam.template import TemplateError

from .host_check import allowed_hosts, host_allowed, is_loopback
from .http_api import (
    HttpRequest,
    HttpResponse,
    MalformedResponse,
    Router,
    build_event,
    failure_response,
    json_response,
    match_path,
    not_found_response,
    translate_response,
)
from .http_cors import apply_cors, preflight
from .http_parsing import BadRequest, header_value, log_safe, open_reader, read_request
from .invoker import Invoker

DEFAULT_PORT = 3000  # what `sam local start-api` listens on
# API Gateway refuses request bodies over 10 MB, a function URL over Lambda's 6 MB. A larger
# body is read and dropped up to MAX_DRAIN (so the client reads the 413), never kept in memory.
MAX_BODY = 10 * 1024 * 1024
MAX_URL_BODY = 6 * 1024 * 1024
MAX_DRAIN = 64 * 1024 * 1024
IDLE_TIMEOUT_S = 120.0
# Connection threads at most (as the Invoke API caps its own).
MAX_CONNECTIONS = 128


class Project:
    """The template's project, read again when the template file changes (a request never waits
    for more than a stat of the file when nothing changed)."""

    def __init__(self, load: Callable[[], SamProject], log: Callable[[str], None], project: SamProject | None = None) -> None:
        self._load = load
        self._log = log
        self._lock = threading.Lock()
        self.project = project if project is not None else load()
        self.setup = http_setup(self.project)
        self._stamp = self._template_stamp()

    def _template_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.project.template_path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def current(self) -> tuple[SamProject, HttpSetup]:
        stamp = self._template_stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    try:
                        project = self._load()
                        setup = http_setup(project)
                    except (TemplateError, OSError, ValueError) as exc:
                        self._log(f"template not reloaded, still serving the previous one: {exc}")
                    else:
                        self.project, self.setup = project, setup
                        self._log(f"template reloaded: {self.project.template_path}")
                        for problem in project.problems:
                            self._log(f"  ! {problem}")
        return self.project, self.setup


@dataclass
class Listener:
    """One port: the APIs (every REST and HTTP API route) or one function URL."""

    name: str  # "api" or the function URL's API id
    server: socketserver.TCPServer
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"


class HttpApiServer:
    """Serves a SAM project over HTTP as API Gateway and function URLs would.

    `log` receives one line per request and, for a failed invocation, the reason and the
    function's log. The invoker is shared with the caller when given (the TUI), else owned.
    """

    def __init__(
        self,
        load: Callable[[], SamProject],
        *,
        project: SamProject | None = None,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        allow_remote: bool = False,
        invoker: Invoker | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(f"refusing to listen on {host}: pass allow_remote=True (--allow-remote) to expose it")
        self.allow_remote = allow_remote
        self.allowed_hosts = allowed_hosts(host, allow_remote=allow_remote)
        self._log_sink = log
        self.project = Project(load, self.log, project)
        self._owns_invoker = invoker is None
        self.invoker = invoker if invoker is not None else Invoker()
        self.listeners: list[Listener] = []
        self._closed = False
        try:
            self.listeners.append(Listener("api", self._bind(host, port, "api")))
            _, setup = self.project.current()
            url_apis = [a for a in setup.apis.values() if a.kind == "url"]
            for i, api in enumerate(url_apis):
                # The ports after the API's, when free; any free port otherwise (each is printed).
                try:
                    server = self._bind(host, 0 if port == 0 else port + 1 + i, api.logical_id)
                except OSError:
                    server = self._bind(host, 0, api.logical_id)
                self.listeners.append(Listener(api.logical_id, server))
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ sockets

    def _bind(self, host: str, port: int, name: str) -> socketserver.TCPServer:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_cls = type("_Server", (_ThreadingServer,), {"address_family": family})
        server = server_cls((host, port), _Handler)
        server.app = self  # type: ignore[attr-defined]
        server.listener_name = name  # type: ignore[attr-defined]
        return server

    @property
    def url(self) -> str:
        return self.listeners[0].url

    def function_urls(self) -> dict[str, str]:
        """Function logical ID → its local function URL."""
        _, setup = self.project.current()
        urls = {}
        for listener in self.listeners[1:]:
            for route in setup.routes:
                if route.api_id == listener.name:
                    urls[route.function] = listener.url
        return urls

    def start(self) -> HttpApiServer:
        """Serve in background threads (tests, the TUI)."""
        for listener in self.listeners:
            listener.thread = threading.Thread(
                target=listener.server.serve_forever, kwargs={"poll_interval": 0.2},
                name=f"lambda-api-{listener.name}", daemon=True,
            )
            listener.thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until KeyboardInterrupt (the command line)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for listener in self.listeners:
            if listener.thread is not None:
                listener.server.shutdown()
            listener.server.server_close()
        if self._owns_invoker:
            self.invoker.close()

    def __enter__(self) -> HttpApiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log(self, line: str) -> None:
        if self._log_sink is None:
            return
        try:
            self._log_sink(line)
        except Exception:
            pass  # a broken log sink must not fail a request

    # ------------------------------------------------------------ requests

    def handle(self, listener: str, request: HttpRequest) -> HttpResponse:
        """Answer one request; never raises."""
        started = time.perf_counter()
        target = "-"
        try:
            if not host_allowed(request.header("host"), self.allowed_hosts):
                response = json_response(403, {"message": "Forbidden: this server answers only requests addressed to localhost"})
            else:
                response, target = self._answer(listener, request)
        except Exception as exc:  # the server must outlive anything a request or a function does
            self.log(f"internal error: {type(exc).__name__}: {exc}")
            response = failure_response("rest")
        elapsed = (time.perf_counter() - started) * 1000
        self.log(log_safe(f"{time.strftime('%H:%M:%S')} {request.method} {request.target} -> {target} {response.status} {elapsed:.1f} ms"))
        return response

    def _answer(self, listener: str, request: HttpRequest) -> tuple[HttpResponse, str]:
        project, setup = self.project.current()
        if listener == "api":
            routes = [r for r in setup.routes if r.kind != "url"]
            kind = "rest" if any(r.kind == "rest" for r in routes) or not routes else "http"
        else:
            routes = [r for r in setup.routes if r.api_id == listener]
            kind = "url"
        router = Router(routes)
        path = request.path
        found = router.match(request.method, path)
        if request.method == "OPTIONS":
            any_route = router.match("ANY", path) or _any_method_match(router, path)
            if any_route is not None:
                api = setup.apis[any_route[0].api_id]
                explicit = found is not None and found[0].method == "OPTIONS"
                answer = None if explicit else preflight(api.cors, api, request, router.methods_for(path))
                if answer is not None:
                    return answer, "CORS preflight"
        if found is None:
            # A path some API declares (for another method) answers as that API answers.
            near = _any_method_match(router, path)
            if near is not None and near[0].kind != "url":
                kind = near[0].kind
            return not_found_response(kind), "no route"
        route, params = found
        api = setup.apis[route.api_id]
        return self._invoke(project, route, params, api, request), route.function

    def _invoke(self, project: SamProject, route: Route, params: dict[str, str], api: Api, request: HttpRequest) -> HttpResponse:
        from console.engine import ConfigError

        from .errors import InvokeError, RequestTooLarge

        function = project.get(route.function)
        if function is None or not function.runnable:
            self.log(f"  ! {route.function} cannot run: {function.skipped if function else 'not in the template'}")
            return failure_response(api.kind)
        event = build_event(request, route, params, api)
        try:
            outcome = self.invoker.invoke(function.to_function_config(), json.dumps(event).encode("utf-8"))
        except RequestTooLarge:
            return json_response(413, {"message": "Request Entity Too Large"})
        except (InvokeError, ConfigError) as exc:
            self.log(f"  ! {route.function} was not invoked: {exc}")
            return failure_response(api.kind)
        result = outcome.result
        assert result is not None
        if result.function_error:
            self.log(f"  ! {route.function} failed ({result.error_type or result.function_error}); its log:")
            self._log_block(result.log)
            return failure_response(api.kind)
        try:
            response = translate_response(result.payload, route, api, request)
        except MalformedResponse as exc:
            self.log(f"  ! {route.function} returned a malformed response for API Gateway: {exc}")
            self._log_block(result.log)
            return failure_response(api.kind)
        response.headers.append(("Apigw-Requestid" if api.kind != "url" else "x-amzn-RequestId", result.request_id))
        return apply_cors(response, api.cors, api, request)

    def _log_block(self, text: str) -> None:
        for line in text.rstrip("\n").splitlines():
            self.log(f"    {line}")


def _any_method_match(router: Router, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in router.routes:
        if route.path != "$default":
            params = match_path(route.path, path)
            if params is not None:
                return route, params
    return None


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._connection_count = 0
        self._count_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """A thread per connection, at most MAX_CONNECTIONS: past it a new client gets a 503 at
        once rather than a thread (idle keep-alive clients cannot exhaust the process)."""
        with self._count_lock:
            full = self._connection_count >= MAX_CONNECTIONS
            if not full:
                self._connection_count += 1
        if full:
            try:
                body = b'{"message": "Service Unavailable: too many connections"}'
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            with self._count_lock:
                self._connection_count -= 1
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._count_lock:
                self._connection_count -= 1

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"lambda-console api: connection error from {client_address}: {exc!r}", file=sys.stderr)


class _Handler(socketserver.BaseRequestHandler):
    """One client connection: requests are read strictly (the parser `serve` uses) and answered
    in turn while it stays alive."""

    def setup(self) -> None:
        self.rfile = open_reader(self.request, IDLE_TIMEOUT_S)

    def finish(self) -> None:
        try:
            self.rfile.close()
        except OSError:
            pass

    def handle(self) -> None:
        app: HttpApiServer = self.server.app  # type: ignore[attr-defined]
        name: str = self.server.listener_name  # type: ignore[attr-defined]
        sock: socket.socket = self.request
        # API Gateway's payload limit for the APIs, Lambda's for a function URL.
        max_body = MAX_BODY if name == "api" else MAX_URL_BODY
        try:
            while True:
                try:
                    parsed = read_request(self.rfile, max_body=max_body, max_drain=MAX_DRAIN, send=sock.sendall)
                except BadRequest as exc:
                    message = "Request Entity Too Large" if exc.status == 413 else f"Bad Request: {exc}"
                    app.log(log_safe(f"{time.strftime('%H:%M:%S')} refused: {exc.status} {exc}"))
                    sock.sendall(_encode(json_response(exc.status, {"message": message}), "GET", False))
                    return
                if parsed is None:
                    return
                keep_alive = parsed.keep_alive
                if parsed.body is None:  # past the limit: drained, or not read at all
                    app.log(log_safe(f"{time.strftime('%H:%M:%S')} {parsed.method} {parsed.target} 413 body too large"))
                    response = json_response(413, {"message": "Request Entity Too Large"})
                else:
                    request = HttpRequest(
                        method=parsed.method,
                        target=parsed.target,
                        headers=parsed.fields,
                        body=parsed.body,
                        source_ip=str(self.client_address[0]),
                        port=self.server.server_address[1],
                        protocol=parsed.version,
                    )
                    response = app.handle(name, request)
                sock.sendall(_encode(response, parsed.method, keep_alive))
                if not keep_alive:
                    return
        except (OSError, ValueError):
            return  # the client went away or timed out; nothing to answer


def _encode(response: HttpResponse, method: str, keep_alive: bool) -> bytes:
    status = response.status
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}", f"Date: {formatdate(usegmt=True)}"]
    for key, value in response.headers:
        if key.lower() not in ("content-length", "connection", "transfer-encoding"):
            lines.append(f"{header_value(key)}: {header_value(value)}")
    if status != 204:
        lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if method == "HEAD" or status in (204, 304):
        return head
    return head + response.body


def serve_template_paths(server: HttpApiServer) -> list[str]:
    """Lines saying where each route is served (for the terminal at start)."""
    project, setup = server.project.current()
    lines = []
    for route in sorted(setup.routes, key=lambda r: (r.kind == "url", r.path, r.method)):
        if route.kind == "url":
            continue
        api = setup.apis[route.api_id]
        where = "REST API" if api.kind == "rest" else f"HTTP API, payload {route.payload_version}"
        shown = "/{any path}" if route.path == "$default" else route.path
        lines.append(f"  {route.method:7} {server.url}{shown}  -> {route.function}  ({where}, stage {api.stage})")
    for function, url in server.function_urls().items():
        lines.append(f"  ANY     {url}/  -> {function}  (function URL)")
    return lines
