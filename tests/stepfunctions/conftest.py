"""Step Functions tests run against an empty workspace, so a user's own functions never change a result."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _empty_workspace(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(tmp_path_factory.mktemp("sfn-workspace")))
