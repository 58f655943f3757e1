"""One execution environment: a keeper and its runtime process, the channel to talk to them, and
the checks every frame that comes back must pass."""

from __future__ import annotations

import json
import math
import os
import re
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Literal

from . import proctree
from .config import FunctionConfig
from .envvars import RUNTIME_DIR, build_environment
from .launch import Launch
from .logs import LogBuffer
from .launcher import LAUNCHER
from .procwait import wait_exit
from .zygote import Zygote, ZygoteUnavailable

if TYPE_CHECKING:
    from .preboot import Preboot

BOOTSTRAP = str(Path(RUNTIME_DIR) / "bootstrap.py")
_FRAME = struct.Struct("!II")
# Lambda's message names this figure (a little over the documented 6 MB).
MAX_RESPONSE_BYTES = 6291556
# The runtime's frame headers are a few dozen bytes; anything this long is not one.
MAX_HEADER_BYTES = 64 * 1024
# A media type as RFC 9110 writes it (token/token, parameters), and nothing that could end a
# header line: whatever the environment sends ends up in an HTTP response of the Invoke API.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
CONTENT_TYPE = re.compile(rf'{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|"[^"\\\x00-\x1f\x7f]*"))*')
MAX_CONTENT_TYPE = 256
# The two the runtime sends (a str or dict answer, a bytes one): known good without the pattern.
_USUAL_CONTENT_TYPES = frozenset({"application/json", "application/unknown"})
_HEADER_DECODER = json.JSONDecoder()
_INIT_TYPES = ("ready", "init_error", "oom")
_INVOKE_TYPES = ("result", "error", "oom")
# How often memory is sampled while user code runs: often enough to stop a runaway allocation
# close to the limit, rarely enough to cost nothing on quick invocations (they never wait this long).
MEMORY_POLL_S = 0.005
CANCEL_POLL_S = 0.05
# For this long the engine waits on the answer alone and lets output pile up in the (enlarged)
# log pipe: a quick invocation then costs one wake-up instead of one per print.
QUICK_S = 0.002
LOG_PIPE_BYTES = 1 << 20
LOG_READ_BYTES = 1 << 16
_F_SETPIPE_SZ = 1031
# What one read of the channel asks for: enough for any usual answer in one read, and no more,
# since recv() allocates what it asks for (a megabyte costs a few times the whole round trip).
# A frame known to be longer is read in reads of up to RECV_MAX_BYTES.
RECV_BYTES = 64 * 1024
RECV_MAX_BYTES = 1 << 20
# A backstop for allocations faster than the sampling: the kernel refuses data beyond this.
DATA_LIMIT_HEADROOM_MB = 512

if TYPE_CHECKING:
    Outcome = Literal[
        "ready", "init_error", "result", "error", "timeout", "exited", "oom", "cancelled", "invalid", "too_large",
        "eof",  # poll_reply() only: the runtime closed its side; wait() collects why
    ]


@dataclass
class Reply:
    """How a wait on the environment ended."""

    outcome: Outcome
    header: dict = field(default_factory=dict)
    body: bytes = b""
    exit_reason: str = ""  # "exit status 1" / "signal: killed", when the process died
    elapsed_ms: float = 0.0
    problem: str = ""  # what was wrong with an "invalid" frame


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


def _rmtree(path: str) -> None:
    import shutil  # when an environment ends, not on every start

    shutil.rmtree(path, ignore_errors=True)


def _rss_kb(pid: int) -> int:
    return proctree.rss_kb(pid)


