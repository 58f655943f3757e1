"""The functions a server exposes, by name: the workspace's, or the directories given."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from console import workspace
from console.engine import FunctionConfig

if TYPE_CHECKING:
    from console.sam.functions import SamProject

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


class TemplateRegistry:
    """The runnable functions of a SAM template, by logical ID (as `sam local start-lambda` names
    them); the template is read again when its file changes, keeping the last good one."""

    from_workspace = False

    def __init__(self, load: Callable[[], SamProject]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self.project = load()
        self._stamp = self._template_stamp()

    def _template_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.project.template_path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def refresh(self) -> None:
        stamp = self._template_stamp()
        if stamp == self._stamp:
            return
        with self._lock:
            self._stamp = stamp
            try:
                self.project = self._load()
            except (OSError, ValueError) as exc:
                print(f"lambda-console: template not reloaded, still serving the previous one: {exc}", file=sys.stderr)

    def get(self, name: str) -> FunctionConfig | None:
        self.refresh()
        function = self.project.get(name)
        return function.to_function_config() if function is not None and function.runnable else None

    def all(self) -> list[FunctionConfig]:
        self.refresh()
        return sorted((f.to_function_config() for f in self.project.runnable()), key=lambda c: c.function_name)
