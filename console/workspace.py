"""Function folders on disk (code + .lambda-console/ settings and saved events), shared by every front."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from . import jsonfile
from .datapaths import data_dir

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any, Iterable

    # The catalog is imported where blueprints or sample events are read: invoking a folder reads
    # neither.
    from . import catalog

if TYPE_CHECKING:  # the engine is only imported when a config is actually built
    from .engine import FunctionConfig

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_FUNCTION_NAME",
    "MAX_SAVED_EVENTS",
    "EventLimitError",
    "EventNameError",
    "Function",
    "FunctionExistsError",
    "FunctionSettings",
    "InvalidEventError",
    "SavedEventNotFoundError",
    "WorkspaceError",
    "atomic_write_text",
    "config_path",
    "create_function_from_blueprint",
    "default_event_text",
    "delete_event",
    "ensure_default_function",
    "events_dir",
    "delete_expectation",
    "expectation_path",
    "list_expectations",
    "read_expectation",
    "write_expectation",
    "function_config",
    "function_dir",
    "function_dirs",
    "functions_dir",
    "list_functions",
    "list_saved_events",
    "load_function",
    "load_function_config",
    "load_saved_event",
    "name_for_folder",
    "install_state_machine_functions",
    "state_machine_functions",
    "rename_event",
    "save_event",
    "save_function_config",
    "suggest_function_name",
    "to_function_config",
    "validate_event_name",
    "validate_function_name",
    "workspace_root",
]

CONFIG_DIR = ".lambda-console"
CONFIG_FILE = "config.json"
EVENTS_DIR = "events"
DEFAULT_FUNCTION_NAME = "hello-world"
DEFAULT_BLUEPRINT = "hello-world"
# The console's limit on private test events per function.
MAX_SAVED_EVENTS = 10
_EVENT_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,25}$")
_FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Same values as console.engine's defaults (a test pins them); kept here so reading a folder
# never imports the engine.
DEFAULT_HANDLER = "lambda_function.lambda_handler"
DEFAULT_RUNTIME = "python3.14"
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


class WorkspaceError(Exception):
    """Base of every workspace problem; the message is meant for the user as it is."""


class FunctionExistsError(WorkspaceError, FileExistsError):
    """Creating a function whose folder already exists (it is never overwritten)."""


class CorruptSettingsError(WorkspaceError, ValueError):
    """A function's .lambda-console/config.json cannot be used."""


class EventNameError(WorkspaceError, ValueError):
    """A saved-event name the console would refuse."""


class EventLimitError(WorkspaceError):
    """A function already has the maximum number of saved events."""


class InvalidEventError(WorkspaceError, ValueError):
    """Event text that is not valid JSON (the message names line and column)."""


