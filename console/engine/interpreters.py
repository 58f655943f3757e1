"""Which CPython runs each Lambda runtime: an explicit choice, else PATH, pyenv or uv, else the nearest one."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

# python3.7 -> LAMBDA_CONSOLE_PYTHON3_7 names the interpreter for that runtime.
ENV_PREFIX = "LAMBDA_CONSOLE_PYTHON"
_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)")
# A virtualenv's python names its base interpreter: the venv's packages must not come along.
PROBE = (
    "import sys, platform; print(platform.python_version()); "
    "print(getattr(sys, '_base_executable', '') or sys.executable)"
)


@dataclass(frozen=True)
class Interpreter:
    """One installed CPython."""

    path: str  # the executable itself (a venv's python is replaced by its base interpreter)
    version: str  # "3.12.1"
    source: str  # "setting", "environment", "host", "PATH", "pyenv" or "uv"

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, *_ = (int(part) for part in self.version.split(".")[:2])
        return major, minor


@dataclass(frozen=True)
class Resolution:
    """What a runtime runs on, and how plainly to say so when it is not a match."""

    runtime: str
    interpreter: Interpreter
    exact: bool

    @property
    def is_host(self) -> bool:
        return self.interpreter.path == host_interpreter().path

    @property
    def version_label(self) -> str:
        """What INIT_START's Runtime Version ARN carries: the interpreter's version, and whether
        it is a stand-in for the runtime asked for."""
        if self.exact:
            return f"python-{self.interpreter.version}"
        if self.is_host:
            return f"host-python-{self.interpreter.version}"
        return f"nearest-python-{self.interpreter.version}"

    def note(self) -> str:
        """One sentence for a stand-in interpreter ('' when the runtime has its own)."""
        if self.exact:
            return ""
        wanted = self.runtime.removeprefix("python")
        return (
            f"{self.runtime} has no Python {wanted} on this machine: it runs on Python "
            f"{self.interpreter.version} ({self.interpreter.path}). {install_hint(self.runtime)}"
        )


def install_hint(runtime: str) -> str:
    version = runtime.removeprefix("python")
    return (
        f"Install one with `uv python install {version}` or `pyenv install {version}`, or set "
        f"{env_var(runtime)} to its path."
    )


def env_var(runtime: str) -> str:
    """LAMBDA_CONSOLE_PYTHON3_12 for python3.12."""
    return ENV_PREFIX + runtime.removeprefix("python").replace(".", "_")


def _runtime_minor(runtime: str) -> tuple[int, int]:
    major, minor = runtime.removeprefix("python").split(".")[:2]
    return int(major), int(minor)


_host: Interpreter | None = None
_probed: dict[str, Interpreter | None] = {}
_lock = threading.Lock()


def host_interpreter() -> Interpreter:
    """The interpreter the console runs on, as its base installation (never the console's venv)."""
    global _host
    if _host is None:
        base = getattr(sys, "_base_executable", "") or sys.executable
        if not os.access(base, os.X_OK):
            base = sys.executable
        version = ".".join(str(n) for n in sys.version_info[:3])
        _host = Interpreter(str(base), version, "host")
    return _host


def probe(command: str, source: str) -> Interpreter | None:
    """Ask an executable (a path or a command on PATH) what it is; None when it is no CPython 3."""
    found = command if os.sep in command else shutil.which(command)
    if not found:
        return None
    key = os.path.realpath(found)
    with _lock:
        if key in _probed:
            cached = _probed[key]
            return None if cached is None else Interpreter(cached.path, cached.version, source)
    result: Interpreter | None = None
    try:
        out = subprocess.run(
            [found, "-I", "-S", "-c", PROBE], capture_output=True, text=True, timeout=10, check=True
        ).stdout.split("\n")
        if _VERSION_RE.fullmatch(out[0].strip()) and out[0].startswith("3."):
            result = Interpreter(out[1].strip() or found, out[0].strip(), source)
    except (OSError, subprocess.SubprocessError, IndexError):
        result = None
    with _lock:
        _probed[key] = result
    return result


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _uv_root() -> Path:
    explicit = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if explicit:
        return Path(explicit)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "uv" / "python"


def _from_version_dirs(pattern: str, minor: tuple[int, int], source: str) -> list[Interpreter]:
    """Interpreters in version-named folders (pyenv's 3.12.1, uv's cpython-3.12.1-linux-x86_64-gnu)."""
    found = []
    for folder in glob.glob(pattern):
        name = os.path.basename(folder)
        match = _VERSION_RE.search(name)
        if not match or (int(match[1]), int(match[2])) != minor:
            continue
        if "freethreaded" in name or re.search(r"\d+\.\d+\.\d+t(?![a-z])", name):
            continue  # Lambda disables free-threading; a no-GIL build (3.13.0t) is not the runtime's
        exe = os.path.join(folder, "bin", f"python{minor[0]}.{minor[1]}")
        if os.access(exe, os.X_OK):
            found.append(Interpreter(exe, match[0], source))
    # The newest patch release first.
    return sorted(found, key=lambda i: tuple(int(p) for p in i.version.split(".")), reverse=True)


def candidates(minor: tuple[int, int]) -> list[Interpreter]:
    """Every interpreter of this minor version found without an explicit setting, best first."""
    out: list[Interpreter] = []
    host = host_interpreter()
    if host.minor == minor:
        out.append(host)  # known without starting a process
    name = f"python{minor[0]}.{minor[1]}"
    on_path = shutil.which(name)
    # pyenv's shims are shell scripts that re-dispatch on every start: use the real binary below.
    if on_path and f"{os.sep}shims{os.sep}" not in on_path:
        probed = probe(on_path, "PATH")
        if probed is not None and probed.minor == minor:
            out.append(probed)
    out += _from_version_dirs(str(_pyenv_root() / "versions" / "*"), minor, "pyenv")
    out += _from_version_dirs(str(_uv_root() / "cpython-*"), minor, "uv")
    seen: set[str] = set()
    unique = []
    for interp in out:
        real = os.path.realpath(interp.path)
        if real not in seen:
            seen.add(real)
            unique.append(interp)
    return unique


_resolved: dict[tuple[str, str, str], Resolution] = {}


class InterpreterError(ValueError):
    """An explicitly named interpreter that cannot be used; the message is for the user."""


def resolve(runtime: str, explicit: str = "") -> Resolution:
    """The interpreter `runtime` runs on. An explicit setting wins, then LAMBDA_CONSOLE_PYTHON3_X,
    then the host if it matches, then PATH, pyenv and uv; else the nearest version found."""
    from_env = os.environ.get(env_var(runtime), "")
    key = (runtime, explicit, from_env)
    cached = _resolved.get(key)
    if cached is not None:
        return cached
    minor = _runtime_minor(runtime)
    for command, source in ((explicit, "setting"), (from_env, "environment")):
        if not command:
            continue
        interp = probe(os.path.expanduser(command), source)
        if interp is None:
            where = "the function's interpreter setting" if source == "setting" else env_var(runtime)
            raise InterpreterError(f"{where} names '{command}', which is not a Python 3 interpreter")
        resolution = Resolution(runtime, interp, interp.minor == minor)
        _resolved[key] = resolution
        return resolution
    found = candidates(minor)
    if found:
        resolution = Resolution(runtime, found[0], True)
    else:
        resolution = Resolution(runtime, nearest(minor), False)
    _resolved[key] = resolution
    return resolution


def nearest(minor: tuple[int, int]) -> Interpreter:
    """The installed interpreter closest in version (the newer one on a tie), else the host."""
    best = host_interpreter()
    best_rank = (abs(best.minor[1] - minor[1]), best.minor[1] < minor[1])
    for other in range(7, 20):
        if (3, other) == minor:
            continue
        rank = (abs(other - minor[1]), other < minor[1])
        if rank >= best_rank:
            continue
        found = candidates((3, other))
        if found:
            best, best_rank = found[0], rank
    return best


def forget() -> None:
    """Drop what was resolved (a test, or an interpreter installed while the console runs)."""
    with _lock:
        _probed.clear()
    _resolved.clear()
