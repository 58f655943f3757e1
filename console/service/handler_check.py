"""Static check that a handler resolves (module file, top-level name) without importing the code."""

from __future__ import annotations

import ast
from pathlib import Path

# Names a module can bind at top level; the runtime looks the handler up with getattr, so an
# assignment or an import works as well as a def.
_BINDING_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def handler_problem(code_dir: Path, handler: str) -> str | None:
    """The message the runtime would fail with for this handler, or None if it resolves.

    Messages follow awslambdaric: Runtime.MalformedHandlerName, ImportModuleError,
    UserCodeSyntaxError and HandlerNotFound.
    """
    if "." not in handler:
        return f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)"
    module_path, function = handler.rsplit(".", 1)
    module_name = module_path.replace("/", ".")
    parts = module_name.split(".")
    if not function or not all(p.isidentifier() for p in parts):
        return f"Unable to import module '{module_name}': No module named '{module_name}'"
    root = Path(code_dir).resolve()
    candidates = (root.joinpath(*parts[:-1], parts[-1] + ".py"), root.joinpath(*parts, "__init__.py"))
    source_file = next((c for c in candidates if c.is_file() and _inside(c, root)), None)
    if source_file is None:
        return f"Unable to import module '{module_name}': No module named '{module_name}'"
    try:
        tree = ast.parse(source_file.read_bytes(), filename=str(source_file))
    except SyntaxError as exc:
        return f"Syntax error in module '{module_name}': {exc}"
    except (OSError, ValueError) as exc:
        return f"Unable to import module '{module_name}': {exc}"
    if function not in _top_level_names(tree):
        return f"Handler '{function}' missing on module '{module_name}'"
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, _BINDING_NODES):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            # A handler defined under `if`/`try` at module level is still a module attribute.
            inner = ast.Module(body=list(ast.iter_child_nodes(node)), type_ignores=[])
            inner.body = [n for n in inner.body if isinstance(n, ast.stmt)]
            names |= _top_level_names(inner)
    return names
