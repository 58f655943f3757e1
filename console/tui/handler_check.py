"""Static check of a handler string against the code on disk (no import, no user code runs)."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

# The runtime refuses built-in module names as handler modules (they shadow the user's file).
_BUILTIN_CONFLICTS = frozenset(sys.builtin_module_names)


@dataclass(frozen=True)
class HandlerProblem:
    """What is wrong, and the Runtime.* error Lambda would report when the test runs."""

    message: str
    error_type: str


def handler_module_path(code_dir: Path, module: str) -> Path | None:
    """The file a handler module name resolves to under code_dir, or None when there is none."""
    parts = module.replace("/", ".").split(".")
    base = Path(code_dir).joinpath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _defined_names(tree: ast.Module) -> tuple[set[str], bool]:
    """Top-level names a module binds, and whether it may bind others we cannot see statically."""
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
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            names.add(sub.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name == "*":
                        open_ended = True
                    else:
                        names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                # Conditional definitions still count: the check warns only when a name is surely missing.
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                # globals().update(...) / setattr(sys.modules[...]) style tricks
                func = node.value.func
                if isinstance(func, ast.Attribute) and func.attr in {"update", "setdefault"}:
                    open_ended = True
                if isinstance(func, ast.Name) and func.id in {"setattr", "exec"}:
                    open_ended = True
    visit(tree.body)
    if "__getattr__" in names:
        open_ended = True
    return names, open_ended


def check_handler(code_dir: Path, handler: str) -> HandlerProblem | None:
    """The problem Lambda would hit loading this handler from code_dir, or None when it looks fine."""
    handler = handler.strip()
    if "." not in handler:
        return HandlerProblem(
            f"Bad handler '{handler}': use module.function, e.g. lambda_function.lambda_handler",
            "Runtime.MalformedHandlerName",
        )
    module, function = handler.rsplit(".", 1)
    if not module or not function:
        return HandlerProblem(
            f"Bad handler '{handler}': use module.function, e.g. lambda_function.lambda_handler",
            "Runtime.MalformedHandlerName",
        )
    if module in _BUILTIN_CONFLICTS:
        return HandlerProblem(
            f"Cannot use built-in module {module} as a handler module", "Runtime.BuiltInModuleConflict"
        )
    path = handler_module_path(code_dir, module)
    if path is None:
        shown = module.replace(".", "/") + ".py"
        return HandlerProblem(
            f"No file {shown} in the function folder: Unable to import module '{module}'",
            "Runtime.ImportModuleError",
        )
    try:
        source = path.read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(source, filename=path.name)
    except SyntaxError as exc:
        return HandlerProblem(
            f"Syntax error in {path.name} line {exc.lineno}: {exc.msg}", "Runtime.UserCodeSyntaxError"
        )
    except (OSError, ValueError) as exc:
        return HandlerProblem(f"Cannot read {path.name}: {exc}", "Runtime.ImportModuleError")
    names, open_ended = _defined_names(tree)
    if function not in names and not open_ended:
        return HandlerProblem(
            f"Handler '{function}' missing on module '{module}'", "Runtime.HandlerNotFound"
        )
    return None
