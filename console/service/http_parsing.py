"""Strict HTTP/1.1 request reading shared by the local servers (`serve` and `api`): one parser, so
a smuggling or memory hole closed for one front is closed for both."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import BinaryIO, Callable

from console.display import neutralise

MAX_LINE = 65536
MAX_HEADERS = 100
_DIGITS = re.compile(rb"[0-9]{1,18}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers a request may carry once only: two of them let two parsers disagree on the request.
_SINGLE = ("content-length", "transfer-encoding", "host")
# One header value as a response may carry it: visible ASCII, spaces and tabs, nothing else.
_UNSAFE_HEADER = re.compile(r"[^\x20-\x7e\t]")


class BadRequest(Exception):
    """A request that cannot be answered as sent; `status` is the answer (400, 413, 414, 431, 501)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    method: str
    target: str
    version: str
    fields: list[tuple[str, str]]  # as sent: names keep their case, repeated names repeat
    headers: dict[str, str]  # lower-case names, repeated ones joined with ", "
    body: bytes | None  # None: larger than the limit (drained or not read; answer 413)
    keep_alive: bool


def read_request(
    rfile: BinaryIO,
    *,
    max_body: int,
    max_drain: int,
    send: Callable[[bytes], None],
    started: Callable[[], None] = lambda: None,
) -> Request | None:
    """The next request on a connection, or None when the client hung up.

    Parsed strictly (RFC 9112): a plain-digit Content-Length, hexadecimal chunk sizes, no
    duplicate Content-Length/Transfer-Encoding/Host, not both framings, no space before a
    header's colon, no folded lines; anything else raises BadRequest. A body over `max_body` is
    never kept: it is read and dropped up to `max_drain` (so the client reads the 413 rather than
    a reset), past that not read at all (the connection must then close). `send` writes
    "100 Continue"; `started` is called once the request line has arrived.
    """
    line = rfile.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests (RFC 9112 2.2)
        line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    started()
    if len(line) > MAX_LINE:
        raise BadRequest(414, "Request line too long")
    method, target, version = request_line(line)
    fields: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    while True:
        h = rfile.readline(MAX_LINE + 1)
        if h in (b"\r\n", b"\n"):
            break
        if not h:
            return None
        if len(h) > MAX_LINE or len(fields) >= MAX_HEADERS:
            raise BadRequest(431, "Request header fields too large")
        header_line(h, fields, headers)
    keep_alive = wants_keep_alive(version, headers)

    def request(body: bytes | None, alive: bool) -> Request:
        return Request(method, target, version, fields, headers, body, alive)

    length = body_length(headers)
    if length is None:
        _continue(headers, send)
        body = _read_chunked(rfile, max_body, max_drain)
        return request(body, keep_alive and body is not None)
    if length > max_drain:
        return request(None, False)
    _continue(headers, send)
    if length > max_body:
        if not _discard(rfile, length):
            return None
        return request(None, keep_alive)
    body = rfile.read(length) if length else b""
    if len(body) < length:
        return None
    return request(body, keep_alive)


def request_line(line: bytes) -> tuple[str, str, str]:
    """Method, target and version of a request line; BadRequest when it is not one."""
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise BadRequest(400, "Malformed request line")
    method, target, version = (p.decode("latin-1") for p in parts)
    return method, target, version


def header_line(h: bytes, fields: list[tuple[str, str]], headers: dict[str, str]) -> None:
    """Add one header line (its line ending included) to `fields` and `headers`, strictly."""
    key, sep, value = h.partition(b":")
    # No space before the colon, no folded lines (RFC 9112 5.1): both are smuggling tools.
    if not sep or not _TOKEN.fullmatch(key):
        raise BadRequest(400, "Malformed header line")
    name = key.lower().decode("latin-1")
    if name in headers and name in _SINGLE:
        raise BadRequest(400, f"Duplicate {name} header")
    text = value.strip().decode("latin-1")
    fields.append((key.decode("latin-1"), text))
    headers[name] = f"{headers[name]}, {text}" if name in headers else text


def wants_keep_alive(version: str, headers: dict[str, str]) -> bool:
    connection = headers.get("connection", "").lower()
    return connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"


def body_length(headers: dict[str, str]) -> int | None:
    """The body's length from Content-Length (0 without one), None for a chunked body;
    BadRequest for ambiguous or unsupported framing."""
    if "transfer-encoding" in headers:
        if "content-length" in headers:
            raise BadRequest(400, "Both Transfer-Encoding and Content-Length")
        if headers["transfer-encoding"].strip().lower() != "chunked":
            raise BadRequest(501, "Only the chunked transfer coding is supported")
        return None
    raw_length = headers.get("content-length", "0").strip() or "0"
    if not _DIGITS.fullmatch(raw_length.encode("latin-1")):
        raise BadRequest(400, "Invalid Content-Length")
    return int(raw_length)


def log_safe(line: str) -> str:
    """An access-log line whose client-sent parts reach the terminal harmless: no escape
    sequences, no line breaks."""
    return neutralise(line).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def open_reader(sock: socket.socket, idle_timeout: float) -> BinaryIO:
    """The buffered reader a connection's requests are parsed from. TCP_NODELAY: without it,
    Nagle's algorithm and the client's delayed ACK add ~40 ms to every keep-alive response."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(idle_timeout)
    return sock.makefile("rb", buffering=65536)


def header_value(value: str) -> str:
    """A response header value that cannot end its line: CR, LF and other control bytes are
    removed (what a function or a client sent never splits a response)."""
    return _UNSAFE_HEADER.sub("", value)


def _continue(headers: dict[str, str], send: Callable[[bytes], None]) -> None:
    if headers.get("expect", "").lower() == "100-continue":
        send(b"HTTP/1.1 100 Continue\r\n\r\n")


def _discard(rfile: BinaryIO, length: int) -> bool:
    """Read and drop `length` bytes in small pieces; False when the client went away."""
    while length > 0:
        piece = rfile.read(min(length, 65536))
        if not piece:
            return False
        length -= len(piece)
    return True


def _read_chunked(rfile: BinaryIO, max_body: int, max_drain: int) -> bytes | None:
    """The body of a chunked request (RFC 9112 7.1), parsed strictly: hexadecimal sizes only,
    every chunk ends in CRLF. Past `max_body` the rest is dropped (None: answer 413), past
    `max_drain` reading stops."""
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = rfile.readline(MAX_LINE + 1)
        if not size_line.endswith(b"\n"):
            raise BadRequest(400, "Malformed chunk")
        digits = size_line.split(b";", 1)[0].strip()
        if not _HEX.fullmatch(digits):
            raise BadRequest(400, "Malformed chunk size")
        size = int(digits, 16)
        if size == 0:
            for _ in range(MAX_HEADERS + 1):  # trailers, ignored
                trailer = rfile.readline(MAX_LINE + 1)
                if trailer in (b"\r\n", b"\n", b""):
                    break
            else:
                raise BadRequest(431, "Too many trailer fields")
            return b"".join(chunks) if total <= max_body else None
        total += size
        if total > max_drain:
            raise BadRequest(413, "Request body too large")
        if total > max_body:
            chunks.clear()
            if not _discard(rfile, size):
                raise BadRequest(400, "Truncated chunk")
        else:
            data = rfile.read(size)
            if len(data) < size:
                raise BadRequest(400, "Truncated chunk")
            chunks.append(data)
        if rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest(400, "Malformed chunk")
