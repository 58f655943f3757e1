"""The engine's side of the zygote: asks it to fork environments and learns how they exited."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import proctree
from .envvars import RUNTIME_DIR
from .procwait import wait_exit

ZYGOTE = str(Path(RUNTIME_DIR) / "zygote.py")
READY_TIMEOUT_S = 10.0
# How often a wait on the zygote checks that it has not been stopped (a function can send it
# SIGSTOP: it runs as the same user). A stopped zygote is continued at once.
CHECK_S = 0.05


class ZygoteUnavailable(RuntimeError):
    """The zygote could not start or has died; callers fall back to starting a process.
    `maybe_forked`: the request reached it but no answer came, so it may yet fork on the
    descriptors it was sent."""

    def __init__(self, message: str, maybe_forked: bool = False) -> None:
        super().__init__(message)
        self.maybe_forked = maybe_forked


class ForkedProcess:
    """A Popen look-alike for an environment the zygote forked."""

    def __init__(self, zygote: "Zygote", pid: int) -> None:
        self._zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_code(self.pid, forget=True)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            code = self._zygote.wait_exit(self.pid, timeout, forget=True)
            if code is None:
                raise subprocess.TimeoutExpired(f"environment {self.pid}", timeout or 0)
            self.returncode = code
        return self.returncode


class Zygote:
    """One pre-started runtime process per engine and interpreter."""

    def __init__(self, python: str = sys.executable, lib: str = "") -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = ours
        self.python = python
        try:
            # -S: nothing of the interpreter's site-packages; the runtime sets sys.path itself.
            self._process = subprocess.Popen(
                [python, "-I", "-S", ZYGOTE, str(theirs.fileno()), f"--lib={lib}"],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # Nothing of the host's environment: children get the function's only.
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._spawn_lock = threading.Lock()
        import queue  # a zygote's engine only: a one-shot invocation starts none

        self._replies: queue.Queue[dict] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._dead = False
        self.stops_seen = 0
        self._reader = threading.Thread(target=self._read, name="lambda-console-zygote", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            if "exit" in message:
                with self._cond:
                    self._exits[message["exit"]] = message["code"]
                    self._cond.notify_all()
            elif "ready" in message:
                self._ready.set()
            else:
                if "pid" in message:
                    # A reused process id must not inherit the exit of an earlier environment;
                    # this thread reads the messages in order, so clearing here cannot race.
                    with self._cond:
                        self._exits.pop(message["pid"], None)
                self._replies.put(message)
        with self._cond:
            self._dead = True
            self._cond.notify_all()
        self._ready.set()
        self._replies.put({})

    @property
    def alive(self) -> bool:
        return not self._dead and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def revive(self) -> bool:
        """Continue the zygote if something stopped it; True when it had been stopped."""
        if proctree.state(self._process.pid) not in ("T", "t"):
            return False
        try:
            os.kill(self._process.pid, signal.SIGCONT)
        except OSError:
            pass
        self.stops_seen += 1
        return True

    def spawn(
        self, env: dict[str, str], cwd: str, data_mb: int, fds: tuple[int, int], layout: dict | None = None
    ) -> ForkedProcess:
        """Fork an environment with this channel and log pipe as its descriptors."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready.wait(CHECK_S):
            self.revive()
            if time.monotonic() > deadline:
                break
        if not self._ready.is_set() or not self.alive:
            raise ZygoteUnavailable("the zygote did not start")
        request = json.dumps({"env": env, "cwd": cwd, "data_mb": data_mb, "layout": layout or {}}).encode()
        import queue

        with self._spawn_lock:
            self.revive()
            try:
                socket.send_fds(self._sock, [request], list(fds))
            except OSError as exc:
                raise ZygoteUnavailable(str(exc)) from exc
            reply: dict = {}
            while time.monotonic() < deadline:
                try:
                    reply = self._replies.get(timeout=CHECK_S)
                    break
                except queue.Empty:
                    if not self.alive:
                        break
                    self.revive()
        if "pid" not in reply:
            raise ZygoteUnavailable("the zygote did not answer", maybe_forked=True)
        return ForkedProcess(self, reply["pid"])

    def exit_code(self, pid: int, forget: bool = False) -> int | None:
        """How the environment exited (None while it runs); forget=True drops the record once read."""
        with self._cond:
            code = self._exits.pop(pid, None) if forget else self._exits.get(pid)
            if code is None and self._dead:
                return -signal.SIGKILL  # the zygote took it down when it died
            return code

    def wait_exit(self, pid: int, timeout: float | None, forget: bool = False) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not (pid in self._exits or self._dead):
                step = CHECK_S if deadline is None else min(CHECK_S, deadline - time.monotonic())
                if step <= 0:
                    return None
                if not self._cond.wait(step):
                    self.revive()  # a stopped zygote reaps nothing: continue it
            return self.exit_code(pid, forget)

    def close(self) -> None:
        self.revive()
        try:
            # shutdown, not just close: the reader thread's recv holds the descriptor open, and the
            # zygote must see the end of its socket (it then kills what it forked and exits).
            self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        except OSError:
            pass
        if wait_exit(self._process, 1) is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except OSError:
                pass
            self._process.wait(timeout=5)
