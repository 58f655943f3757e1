"""Which Host headers a local HTTP front answers: the Invoke API's rule, shared with `lambda-console api`.

A page in the user's browser can make it send requests to 127.0.0.1 under a name it controls
(DNS rebinding); a loopback server answers only the loopback names, as the Invoke API does."""

from __future__ import annotations

from .api import host_name

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS


def allowed_hosts(bound_host: str, *, allow_remote: bool) -> frozenset[str] | None:
    """The Host names a server bound to `bound_host` answers (None: any, for --allow-remote)."""
    if allow_remote and not is_loopback(bound_host):
        return None
    return LOOPBACK_HOSTS | {bound_host.lower()}


def host_allowed(header: str | None, allowed: frozenset[str] | None) -> bool:
    """Whether a request with this Host header may be answered (no header: an HTTP/1.0 client)."""
    return allowed is None or header is None or host_name(header) in allowed
