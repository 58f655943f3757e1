"""The functions a server exposes, by name: the workspace's, or the directories given."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from console.engine import FunctionConfig

CONFIG_FILE = Path(".lambda-console") / "config.json"
# A name not found triggers a re-scan of the workspace, at most this often.
RESCAN_INTERVAL_S = 1.0


def load_function_dir(path: Path, name: str | None = None) -> FunctionConfig:
    """A function folder's configuration (its `.lambda-console/config.json`, defaults without it).

    Uses the workspace module's loader when there is one, so both read the file the same way.
    """
    path = Path(path).resolve()
    try:
        from console import workspace  # written by the catalog helper

        loader = getattr(workspace, "load_config", None)
        if callable(loader):
            config = loader(path)
            if isinstance(config, FunctionConfig):
                return config if name is None else _renamed(config, name)
    except ImportError:
        pass
    data: dict[str, Any] = {}
    try:
        loaded = json.loads((path / CONFIG_FILE).read_text())
        if isinstance(loaded, dict):
            data = loaded
    except (OSError, ValueError):
        pass
    env = data.get("environment", data.get("Environment", {})) or {}
    if isinstance(env, dict) and isinstance(env.get("Variables"), dict):
        env = env["Variables"]
    kwargs: dict[str, Any] = {"code_dir": path, "environment": {str(k): str(v) for k, v in dict(env).items()}}
    for key, aliases in {
        "handler": ("handler", "Handler"),
        "runtime": ("runtime", "Runtime"),
        "memory_mb": ("memory_mb", "memory", "MemorySize"),
        "timeout_s": ("timeout_s", "timeout", "Timeout"),
    }.items():
        for alias in aliases:
            if alias in data:
                kwargs[key] = int(data[alias]) if key in ("memory_mb", "timeout_s") else str(data[alias])
                break
    if name:
        kwargs["function_name"] = name
    return FunctionConfig(**kwargs)


def _renamed(config: FunctionConfig, name: str) -> FunctionConfig:
    from dataclasses import replace

    return config if config.function_name == name else replace(config, function_name=name)


def _as_config(item: Any) -> FunctionConfig | None:
    """Whatever the workspace lists (configs, folders, records holding either) as a config."""
    if isinstance(item, FunctionConfig):
        return item
    for attr in ("config", "function_config"):
        value = getattr(item, attr, None)
        if isinstance(value, FunctionConfig):
            return value
    for attr in ("path", "code_dir", "directory", "dir"):
        value = getattr(item, attr, None)
        if isinstance(value, (str, Path)):
            return load_function_dir(Path(value), getattr(item, "name", None))
    if isinstance(item, (str, Path)):
        return load_function_dir(Path(item))
    return None


class FunctionRegistry:
    """Name → FunctionConfig. Directories are fixed; the workspace is re-scanned when a name misses."""

    def __init__(self, dirs: Iterable[Path] | None = None) -> None:
        self._dirs = [Path(d).resolve() for d in dirs] if dirs is not None else None
        self._lock = threading.Lock()
        self._functions: dict[str, FunctionConfig] = {}
        self._scanned = 0.0
        self.refresh()

    @property
    def from_workspace(self) -> bool:
        return self._dirs is None

    def refresh(self) -> None:
        found: dict[str, FunctionConfig] = {}
        if self._dirs is not None:
            for d in self._dirs:
                config = load_function_dir(d)
                found.setdefault(config.function_name, config)
        else:
            for item in _workspace_items():
                try:
                    config = _as_config(item)
                except (OSError, ValueError, TypeError):
                    continue  # one broken folder must not hide the others
                if config is not None:
                    found.setdefault(config.function_name, config)
        with self._lock:
            self._functions = found
            self._scanned = time.monotonic()

    def get(self, name: str) -> FunctionConfig | None:
        config = self._functions.get(name)
        if config is None and self.from_workspace and time.monotonic() - self._scanned > RESCAN_INTERVAL_S:
            self.refresh()
            config = self._functions.get(name)
        return config

    def all(self) -> list[FunctionConfig]:
        if self.from_workspace:
            self.refresh()
        return sorted(self._functions.values(), key=lambda c: c.function_name)


def _workspace_items() -> list[Any]:
    try:
        from console import workspace
    except ImportError:
        return []
    lister = getattr(workspace, "list_functions", None)
    if not callable(lister):
        return []
    try:
        return list(lister())
    except (OSError, ValueError):
        return []
