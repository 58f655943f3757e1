"""The blueprint and sample-event catalogs shipped with lambda-console (stdlib only, cheap to import)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .datapaths import data_dir

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "Blueprint",
    "CatalogError",
    "CorruptCatalogFileError",
    "SampleEvent",
    "UnknownBlueprintError",
    "UnknownSampleEventError",
    "blueprints",
    "catalog_problems",
    "data_dir",
    "get_blueprint",
    "get_sample_event",
    "load_blueprints",
    "load_sample_events",
    "sample_events",
]

KINDS = ("function", "state-machine", "sam-project")
GROUPS = ("Common", "AWS", "Lex", "Alexa")
BLUEPRINT_FILE = "blueprint.json"
INDEX_FILE = "index.json"
# Never part of a function's code, whatever a blueprint folder happens to contain.
_SKIP_NAMES = frozenset({BLUEPRINT_FILE, "__pycache__", ".DS_Store", ".lambda-console"})
_SKIP_SUFFIXES = (".pyc", ".pyo")

# Defaults match console.engine's (a test pins them); duplicated so that listing the catalog
# never imports the engine.
_DEFAULT_RUNTIME = "python3.14"
_DEFAULT_HANDLER = "lambda_function.lambda_handler"
_DEFAULT_TIMEOUT_S = 3
_DEFAULT_MEMORY_MB = 128
_DEFAULT_EVENT = "hello-world"


class CatalogError(Exception):
    """Base class of every catalog problem; the message is meant for the user as it is."""


class CorruptCatalogFileError(CatalogError):
    """A blueprint.json or sample event file that cannot be read or does not have the expected shape."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class _UnknownName(CatalogError, KeyError):
    kind = "name"

    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = list(available)
        listing = ", ".join(self.available) if self.available else "none"
        self.message = f"Unknown {self.kind} '{name}'. Available: {listing}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class UnknownBlueprintError(_UnknownName):
    """No blueprint of that name (a KeyError listing the available names)."""

    kind = "blueprint"


class UnknownSampleEventError(_UnknownName):
    """No sample event of that name (a KeyError listing the available names)."""

    kind = "sample event"


def _blueprints_dir(root: Path | None) -> Path:
    return (Path(root) if root is not None else data_dir()) / "blueprints"


