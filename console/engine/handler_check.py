"""Static check that a handler string resolves in a code folder: no import, no user code runs.

Used before a run (the TUI's inline warning, DryRun invocations). The messages are the runtime's
own, so what the check says is what the invocation would report.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

_BUILTIN_MODULES = frozenset(sys.builtin_module_names)


@dataclass(frozen=True)
class HandlerProblem:
    """What is wrong, as the Runtime.* error Lambda would report when the function runs."""

    message: str
    error_type: str


def handler_module_path(code_dir: Path, module: str) -> Path | None:
    """The file a handler's module (`pkg/mod` or `pkg.mod`) resolves to under code_dir, if any."""
    parts = module.replace("/", ".").split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    root = Path(code_dir).resolve()
    base = root.joinpath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file() and _inside(candidate, root):
            return candidate
    return None


def _first_missing(code_dir: Path, module: str) -> str:
    """The name Python's ImportError gives: the first package or module on the path that is absent."""
    parts = module.replace("/", ".").split(".")
    folder = Path(code_dir)
    for i, part in enumerate(parts[:-1]):
        folder = folder / part
        if not folder.is_dir():
            return ".".join(parts[: i + 1])
    return ".".join(parts)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def defined_names(tree: ast.Module) -> tuple[set[str], bool]:
    """Top-level names a module binds, and whether it may bind others no static reading can see."""
    names: set[str] = set()
    open_ended = False

    def visit(body: list[ast.stmt]) -> None:
        nonlocal open_ended
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names.update(sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name == "*":
                        open_ended = True
                    else:
                        names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                # Definitions under a condition still count: warn only when a name is surely missing.
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)
            if isinstance(node, ast.Assign) and any(_is_globals_item(t) for t in node.targets):
                open_ended = True  # globals()["name"] = ...
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                func = node.value.func  # globals().update(...), setattr(...), exec(...)
                if isinstance(func, ast.Attribute) and func.attr in {"update", "setdefault"}:
                    open_ended = True
                if isinstance(func, ast.Name) and func.id in {"setattr", "exec"}:
                    open_ended = True
    visit(tree.body)
    return names, open_ended or "__getattr__" in names


def _is_globals_item(target: ast.expr) -> bool:
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Call)
        and isinstance(target.value.func, ast.Name)
        and target.value.func.id in {"globals", "vars"}
    )


def missing_imports(tree: ast.Module, code_dir: Path) -> list[str]:
    """Modules the file imports unconditionally at its top level that can be found nowhere:
    neither in the function's folder nor on the interpreter's path (nothing is imported to tell)."""
    if any(isinstance(n, ast.Attribute) and n.attr == "path" and isinstance(n.value, ast.Name)
           and n.value.id == "sys" for n in ast.walk(tree)):
        return []  # the module edits its own search path: no static answer
    missing: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in missing and not _findable(top, code_dir):
                missing.append(top)
    return missing


def _findable(top: str, code_dir: Path) -> bool:
    import importlib.machinery

    folder = Path(code_dir)
    if (folder / f"{top}.py").is_file() or (folder / top).is_dir() or top in _BUILTIN_MODULES:
        return True
    if importlib.machinery.FrozenImporter.find_spec(top) is not None:
        return True
    try:
        return importlib.machinery.PathFinder.find_spec(top, sys.path) is not None
    except (ImportError, ValueError):
        return True


def check_handler(code_dir: Path, handler: str) -> HandlerProblem | None:
    """The error loading this handler from code_dir would give, or None when it looks fine."""
    try:
        module, function = handler.rsplit(".", 1)
    except ValueError as exc:
        return HandlerProblem(f"Bad handler '{handler}': {exc}", "Runtime.MalformedHandlerName")
    if not module:
        # awslambdaric hands "" to importlib, whose ValueError reaches the caller as it is.
        return HandlerProblem("Empty module name", "ValueError")
    if module.split(".")[0] in _BUILTIN_MODULES:
        return HandlerProblem(
            f"Cannot use built-in module {module} as a handler module", "Runtime.BuiltInModuleConflict"
        )
    path = handler_module_path(code_dir, module)
    if path is None:
        return HandlerProblem(
            f"Unable to import module '{module}': No module named '{_first_missing(code_dir, module)}'",
            "Runtime.ImportModuleError",
        )
    try:
        tree = ast.parse(path.read_bytes(), filename=path.name)
    except SyntaxError as exc:
        return HandlerProblem(f"Syntax error in module '{module}': {exc}", "Runtime.UserCodeSyntaxError")
    except (OSError, ValueError) as exc:
        return HandlerProblem(f"Unable to import module '{module}': {exc}", "Runtime.ImportModuleError")
    missing = missing_imports(tree, code_dir)
    if missing:
        return HandlerProblem(
            f"Unable to import module '{module}': No module named '{missing[0]}'", "Runtime.ImportModuleError"
        )
    names, open_ended = defined_names(tree)
    if function not in names and not open_ended:
        return HandlerProblem(f"Handler '{function}' missing on module '{module}'", "Runtime.HandlerNotFound")
    kind = _literal_kind(tree, function)
    if kind is not None:
        # The runtime finds the name and calls it: the invocation fails as Python says.
        return HandlerProblem(f"'{kind}' object is not callable", "TypeError")
    return None


_LITERALS: dict[type, str] = {
    ast.Set: "set", ast.SetComp: "set", ast.Dict: "dict", ast.DictComp: "dict", ast.List: "list",
    ast.ListComp: "list", ast.Tuple: "tuple", ast.JoinedStr: "str", ast.GeneratorExp: "generator",
}


def _literal_kind(tree: ast.Module, name: str) -> str | None:
    """The type name when every top-level binding of `name` is a literal that cannot be called
    (`TAKEN = {"a"}`), else None (a def, an import, a call's result: given the benefit of the doubt)."""
    kinds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return None
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (alias.asname or alias.name.split(".")[0]) == name for alias in node.names
        ):
            return None
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
                if any(isinstance(sub, ast.Name) and sub.id == name for t in targets for sub in ast.walk(t)):
                    return None  # unpacked into: value unknown
                continue
            value = node.value
            if value is None or isinstance(node, ast.AugAssign):
                return None
            if isinstance(value, ast.Constant):
                kinds.add(type(value.value).__name__)
            elif type(value) in _LITERALS:
                kinds.add(_LITERALS[type(value)])
            else:
                return None
        elif isinstance(node, (ast.For, ast.With, ast.NamedExpr)):
            bound = [node.target] if isinstance(node, (ast.For, ast.NamedExpr)) else [i.optional_vars for i in node.items if i.optional_vars]
            if any(isinstance(sub, ast.Name) and sub.id == name for t in bound for sub in ast.walk(t)):
                return None
    return kinds.pop() if len(kinds) == 1 else None