class SavedEventNotFoundError(WorkspaceError, KeyError):
    """No saved event of that name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------- paths


def workspace_root() -> Path:
    """$LAMBDA_CONSOLE_HOME, else $XDG_DATA_HOME/lambda-console, else ~/.local/share/lambda-console."""
    explicit = os.environ.get("LAMBDA_CONSOLE_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg).expanduser() / "lambda-console"
    return Path.home() / ".local" / "share" / "lambda-console"


def functions_dir(root: Path | None = None) -> Path:
    return (Path(root) if root is not None else workspace_root()) / "functions"


def function_dir(name: str, root: Path | None = None) -> Path:
    return functions_dir(root) / validate_function_name(name)


def config_path(function_dir: Path) -> Path:
    return Path(function_dir) / CONFIG_DIR / CONFIG_FILE


def events_dir(function_dir: Path) -> Path:
    return Path(function_dir) / CONFIG_DIR / EVENTS_DIR


def state_dir(function_dir: Path | str, function_name: str | None = None) -> Path:
    """Where a function's run state goes (async log, destination records, metrics): its own
    .lambda-console folder, or, for code that is not the user's to write into (a blueprint inside
    the installed package), a folder named after the function in the workspace."""
    folder = Path(function_dir)
    try:
        folder.resolve().relative_to((data_dir() / "blueprints").resolve())
    except ValueError:
        return folder / CONFIG_DIR
    return workspace_root() / "blueprint-runs" / (function_name or _name_for(folder)) / CONFIG_DIR


def validate_function_name(name: str) -> str:
    """Return `name` if Lambda would accept it as a function name, else raise WorkspaceError."""
    if not isinstance(name, str) or not _FUNCTION_NAME_RE.match(name):
        raise WorkspaceError(
            f"Function name '{name}' must be 1-64 letters, digits, hyphens or underscores"
        )
    return name


# ---------------------------------------------------------------- atomic writes


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write `text` to `path` so that readers see the old or the new content, never a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # Editing a file must not change its permissions (an executable script stays executable).
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


# ---------------------------------------------------------------- settings


@dataclass
class FunctionSettings:
    """What `.lambda-console/config.json` holds; unknown keys are kept in `extra` and written back."""

    handler: str = DEFAULT_HANDLER
    runtime: str = DEFAULT_RUNTIME
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: int = DEFAULT_TIMEOUT_S
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    blueprint: str | None = None
    # The execution environment (issue 9): layer folders or .zip files (relative to the function's
    # folder or absolute), /tmp's size, and an explicit interpreter for the runtime.
    layers: list[str] = field(default_factory=list)
    ephemeral_storage_mb: int = 512
    interpreter: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # Names in the JSON file, chosen to read like the Lambda console's configuration page.
    _KEYS = {
        "handler": "handler",
        "runtime": "runtime",
        "memory_mb": "memory",
        "timeout_s": "timeout",
        "environment": "environment",
        "description": "description",
        "blueprint": "blueprint",
        "layers": "layers",
        "ephemeral_storage_mb": "ephemeralStorage",
        "interpreter": "interpreter",
    }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: getattr(self, attr) for attr, key in self._KEYS.items()}
        data["environment"] = dict(self.environment)
        data["layers"] = list(self.layers)
        # The execution environment's settings are written only when set, so a plain function's
        # file stays as it was.
        for key, default in (("layers", []), ("ephemeralStorage", 512), ("interpreter", "")):
            if data[key] == default:
                del data[key]
        for key, value in self.extra.items():
            data.setdefault(key, value)
        return data

    @classmethod
    def from_json(cls, data: Any) -> FunctionSettings:
        """Settings from a parsed config.json; ValueError naming the first bad field."""
        if not isinstance(data, dict):
            raise ValueError("the file must hold a JSON object")
        kwargs: dict[str, Any] = {}
        for attr, key in cls._KEYS.items():
            if key not in data:
                continue
            value = data[key]
            if attr == "layers":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError("'layers' must be a list of paths")
                value = list(value)
            elif attr in ("memory_mb", "timeout_s", "ephemeral_storage_mb"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"'{key}' must be a whole number")
            elif attr == "environment":
                if not isinstance(value, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()
                ):
                    raise ValueError("'environment' must be an object of string values")
                value = dict(value)
            elif attr == "blueprint":
                if value is not None and not isinstance(value, str):
                    raise ValueError("'blueprint' must be a string")
            elif not isinstance(value, str):
                raise ValueError(f"'{key}' must be a string")
            kwargs[attr] = value
        known = set(cls._KEYS.values())
        kwargs["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs)

    @classmethod
    def from_blueprint(cls, blueprint: catalog.Blueprint) -> FunctionSettings:
        return cls(
            handler=blueprint.handler,
            runtime=blueprint.runtime,
            memory_mb=blueprint.memory_mb,
            timeout_s=blueprint.timeout_s,
            description=blueprint.description,
            blueprint=blueprint.name,
        )


def load_function_config(
    function_dir: Path | str, *, move_aside: bool = True
) -> tuple[FunctionSettings, str | None]:
    """The function's settings and a warning (None when all is well).

    A missing file gives the defaults. A corrupt one is renamed to `config.json.corrupt-<timestamp>`
    (so the user's data is never overwritten) and the defaults are returned with a warning saying so;
    with move_aside=False (a headless caller that will refuse to run) the file is left alone.
    """
    path = config_path(Path(function_dir))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FunctionSettings(), None
    except IsADirectoryError:
        return FunctionSettings(), f"The settings file {path} is a directory, not a file; using the default settings."
    except OSError as exc:
        return FunctionSettings(), f"Could not read {path} ({exc.strerror or exc}); using the default settings."
    try:
        settings = FunctionSettings.from_json(jsonfile.loads(raw, what="it"))
    except ValueError as exc:  # JsonError included (binary, invalid, nested too deeply): one line
        problem = str(exc)
    else:
        return settings, None
    if not move_aside:
        return FunctionSettings(), f"The settings file {path} is corrupt: {problem}."
    backup = _move_aside(path)
    where = f"moved it to {backup.name}" if backup else "could not move it aside"
    return FunctionSettings(), (
        f"The settings file {path} was corrupt: {problem}. Started with the default settings and {where}."
    )


def _move_aside(path: Path) -> Path | None:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, backup)
    except OSError:
        return None
    return backup


def save_function_config(
    function_dir: Path | str, settings: FunctionSettings | None = None, **changes: Any
) -> Path:
    """Write the settings to `.lambda-console/config.json` (indent 2, atomically).

    Without `settings`, the current ones are loaded first; keyword arguments (handler, runtime,
    memory_mb, timeout_s, environment, description, blueprint) change single fields.
    """
    if settings is None:
        settings, _ = load_function_config(function_dir)
    if changes:
        known = {f.name for f in fields(FunctionSettings)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"Unknown setting(s): {', '.join(sorted(unknown))}")
        settings = replace(settings, **changes)
    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n"
    return atomic_write_text(config_path(Path(function_dir)), text)


# ---------------------------------------------------------------- functions


@dataclass
class Function:
    """A function folder: its code at the top level, its settings in .lambda-console/."""

    name: str
    dir: Path
    settings: FunctionSettings = field(default_factory=FunctionSettings)
    warning: str | None = None  # set when the settings file was corrupt and moved aside

    @property
    def handler(self) -> str:
        return self.settings.handler

    @property
    def runtime(self) -> str:
        return self.settings.runtime

    @property
    def memory_mb(self) -> int:
        return self.settings.memory_mb

    @property
    def timeout_s(self) -> int:
        return self.settings.timeout_s

    @property
    def environment(self) -> dict[str, str]:
        return self.settings.environment

    def save(self) -> Path:
        """Persist the current settings."""
        return save_function_config(self.dir, self.settings)

    def code_files(self) -> list[Path]:
        """Code files (relative paths), without the settings folder and caches."""
        found = []
        for path in sorted(self.dir.rglob("*")):
            rel = path.relative_to(self.dir)
            if rel.parts[0] == CONFIG_DIR or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
                continue
            if path.is_file():
                found.append(rel)
        return found


def load_function(function_dir: Path | str, name: str | None = None) -> Function:
    """The function whose code is in `function_dir` (any folder works; settings default when absent)."""
    folder = Path(function_dir).expanduser().resolve()
    settings, warning = load_function_config(folder)
    return Function(name=name or _name_for(folder), dir=folder, settings=settings, warning=warning)


def function_config(
    function_dir: Path | str,
    name: str | None = None,
    *,
    settings: FunctionSettings | None = None,
    **overrides: Any,
) -> FunctionConfig:
    """The engine configuration of a function folder: its saved settings (or `settings`, e.g. the
    console's unsaved ones), then `overrides` (FunctionConfig fields). The one way every front
    turns a folder into what it invokes; the name defaults to the folder's (see name_for_folder).

    Read-only: a corrupt settings file is never moved aside (a server may catch an editor mid-save,
    and a script must not rename the user's files); CorruptSettingsError says what is wrong instead.
    """
    folder = Path(function_dir).expanduser().resolve()
    if settings is None:
        settings, problem = load_function_config(folder, move_aside=False)
        if problem:
            raise CorruptSettingsError(problem)
    function = Function(name=name or name_for_folder(folder), dir=folder, settings=settings)
    return to_function_config(function, **overrides)


def read_function_config(function_dir: Path | str, name: str | None = None) -> FunctionConfig:
    """function_config without overrides (kept for older callers)."""
    return function_config(function_dir, name)


def name_for_folder(folder: Path | str) -> str:
    """The function name a folder gets when none is given: its name, with anything Lambda refuses
    in a function name replaced by '-' (the same rule as the engine's default)."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", Path(folder).name)[:64].strip("-")
    return name or "my-function"


_name_for = name_for_folder


def function_dirs(root: Path | None = None) -> list[Path]:
    """The workspace's function folders, sorted by name (the one listing every front uses; a
    folder whose name starts with '.' is a staging or hidden folder, not a function)."""
    folder = functions_dir(root)
    try:
        subs = sorted(folder.iterdir())
    except OSError:
        return []
    return [sub for sub in subs if not sub.name.startswith(".") and sub.is_dir()]


def list_functions(root: Path | None = None) -> list[Function]:
    """Every function folder under the workspace, by name."""
    return [load_function(sub) for sub in function_dirs(root)]


def create_function_from_blueprint(
    blueprint: catalog.Blueprint | str, name: str, root: Path | None = None
) -> Function:
    """Copy a blueprint's code into a new function folder; FunctionExistsError if `name` is taken."""
    from . import catalog

    if isinstance(blueprint, str):
        blueprint = catalog.get_blueprint(blueprint)
    if blueprint.kind != "function":
        raise WorkspaceError(
            f"Blueprint '{blueprint.name}' is a {blueprint.kind}, not a function: it cannot be created as one"
        )
    target = function_dir(name, root)
    _create_function(target, blueprint.path, blueprint.code_files(), FunctionSettings.from_blueprint(blueprint))
    return load_function(target, name=name)


def _create_function(target: Path, source: Path, files: list[Path], settings: FunctionSettings) -> None:
    name = target.name
    if target.exists():
        raise FunctionExistsError(f"A function named '{name}' already exists at {target}; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build the folder aside and move it in with one rename, so a crash never leaves half a function
    # and a concurrent creator of the same name loses cleanly.
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
    try:
        for rel in files:
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, dest)
        save_function_config(staging, settings)
        try:
            os.rename(staging, target)
        except OSError as exc:
            if target.exists():
                raise FunctionExistsError(
                    f"A function named '{name}' already exists at {target}; choose another name"
                ) from exc
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def state_machine_functions(
    definition: Path | str | None, explicit: Iterable[Path | str] = ()
) -> dict[str, Path]:
    """The function folders a state machine's tasks call, by name: the workspace's functions, then
    those in a `functions/` folder beside the definition, then the `explicit` folders (each named
    after its folder; later ones win). `sfn run` and the console's Step Functions view both resolve
    names here.

    A state-machine blueprint's functions are the workspace's: they are created there from the
    blueprint when absent (see install_state_machine_functions), so the user opens and edits the
    very functions the machine runs; the blueprint's own copies are templates, never run.
    """
    found = {sub.name: sub.resolve() for sub in function_dirs()}
    if definition is not None:
        folder = Path(definition).expanduser().resolve().parent
        blueprint = _state_machine_blueprint(folder)
        if blueprint is not None:
            for function in install_state_machine_functions(blueprint):
                found[function.name] = function.dir
        if blueprint is None or blueprint.path.resolve() != folder:
            beside = folder / "functions"
            try:
                subs = sorted(beside.iterdir())
            except OSError:
                subs = []
            for sub in subs:
                if not sub.name.startswith((".", "_")) and sub.is_dir():
                    found[sub.name] = sub.resolve()
    for entry in explicit:
        path = Path(entry).expanduser().resolve()
        found[path.name] = path
    return found


def _state_machine_blueprint(folder: Path) -> catalog.Blueprint | None:
    """The state-machine blueprint a definition's folder is (or was copied from), if any."""
    from . import catalog

    try:
        meta = json.loads((folder / "blueprint.json").read_text(encoding="utf-8"))
        name = meta.get("name") if isinstance(meta, dict) and meta.get("kind") == "state-machine" else None
        blueprint = catalog.get_blueprint(name) if isinstance(name, str) else None
    except (OSError, ValueError, catalog.CatalogError):
        return None
    return blueprint if blueprint is not None and blueprint.kind == "state-machine" else None


def install_state_machine_functions(blueprint: catalog.Blueprint, root: Path | None = None) -> list[Function]:
    """The workspace functions a state-machine blueprint calls, created from its `functions/`
    templates when absent (an existing function of that name is the user's and is kept as it is)."""
    names = blueprint.meta.get("functions")
    templates = blueprint.path / "functions"
    if not isinstance(names, list):
        names = [p.name for p in sorted(templates.iterdir()) if p.is_dir()] if templates.is_dir() else []
    out: list[Function] = []
    for name in names:
        source = templates / str(name)
        target = function_dir(str(name), root)
        if not target.exists() and source.is_dir():
            settings = FunctionSettings(
                runtime=blueprint.runtime,
                description=f"Called by the {blueprint.name} state machine",
                blueprint=blueprint.name,
            )
            try:
                _create_function(target, source, _template_files(source), settings)
            except FunctionExistsError:
                pass  # created meanwhile by another process: theirs stands
        if target.is_dir():
            # Read-only, as every headless caller: a corrupt settings file is the user's to fix (the
            # task that calls the function fails saying so), never renamed behind their back.
            settings, problem = load_function_config(target, move_aside=False)
            out.append(Function(name=str(name), dir=target.resolve(), settings=settings, warning=problem))
    return out


def _template_files(folder: Path) -> list[Path]:
    return [
        p.relative_to(folder)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


def suggest_function_name(base: str, root: Path | None = None) -> str:
    """`base` if no function has that name yet, else `base-2`, `base-3`, ... (for name prompts)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", base)[:60].strip("-") or "my-function"
    candidate, n = stem, 1
    while (functions_dir(root) / candidate).exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def ensure_default_function(root: Path | None = None) -> Function:
    """The workspace's `hello-world` function, created from the hello-world blueprint if absent."""
    target = function_dir(DEFAULT_FUNCTION_NAME, root)
    if not target.exists():
        try:
            return create_function_from_blueprint(DEFAULT_BLUEPRINT, DEFAULT_FUNCTION_NAME, root)
        except FunctionExistsError:
            pass  # another process created it first
    return load_function(target, name=DEFAULT_FUNCTION_NAME)


def default_event_text(function: Function) -> str:
    """The test event to start with: the function's blueprint's default event, else hello-world."""
    from . import catalog

    if function.settings.blueprint:
        try:
            return catalog.get_blueprint(function.settings.blueprint).event_text()
        except catalog.CatalogError:
            pass
    return catalog.get_sample_event("hello-world").text()


def to_function_config(function: Function, **overrides: Any) -> FunctionConfig:
    """The engine's FunctionConfig for this function (keyword arguments override settings)."""
    from .engine import FunctionConfig  # noqa: PLC0415 - keep the engine out of catalog-only imports

    values: dict[str, Any] = {
        "code_dir": function.dir,
        "handler": function.settings.handler.strip(),
        "runtime": function.settings.runtime,
        "memory_mb": function.settings.memory_mb,
        "timeout_s": function.settings.timeout_s,
        "environment": dict(function.settings.environment),
        "function_name": function.name,
        "layers": tuple(str(function.dir / Path(layer).expanduser()) for layer in function.settings.layers),
        "ephemeral_storage_mb": function.settings.ephemeral_storage_mb,
        "interpreter": function.settings.interpreter,
    }
    allowed = {f.name for f in fields(FunctionConfig)}
    unknown = set(overrides) - allowed
    if unknown:
        raise TypeError(f"Unknown FunctionConfig field(s): {', '.join(sorted(unknown))}")
    values.update(overrides)
    return FunctionConfig(**values)


# ---------------------------------------------------------------- saved events


def validate_event_name(name: str) -> str:
    """Return `name` if it is a valid saved-event name (1-25 of A-Z a-z 0-9 . _ -), else raise EventNameError."""
    if not isinstance(name, str) or not _EVENT_NAME_RE.match(name) or name in (".", ".."):
        raise EventNameError(
            f"Event name '{name}' is not valid: use 1 to 25 letters, digits, periods, hyphens or underscores"
        )
    return name


def _event_path(function_dir: Path | str, name: str) -> Path:
    return events_dir(Path(function_dir)) / f"{validate_event_name(name)}.json"


def list_saved_events(function_dir: Path | str) -> list[str]:
    """Names of the function's saved test events, alphabetically (case-insensitive)."""
    folder = events_dir(Path(function_dir))
    if not folder.is_dir():
        return []
    names = [p.stem for p in folder.glob("*.json") if p.is_file() and _EVENT_NAME_RE.match(p.stem)]
    return sorted(names, key=lambda n: (n.lower(), n))


def load_saved_event(function_dir: Path | str, name: str) -> str:
    """The saved event's JSON text; SavedEventNotFoundError if there is none."""
    path = _event_path(function_dir, name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SavedEventNotFoundError(f"No saved event named '{name}'") from None


def _check_json(text: str) -> None:
    # Lambda's payload rules live in one place (console.service.events); a saved event is one the
    # function could be invoked with.
    from .service.events import event_problem

    problem = event_problem(text)
    if problem:
        raise InvalidEventError(problem)


def save_event(function_dir: Path | str, name: str, text: str) -> Path:
    """Save (or overwrite) a test event; refuses bad names, invalid JSON and an 11th event."""
    path = _event_path(function_dir, name)
    _check_json(text)
    if not path.exists() and len(list_saved_events(function_dir)) >= MAX_SAVED_EVENTS:
        raise EventLimitError(
            f"This function already has {MAX_SAVED_EVENTS} saved events, the most the console allows; "
            "delete one first"
        )
    return atomic_write_text(path, text if text.endswith("\n") else text + "\n")


def rename_event(function_dir: Path | str, old: str, new: str) -> Path:
    """Rename a saved event; refuses to replace another saved event."""
    source = _event_path(function_dir, old)
    target = _event_path(function_dir, new)
    if not source.exists():
        raise SavedEventNotFoundError(f"No saved event named '{old}'")
    if target.exists() and old != new:
        raise EventNameError(f"A saved event named '{new}' already exists")
    os.replace(source, target)
    _move_expectation(function_dir, old, new)
    return target


def delete_event(function_dir: Path | str, name: str) -> None:
    """Delete a saved event; SavedEventNotFoundError if there is none."""
    try:
        _event_path(function_dir, name).unlink()
    except FileNotFoundError:
        raise SavedEventNotFoundError(f"No saved event named '{name}'") from None
    delete_expectation(function_dir, name)


# ---------------------------------------------------------------- expectations
# What a saved event's invocation is expected to answer (console.testing reads the format); one
# file per saved event in .lambda-console/expected/, the same name as the event's file. An
# expectation follows its event when the event is renamed or deleted.

EXPECTED_DIR = "expected"


def expectations_dir(function_dir: Path | str) -> Path:
    return Path(function_dir) / CONFIG_DIR / EXPECTED_DIR


def expectation_path(function_dir: Path | str, name: str) -> Path:
    return expectations_dir(function_dir) / f"{validate_event_name(name)}.json"


def list_expectations(function_dir: Path | str) -> list[str]:
    """Names of the saved events that have an expectation file (the file may still be malformed)."""
    folder = expectations_dir(function_dir)
    if not folder.is_dir():
        return []
    names = [p.stem for p in folder.glob("*.json") if p.is_file() and _EVENT_NAME_RE.match(p.stem)]
    return sorted(names, key=lambda n: (n.lower(), n))


def read_expectation(function_dir: Path | str, name: str) -> str | None:
    """The expectation file's text, None when the event has none; WorkspaceError naming the file
    when it cannot be read as UTF-8 text."""
    path = expectation_path(function_dir, name)
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise WorkspaceError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def write_expectation(function_dir: Path | str, name: str, text: str) -> Path:
    """Write (or replace) the expectation of saved event `name`, atomically."""
    return atomic_write_text(expectation_path(function_dir, name), text if text.endswith("\n") else text + "\n")


def delete_expectation(function_dir: Path | str, name: str) -> bool:
    """Remove the event's expectation; False when it had none."""
    try:
        expectation_path(function_dir, name).unlink()
    except FileNotFoundError:
        return False
    return True


def _move_expectation(function_dir: Path | str, old: str, new: str) -> None:
    source = expectation_path(function_dir, old)
    if old != new and source.exists():
        os.replace(source, expectation_path(function_dir, new))
