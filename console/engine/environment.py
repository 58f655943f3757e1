"""One execution environment: a runtime process in its own process group, and the pipes to talk to it."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .config import FunctionConfig
from .envvars import RUNTIME_DIR, build_environment
from .launch import Launch
from .logs import LogBuffer
from .procwait import wait_exit
from .zygote import Zygote, ZygoteUnavailable

BOOTSTRAP = str(Path(RUNTIME_DIR) / "bootstrap.py")
_FRAME = struct.Struct("!II")
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# How often memory is sampled while user code runs: often enough to stop a runaway allocation
# close to the limit, rarely enough to cost nothing on quick invocations (they never wait this long).
MEMORY_POLL_S = 0.005
CANCEL_POLL_S = 0.05
# For this long the engine waits on the answer alone and lets output pile up in the (enlarged)
# log pipe: a quick invocation then costs one wake-up instead of one per print.
QUICK_S = 0.002
LOG_PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031
# A backstop for allocations faster than the sampling: the kernel refuses data beyond this.
DATA_LIMIT_HEADROOM_MB = 512

Outcome = Literal["ready", "init_error", "result", "error", "timeout", "exited", "oom", "cancelled"]


@dataclass
class Reply:
    """How a wait on the environment ended."""

    outcome: Outcome
    header: dict = field(default_factory=dict)
    body: bytes = b""
    exit_reason: str = ""  # "exit status 1" / "signal: killed", when the process died
    elapsed_ms: float = 0.0


def describe_exit(returncode: int) -> str:
    """The reason the way Lambda's Go platform prints it: 'exit status N' or 'signal: NAME'."""
    if returncode == 0:
        return ""  # a clean exit: the platform has no reason to give
    if returncode > 0:
        return f"exit status {returncode}"
    return "signal: " + _SIGNAL_NAMES.get(-returncode, f"signal {-returncode}")


# Go's syscall.Signal.String() names, which Lambda's messages carry.
_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


