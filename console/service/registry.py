"""The functions a server exposes, by name: the workspace's, or the directories given."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Iterable

from console import workspace
from console.engine import FunctionConfig

# A name not found triggers a re-scan of the workspace, at most this often.
RESCAN_INTERVAL_S = 1.0


def load_function_dir(path: Path, name: str | None = None) -> FunctionConfig:
    """A function folder's configuration, read-only (ValueError says what is wrong)."""
    return workspace.function_config(path, name)


class FunctionRegistry:
    """Name → FunctionConfig. Directories are fixed; the workspace is re-scanned when a name misses.

    Each directory's function is named after the directory, like the workspace's.
    """

    def __init__(self, dirs: Iterable[Path] | None = None) -> None:
        self._dirs = [Path(d).expanduser().resolve() for d in dirs] if dirs is not None else None
        self._lock = threading.Lock()
        self._functions: dict[str, FunctionConfig] = {}
        self._scanned = 0.0
        self._warned: set[str] = set()
        self.refresh()

    @property
    def from_workspace(self) -> bool:
        return self._dirs is None

    def refresh(self) -> None:
        """Re-read the functions and their settings (configs edited meanwhile take effect)."""
        found: dict[str, FunctionConfig] = {}
        if self._dirs is not None:
            folders = [(d, None) for d in self._dirs]
        else:
            folders = [(sub, None) for sub in workspace.function_dirs()]
        previous = {str(c.code_dir): c for c in self._functions.values()}
        for folder, name in folders:
            try:
                config = load_function_dir(folder, name)
            except Exception as exc:  # noqa: BLE001 - whatever one folder holds, the others are served
                # One broken folder must not hide the others; it keeps its last good settings.
                config = previous.get(str(Path(folder).resolve()))
                if str(exc) not in self._warned:
                    self._warned.add(str(exc))
                    print(f"lambda-console: {exc}", file=sys.stderr)
                if config is None:
                    continue
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
