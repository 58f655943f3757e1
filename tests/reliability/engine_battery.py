"""Shared pieces of the engine's hostile battery: an engine, throw-away functions, /proc probes."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Callable

import pytest

from console.engine import Engine, FunctionConfig


@pytest.fixture
def engine():
    with Engine() as e:
        yield e


@pytest.fixture
def make_function(tmp_path: Path) -> Callable[..., FunctionConfig]:
    """Write `code` as lambda_function.py in a fresh folder and return its configuration."""
    counter = iter(range(10_000))

    def make(code: str, handler: str = "lambda_function.lambda_handler", **settings) -> FunctionConfig:
        folder = tmp_path / f"fn{next(counter)}"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(textwrap.dedent(code))
        return FunctionConfig(code_dir=folder, handler=handler, **settings)

    return make


def proc_state(pid: int) -> str:
    """The process's state letter, "" once it is gone (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""
    return "" if state in ("Z", "X") else state


def parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def wait_for(condition: Callable[[], bool], within: float = 30.0) -> bool:
    """Poll `condition` until it holds or `within` seconds pass (a deadline, not a pause)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def read_pids(path: Path, count: int) -> list[int]:
    assert wait_for(lambda: path.exists() and len(path.read_text().split()) >= count)
    return [int(x) for x in path.read_text().split()[:count]]


def gone(pids: list[int]) -> bool:
    return all(proc_state(pid) == "" for pid in pids)


def kill_quietly(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
