"""The headless paths stay light: the engine and `invoke` never import Textual."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_importing_the_engine_does_not_import_textual_or_rich():
    modules = _modules_after("import console.engine")
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments")}


def test_the_invoke_command_path_does_not_import_textual():
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['invoke', '--blueprint', 'hello-world', '--json']) == 0\n"
    )
    modules = _modules_after(code)
    assert "console.engine.engine" in modules  # it really invoked
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments")}


def test_the_execution_environment_does_not_import_the_console_package():
    from pathlib import Path

    bootstrap = Path(__file__).resolve().parents[1] / "console" / "engine" / "runtime" / "bootstrap.py"
    source = bootstrap.read_text()
    assert "import console" not in source and "from console" not in source
