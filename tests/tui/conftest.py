"""Fixtures for the TUI tests: a private workspace per test and helpers to drive the app."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace root (LAMBDA_CONSOLE_HOME) for the test."""
    root = tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(root))
    return root


@pytest.fixture
def default_dir(home: Path) -> Path:
    from console.tui import store

    return store.default_function_dir()


@pytest.fixture
def engine():
    from console.engine import Engine

    eng = Engine()
    yield eng
    eng.close()
