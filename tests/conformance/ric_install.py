"""awslambdaric for the interpreter the engine runs a runtime on, so both sides of the differential
test run the same Python: the console's own copy on the host's, a cached install on the others."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from console.engine import interpreters
from console.engine.runtime_dirs import cache_root


class RicUnavailable(RuntimeError):
    """awslambdaric cannot be installed for that interpreter; the message says why."""


def ric_for(runtime: str) -> tuple[str, str]:
    """(python, extra sys.path folder) to run awslambdaric with for `runtime`."""
    resolution = interpreters.resolve(runtime)
    if resolution.is_host:
        return sys.executable, ""
    interp = resolution.interpreter
    version = importlib.metadata.version("awslambdaric")
    target = cache_root() / "test-awslambdaric" / f"{interp.version}-{version}"
    if (target / "awslambdaric").is_dir():
        return interp.path, str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time
        if not (target / "awslambdaric").is_dir():
            staging = tempfile.mkdtemp(prefix=".install.", dir=target.parent)
            done = subprocess.run(
                [interp.path, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "--target", staging, f"awslambdaric=={version}"],
                capture_output=True, text=True, timeout=600,
            )
            if done.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
                raise RicUnavailable(f"awslambdaric {version} cannot be installed for Python {interp.version}: {last}")
            os.rename(staging, target)
    return interp.path, str(target)
