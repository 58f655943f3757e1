"""Waiting for a child process to exit on the kernel's word (a pidfd), not by polling with sleeps."""

from __future__ import annotations

import os
import select
import subprocess

# Taken at import: a test may swap subprocess.Popen for a function later.
_POPEN = subprocess.Popen


def wait_exit(process, timeout: float) -> int | None:
    """The child's exit status once it exits, or None if it still runs after `timeout` seconds.

    Popen.wait(timeout) polls with sleeps that double up to 50 ms, so a child that takes a few
    milliseconds to die costs the caller up to twice that; a pidfd becomes readable the moment the
    child exits. Where there is none (not Linux 5.3+), or for another Popen look-alike (an
    environment the zygote forked, whose exit the zygote reports), its own wait does the waiting.
    """
    if process.returncode is not None:
        return process.returncode
    try:
        if not (isinstance(_POPEN, type) and isinstance(process, _POPEN)):
            raise OSError("not our child")
        fd = os.pidfd_open(process.pid)  # the child is not reaped yet, so its pid is still its own
    except (AttributeError, OSError):
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(max(0.0, timeout) * 1000)
    finally:
        os.close(fd)
    return process.poll()
