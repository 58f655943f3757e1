"""Fixtures for the regression-suite tests: function folders with saved events, a workspace."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Callable

import pytest

HANDLER = """
    import time
    def lambda_handler(event, context):
        print("got " + str(event.get("key1")))
        if event.get("fail"):
            raise ValueError("bad " + str(event["fail"]))
        if event.get("sleep"):
            time.sleep(event["sleep"])
        return {"statusCode": 200, "body": event.get("key1"), "n": 3}
"""


@pytest.fixture
def workspace_home(tmp_path: Path, monkeypatch) -> Path:
    """An empty workspace of its own (LAMBDA_CONSOLE_HOME)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(home))
    return home


@pytest.fixture
def make_function(tmp_path: Path) -> Callable[..., Path]:
    """A function folder with HANDLER (or `code`) and the given saved events."""

    def make(name: str = "fn", events: dict | None = None, code: str = HANDLER, parent: Path | None = None) -> Path:
        folder = (parent or tmp_path) / name
        (folder / ".lambda-console" / "events").mkdir(parents=True)
        (folder / "lambda_function.py").write_text(textwrap.dedent(code))
        for event, value in (events if events is not None else {"basic": {"key1": "a"}, "err": {"fail": "x"}}).items():
            (folder / ".lambda-console" / "events" / f"{event}.json").write_text(json.dumps(value))
        return folder

    return make
