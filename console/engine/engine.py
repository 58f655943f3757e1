"""The engine: runs invocations in pooled execution environments and writes Lambda's log and REPORT."""

from __future__ import annotations

import json
import os
import math
from pathlib import Path
import sys
import threading
import time
import weakref

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Callable

from . import logs
from . import deps as deps_build
from . import interpreters
from .codehash import CodeIndex
from .config import DEFAULT_RUNTIME, ConfigError, FunctionConfig, check
from .environment import MAX_RESPONSE_BYTES, Environment, Reply
from .envvars import TRACE_RANDOM_BYTES, request_id as new_request_id, trace_id
from .freezer import Freezer
from .isolation import harden_process
from .launch import Launch, layer_root, size_warning
from .runtime_dirs import private_lib, sdk_dir
from .logs import LogBuffer
from .records import InvocationResult, Summary
from .zygote import ForkedProcess, Zygote, ZygoteUnavailable

if TYPE_CHECKING:
    from .preboot import Preboot

__all__ = ["Engine", "MAX_RESPONSE_BYTES", "platform_error"]

# Lambda gives the init phase 10 s of its own before it retries init inside the invoke.
INIT_TIMEOUT_S = 10.0
# A zygote that died or stopped answering is replaced, but not more often than this.
ZYGOTE_RESTART_S = 1.0
MAX_IDLE_PER_CONFIG = 16
MAX_IDLE_TOTAL = 64
IDLE_TTL_S = 15 * 60
SWEEP_S = 1.0
HOST_PYTHON = sys.version.split()[0]  # platform.python_version()'s answer, without importing platform


