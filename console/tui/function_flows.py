"""The app's function flows: a new function from a blueprint, opening another function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.workspace import WorkspaceError

from . import store


def choose_blueprint(app: Any) -> None:
    """Ctrl+B: pick a blueprint, name the function, open it (an existing one is never overwritten)."""
    from .screens.pickers import BlueprintPicker

    app.push_screen(BlueprintPicker(), lambda blueprint: name_new_function(app, blueprint))


def name_new_function(app: Any, blueprint: Any, suggestion: str | None = None) -> None:
    if blueprint is None:
        return
    from .screens.prompt import Choice, NamePrompt

    def named(name: str | None) -> None:
        if not name:
            return
        if store.function_exists(name):

            def answered(answer: str | None) -> None:
                if answer == "open":
                    app.open_function(store.function_dir(name))
                    app.notify(f"Opened the existing function {name}.", title="Open function")
                elif answer == "rename":
                    name_new_function(app, blueprint, free_name(name))

            app.push_screen(
                Choice(
                    f"{name} already exists",
                    f"A function named {name} already exists in the workspace; it is never overwritten.",
                    [("open", f"Open {name}"), ("rename", "Choose another name")],
                ),
                answered,
            )
            return
        try:
            new_dir = store.create_from_blueprint(blueprint, name)
        except (OSError, WorkspaceError) as exc:
            app.notify(f"Could not create the function: {exc}", severity="error")
            return
        app.open_function(new_dir)
        app.notify(f"Created {name} from the {blueprint.name} blueprint.", title="New function")

    app.push_screen(
        NamePrompt(
            f"Name of the new function ({blueprint.name} blueprint)",
            value=suggestion or free_name(blueprint.name),
            check=function_name_problem,
            hint="An existing function is never overwritten (you can open it instead).",
        ),
        named,
    )


def choose_function(app: Any, current: Path) -> None:
    """Ctrl+F: pick another function of the workspace and open it."""
    from .screens.pickers import FunctionPicker

    def chosen(folder: Path | None) -> None:
        if folder is not None and Path(folder).resolve() != Path(current).resolve():
            app.open_function(folder)

    app.push_screen(FunctionPicker(current), chosen)


def function_name_problem(name: str) -> str | None:
    if not store.valid_function_name(name):
        return "Use 1-64 letters, digits, hyphens or underscores"
    return None  # an existing name is offered to be opened instead


def free_name(base: str) -> str:
    if not store.function_exists(base):
        return base
    n = 2
    while store.function_exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
