"""A runtime interpreter started before its function is known, so that a one-shot invocation's
cold start overlaps the console's own start-up instead of following it.

`lambda-console invoke` is one process that runs one invocation: started plainly, it spends its
first tens of milliseconds importing the console and reading the function's settings, and only
then starts the runtime, whose interpreter takes as long again to boot. Started here first, the
runtime (`bootstrap.py --preboot`) boots on the other core meanwhile and waits, before it runs
anything of the function, for its setup: the environment variables, the folder, the memory and
the layout the engine would have started it with. It then goes on exactly as a started runtime
(same interpreter, same flags, same descriptors, its own session), splitting into keeper and
runtime as always.

What it boots with must be what the function would have started with, so it is a guess that the
engine checks when it claims it (Preboot.claim): the interpreter, the runtime's private library
and every environment variable that takes effect at a process's start (the locale, the dynamic
loader's and libc's) must be the ones the function gets; otherwise it is killed unused and the
environment starts as usual. The guess is what the last one-shot invocation started with (the
same command is usually run again), kept in the cache; it holds no other variable of the
function (those are sent over the channel, never written to disk).
This module keeps to the standard library's cheapest modules: it runs before everything else.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False  # typing's import costs what this module exists to save
if TYPE_CHECKING:
    import socket
    import subprocess
    from collections.abc import Mapping

HINT_DIR = "preboot"  # one small file per command line
BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime", "bootstrap.py")
# Variables a process reads when it starts, before any Python code runs (the locale Python sets up
# its standard streams with, the dynamic loader's paths, libc's allocator and locale files): the
# preboot interpreter must start with exactly the function's. Every other variable is read by
# Python code (the runtime's or the function's) and is set before any of it runs.
_AT_START = ("LANG", "LANGUAGE", "LOCPATH", "GCONV_PATH", "NLSPATH", "GLIBC_TUNABLES")
_AT_START_PREFIXES = ("LC_", "LD_", "MALLOC_")


def start_env(env: Mapping[str, str]) -> dict[str, str]:
    """The variables of `env` that take effect when a process starts."""
    return {k: v for k, v in env.items() if k in _AT_START or k.startswith(_AT_START_PREFIXES)}


def hint_dir() -> str:
    """<cache>/runtime/preboot, the cache being runtime_dirs.cache_root() (computed here without
    pathlib, which this early start-up does not import)."""
    explicit = os.environ.get("LAMBDA_CONSOLE_CACHE")
    if explicit:
        root = os.path.expanduser(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = os.path.join(os.path.expanduser(xdg) if xdg else os.path.join(os.path.expanduser("~"), ".cache"),
                            "lambda-console")
    return os.path.join(root, "runtime", HINT_DIR)


def _digest(key: str) -> str:
    from .sha import sha256

    return sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def hint_path(key: str) -> str:
    """The file of one command line's guess: a file each, so that the many command lines other
    processes run (a test suite's) never push out the one being repeated. It is named (and
    checked) by the command line's digest: what was typed (an --env value) is not written down."""
    return os.path.join(hint_dir(), _digest(key)[:32] + ".json")


# Guesses kept (the most recently written or used).
MAX_HINTS = 64


def _read_hint(key: str) -> dict | None:
    path = hint_path(key)
    try:
        with open(path, "rb") as f:
            hint = json.loads(f.read(1 << 16))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(hint, dict) or hint.get("key") != _digest(key):
        return None
    try:
        os.utime(path)  # recently used: kept when the oldest are pruned
    except OSError:
        pass
    return _valid(hint)


def _valid(hint: object) -> dict | None:
    if not isinstance(hint, dict):
        return None
    python, lib, env = hint.get("python"), hint.get("lib"), hint.get("env")
    if not (isinstance(python, str) and isinstance(lib, str) and isinstance(env, dict)):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        return None
    return {"python": python, "lib": lib, "env": start_env(env)}


def _write_hint(key: str, hint: dict) -> None:
    """Remember what this command line's environment started with (a cache: a write lost to a
    concurrent one only costs a preboot), and forget the least recently used past MAX_HINTS."""
    path = hint_path(key)
    staging = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(staging, "w", encoding="utf-8") as f:
            json.dump({"key": _digest(key), **hint}, f)
        os.replace(staging, path)
    except OSError:
        try:
            os.unlink(staging)
        except OSError:
            pass  # a cache that cannot be written only means no preboot next time
        return
    _prune(os.path.dirname(path))


