"""pytest plugin (entry point `pytest11`): the `lambda_invoke` fixture runs handlers through the faithful runtime.

    def test_hello(lambda_invoke):
        result = lambda_invoke("functions/hello", {"key1": "value1"})
        assert result.status == "Succeeded" and result.payload == "value1"

Everything heavy is imported when a test first asks for the fixture, so a suite that never uses it
pays nothing for the plugin being installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest


@pytest.fixture(scope="session")
def lambda_invoker() -> Iterator[Any]:
    """The session's Invoker: warm execution environments are shared by every test, stopped at the end."""
    from console.service.invoker import Invoker

    # A test run must not leave metrics files in the project's function folders.
    invoker = Invoker(persist_metrics=False)
    try:
        yield invoker
    finally:
        invoker.close()


@pytest.fixture
def lambda_invoke(lambda_invoker: Any, request: pytest.FixtureRequest) -> Any:
    """`lambda_invoke(function, event=None, **overrides)` -> Invocation.

    `function`: a function folder (absolute, or relative to the current directory, the test's
    folder or the rootdir) or a workspace function name. `event`: a dict or list, JSON text, a saved
    event name of the function, or a sample event template name. `overrides`: handler, runtime,
    timeout (s), memory (MB), env (added to the saved variables)... The record has status,
    payload (parsed), error, error_type, error_message, logs, log_lines and summary.
    """
    from console.testing.invocation import invoke

    search = (Path(str(request.path)).parent, Path(str(request.config.rootpath)))

    def run(function: str | Path, event: Any = None, **overrides: Any) -> Any:
        return invoke(lambda_invoker, function, event, search=search, **overrides)

    return run