def platform_error(error_type: str, message: str) -> bytes:
    """An error object the platform (not the runtime) produces: errorType first, as Lambda does."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _exit_message(request_id: str, reason: str) -> str:
    if not reason:
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: Runtime exited with error: {reason}"


def _error_type_of(payload: bytes) -> str | None:
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return value.get("errorType") if isinstance(value, dict) else None


def _shutdown(
    envs: set[Environment],
    zygotes: dict[str, Zygote],
    replaced: list[Zygote],
    freezer: Freezer | None,
    code: CodeIndex | None = None,
    preboot: list[Preboot] | None = None,
) -> None:
    if freezer is not None:
        freezer.stop()
    for unused in preboot or ():
        unused.discard()
    for env in list(envs):
        env.kill()
    for zygote in [*zygotes.values(), *replaced]:
        zygote.close()
    if code is not None:
        code.close()  # an engine dropped without close() lets go of its folders' watches too


def _invalid_reply_message(request_id: str) -> str:
    return f"RequestId: {request_id} Error: Runtime exited without providing a reason"


def _invalid_log_line(reply: Reply) -> str:
    return (
        f"[lambda-console] The runtime sent {reply.problem}: the reply was refused and its "
        "execution environment stopped.\n"
    )


class Engine:
    """Owns execution environments: one process per function configuration and code version,
    started on the first invocation (cold) and reused by the next ones (warm). Thread-safe:
    concurrent invocations of one function get environments of their own."""

    def __init__(
        self,
        *,
        use_zygote: bool = True,
        freeze_idle: bool = True,
        watch_code: bool = True,
        preboot: Preboot | None = None,
    ) -> None:
        # Functions run as the same user: keep them from reading this process's memory,
        # environment and descriptors through /proc.
        harden_process()
        self._lock = threading.Lock()
        self._idle: dict[tuple, list[Environment]] = {}
        self._all: set[Environment] = set()
        self._current: dict[tuple, tuple] = {}
        self._valid: set[tuple] = set()  # configurations already checked (they are immutable)
        self._next_sweep = 0.0  # when _expired() next looks at every idle environment
        # Each function folder's code, kept exact and cheap to re-check (see codehash.CodeFolder);
        # watch_code=False: every look walks the folder (a one-shot engine looks once).
        self._code = CodeIndex(watch=watch_code)
        # Where a dependency build's progress goes when the invocation has no log listener.
        self.on_build: Callable[[str], None] | None = None
        # Environments are forked from a pre-started runtime (the zygote) to make cold starts
        # cheap: one per interpreter, the default runtime's started now, the others on first use.
        # A zygote that died or stopped answering (a function can signal it: it runs as the same
        # user) is replaced; the replaced ones still report how the environments they forked exit.
        self._use_zygote = use_zygote
        self._zygotes: dict[str, Zygote] = {}
        self._replaced: list[Zygote] = []
        self._zygote_started: dict[str, float] = {}
        # Idle environments are stopped (SIGSTOP) as Lambda freezes its sandboxes; off only to
        # measure what freezing costs (tests/benchmarks/bench_engine.py).
        self._freezer = Freezer(self._lock, self._idle) if freeze_idle else None
        self._zygote: Zygote | None = None
        # A runtime started ahead of the first environment (a one-shot invocation, preboot.py);
        # the first environment claims it, or it is killed unused.
        self._preboot = [preboot] if preboot is not None else []
        if use_zygote:
            try:
                python = interpreters.resolve(DEFAULT_RUNTIME).interpreter.path
                self._zygote = self._zygote_for(python)
            except (OSError, ConfigError):
                self._zygote = None
        self._finalizer = weakref.finalize(
            self, _shutdown, self._all, self._zygotes, self._replaced, self._freezer, self._code, self._preboot
        )

    # ------------------------------------------------------------ pool

    def _identity(self, config: FunctionConfig) -> tuple:
        return (str(config.code_dir), config.function_name)

    def _acquire(self, config: FunctionConfig, code_state: tuple) -> Environment | None:
        """A warm environment for exactly this configuration and code, retiring stale ones."""
        stale: list[Environment] = []
        wanted = (config.key(), code_state)
        identity = self._identity(config)
        with self._lock:
            if self._current.get(identity) != wanted:
                # The function's code or configuration changed: its other environments retire.
                self._current[identity] = wanted
                for key in [k for k, pool in self._idle.items() if k != wanted]:
                    pool = self._idle[key]
                    if not pool or self._identity(pool[0].config) == identity:
                        stale.extend(self._idle.pop(key))
            stale.extend(self._expired())
            pool = self._idle.get(wanted, [])
            env = None
            now = time.monotonic()
            while pool and env is None:
                candidate = pool.pop()
                # Its own age is looked at here: the sweep of the whole pool runs only now and then.
                if now - candidate.idle_since <= IDLE_TTL_S and candidate.check_alive():
                    env = candidate
                else:
                    stale.append(candidate)
        self._retire_later(stale)
        if env is not None:
            env.thaw()
        return env

    def _retire_later(self, envs: list[Environment]) -> None:
        """Kill environments off the invocation's path: an exiting environment tears down its
        mount namespace (its private /tmp), which takes the kernel a few milliseconds that a cold
        start should not wait for. They are out of the pool already; close() still kills them."""
        if envs:
            threading.Thread(
                target=lambda: [self._discard(env) for env in envs], name="lambda-console-retire", daemon=True
            ).start()

    def _release(self, env: Environment) -> None:
        wanted = (env.config.key(), env.code_state)
        with self._lock:
            current = self._current.get(self._identity(env.config)) == wanted
            pool = self._idle.setdefault(wanted, [])
            keep = env.alive and current and len(pool) < MAX_IDLE_PER_CONFIG
            if keep:
                env.idle_since = time.monotonic()
                pool.append(env)
                if self._freezer is not None:
                    self._freezer.released()
            expired = self._expired()
        if not keep:
            expired.append(env)
        for old in expired:
            self._discard(old)

    def _expired(self) -> list[Environment]:
        """Idle environments past their time, and the oldest beyond the global cap, taken out of
        the pool (Lambda too recycles environments that sit idle). Called with the lock held.
        Sorting every idle environment at each invocation would cost more than the rest of the
        pool's work: the pool is swept when it is over its cap, else at most every SWEEP_S."""
        now = time.monotonic()
        if now < self._next_sweep and sum(len(pool) for pool in self._idle.values()) <= MAX_IDLE_TOTAL:
            return []
        self._next_sweep = now + SWEEP_S
        idle = sorted((env for pool in self._idle.values() for env in pool), key=lambda e: e.idle_since)
        excess = max(0, len(idle) - MAX_IDLE_TOTAL)
        out = [env for n, env in enumerate(idle) if n < excess or now - env.idle_since > IDLE_TTL_S]
        for env in out:
            for pool in self._idle.values():
                if env in pool:
                    pool.remove(env)
        return out

    def _discard(self, env: Environment, wait: bool = True) -> None:
        env.kill(wait)
        with self._lock:
            self._all.discard(env)

    def new_environment(self, config: FunctionConfig) -> None:
        """Retire the warm environments of this function: the next invocation is a cold start."""
        self.code_changed(config.code_dir)
        with self._lock:
            victims = [
                env
                for key, pool in self._idle.items()
                if key[0][0] == str(config.code_dir)
                for env in pool
            ]
            for key in [k for k in self._idle if k[0][0] == str(config.code_dir)]:
                del self._idle[key]
        for env in victims:
            self._discard(env)

    def close(self, wait: bool = True) -> None:
        """Kill every environment this engine started. wait=False: do not wait for their keepers
        to be gone (their trees are, see Environment.kill), for a process that exits next."""
        if self._freezer is not None:
            self._freezer.stop()
        with self._lock:
            unused, self._preboot[:] = list(self._preboot), []
        for preboot in unused:
            preboot.discard()
        with self._lock:
            envs = list(self._all)
            self._idle.clear()
        for env in envs:
            self._discard(env, wait)
        with self._lock:
            zygotes = [*self._zygotes.values(), *self._replaced]
            self._zygotes.clear()
            self._replaced.clear()
            self._zygote = None
            self._use_zygote = False
        for zygote in zygotes:
            zygote.close()
        self._code.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _code_state(self, code_dir: Path) -> tuple:
        """The code as it is on disk now: its Code SHA-256 (one tuple, the pool's key)."""
        return (self._code.snapshot(code_dir).sha256,)

    def code_changed(self, code_dir: Path, path: Path | str | None = None) -> None:
        """Say the code changed (e.g. an editor saved `path`): no stored stat of it is trusted, so
        the next invocation runs what is on disk even if the write kept the file's size and time."""
        code_dir = Path(code_dir)
        rel = None
        if path is not None:
            try:
                rel = Path(path).resolve().relative_to(code_dir.resolve()).as_posix()
            except ValueError:
                rel = None
        for folder in {str(code_dir), str(code_dir.resolve())}:
            self._code.changed(folder, rel)

    def code_snapshot(self, code_dir: Path):
        """Every code file's hash, count and size (codehash.CodeSnapshot), current."""
        return self._code.snapshot(code_dir)

    def code_sha256(self, config: FunctionConfig, code_state: tuple | None = None) -> str:
        if code_state is not None:
            return code_state[0]
        return self._code.snapshot(config.code_dir).sha256

    # ------------------------------------------------------------ invocation

    def _zygote_for(self, python: str) -> Zygote | None:
        """The zygote of this interpreter, started on first use; None when there is none (an
        environment then starts a process of its own)."""
        with self._lock:
            if not self._use_zygote:
                return None
            zygote = self._zygotes.get(python)
            if zygote is not None and zygote.alive:
                return zygote
            if zygote is not None:
                # Dead: replaced, at most once per ZYGOTE_RESTART_S (meanwhile environments start
                # processes of their own).
                if time.monotonic() - self._zygote_started.get(python, 0.0) < ZYGOTE_RESTART_S:
                    return None
                self._replaced.append(self._zygotes.pop(python))
            self._zygote_started[python] = time.monotonic()
            try:
                zygote = self._zygotes[python] = Zygote(python, private_lib())
            except OSError:
                return None
        return zygote if zygote.alive else None

    def _retire_zygote(self, zygote: Zygote) -> None:
        """A zygote that did not answer is not asked again; it still reports its environments' exits."""
        with self._lock:
            for python, candidate in list(self._zygotes.items()):
                if candidate is zygote:
                    self._replaced.append(self._zygotes.pop(python))

    def launch(
        self,
        config: FunctionConfig,
        code_state: tuple = (),
        progress: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Launch:
        """What an environment of this function is started with (interpreter, built dependencies,
        layers, runtime libraries); ConfigError (BuildError) when that cannot be assembled.
        A requirements.txt that changed is built first, its output passed to `progress`, else
        to `on_build`."""
        try:
            resolution = interpreters.resolve(config.runtime, config.interpreter)
        except interpreters.InterpreterError as exc:
            raise ConfigError(str(exc)) from exc
        layers = tuple(layer_root(layer) for layer in config.layers)
        build = deps_build.ensure(config, resolution, progress or self.on_build, cancel=cancel)
        deps: tuple[str, ...] = (build.folder,) if build is not None else ()
        warning = size_warning(self._code.snapshot(config.code_dir).size, deps, layers)
        try:
            lib, sdk = private_lib(), sdk_dir()
        except OSError as exc:
            raise ConfigError(str(exc)) from exc
        return Launch(resolution, lib, sdk, deps, layers, (warning,) if warning else ())

    def _spawn(self, config: FunctionConfig, code_state: tuple, launch: Launch) -> Environment:
        with self._lock:
            preboot = self._preboot.pop() if self._preboot else None
        if preboot is not None:
            return self._adopt(Environment(config, code_state, None, launch, preboot=preboot))
        zygote = self._zygote_for(launch.python)
        try:
            env = Environment(config, code_state, zygote, launch)
        except ZygoteUnavailable:
            # It took the request but did not answer: it is not asked again, and this environment
            # starts on descriptors of its own.
            if zygote is not None:
                self._retire_zygote(zygote)
            env = Environment(config, code_state, None, launch)
        else:
            if zygote is not None and not isinstance(env.process, ForkedProcess):
                self._retire_zygote(zygote)  # it is alive but could not fork: the next one will
        return self._adopt(env)

    def _adopt(self, env: Environment) -> Environment:
        with self._lock:
            self._all.add(env)
        return env

    def _init(
        self,
        config: FunctionConfig,
        code_state: tuple,
        launch: Launch,
        log: LogBuffer,
        deadline: float,
        cancel: threading.Event | None,
    ) -> tuple[Environment, Reply]:
        env = self._spawn(config, code_state, launch)
        try:
            reply = env.wait(log, deadline, cancel)
        except BaseException:
            self._discard(env)
            raise
        env.tmp_private = bool(reply.header.get("tmp"))
        # Init Duration counts from the process start, as Lambda's includes the runtime's own start.
        reply.elapsed_ms = (time.perf_counter() - env.started) * 1000
        if reply.outcome != "ready":
            self._discard(env)
        return env, reply

    def invoke(
        self,
        config: FunctionConfig,
        event: bytes | str = b"{}",
        *,
        client_context: dict[str, Any] | None = None,
        identity: dict[str, Any] | None = None,
        qualifier: str | None = None,
        cancel: threading.Event | None = None,
        on_log: Callable[[str], None] | None = None,
        force_cold: bool = False,
        request_id: str | None = None,
    ) -> InvocationResult:
        """Run one synchronous (RequestResponse) invocation and return what the caller gets."""
        run, body = self._new_run(config, event, request_id, cancel, on_log)
        if force_cold:
            self.new_environment(config)
        env = self._acquire(config, run.code_state)
        if env is None:
            env = run.cold_start()
            if env is None:
                return run.result
        try:
            sent = run.begin(env, self._header(run, client_context, identity, qualifier), body)
            return run.end(env, run.wait(env, sent))
        except BaseException:
            # Whatever went wrong, the environment is not left running outside the pool.
            if not run.settled:
                self._discard(env)
            raise

    def start(
        self,
        config: FunctionConfig,
        event: bytes | str = b"{}",
        *,
        client_context: dict[str, Any] | None = None,
        identity: dict[str, Any] | None = None,
        qualifier: str | None = None,
    ) -> "PendingInvocation | None":
        """Hand the event to a warm environment and return without waiting (an event loop's way
        to invoke: see PendingInvocation), or None when no warm environment of this function is
        idle (the caller then uses invoke(), which cold-starts one)."""
        run, body = self._new_run(config, event, None, None, None)
        env = self._acquire(config, run.code_state)
        if env is None:
            return None
        try:
            sent = run.begin(env, self._header(run, client_context, identity, qualifier), body)
        except BaseException:
            self._discard(env)
            raise
        return PendingInvocation(run, env, sent)

    def _new_run(
        self,
        config: FunctionConfig,
        event: bytes | str,
        request_id: str | None,
        cancel: threading.Event | None,
        on_log: Callable[[str], None] | None,
    ) -> tuple["_Run", bytes]:
        key = config.key()
        if key not in self._valid:
            check(config)
            self._valid.add(key)
        body = event.encode() if isinstance(event, str) else bytes(event)
        snapshot = self._code.snapshot(config.code_dir)
        # A layer folder is code too: an edit to it is seen by the next invocation, as the
        # function's own (a .zip layer is extracted by content, so it needs no look).
        code_state = (snapshot.sha256,) + tuple(
            self._code.snapshot(layer).sha256 for layer in config.layers if os.path.isdir(layer)
        )
        if not snapshot.files and not config.code_dir.is_dir():
            check(config)  # the folder went away since it was checked: say so
        sha = self.code_sha256(config, code_state)
        # One read of the system's random source for both ids (each read is a syscall).
        random = os.urandom(16 + TRACE_RANDOM_BYTES)
        request_id = request_id or new_request_id(random[:16])
        run = _Run(self, config, code_state, sha, request_id, LogBuffer(on_log), cancel)
        run.trace_random = random[16:]
        run.build_progress = on_log
        return run, body

    @staticmethod
    def _header(
        run: "_Run", client_context: dict[str, Any] | None, identity: dict[str, Any] | None, qualifier: str | None
    ) -> dict:
        config = run.config
        header = {
            "id": run.request_id,
            "deadline": int(time.time() * 1000) + config.timeout_s * 1000,
            "arn": config.function_arn + (f":{qualifier}" if qualifier else ""),
            "trace": trace_id(run.trace_random),
        }
        if client_context is not None:
            header["cc"] = json.dumps(client_context)
        if identity is not None:
            header["ci"] = json.dumps(identity)
        return header


class PendingInvocation:
    """A warm invocation handed to its environment and not waited for (Engine.start).

    `fileno()` becomes readable when the runtime may have answered; `poll()` then returns the
    result once the answer is whole, without blocking. `stalled` says polling cannot finish it
    (the runtime went away, or did not take the event): `wait()` then does, blocking, with every
    rule of Engine.invoke (timeout, memory limit, the runtime's exit). An invocation not answered
    within QUICK_S is also best finished by wait() on a thread of its own: it samples memory.
    One thread at a time uses it; poll() or wait() ends it exactly once."""

    def __init__(self, run: "_Run", env: Environment, sent: bool) -> None:
        self._run = run
        self._env = env
        self._sent = sent
        self._eof = False
        self.request_id = run.request_id
        self.started = time.perf_counter()
        self.result: InvocationResult | None = None

    def fileno(self) -> int:
        return self._env.fileno()

    @property
    def stalled(self) -> bool:
        return not self._sent or self._eof

    def poll(self) -> InvocationResult | None:
        if self.result is not None:
            return self.result
        if self.stalled:
            return None
        try:
            reply = self._env.poll_reply(self._run.log, self._run.request_id)
        except BaseException:
            self._abandon()
            raise
        if reply is None:
            return None
        if reply.outcome == "eof":
            self._eof = True
            return None
        return self._end(reply)

    def wait(self) -> InvocationResult:
        if self.result is not None:
            return self.result
        try:
            reply = self._run.wait(self._env, self._sent)
        except BaseException:
            self._abandon()
            raise
        return self._end(reply)

    def _end(self, reply: Reply) -> InvocationResult:
        try:
            self.result = self._run.end(self._env, reply)
        except BaseException:
            self._abandon()
            raise
        return self.result

    def _abandon(self) -> None:
        if not self._run.settled:
            self._run.settled = True
            self._run.engine._discard(self._env)


class _Run:
    """The book-keeping of one invocation: its log, its timings and the record it ends in."""

    def __init__(
        self,
        engine: Engine,
        config: FunctionConfig,
        code_state: tuple,
        sha: str,
        request_id: str,
        log: LogBuffer,
        cancel: threading.Event | None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.code_state = code_state
        self.sha = sha
        self.request_id = request_id
        self.log = log
        self.cancel = cancel
        self.init_ms: float | None = None
        self.cold = False
        self.invoke_started: float | None = None
        self.result: InvocationResult | None = None
        self.settled = False  # the environment was released or discarded
        self.trace_random = b""  # random bytes for the invocation's trace id
        self.platform = logs.platform_log(config.environment)
        self.launch: Launch | None = None
        # A dependency build's output goes live to the invocation's log listener (not its log).
        self.build_progress: Callable[[str], None] | None = None
        # Made while the runtime runs the event (see invoke).
        self._end_line: str | None = None
        self._figures: dict[str, str] | None = None

    # ------------------------------------------------------------ cold start

    def cold_start(self) -> Environment | None:
        """Start an environment; on an init failure retry init inside the invoke as Lambda does.
        Returns None when the invocation already ended (self.result is then set)."""
        config, log = self.config, self.log
        self.cold = True
        launch = self.launch = self.engine.launch(config, self.code_state, self.build_progress, self.cancel)
        for warning in launch.warnings:
            log.line(f"[lambda-console] {warning}\n")
        log.line(self.platform.init_start(config.runtime_version, HOST_PYTHON, launch.resolution.version_label))
        env, reply = self.engine._init(
            config, self.code_state, launch, log, time.perf_counter() + INIT_TIMEOUT_S, self.cancel
        )
        if reply.outcome == "ready":
            self.init_ms = reply.elapsed_ms
            return env
        if reply.outcome == "cancelled":
            self._finish_cancelled(reply.elapsed_ms, 0)
            return None
        error_type, _ = self._init_failure(reply)
        status = "timeout" if reply.outcome == "timeout" else "error"
        log.line(self.platform.init_report(reply.elapsed_ms, "init", status, error_type if status == "error" else None))

        # The suppressed init is retried in the invoke phase, within the function's timeout.
        self.invoke_started = time.perf_counter()
        deadline = self.invoke_started + config.timeout_s
        env, reply = self.engine._init(config, self.code_state, launch, log, deadline, self.cancel)
        if reply.outcome == "ready":
            return env
        if reply.outcome == "cancelled":
            self._finish_cancelled(reply.elapsed_ms, 0)
            return None
        elapsed = (time.perf_counter() - self.invoke_started) * 1000
        if reply.outcome == "timeout":
            log.line(self.platform.init_report(config.timeout_s * 1000, "invoke", "timeout", None))
            log.line(self.platform.start(self.request_id))
            self._finish_timeout(max_used=env.peak_mb())
            return None
        error_type, payload = self._init_failure(reply)
        log.line(self.platform.init_report(reply.elapsed_ms, "invoke", "error", error_type))
        log.line(self.platform.start(self.request_id))
        log.line(f"Unknown application error occurred\n{error_type}\n")
        used = config.memory_mb if reply.outcome == "oom" else env.peak_mb()
        self._finish(payload, "Failed", elapsed, used, report_status="error", error_type=error_type)
        return None

    def _init_failure(self, reply: Reply) -> tuple[str, bytes]:
        """The error type and the error object an init that did not become ready produces."""
        if reply.outcome == "init_error":
            return _error_type_of(reply.body) or "Runtime.Unknown", reply.body
        if reply.outcome == "oom":
            message = _exit_message(self.request_id, "signal: killed")
            return "Runtime.OutOfMemory", platform_error("Runtime.OutOfMemory", message)
        if reply.outcome == "exited":
            message = _exit_message(self.request_id, reply.exit_reason)
            return "Runtime.ExitError", platform_error("Runtime.ExitError", message)
        if reply.outcome == "invalid":
            self.log.line(_invalid_log_line(reply))
            return "Runtime.ExitError", platform_error("Runtime.ExitError", _invalid_reply_message(self.request_id))
        message = self._timeout_message()
        return "Sandbox.Timedout", platform_error("Sandbox.Timedout", message)

    # ------------------------------------------------------------ the invoke phase

    def begin(self, env: Environment, header: dict, body: bytes) -> bool:
        """Hand the event to the runtime; False when it did not take it (it is dying)."""
        self.launch = env.launch or self.launch
        if self.invoke_started is None:
            self.invoke_started = time.perf_counter()
        # The event goes first, and what the record needs that the answer does not decide is made
        # while the runtime wakes up and runs it. START still precedes the function's output in
        # the log: that is read only once the answer is waited for (wait, or poll_reply).
        sent = env.send_invoke(header, body, self.invoke_started + self.config.timeout_s)
        self.log.line(self.platform.start(self.request_id))
        self._end_line = self.platform.end(self.request_id)
        self._figures = self._runtime_figures()
        return sent

    def wait(self, env: Environment, sent: bool) -> Reply:
        assert self.invoke_started is not None
        deadline = self.invoke_started + self.config.timeout_s
        if sent:
            return env.wait(self.log, deadline, self.cancel, request_id=self.request_id)
        return env.wait(self.log, deadline, None, request_id=self.request_id)  # it is dying: collect why

    def end(self, env: Environment, reply: Reply) -> InvocationResult:
        """The invocation's record from the runtime's reply; the environment goes back to the pool
        or is discarded."""
        config, log = self.config, self.log
        assert self.invoke_started is not None
        elapsed = (time.perf_counter() - self.invoke_started) * 1000

        if reply.outcome in ("result", "error"):
            self.settled = True
            self.engine._release(env)
            duration = elapsed
            if not (self.init_ms is None and self.cold):
                # The runtime's own figure; never more than the engine saw pass.
                duration = min(float(reply.header.get("d", elapsed)), elapsed)
            status = "Succeeded" if reply.outcome == "result" else "Failed"
            return self._finish(
                reply.body,
                status,
                duration,
                env.peak_mb(),
                content_type=reply.header.get("ct", "application/json"),
            )

        used = env.peak_mb()
        self.settled = True
        self.engine._discard(env)
        if reply.outcome == "too_large":
            # Known from the frame's length: the body was not read. Lambda's runtime cannot post
            # such a response and exits; its environment is not reused.
            payload = json.dumps(
                {
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                    f"({MAX_RESPONSE_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
            return self._finish(payload, "Failed", elapsed, used, report_status="error", error_type="Runtime.ExitError")
        if reply.outcome == "timeout":
            return self._finish_timeout(max_used=used)
        if reply.outcome == "cancelled":
            return self._finish_cancelled(elapsed, used)
        if reply.outcome == "invalid":
            log.line(_invalid_log_line(reply))
            error_type, message = "Runtime.ExitError", _invalid_reply_message(self.request_id)
        elif reply.outcome == "oom":
            error_type, used = "Runtime.OutOfMemory", config.memory_mb
            message = _exit_message(self.request_id, "signal: killed")
        else:
            error_type = "Runtime.ExitError"
            message = _exit_message(self.request_id, reply.exit_reason)
        log.line(f"{message}\n{error_type}\n")
        return self._finish(
            platform_error(error_type, message), "Failed", elapsed, used, report_status="error", error_type=error_type
        )

    # ------------------------------------------------------------ endings

    def _timeout_message(self) -> str:
        return f"RequestId: {self.request_id} Error: Task timed out after {self.config.timeout_s:.2f} seconds"

    def _finish_timeout(self, max_used: int) -> InvocationResult:
        message = self._timeout_message()
        return self._finish(
            platform_error("Sandbox.Timedout", message),
            "Failed",
            self.config.timeout_s * 1000.0,
            max_used,
            report_status="timeout",
            error_type="Sandbox.Timedout",
            report_error_type=False,
        )

    def _finish_cancelled(self, elapsed: float, max_used: int) -> InvocationResult:
        self.log.line("[lambda-console] Invocation cancelled: the execution environment was stopped.\n")
        payload = platform_error(
            "Console.InvocationCancelled",
            f"RequestId: {self.request_id} Error: the invocation was cancelled in lambda-console "
            "and its execution environment stopped",
        )
        return self._finish(
            payload, "Failed", elapsed, max_used, report_status="cancelled", error_type="Console.InvocationCancelled",
            report_error_type=False, cancelled=True,
        )

    def _runtime_figures(self) -> dict[str, str]:
        """What ran the code: the runtime version INIT_START names, and the interpreter."""
        if self.launch is None:
            return {}
        resolution = self.launch.resolution
        return {
            "runtime_version": f"python:{self.config.runtime_version}.local",
            "runtime_version_arn": f"local:{resolution.version_label}",
            "interpreter": resolution.interpreter.path,
        }

    def _finish(
        self,
        payload: bytes,
        outcome: str,
        duration_ms: float,
        max_used_mb: int,
        *,
        report_status: str | None = None,
        error_type: str | None = None,
        report_error_type: bool = True,
        content_type: str = "application/json",
        cancelled: bool = False,
    ) -> InvocationResult:
        config, log = self.config, self.log
        log.line(self._end_line if self._end_line is not None else self.platform.end(self.request_id))
        # Since August 2025 Lambda bills the init phase of a cold start too.
        billed = math.ceil(duration_ms + (self.init_ms or 0.0))
        log.line(
            self.platform.report(
                self.request_id,
                duration_ms,
                billed,
                config.memory_mb,
                max_used_mb,
                self.init_ms,
                report_status,
                error_type if report_status and report_error_type else None,
            )
        )
        failed = outcome != "Succeeded"
        self.result = InvocationResult(
            status="Failed" if failed else "Succeeded",
            payload=payload,
            function_error="Unhandled" if failed and not cancelled else None,
            request_id=self.request_id,
            log=log.text(),
            summary=Summary(
                code_sha256=self.sha,
                init_duration_ms=None if self.init_ms is None else round(self.init_ms, 2),
                duration_ms=round(duration_ms, 2),
                billed_duration_ms=billed,
                memory_size_mb=config.memory_mb,
                max_memory_used_mb=max_used_mb,
                **(self._figures if self._figures is not None else self._runtime_figures()),
            ),
            function_name=config.function_name,
            platform_error=error_type if report_status else None,
            content_type=content_type,
            cold_start=self.cold,
            log_truncated=log.truncated,
            cancelled=cancelled,
        )
        return self.result
