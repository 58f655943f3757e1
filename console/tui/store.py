"""The TUI's one door to the catalog, the workspace and the engine config (no Textual here).

Keeping every call to console.workspace / console.catalog in this module means the screens
never depend on the exact shape of those APIs.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from console import catalog, workspace
from console.engine import FunctionConfig
from console.workspace import FunctionSettings

from . import sam_project

HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# Files the editor never opens: bytecode, archives and anything that is not text.
_SKIP_SUFFIXES = {".pyc", ".pyo", ".zip", ".so", ".png", ".jpg", ".gif", ".gz", ".whl"}
MAX_EDITABLE_BYTES = 1_000_000


Settings = FunctionSettings  # the workspace's record; it keeps unknown config keys for us


def updated(settings: Settings, **changes: Any) -> Settings:
    """A copy of the settings with some fields changed (the original stays as it was)."""
    return replace(settings, **changes)


def valid_event_name(name: str) -> bool:
    try:
        workspace.validate_event_name(name)
    except workspace.WorkspaceError:
        return False
    return True


def valid_function_name(name: str) -> bool:
    try:
        workspace.validate_function_name(name)
    except workspace.WorkspaceError:
        return False
    return True


def runtime_label(runtime: str) -> str:
    """'python3.12 (Python 3.12.1)', or 'python3.14 (runs on Python 3.13.0)' when the runtime has no
    interpreter of its own here and the nearest stands in."""
    from console.engine import interpreters

    try:
        resolution = interpreters.resolve(runtime)
    except (interpreters.InterpreterError, ValueError):
        return runtime
    version = resolution.interpreter.version
    return f"{runtime} (Python {version})" if resolution.exact else f"{runtime} (runs on Python {version})"


def stand_in_python(runtime: str, interpreter: str = "") -> str:
    """'' when the runtime runs on its own Python, else the version that stands in ('3.13.0')."""
    from console.engine import interpreters

    try:
        resolution = interpreters.resolve(runtime, interpreter)
    except (interpreters.InterpreterError, ValueError):
        return ""
    return "" if resolution.exact else resolution.interpreter.version


# -- functions ---------------------------------------------------------------------------------


def default_function_dir() -> Path:
    """The ready hello-world function the console opens without arguments."""
    return Path(workspace.ensure_default_function().dir)


def function_exists(name: str) -> bool:
    return (workspace.functions_dir() / name).exists()


def workspace_functions() -> list[tuple[str, Path, Settings | None]]:
    """(name, folder, settings or None when unreadable) of every function in the workspace, after
    the functions of the SAM project the console was opened on."""
    listed = sam_project.listed()
    try:
        return listed + [(f.name, Path(f.dir), f.settings) for f in workspace.list_functions()]
    except (OSError, workspace.WorkspaceError):  # one damaged function must not hide the others
        folder = workspace.functions_dir()
        found: list[tuple[str, Path, Settings | None]] = []
        for sub in sorted(folder.iterdir()) if folder.is_dir() else []:
            if sub.is_dir() and not sub.name.startswith("."):
                try:
                    settings, _ = workspace.load_function_config(sub)
                except (OSError, workspace.WorkspaceError):
                    settings = None
                found.append((sub.name, sub, settings))
        return found


def function_dir(name: str) -> Path:
    return workspace.functions_dir() / name


def function_name(code_dir: Path) -> str:
    template_function = sam_project.function_for(code_dir)
    if template_function is not None:
        return template_function.logical_id
    return workspace.load_function(code_dir).name


def create_from_blueprint(blueprint: Any, name: str) -> Path:
    return Path(workspace.create_function_from_blueprint(blueprint, name).dir)


def load_settings(code_dir: Path) -> tuple[Settings, str | None]:
    """The function's settings and a warning when its config file was unreadable (moved aside).

    A function of the SAM project takes its template's settings until it has its own; a folder
    opened for the first time (no settings yet) gets the handler its files suggest."""
    template_function = sam_project.function_for(code_dir)
    if template_function is not None and not sam_project.has_own_settings(code_dir):
        return sam_project.settings_for(template_function), None
    try:
        settings, warning = workspace.load_function_config(code_dir)
    except (OSError, workspace.WorkspaceError) as exc:  # a broken file must never stop the console opening
        return Settings(), f"Could not read the configuration ({exc}); using defaults."
    if warning is None and not workspace.config_path(Path(code_dir)).exists():
        guessed = guess_handler(Path(code_dir))
        if guessed:
            settings = replace(settings, handler=guessed)
    return settings, warning


_HANDLER_NAMES = ("lambda_handler", "handler")


def guess_handler(code_dir: Path) -> str | None:
    """`module.function` for a top-level module defining lambda_handler or handler (the default
    lambda_function.lambda_handler when that exists), None when no file suggests one."""
    import ast

    try:
        candidates = sorted(p for p in Path(code_dir).glob("*.py") if p.is_file())
    except OSError:
        return None
    candidates.sort(key=lambda p: (p.stem != "lambda_function", p.stem not in ("app", "handler", "main"), p.stem))
    for path in candidates[:50]:
        try:
            if path.stat().st_size > MAX_EDITABLE_BYTES:
                continue
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for name in _HANDLER_NAMES:
            if name in defined and path.stem.isidentifier():
                return f"{path.stem}.{name}"
    return None


def save_settings(code_dir: Path, settings: Settings) -> None:
    workspace.save_function_config(code_dir, settings)


def to_config(code_dir: Path, settings: Settings) -> FunctionConfig:
    """The engine configuration of the function as the console holds it (the workspace builds it;
    a function of the SAM project keeps its template's logical id as its name)."""
    function = workspace.load_function(code_dir)
    function.settings = settings
    overrides: dict[str, Any] = {"handler": settings.handler.strip()}
    template_function = sam_project.function_for(code_dir)
    if template_function is not None:
        overrides["function_name"] = template_function.logical_id
    return workspace.to_function_config(function, **overrides)


# -- code files --------------------------------------------------------------------------------


def code_files(code_dir: Path) -> list[str]:
    """The function's editable top-level files, handler-ish Python files first."""
    names: list[str] = []
    try:
        entries = list(Path(code_dir).iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_file():
            continue
        if entry.suffix.lower() in _SKIP_SUFFIXES:
            continue
        if _is_editable_text(entry):
            names.append(entry.name)
    return sorted(names, key=lambda n: (not n.endswith(".py"), n != "lambda_function.py", n.lower()))


# The editor polls the folder every second: a file is decoded again only when it changed.
_TEXT_CHECKS: dict[tuple[str, int, int], bool] = {}


def is_editable_text(path: Path) -> bool:
    return _is_editable_text(Path(path))


def _is_editable_text(path: Path) -> bool:
    """Small enough and UTF-8 text (binary files are never opened, so never rewritten)."""
    try:
        st = path.stat()
    except OSError:
        return False
    key = (str(path), st.st_size, st.st_mtime_ns)
    known = _TEXT_CHECKS.get(key)
    if known is None:
        known = st.st_size <= MAX_EDITABLE_BYTES
        if known:
            try:
                path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                known = False
        if len(_TEXT_CHECKS) > 4096:
            _TEXT_CHECKS.clear()
        _TEXT_CHECKS[key] = known
    return known


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    workspace.atomic_write_text(Path(path), text)


# -- events ------------------------------------------------------------------------------------


def saved_events(code_dir: Path) -> list[str]:
    try:
        return workspace.list_saved_events(code_dir)
    except OSError:
        return []


def expected_events(code_dir: Path) -> set[str]:
    """Saved events that have an expected answer (the Tests view runs them)."""
    try:
        return set(workspace.list_expectations(code_dir))
    except OSError:
        return set()


def load_event(code_dir: Path, name: str) -> str:
    return workspace.load_saved_event(code_dir, name)


def save_event(code_dir: Path, name: str, text: str) -> None:
    workspace.save_event(code_dir, name, text)


def rename_event(code_dir: Path, old: str, new: str) -> None:
    workspace.rename_event(code_dir, old, new)


def delete_event(code_dir: Path, name: str) -> None:
    workspace.delete_event(code_dir, name)


# -- catalog -----------------------------------------------------------------------------------


def blueprints() -> list[Any]:
    """Function blueprints (state-machine examples belong to the Step Functions view)."""
    return [b for b in catalog.blueprints() if b.kind == "function"]


def sample_events() -> list[Any]:
    return list(catalog.sample_events())


HELLO_WORLD_EVENT = '{\n  "key1": "value1",\n  "key2": "value2",\n  "key3": "value3"\n}\n'


def initial_event(code_dir: Path, settings: Settings | None = None) -> tuple[str, str]:
    """(template name, text) the test event starts from: the blueprint's own, else hello-world."""
    if settings is None:
        settings, _ = load_settings(code_dir)
    name = "hello-world"
    if settings.blueprint:
        try:
            bp = catalog.get_blueprint(settings.blueprint)
            name = bp.event_name or f"{bp.name} event"
            return name, bp.event_text()
        except (OSError, catalog.CatalogError):
            pass
    try:
        return name, catalog.get_sample_event(name).text()
    except (OSError, catalog.CatalogError):
        return name, HELLO_WORLD_EVENT


LAST_EVENT_KEY = "lastTestEvent"  # in config.json: the test event last used, shown on reopening
MAX_REMEMBERED_DRAFT = 64 * 1024  # an unsaved draft is remembered up to this size


def remember_event(settings: Settings, saved_name: str | None, template_name: str, text: str) -> Settings:
    """Settings that remember the test event just used: a saved event by name, a draft by text."""
    if saved_name:
        last: dict[str, Any] = {"saved": saved_name}
    else:
        last = {"template": template_name}
        if len(text) <= MAX_REMEMBERED_DRAFT:
            last["text"] = text
    if settings.extra.get(LAST_EVENT_KEY) == last:
        return settings
    return replace(settings, extra={**settings.extra, LAST_EVENT_KEY: last})


def last_event(settings: Settings) -> tuple[str | None, str | None, str | None]:
    """(saved name, template name, draft text) of the test event last used, each None if unknown."""
    last = settings.extra.get(LAST_EVENT_KEY)
    if not isinstance(last, dict):
        return None, None, None
    values = [last.get(k) for k in ("saved", "template", "text")]
    return tuple(v if isinstance(v, str) else None for v in values)  # type: ignore[return-value]
