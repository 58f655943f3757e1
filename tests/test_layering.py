"""The layering contract, read from the source: the engine imports no front, service and Step
Functions import no UI, and only the Invoker calls `Engine.invoke`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CONSOLE = Path(__file__).resolve().parents[1] / "console"
UI = ("textual", "rich", "pygments", "console.tui", "console.cli")
RULES = {
    # package: module prefixes it must never import (at any depth: lazy imports count too)
    "engine": ("console.service", "console.cli", "console.tui", "console.stepfunctions", "console.workspace",
               "console.catalog", "console.display", *UI),
    "service": UI,
    "stepfunctions": UI,
    "eventsources": UI,
    "testing": UI,  # the regression suite and the pytest plugin run headless
    # templates are read below every front and service that uses them
    "sam": ("console.service", "console.cli", "console.tui", "console.stepfunctions", "console.eventsources",
            "console.testing", *UI),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(CONSOLE.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _files(package: str) -> list[Path]:
    return sorted((CONSOLE / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(RULES))
def test_each_layer_imports_only_what_is_beneath_it(package):
    forbidden = RULES[package]
    broken = [
        f"{path.relative_to(CONSOLE.parent)}:{line} imports {module}"
        for path in _files(package)
        for line, module in _imports(path)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]
    assert broken == []


def _engine_invoke_calls(path: Path) -> list[int]:
    """Lines calling `<something engine-like>.invoke(`: an attribute named engine / _engine / Engine()."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "invoke":
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if isinstance(target, ast.Call):
                name = getattr(target.func, "id", getattr(target.func, "attr", ""))
            if name.lower().lstrip("_") in ("engine", "self_engine") or name == "Engine":
                lines.append(node.lineno)
    return lines


def test_only_the_invoker_calls_engine_invoke():
    allowed = {CONSOLE / "service" / "invoker.py", CONSOLE / "engine" / "engine.py"}
    callers = [
        f"{path.relative_to(CONSOLE.parent)}:{line}"
        for path in sorted(CONSOLE.rglob("*.py"))
        if path not in allowed
        for line in _engine_invoke_calls(path)
    ]
    assert callers == []
    assert _engine_invoke_calls(CONSOLE / "service" / "invoker.py"), "the Invoker is the caller"


def test_the_contract_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(engine):\n    from rich import print\n    return engine.invoke(1)\n")
    assert _engine_invoke_calls(bad) == [3]
