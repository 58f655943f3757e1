"""Static check that a handler resolves (module file, top-level name) without importing the code."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

# Names a module can bind at top level; the runtime looks the handler up with getattr, so an
# assignment or an import works as well as a def.
_BINDING_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Stands for "any name": a star import or a module __getattr__ can bind what we cannot see.
_ANY = "*"


def handler_problem(code_dir: Path, handler: str) -> str | None:
    """The message the runtime would fail with for this handler, or None if it resolves.

    Messages follow the runtime (awslambdaric): Runtime.MalformedHandlerName,
    BuiltInModuleConflict, ImportModuleError, UserCodeSyntaxError and HandlerNotFound.
    """
    try:
        module_path, function = handler.rsplit(".", 1)
    except ValueError as exc:
        return f"Bad handler '{handler}': {exc}"
    if module_path.split(".")[0] in sys.builtin_module_names:
        return f"Cannot use built-in module {module_path} as a handler module"
    parts = module_path.replace("/", ".").split(".")
    root = Path(code_dir).resolve()
    source_file: Path | None = None
    for i, part in enumerate(parts):
        dotted = ".".join(parts[: i + 1])
        base = root.joinpath(*parts[: i + 1])
        last = i == len(parts) - 1
        if not part.isidentifier() or not _inside(base, root):
            return f"Unable to import module '{module_path}': No module named '{dotted}'"
        if (base / "__init__.py").is_file():
            source_file = base / "__init__.py" if last else None
        elif last and base.with_name(part + ".py").is_file():
            source_file = base.with_name(part + ".py")
        elif not base.is_dir():  # a folder without __init__.py still imports (namespace package)
            return f"Unable to import module '{module_path}': No module named '{dotted}'"
    if source_file is None:
        return f"Handler '{function}' missing on module '{module_path}'"
    try:
        tree = ast.parse(source_file.read_bytes(), filename=str(source_file))
    except SyntaxError as exc:
        shown = str(exc).replace(str(root), "/var/task")
        return f"Syntax error in module '{module_path}': {shown}"
    except (OSError, ValueError) as exc:
        return f"Unable to import module '{module_path}': {exc}"
    names = _top_level_names(tree.body)
    if function not in names and _ANY not in names:
        return f"Handler '{function}' missing on module '{module_path}'"
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _top_level_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in body:
        if isinstance(node, _BINDING_NODES):
            names.add(_ANY if node.name == "__getattr__" else node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(_ANY if a.name == "*" else (a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            # A handler defined under `if`/`try` at module level is still a module attribute.
            for field in ("body", "orelse", "finalbody"):
                names |= _top_level_names(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                names |= _top_level_names(handler.body)
        elif isinstance(node, ast.Expr) and "globals" in ast.unparse(node):
            names.add(_ANY)  # globals()[...] = ... / globals().update(...) bind names dynamically
    return names
