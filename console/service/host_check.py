"""Which Host headers a local server answers: loopback names only, unless it was opened to the network.

A page in the user's browser can make it send requests to 127.0.0.1 under a name it controls
(DNS rebinding); refusing Host names other than the loopback ones stops that."""

from __future__ import annotations

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def host_name(value: str) -> str:
    """The name part of a Host header: `localhost:3000` → `localhost`, `[::1]:3000` → `::1`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def host_allowed(header: str | None, *, allow_remote: bool) -> bool:
    """Whether a request with this Host header may be answered. HTTP/1.1 clients always send
    one; a request without it is refused on a loopback server."""
    if allow_remote:
        return True
    if not header:
        return False
    name = host_name(header)
    return is_loopback(name) or name.endswith(".localhost")
