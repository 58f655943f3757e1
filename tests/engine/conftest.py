"""Fixtures for engine tests: a shared engine and throw-away function folders."""

from __future__ import annotations

import textwrap
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

    def make(code: str, handler: str = "lambda_function.lambda_handler", files: dict | None = None, **settings) -> FunctionConfig:
        folder = tmp_path / f"fn{next(counter)}"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(textwrap.dedent(code))
        for name, text in (files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return FunctionConfig(code_dir=folder, handler=handler, **settings)

    return make