class Environment:
    """A warm-able runtime process for one function configuration and one version of its code."""

    def __init__(
        self, config: FunctionConfig, code_state: tuple, zygote: Zygote | None = None, launch: Launch | None = None
    ) -> None:
        self.config = config
        self.code_state = code_state
        self.launch = launch
        # Its own /tmp, kept across warm invocations and removed when it retires.
        self.tmp_dir = tempfile.mkdtemp(prefix="lambda-console-tmp-")
        self.tmp_private = False  # the runtime says whether it could make it a size-limited tmpfs
        self.peak_kb = 0
        self.idle_since = 0.0
        self._buffer = b""
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        self._log_r, log_w = os.pipe()
        self.started = time.perf_counter()
        try:
            self.process = self._start(config, zygote, req_r, resp_w, log_w, launch, self.tmp_dir)
        except BaseException:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)
            os.close(log_w)
        self.pid = self.process.pid
        try:
            import fcntl

            fcntl.fcntl(self._log_r, _F_SETPIPE_SZ, LOG_PIPE_BYTES)
        except OSError:
            pass  # a smaller pipe only means more wake-ups
        os.set_blocking(self._resp_r, False)
        os.set_blocking(self._log_r, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._resp_r, selectors.EVENT_READ, "resp")
        self._selector.register(self._log_r, selectors.EVENT_READ, "log")
        self._resp_selector = selectors.DefaultSelector()
        self._resp_selector.register(self._resp_r, selectors.EVENT_READ, "resp")
        self._closed = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------ life cycle

    @staticmethod
    def _start(
        config: FunctionConfig,
        zygote: Zygote | None,
        req_r: int,
        resp_w: int,
        log_w: int,
        launch: Launch | None,
        tmp_dir: str,
    ):
        python = launch.python if launch is not None else sys.executable
        env = build_environment(config, python, launch.layers if launch else (), tmp_dir)
        layout = launch.layout() if launch is not None else {}
        layout["tmp"] = {"dir": tmp_dir, "mb": config.ephemeral_storage_mb}
        data_mb = config.memory_mb + DATA_LIMIT_HEADROOM_MB
        # Interpreter settings from the function's own PYTHON* variables (hash seed, warnings...)
        # only take effect in an interpreter started with them: no zygote, no isolated mode.
        interpreter_settings = any(key.startswith("PYTHON") for key in config.environment)
        if zygote is not None and not interpreter_settings:
            try:
                return zygote.spawn(env, str(config.code_dir), data_mb, (req_r, resp_w, log_w), layout)
            except ZygoteUnavailable:
                pass  # start a process of our own instead
        # -S: nothing of the interpreter's site-packages; the runtime builds Lambda's sys.path.
        flags = ["-S"] if interpreter_settings else ["-I", "-S"]
        lib = f"--lib={launch.lib}" if launch is not None else "--lib="
        return subprocess.Popen(
            [python, *flags, BOOTSTRAP, str(req_r), str(resp_w), str(data_mb), json.dumps(layout), lib],
            stdin=subprocess.DEVNULL,
            stdout=log_w,
            stderr=log_w,
            pass_fds=(req_r, resp_w),
            env=env,
            cwd=str(config.code_dir),
            start_new_session=True,  # its own process group, killed as a whole
        )

    @property
    def alive(self) -> bool:
        return not self._closed and self.process.returncode is None

    def check_alive(self) -> bool:
        """Like `alive`, but asks the OS: an idle environment can die on its own (a stray thread)."""
        return not self._closed and self.process.poll() is None

    def kill(self) -> None:
        """Kill the runtime and everything it started (its whole process group)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        wait_exit(self.process, 5)
        self._selector.close()
        self._resp_selector.close()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        for fd in (self._req_w, self._resp_r, self._log_r):
            try:
                os.close(fd)
            except OSError:
                pass

    # ------------------------------------------------------------ talking to the runtime

    def send_invoke(self, header: dict, body: bytes) -> bool:
        """Hand an event to the runtime; False when it is gone."""
        h = json.dumps(header).encode()
        data = memoryview(_FRAME.pack(len(h), len(body)) + h + body)
        try:
            while data:
                data = data[os.write(self._req_w, data) :]
        except (BrokenPipeError, OSError):
            return False
        return True

    def wait(
        self,
        log: LogBuffer,
        deadline: float,
        cancel: threading.Event | None = None,
    ) -> Reply:
        """Read logs until the runtime answers, dies, runs out of memory or time, or is cancelled."""
        start = time.perf_counter()
        limit_kb = self.config.memory_mb * 1024
        resp_open = True
        while True:
            now = time.perf_counter()
            remaining = deadline - now
            if remaining <= 0:
                return self._drained(log, Reply("timeout", elapsed_ms=(now - start) * 1000))
            if cancel is not None and cancel.is_set():
                return self._drained(log, Reply("cancelled", elapsed_ms=(now - start) * 1000))
            step = min(remaining, MEMORY_POLL_S)
            if now - start >= MEMORY_POLL_S:
                rss = _rss_kb(self.pid)
                self.peak_kb = max(self.peak_kb, rss)
                if rss > limit_kb:
                    return self._drained(log, Reply("oom", elapsed_ms=(now - start) * 1000))
            if cancel is not None:
                step = min(step, CANCEL_POLL_S)
            quick = now - start < QUICK_S
            selector = self._resp_selector if quick else self._selector
            if quick:
                step = min(step, QUICK_S)
            for key, _ in selector.select(step):
                if key.data == "log":
                    self._read_log(log)
                    continue
                try:
                    chunk = os.read(self._resp_r, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    resp_open = False
                    break
                self._buffer += chunk
                reply = self._take_frame()
                if reply is not None:
                    reply.elapsed_ms = (time.perf_counter() - start) * 1000
                    self.peak_kb = max(self.peak_kb, int(reply.header.get("m", 0)))
                    return self._drained(log, reply)
            if not resp_open:
                return self._died(log, start, deadline)

    def _take_frame(self) -> Reply | None:
        if len(self._buffer) < _FRAME.size:
            return None
        hlen, blen = _FRAME.unpack_from(self._buffer)
        end = _FRAME.size + hlen + blen
        if len(self._buffer) < end:
            return None
        header = json.loads(self._buffer[_FRAME.size : _FRAME.size + hlen])
        body = self._buffer[_FRAME.size + hlen : end]
        self._buffer = self._buffer[end:]
        return Reply(header.get("t", "error"), header, body)

    def _read_log(self, log: LogBuffer) -> bool:
        """Move what is in the log pipe into the buffer; False at end of file."""
        while True:
            try:
                chunk = os.read(self._log_r, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            log.output(chunk)

    def _drained(self, log: LogBuffer, reply: Reply) -> Reply:
        # The runtime writes its logs before it answers, so they are all in the pipe by now.
        self._read_log(log)
        return reply

    def _died(self, log: LogBuffer, start: float, deadline: float) -> Reply:
        """The runtime closed its side: it exited. Collect the rest of its output and why."""
        while self._read_log(log):
            if time.perf_counter() > deadline:
                break
            # A grandchild may hold the log pipe open; don't wait on it for long.
            if self.process.poll() is not None:
                self._read_log(log)
                break
            time.sleep(0.001)
        try:
            returncode = self.process.wait(timeout=max(0.1, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            return Reply("timeout", elapsed_ms=(time.perf_counter() - start) * 1000)
        elapsed = (time.perf_counter() - start) * 1000
        return Reply("exited", exit_reason=describe_exit(returncode), elapsed_ms=elapsed)

    def peak_mb(self) -> int:
        """Peak resident memory so far: the runtime reports its own peak with every answer."""
        return max(1, -(-self.peak_kb // 1024))
