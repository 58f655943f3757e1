"""Fixtures for the event source tests: function folders, one shared engine, and a runner."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from console.engine import Engine
from console.eventsources.clock import VirtualClock
from console.eventsources.run import Inputs, Report, Run, build, simulate
from console.service.invoker import Invoker
from console.service.metrics import MetricsRegistry


@pytest.fixture(scope="session")
def es_engine() -> Iterator[Engine]:
    with Engine() as engine:
        yield engine


@pytest.fixture
def invoker(es_engine: Engine) -> Iterator[Invoker]:
    inv = Invoker(es_engine, metrics=MetricsRegistry())
    yield inv
    inv.close()


@pytest.fixture
def make_function(tmp_path: Path) -> Callable[..., Path]:
    """A function folder whose lambda_function.py holds `code`; `state` gets a folder the function
    can write markers into (STATE_DIR), so that it can fail the first time only."""

    def make(code: str, name: str = "fn", timeout: int = 3) -> Path:
        from console import workspace

        folder = tmp_path / name
        folder.mkdir()
        (folder / "lambda_function.py").write_text(textwrap.dedent(code))
        state = tmp_path / f"{name}-state"
        state.mkdir()
        workspace.save_function_config(folder, timeout_s=timeout, environment={"STATE_DIR": str(state)})
        return folder

    return make


def lines(values: list[Any]) -> str:
    return "".join(json.dumps(v) + "\n" for v in values)


@pytest.fixture
def run_source(invoker: Invoker) -> Callable[..., Report]:
    def run(kind: str, folder: Path, records: list[Any], mapping: dict | None = None, queue: dict | None = None,
            *, max_invocations: int = 1000, entries: list | None = None) -> Report:
        from console import workspace

        config = workspace.function_config(folder)
        runner = Run(kind, config, invoker, VirtualClock(), max_invocations=max_invocations,
                     on_entry=entries.append if entries is not None else None)
        source = build(kind, runner, Inputs(lines(records), mapping or {}, queue))
        return simulate(runner, source)

    return run
