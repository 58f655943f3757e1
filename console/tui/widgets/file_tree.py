"""The function's file tree: every folder and file of the function (not the console's own state)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from textual.widgets import DirectoryTree

_HIDDEN = {"__pycache__"}


class FunctionTree(DirectoryTree):
    """A DirectoryTree of the function folder without dot-folders (.lambda-console, .git) or caches."""

    ALLOW_MAXIMIZE = False
    # Plain glyphs: emoji icons are double-width in some terminals and missing in others.
    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and p.name not in _HIDDEN and p.suffix not in (".pyc", ".pyo")]