class Environment:
    """A warm-able runtime process for one function configuration and one version of its code.

    `pid` is the keeper's: the process the engine started (or the zygote forked), which stays at
    the top of the environment's process tree. `runtime_pid` is the runtime process below it."""

    def __init__(
        self,
        config: FunctionConfig,
        code_state: tuple,
        zygote: Zygote | None = None,
        launch: Launch | None = None,
        preboot: Preboot | None = None,
    ) -> None:
        self.config = config
        self.code_state = code_state
        self.launch = launch
        # Its own /tmp, kept across warm invocations and removed when it retires.
        self.tmp_dir = tempfile.mkdtemp(prefix="lambda-console-tmp-")
        self.tmp_private = False  # the runtime says whether it could make it a size-limited tmpfs
        self.peak_kb = 0
        self.idle_since = 0.0
        self.runtime_pid: int | None = None
        self.key = os.urandom(16).hex()  # secrets.token_hex(16)
        self._buffer = bytearray()
        self._header: dict | None = None  # the header of the frame being read, once checked
        self._seen: dict[int, int] = {}  # processes seen in the tree -> their start times
        self._frozen: list[int] = []
        self.frozen = False
        self.started = time.perf_counter()
        claimed = self._claim(preboot, config, launch, self.tmp_dir) if preboot is not None else None
        if claimed is not None:
            # A runtime started ahead (preboot.py) now has this environment's settings.
            ours, self._log_r, self.process = claimed
            self._chan = ours
            self._send_frame({"k": self.key}, b"", None)
        else:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            self._chan = ours
            self._log_r, log_w = os.pipe()
            try:
                # The key travels in the first frame, never in argv or the environment (readable in /proc).
                self._send_frame({"k": self.key}, b"", None)
                self.process = self._start(config, zygote, theirs.fileno(), log_w, launch, self.tmp_dir)
            except BaseException:
                ours.close()
                os.close(self._log_r)
                _rmtree(self.tmp_dir)
                raise
            finally:
                theirs.close()
                os.close(log_w)
        self.pid = self.process.pid
        try:
            import fcntl

            fcntl.fcntl(self._log_r, _F_SETPIPE_SZ, LOG_PIPE_BYTES)
        except OSError:
            pass  # a smaller pipe only means more wake-ups
        ours.setblocking(False)
        os.set_blocking(self._log_r, False)
        # Plain poll objects, not selectors: a warm invocation waits once or twice, and the
        # selectors module's book-keeping around each wait costs more than the wait's syscall.
        self._chan_fd = ours.fileno()
        self._poll_all = select.poll()  # the answer and the log
        self._poll_all.register(self._chan_fd, select.POLLIN)
        self._poll_all.register(self._log_r, select.POLLIN)
        self._poll_resp = select.poll()  # the answer alone
        self._poll_resp.register(self._chan_fd, select.POLLIN)
        self._log_open = True
        self._want = RECV_BYTES  # what the next read of the channel asks for
        self._closed = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------ life cycle

    @staticmethod
    def _claim(preboot: Preboot, config: FunctionConfig, launch: Launch | None, tmp_dir: str):
        """The preboot runtime, given what _start would have started the process with; None when
        it was started otherwise (then _start starts one)."""
        if launch is None:
            preboot.discard()
            return None
        env = build_environment(config, launch.python, launch.layers, tmp_dir)
        layout = launch.layout()
        layout["tmp"] = {"dir": tmp_dir, "mb": config.ephemeral_storage_mb}
        isolated = not any(key.startswith("PYTHON") for key in config.environment)
        return preboot.claim(
            launch.python, launch.lib, env, str(config.code_dir), config.memory_mb + DATA_LIMIT_HEADROOM_MB,
            layout, isolated,
        )

    @staticmethod
    def _start(
        config: FunctionConfig,
        zygote: Zygote | None,
        chan: int,
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
                return zygote.spawn(env, str(config.code_dir), data_mb, (chan, log_w), layout)
            except ZygoteUnavailable as exc:
                if exc.maybe_forked:
                    raise  # it may still fork onto these descriptors: the caller starts afresh
                # otherwise start a process of our own instead
        # -S: nothing of the interpreter's site-packages; the runtime builds Lambda's sys.path.
        # -c LAUNCHER: the runtime imported from its cached bytecode, not compiled as a script.
        flags = (["-S"] if interpreter_settings else ["-I", "-S"]) + ["-c", LAUNCHER]
        lib = f"--lib={launch.lib}" if launch is not None else "--lib="
        return subprocess.Popen(
            [python, *flags, BOOTSTRAP, str(chan), str(data_mb), json.dumps(layout), lib],
            stdin=subprocess.DEVNULL,
            stdout=log_w,
            stderr=log_w,
            pass_fds=(chan,),
            env=env,
            cwd=str(config.code_dir),
            start_new_session=True,  # its own session: the keeper leads it
        )

    @property
    def alive(self) -> bool:
        return not self._closed and self.process.returncode is None

    def check_alive(self) -> bool:
        """Like `alive`, but asks the OS: an idle environment can die on its own (a stray thread)."""
        return not self._closed and self.process.poll() is None

    def freeze(self) -> None:
        """Stop the whole tree while the environment is idle (see freezer.py). The keeper is not
        stopped: it only sleeps, and must keep reaping."""
        if not self._closed:
            self._frozen = proctree.freeze(self.pid)
            self.frozen = True

    def thaw(self) -> None:
        """Continue what freeze() stopped, before the environment gets an invocation. Another
        function (same user) may have stopped the keeper or the runtime too: a frozen
        environment has them continued here with the rest, any other once its runtime has not
        answered within QUICK_S (see wait), which a runtime that answers never costs a signal."""
        if not self.frozen:
            return
        frozen, self._frozen = self._frozen, []
        self.frozen = False
        targets = [self.pid, *frozen]
        if self.runtime_pid is not None and self.runtime_pid not in frozen:
            targets.append(self.runtime_pid)
        proctree.signal_all(targets, signal.SIGCONT)

    def _continue(self) -> None:
        """Continue the keeper and the runtime, whoever stopped them."""
        targets = [self.pid] if self.runtime_pid is None else [self.pid, self.runtime_pid]
        proctree.signal_all(targets, signal.SIGCONT)

    def kill(self, wait: bool = True) -> None:
        """Kill the runtime and everything it started, however it detached. Everything below the
        keeper is dead when this returns; wait=False does not wait for the keeper itself to be
        (SIGKILLed, it goes with its private /tmp mount: a process that exits next need not wait,
        and leaves it to init to reap)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._chan.shutdown(socket.SHUT_RDWR)  # the keeper sees it and kills the tree too
        except OSError:
            pass
        proctree.kill_tree(self.pid, self._seen)
        for group in {self.pid, self.runtime_pid}:
            if group is not None:
                try:
                    os.killpg(group, signal.SIGKILL)
                except OSError:
                    pass
        if wait:
            wait_exit(self.process, 5)
        self._chan.close()
        _rmtree(self.tmp_dir)
        try:
            os.close(self._log_r)
        except OSError:
            pass

    # ------------------------------------------------------------ talking to the runtime

    def _send_frame(self, header: dict, body: bytes, deadline: float | None) -> bool:
        h = json.dumps(header).encode()
        data = memoryview(_FRAME.pack(len(h), len(body)) + h + body)
        try:
            while data:
                try:
                    data = data[self._chan.send(data) :]
                except BlockingIOError:
                    remaining = None if deadline is None else deadline - time.perf_counter()
                    if remaining is not None and remaining <= 0:
                        return False
                    selectors_ = selectors.DefaultSelector()
                    try:
                        selectors_.register(self._chan, selectors.EVENT_WRITE)
                        selectors_.select(remaining)
                    finally:
                        selectors_.close()
        except OSError:
            return False
        return True

    def send_invoke(self, header: dict, body: bytes, deadline: float | None = None) -> bool:
        """Hand an event to the runtime; False when it is gone (or did not take it in time)."""
        self.request_id = header.get("id")
        return self._send_frame(header, body, deadline)

    def wait(
        self,
        log: LogBuffer,
        deadline: float,
        cancel: threading.Event | None = None,
        request_id: str | None = None,
    ) -> Reply:
        """Read logs until the runtime answers, dies, runs out of memory or time, or is cancelled.

        `request_id` is the invocation being waited on (None while the environment starts): an
        answer for another invocation is dropped, anything that is not a frame of this
        environment's runtime ends the wait as "invalid"."""
        start = time.perf_counter()
        limit_kb = self.config.memory_mb * 1024
        resp_open = True
        continued = False
        while True:
            now = time.perf_counter()
            remaining = deadline - now
            if remaining <= 0:
                return self._drained(log, Reply("timeout", elapsed_ms=(now - start) * 1000))
            if cancel is not None and cancel.is_set():
                return self._drained(log, Reply("cancelled", elapsed_ms=(now - start) * 1000))
            step = min(remaining, MEMORY_POLL_S)
            if now - start >= MEMORY_POLL_S:
                used = self.memory_kb()
                self.peak_kb = max(self.peak_kb, used)
                if used > limit_kb:
                    return self._drained(log, Reply("oom", elapsed_ms=(now - start) * 1000))
            if cancel is not None:
                step = min(step, CANCEL_POLL_S)
            quick = now - start < QUICK_S
            if not quick and not continued:
                continued = True
                self._continue()
            poller = self._poll_resp if quick or not self._log_open else self._poll_all
            if quick:
                step = min(step, QUICK_S)
            # poll() rounds a timeout up to the next millisecond: never a busy loop.
            for fd, _ in poller.poll(step * 1000):
                if fd != self._chan_fd:
                    if not self._read_log(log):
                        # End of file: every writer is gone (the runtime closed its output);
                        # polling it again would return at once, again and again.
                        self._log_open = False
                        self._poll_all.unregister(self._log_r)
                    continue
                try:
                    chunk = self._chan.recv(self._want)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    resp_open = False
                    break
                self._buffer += chunk
                reply = self._take_frame(request_id)
                if reply is not None:
                    reply.elapsed_ms = (time.perf_counter() - start) * 1000
                    if reply.outcome in ("invalid", "too_large"):
                        self._read_log(log)
                        return reply
                    self.peak_kb = max(self.peak_kb, int(reply.header.get("m", 0)))
                    if reply.outcome == "ready" and isinstance(reply.header.get("p"), int):
                        self.runtime_pid = reply.header["p"]
                    return self._drained(log, reply)
            if not resp_open:
                return self._died(log, start, deadline)

    def fileno(self) -> int:
        """The channel the runtime answers on: readable when an answer (or its end) arrived."""
        return self._chan.fileno()

    def poll_reply(self, log: LogBuffer, request_id: str) -> Reply | None:
        """The answer to invocation `request_id` if it has arrived whole, without blocking; None
        while it has not, Reply("eof") when the runtime closed its side (wait() then says why)."""
        while True:
            want = self._want
            try:
                chunk = self._chan.recv(want)
            except BlockingIOError:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                return Reply("eof")
            self._buffer += chunk
            reply = self._take_frame(request_id)
            if reply is not None:
                if reply.outcome in ("invalid", "too_large"):
                    self._read_log(log)
                    return reply
                self.peak_kb = max(self.peak_kb, int(reply.header.get("m", 0)))
                return self._drained(log, reply)
            if len(chunk) < want:
                return None  # all there was, and no whole frame yet

    def _take_frame(self, request_id: str | None) -> Reply | None:
        """The next complete frame in the buffer, checked; None until one is complete. Frames for
        another invocation (a stray answer of an earlier one) are dropped. Frames are read at an
        offset and the buffer compacted once per call, so many small frames cost linear time."""
        buf = self._buffer
        at = 0
        self._want = RECV_BYTES
        try:
            while True:
                if len(buf) - at < _FRAME.size:
                    return None
                hlen, blen = _FRAME.unpack_from(buf, at)
                if hlen > MAX_HEADER_BYTES:
                    return Reply("invalid", problem=f"a frame header of {hlen} bytes")
                start = at + _FRAME.size
                if len(buf) < start + hlen:
                    return None
                if self._header is None:
                    header, problem = self._check_header(bytes(buf[start : start + hlen]), request_id)
                    if header is None:
                        return Reply("invalid", problem=problem)
                    if blen > MAX_RESPONSE_BYTES:
                        # Known from the length alone: nothing more is read (the runtime is killed).
                        if header["t"] in ("result", "error"):
                            return Reply("too_large", header)
                        return Reply("invalid", problem=f"a {header['t']} frame of {blen} bytes")
                    self._header = header
                end = start + hlen + blen
                if len(buf) < end:
                    self._want = min(RECV_MAX_BYTES, max(RECV_BYTES, end - len(buf)))
                    return None
                header, self._header = self._header, None
                body = bytes(buf[start + hlen : end])
                at = end
                if request_id is not None and header["t"] != "oom" and header.get("id") != request_id:
                    continue  # an answer to an earlier invocation, written late: not this one's
                problem = self._check_body(header["t"], body)
                if problem:
                    return Reply("invalid", problem=problem)
                return Reply(header["t"], header, body)
        finally:
            del buf[:at]

    def _check_header(self, raw: bytes, request_id: str | None) -> tuple[dict | None, str]:
        try:
            # The runtime writes UTF-8; a prebuilt decoder skips json.loads' encoding detection.
            header = _HEADER_DECODER.decode(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return None, "a frame header that is not JSON"
        if not isinstance(header, dict):
            return None, "a frame header that is not an object"
        key = header.get("k")
        if key != self.key:
            return None, "a frame without this environment's key"
        kind = header.get("t")
        allowed = _INIT_TYPES if request_id is None else _INVOKE_TYPES
        if kind not in allowed:
            return None, f"a frame of type {str(kind)[:40]!r}"
        if kind in ("result", "error") and not isinstance(header.get("id"), str):
            return None, "an answer without a request id"
        memory = header.get("m", 0)
        if type(memory) is not int or not 0 <= memory < 1 << 40:
            return None, "a memory figure that is not a size"
        duration = header.get("d", 0.0)
        if type(duration) not in (int, float) or not math.isfinite(duration) or duration < 0:
            return None, "a duration that is not a duration"
        if kind == "result":
            ct = header.get("ct")
            if not isinstance(ct, str) or (
                ct not in _USUAL_CONTENT_TYPES and (len(ct) > MAX_CONTENT_TYPE or not CONTENT_TYPE.fullmatch(ct))
            ):
                return None, "a content type that is not a media type"
        if kind == "ready" and "p" in header and type(header["p"]) is not int:
            return None, "a process id that is not one"
        return header, ""

    @staticmethod
    def _check_body(kind: str, body: bytes) -> str:
        if kind in ("error", "init_error"):
            try:
                value = json.loads(body)
            except (ValueError, RecursionError):
                return "an error object that is not JSON"
            if not isinstance(value, dict):
                return "an error object that is not an object"
        elif kind == "ready" and body:
            return "a ready frame with a body"
        return ""

    def memory_kb(self) -> int:
        """The environment's memory, as Lambda counts its sandbox: the runtime's resident size
        plus what each other process in the tree holds privately (the keeper excluded)."""
        pids = proctree.descendants(self.pid)
        if not pids:
            return 0
        runtime = self.runtime_pid if self.runtime_pid in pids else pids[0]
        total = proctree.rss_kb(runtime)
        for pid in pids:
            if pid not in self._seen:
                started = proctree.start_time(pid)
                if started is not None:
                    self._seen[pid] = started
            if pid != runtime:
                total += proctree.private_kb(pid)
        return total

    def _read_log(self, log: LogBuffer) -> bool:
        """Move what is in the log pipe into the buffer; False at end of file."""
        while True:
            try:
                chunk = os.read(self._log_r, LOG_READ_BYTES)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            log.output(chunk)
            if len(chunk) < LOG_READ_BYTES:
                # A pipe read returns all it holds up to the size asked: it is empty now, and
                # another read would only say so.
                return True

    def _drained(self, log: LogBuffer, reply: Reply) -> Reply:
        # The runtime writes its logs before it answers, so they are all in the pipe by now.
        self._read_log(log)
        return reply

    def _died(self, log: LogBuffer, start: float, deadline: float) -> Reply:
        """The runtime closed its side: it exited. Collect the rest of its output and why."""
        self._continue()  # a stopped keeper would neither reap the runtime nor exit
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
        """Peak memory so far: the engine's samples of the tree, and the runtime's own peak."""
        return max(1, -(-self.peak_kb // 1024))
