"""A function's requirements.txt installed as `sam build` would, without Docker: per function and
runtime, cached by the requirements' content, with the runtime's own interpreter."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Callable

from .config import ConfigError, FunctionConfig
from .interpreters import Resolution
from .runtime_dirs import cache_root
from .sha import sha256

REQUIREMENTS = "requirements.txt"
MANIFEST = ".lambda-console-build.json"
if TYPE_CHECKING:
    Progress = Callable[[str], None]

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class BuildError(ConfigError):
    """The dependencies could not be installed; the message names what pip refused."""


@dataclass(frozen=True)
class Build:
    """Where a function's dependencies are, and whether this call installed them."""

    folder: str
    built: bool  # False: the cached build was reused (no pip, no network)
    seconds: float = 0.0


def requirements_of(code_dir: Path) -> Path | None:
    path = Path(code_dir) / REQUIREMENTS
    return path if path.is_file() else None


def build_folder(config: FunctionConfig, resolution: Resolution, requirements: bytes) -> Path:
    """<cache>/deps/<function folder>/<runtime>-<interpreter>-<requirements' content>."""
    function_key = sha256(str(config.code_dir).encode()).hexdigest()[:16]
    content_key = sha256(requirements).hexdigest()[:16]
    name = f"{config.runtime}-{resolution.interpreter.version}-{content_key}"
    return cache_root() / "deps" / function_key / name


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def cached(config: FunctionConfig, resolution: Resolution) -> str | None:
    """The folder of an up-to-date build, None when there is nothing to build or it is stale."""
    requirements = requirements_of(config.code_dir)
    if requirements is None:
        return None
    folder = build_folder(config, resolution, requirements.read_bytes())
    return str(folder) if (folder / MANIFEST).is_file() else None


def ensure(
    config: FunctionConfig,
    resolution: Resolution,
    progress: Progress | None = None,
    *,
    force: bool = False,
    cancel: threading.Event | None = None,
) -> Build | None:
    """The function's installed dependencies (None without a requirements.txt), installing them
    when the requirements changed since the last build. Concurrent callers wait for one build."""
    requirements = requirements_of(config.code_dir)
    if requirements is None:
        return None
    try:
        text = requirements.read_bytes()
    except OSError as exc:
        raise BuildError(f"Cannot read {requirements}: {exc.strerror or exc}") from exc
    folder = build_folder(config, resolution, text)
    if not force and (folder / MANIFEST).is_file():
        return Build(str(folder), False)
    with _lock_for(str(folder)):
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f".{folder.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another console may be building the same
            if not force and (folder / MANIFEST).is_file():
                return Build(str(folder), False)
            started = time.perf_counter()
            _install(config, resolution, requirements, text, folder, progress, cancel)
            _forget_older(folder)
            return Build(str(folder), True, time.perf_counter() - started)


def _pip_commands(python: str, target: str, requirements: Path, version: str) -> list[list[str]]:
    """pip of the runtime's own interpreter (markers, wheels and compiled files match what it
    runs); without one, the console's pip choosing wheels for that version and Lambda's platform."""
    common = ["install", "--target", target, "-r", str(requirements), "--no-input",
              "--disable-pip-version-check", "--progress-bar", "off"]
    foreign = [
        sys.executable, "-m", "pip", *common,
        "--python-version", version, "--implementation", "cp", "--platform", "manylinux2014_x86_64",
        "--only-binary=:all:",
    ]
    return [[python, "-m", "pip", *common], foreign]


def _install(
    config: FunctionConfig,
    resolution: Resolution,
    requirements: Path,
    text: bytes,
    folder: Path,
    progress: Progress | None,
    cancel: threading.Event | None = None,
) -> None:
    interp = resolution.interpreter
    say = progress or (lambda line: None)
    say(f"Building {requirements} for {config.runtime} (Python {interp.version}) ...\n")
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    version = ".".join(str(n) for n in interp.minor)
    env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore", PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    output: list[str] = []
    try:
        for n, command in enumerate(_pip_commands(interp.path, str(staging), requirements, version)):
            output = _run(command, config.code_dir, env, say, cancel)
            if output[-1] == "0":
                break
            if cancel is not None and cancel.is_set():
                raise BuildError(f"The build of {requirements.name} was cancelled; nothing was run.")
            if n == 0 and any("No module named pip" in line for line in output):
                say(f"Python {interp.version} has no pip: using the console's pip for Python {version} wheels.\n")
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
                continue
            raise BuildError(_failure(requirements, config.runtime, interp.version, output))
        manifest = {
            "requirementsSha256": sha256(text).hexdigest(),
            "runtime": config.runtime,
            "interpreter": interp.path,
            "pythonVersion": interp.version,
            "builtAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"Built {requirements.name}: dependencies in {folder}\n")


def _run(
    command: list[str], cwd: Path, env: dict[str, str], say: Progress, cancel: threading.Event | None = None
) -> list[str]:
    """Run pip, passing each line on (stopped when `cancel` is set); the last item is the exit status."""
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
        )
    except OSError as exc:
        return [f"ERROR: cannot run {command[0]}: {exc.strerror or exc}", "1"]
    assert proc.stdout is not None
    if cancel is not None:

        def stop_on_cancel() -> None:
            while proc.poll() is None:
                if cancel.wait(0.1):
                    proc.kill()
                    return

        threading.Thread(target=stop_on_cancel, name="lambda-console-build-cancel", daemon=True).start()
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        say(line if line.endswith("\n") else line + "\n")
    return lines + [str(proc.wait())]


_ERROR = re.compile(r"^ERROR: ")


def _failure(requirements: Path, runtime: str, version: str, output: list[str]) -> str:
    """The build's error: pip's own ERROR lines name the requirement it could not install."""
    errors = [_ERROR.sub("", line) for line in output[:-1] if _ERROR.match(line)]
    detail = "; ".join(errors[-2:]) if errors else (output[-2] if len(output) > 1 else "pip failed")
    return (
        f"Could not install {requirements.name} for {runtime} (Python {version}): {detail}. "
        "Nothing was run; the function's code was not changed."
    )


def _forget_older(folder: Path) -> None:
    """Older builds of the same function and runtime are not used again."""
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    for sibling in folder.parent.iterdir():
        if sibling != folder and sibling.is_dir() and sibling.name.startswith(prefix):
            shutil.rmtree(sibling, ignore_errors=True)
