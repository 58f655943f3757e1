"""What keeps a function away from the console's own process: no ptrace-level access through /proc."""

from __future__ import annotations

import ctypes

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _libc() -> ctypes.CDLL | None:
    # The process's own symbols, libc's among them: ctypes.util.find_library would run
    # `ldconfig -p` (a process, several milliseconds) at every start of the console.
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def harden_process() -> bool:
    """Make this process non-dumpable (prctl PR_SET_DUMPABLE 0).

    The kernel then gives /proc/<pid>/environ, mem, maps' contents and fd/ of this process to root
    only: a function running as the same user can no longer read the console's environment (AWS
    credentials), its memory or open its descriptors (an environment's channel or log pipe).
    Processes started from here with exec are dumpable again, which environments need nothing
    else for. Returns whether the setting took (False off Linux)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return False
    return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0


def is_dumpable() -> bool | None:
    """The current setting, None where it cannot be read."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return None
    value = libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    return None if value < 0 else bool(value)
