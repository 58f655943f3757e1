"""A SAM project opened in the console (`lambda-console DIR` on a project folder): its functions
lead the Open-function list, and a function whose folder has no settings of its own starts from
the template's (edits go to the CodeUri files; changed settings are saved in its .lambda-console/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from console import workspace

if TYPE_CHECKING:  # the SAM modules load only when a project folder is opened
    from console.sam.functions import SamProject, TemplateFunction

_current: SamProject | None = None


def is_project_folder(folder: Path) -> bool:
    """A folder with a template and no function code of its own at the top."""
    from console.sam.template import find_template

    return find_template(folder) is not None and not (Path(folder) / "lambda_function.py").is_file()


def open_folder(folder: Path) -> SamProject:
    """Read the folder's template (TemplateError says why it cannot be) and make it the console's project."""
    from console.sam.functions import load_project

    global _current
    _current = load_project(folder)
    return _current


def current() -> SamProject | None:
    return _current


def close() -> None:
    global _current
    _current = None


def function_for(code_dir: Path) -> TemplateFunction | None:
    """The project's runnable function whose code is in `code_dir` (the first, when several share it)."""
    if _current is None:
        return None
    folder = Path(code_dir).resolve()
    return next((f for f in _current.runnable() if f.code_dir == folder), None)


def settings_for(function: TemplateFunction) -> workspace.FunctionSettings:
    return workspace.FunctionSettings(
        handler=function.handler,
        runtime=function.runtime,
        memory_mb=function.memory_mb,
        timeout_s=function.timeout_s,
        environment=dict(function.environment),
        description=f"{function.logical_id} in {_current.template_path.name if _current else 'the template'}",
        layers=[str(layer.content_dir) for layer in function.layers],
        ephemeral_storage_mb=function.ephemeral_storage_mb,
    )


def listed() -> list[tuple[str, Path, workspace.FunctionSettings]]:
    """(logical ID, CodeUri folder, settings) of the project's runnable functions, in template order."""
    if _current is None:
        return []
    return [(f.logical_id, f.code_dir, settings_for(f)) for f in _current.runnable() if f.code_dir is not None]


def has_own_settings(code_dir: Path) -> bool:
    return workspace.config_path(Path(code_dir)).is_file()
