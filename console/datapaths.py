"""Where the data shipped with lambda-console lives (blueprints, sample events), known without
reading it: the catalog reads it, and a function folder's state is placed by it (workspace)."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """Folder holding `blueprints/` and `sample_events/`: the wheel's console/_data, else the checkout's top level."""
    package = Path(__file__).resolve().parent
    installed = package / "_data"
    if (installed / "blueprints").is_dir() or (installed / "sample_events").is_dir():
        return installed
    return package.parent
