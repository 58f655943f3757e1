"""Layering: the template reader stays below the fronts, and the HTTP front invokes only through the Invoker."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "console"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(("." * node.level) + node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_sam_package_imports_no_front_and_no_service():
    for path in (ROOT / "sam").glob("*.py"):
        for module in _imports(path):
            assert not module.startswith(("console.tui", "console.service", "console.cli", "textual")), (path, module)


def test_the_http_front_never_calls_the_engine_directly():
    for name in ("http_api.py", "http_cors.py", "http_server.py"):
        source = (ROOT / "service" / name).read_text()
        assert "Engine(" not in source and "engine.invoke" not in source, name


def test_reading_a_template_does_not_import_textual():
    code = "import console.sam.routes, console.service.http_api\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in out if m.split(".")[0] in ("textual", "rich")]