def _events_dir(root: Path | None) -> Path:
    return (Path(root) if root is not None else data_dir()) / "sample_events"


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorruptCatalogFileError(path, f"cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise CorruptCatalogFileError(path, f"is not UTF-8 text ({exc.reason})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptCatalogFileError(
            path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


# ---------------------------------------------------------------- sample events


@dataclass(frozen=True)
class SampleEvent:
    """One event template of the console's template list."""

    name: str
    title: str
    group: str
    path: Path

    def text(self) -> str:
        """The template's JSON text as shipped (what the event editor shows)."""
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorruptCatalogFileError(self.path, f"cannot be read ({exc})") from exc

    def value(self) -> Any:
        """The parsed event."""
        return _read_json(self.path)

    def event_bytes(self) -> bytes:
        """The event as the bytes an invocation sends."""
        return self.text().encode("utf-8")


def load_sample_events(root: Path | None = None) -> tuple[list[SampleEvent], list[CatalogError]]:
    """Every valid sample event (index order, then unlisted files by name) and the problems found."""
    folder = _events_dir(root)
    problems: list[CatalogError] = []
    index: dict[str, Any] = {}
    index_path = folder / INDEX_FILE
    if index_path.is_file():
        try:
            loaded = _read_json(index_path)
            if not isinstance(loaded, dict):
                raise CorruptCatalogFileError(index_path, "must be a JSON object of {name: {title, group}}")
            index = loaded
        except CorruptCatalogFileError as exc:
            problems.append(exc)
    if not folder.is_dir():
        return [], [CatalogError(f"{folder}: sample event folder not found")]
    files = {p.stem: p for p in sorted(folder.glob("*.json")) if p.name != INDEX_FILE}
    order = [n for n in index if n in files] + sorted(n for n in files if n not in index)
    for name in index:
        if name not in files:
            problems.append(CorruptCatalogFileError(folder / f"{name}.json", "is listed in index.json but missing"))
    events: list[SampleEvent] = []
    for name in order:
        path = files[name]
        meta = index.get(name)
        if not isinstance(meta, dict):
            meta = {}
        try:
            _read_json(path)  # a template that does not parse is reported, not offered
        except CorruptCatalogFileError as exc:
            problems.append(exc)
            continue
        title = meta.get("title") if isinstance(meta.get("title"), str) else name
        group = meta.get("group") if meta.get("group") in GROUPS else "AWS"
        events.append(SampleEvent(name=name, title=title, group=group, path=path))
    return events, problems


def sample_events(root: Path | None = None) -> list[SampleEvent]:
    """Every valid sample event; corrupt files are skipped (see catalog_problems())."""
    events, problems = load_sample_events(root)
    _remember("sample_events", problems)
    return events


def get_sample_event(name: str, root: Path | None = None) -> SampleEvent:
    """The sample event called `name`; UnknownSampleEventError (a KeyError) if there is none,
    CorruptCatalogFileError if its file does not parse."""
    folder = _events_dir(root)
    path = folder / f"{name}.json"
    if _plain_name(name) and name != INDEX_FILE.removesuffix(".json") and path.is_file():
        _read_json(path)
        meta = _index(folder).get(name)
        meta = meta if isinstance(meta, dict) else {}
        title = meta.get("title") if isinstance(meta.get("title"), str) else name
        group = meta.get("group") if meta.get("group") in GROUPS else "AWS"
        return SampleEvent(name=name, title=title, group=group, path=path)
    raise UnknownSampleEventError(name, [e.name for e in load_sample_events(root)[0]])


def _index(folder: Path) -> dict[str, Any]:
    try:
        loaded = _read_json(folder / INDEX_FILE)
    except CorruptCatalogFileError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _plain_name(name: str) -> bool:
    """A bare file name: nothing that could reach outside the catalog folder."""
    return bool(name) and not any(c in name for c in "/\\") and not name.startswith(".")


# ---------------------------------------------------------------- blueprints


@dataclass(frozen=True)
class Blueprint:
    """A starting point for a function (or, with kind "state-machine", a Step Functions example)."""

    name: str
    title: str
    description: str
    runtime: str
    handler: str
    timeout_s: int
    memory_mb: int
    event_name: str | None
    kind: str
    path: Path
    event_body: Any = field(default=None, compare=False)
    # The whole blueprint.json, for kind-specific keys (a state machine's "definition", "inputs"...).
    meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_inline_event(self) -> bool:
        return self.event_name is None and self.event_body is not None

    def event_text(self, root: Path | None = None) -> str:
        """The default test event's JSON text: the inline body, else the named sample event."""
        if self.has_inline_event:
            return json.dumps(self.event_body, indent=2, ensure_ascii=False) + "\n"
        # A blueprint's events come from the catalog it was loaded from (<root>/blueprints/<name>).
        home = root if root is not None else self.path.parent.parent
        return get_sample_event(self.event_name or _DEFAULT_EVENT, home).text()

    def event_bytes(self, root: Path | None = None) -> bytes:
        """The default test event as the bytes an invocation sends."""
        return self.event_text(root).encode("utf-8")

    def code_files(self) -> list[Path]:
        """Paths (relative to the blueprint folder) of the files a function made from it gets."""
        found: list[Path] = []
        for path in sorted(self.path.rglob("*")):
            rel = path.relative_to(self.path)
            if any(part in _SKIP_NAMES for part in rel.parts) or path.suffix in _SKIP_SUFFIXES:
                continue
            if path.is_file():
                found.append(rel)
        return found

    def read_code(self) -> dict[str, str]:
        """{relative path: text} of the code files (for previews); undecodable files are skipped."""
        code: dict[str, str] = {}
        for rel in self.code_files():
            try:
                code[rel.as_posix()] = (self.path / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return code

    @property
    def definition_path(self) -> Path | None:
        """A state machine's definition file: blueprint.json's "definition", else statemachine.json
        (None for a function blueprint)."""
        if self.kind != "state-machine":
            return None
        name = self.meta.get("definition")
        return self.path / (name if isinstance(name, str) and name else "statemachine.json")

    @property
    def handler_file(self) -> Path | None:
        """The file the handler string points at (None when it does not exist, or for state machines)."""
        if self.kind != "function" or "." not in self.handler:
            return None
        module = self.handler.rsplit(".", 1)[0].replace(".", "/")
        path = self.path / f"{module}.py"
        return path if path.is_file() else None

    def to_dict(self) -> dict[str, Any]:
        """The CLI's --json object for this blueprint."""
        return {
            "name": self.name,
            "kind": self.kind,
            "title": self.title,
            "description": self.description,
            "runtime": self.runtime,
            "handler": self.handler,
            "timeout": self.timeout_s,
            "memory": self.memory_mb,
            "event": self.event_name,
        }


def _blueprint_from(folder: Path) -> Blueprint:
    meta_path = folder / BLUEPRINT_FILE
    meta = _read_json(meta_path)
    if not isinstance(meta, dict):
        raise CorruptCatalogFileError(meta_path, "must be a JSON object")

    def text(key: str, default: str | None = None) -> str:
        value = meta.get(key, default)
        if not isinstance(value, str) or not value:
            raise CorruptCatalogFileError(meta_path, f"'{key}' must be a non-empty string")
        return value

    def number(key: str, default: int) -> int:
        value = meta.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CorruptCatalogFileError(meta_path, f"'{key}' must be a positive integer")
        return value

    kind = meta.get("kind", "function")
    if kind not in KINDS:
        raise CorruptCatalogFileError(meta_path, f"'kind' must be one of {', '.join(KINDS)}")
    name = text("name", folder.name)
    if name != folder.name:
        raise CorruptCatalogFileError(meta_path, f"'name' is '{name}' but the folder is '{folder.name}'")
    event_name = meta.get("event")
    event_body = meta.get("event_body")
    if event_name is not None and not isinstance(event_name, str):
        raise CorruptCatalogFileError(meta_path, "'event' must be the name of a sample event")
    if event_name is None and event_body is None and kind == "function":
        event_name = _DEFAULT_EVENT
    return Blueprint(
        name=name,
        title=text("title", name),
        description=meta.get("description") if isinstance(meta.get("description"), str) else "",
        runtime=text("runtime", _DEFAULT_RUNTIME),
        handler=text("handler", _DEFAULT_HANDLER) if kind == "function" else str(meta.get("handler", "")),
        timeout_s=number("timeout", _DEFAULT_TIMEOUT_S),
        memory_mb=number("memory", _DEFAULT_MEMORY_MB),
        event_name=event_name,
        kind=kind,
        path=folder,
        event_body=event_body,
        meta=dict(meta),
    )


def load_blueprints(root: Path | None = None) -> tuple[list[Blueprint], list[CatalogError]]:
    """Every valid blueprint (hello-world first, then by name) and the problems found."""
    folder = _blueprints_dir(root)
    found: list[Blueprint] = []
    problems: list[CatalogError] = []
    if not folder.is_dir():
        return found, [CatalogError(f"{folder}: blueprint folder not found")]
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir() or sub.name.startswith((".", "_")):
            continue
        if not (sub / BLUEPRINT_FILE).is_file():
            problems.append(CorruptCatalogFileError(sub / BLUEPRINT_FILE, "is missing"))
            continue
        try:
            found.append(_blueprint_from(sub))
        except CorruptCatalogFileError as exc:
            problems.append(exc)
    found.sort(key=lambda b: (b.name != "hello-world", b.name))
    return found, problems


def blueprints(root: Path | None = None) -> list[Blueprint]:
    """Every valid blueprint; corrupt ones are skipped (see catalog_problems())."""
    found, problems = load_blueprints(root)
    _remember("blueprints", problems)
    return found


def get_blueprint(name: str, root: Path | None = None) -> Blueprint:
    """The blueprint called `name`; UnknownBlueprintError (a KeyError) if there is none,
    CorruptCatalogFileError if its blueprint.json is broken."""
    folder = _blueprints_dir(root) / name
    if _plain_name(name) and (folder / BLUEPRINT_FILE).is_file():
        return _blueprint_from(folder)
    raise UnknownBlueprintError(name, [b.name for b in load_blueprints(root)[0]])


# ---------------------------------------------------------------- problems

_last_problems: dict[str, list[CatalogError]] = {"blueprints": [], "sample_events": []}


def _remember(kind: str, problems: list[CatalogError]) -> None:
    _last_problems[kind] = list(problems)


def catalog_problems() -> list[CatalogError]:
    """Problems met by the last blueprints() and sample_events() calls (corrupt files that were skipped)."""
    return _last_problems["blueprints"] + _last_problems["sample_events"]