def _prune(folder: str) -> None:
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".json")]
        if len(entries) <= MAX_HINTS:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - MAX_HINTS]:
            os.unlink(entry.path)
    except OSError:
        pass  # another process pruned first


class Preboot:
    """The guessed runtime of one one-shot invocation (or none), claimed by its first environment."""

    def __init__(self, key: str, hint: dict | None = None) -> None:
        self.key = key
        self.hint = hint
        self.process: subprocess.Popen | None = None
        self.chan: socket.socket | None = None
        self.log_r: int | None = None

    @classmethod
    def start(cls, argv: list[str]) -> Preboot:
        """Start the interpreter the same command (`argv`, in the same folder) used last time;
        without a usable guess, an empty Preboot that only records one for the next time."""
        try:
            key = json.dumps([os.getcwd(), argv])
        except OSError:  # the current folder is gone: the command fails on its own
            return cls("", None)
        hint = _read_hint(key)
        preboot = cls(key, hint)
        if hint is not None and os.access(hint["python"], os.X_OK) and os.path.isfile(BOOTSTRAP):
            preboot._spawn()
        return preboot

    def _spawn(self) -> None:
        import socket
        import subprocess

        from .launcher import LAUNCHER

        assert self.hint is not None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_r, log_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [self.hint["python"], "-I", "-S", "-c", LAUNCHER, BOOTSTRAP, str(theirs.fileno()), "--preboot",
                 f"--lib={self.hint['lib']}"],
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=(theirs.fileno(),),
                env=self.hint["env"],
                cwd="/",  # the function's folder is set with the rest (the interpreter's start does not read it)
                start_new_session=True,  # its own session: the keeper leads it, as a started runtime's
            )
        except OSError:
            ours.close()
            os.close(log_r)
            return
        finally:
            theirs.close()
            os.close(log_w)
        self.chan, self.log_r = ours, log_r

    def claim(
        self, python: str, lib: str, env: Mapping[str, str], cwd: str, data_mb: int, layout: dict, isolated: bool
    ) -> tuple[socket.socket, int, subprocess.Popen] | None:
        """The runtime's channel, log pipe and process, set up as an environment started with these
        arguments would be; None (the interpreter, if any, killed) when it was started differently.
        The arguments are remembered for the next one-shot invocation either way."""
        wanted = {"python": python, "lib": lib, "env": start_env(env)}
        fits = (
            self.process is not None
            and isolated  # started -I: the function sets no PYTHON* variable
            and wanted == self.hint
            and self.process.poll() is None
        )
        if not fits:
            self.discard()
            if wanted != self.hint and isolated and self.key:
                _write_hint(self.key, wanted)
            self.hint = wanted
            return None
        assert self.chan is not None and self.log_r is not None and self.process is not None
        setup = json.dumps(
            {"env": dict(env), "start": wanted["env"], "cwd": cwd, "data_mb": data_mb, "layout": layout}
        ).encode()
        try:
            self.chan.sendall(len(setup).to_bytes(4, "big") + (0).to_bytes(4, "big") + setup)
        except OSError:
            self.discard()
            return None
        claimed = (self.chan, self.log_r, self.process)
        self.chan = self.log_r = self.process = None
        return claimed

    def discard(self) -> None:
        """Kill the interpreter if nobody claimed it (it runs nothing of any function yet)."""
        process, self.process = self.process, None
        if self.chan is not None:
            self.chan.close()  # it reads the end of its channel and exits, if it got that far
            self.chan = None
        if self.log_r is not None:
            os.close(self.log_r)
            self.log_r = None
        if process is not None and process.poll() is None:
            try:
                process.kill()
            except OSError:
                pass
            process.wait()


def wanted(argv: list[str]) -> bool:
    """Whether `lambda-console ARGV` is a one-shot local invocation worth a preboot: `invoke`
    without --remote and with the default (RequestResponse) invocation type."""
    if not argv or argv[0] != "invoke" or sys.platform != "linux":
        return False
    return not any(
        arg in ("--remote", "-h", "--help") or arg.startswith(("--remote=", "--invocation-type"))
        for arg in argv[1:]
    )
