"""`lambda-console [DIR] [--theme NAME]`: parse the arguments and run the console."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse  # not for a bare `lambda-console`: it starts with no arguments to parse

    parser = argparse.ArgumentParser(
        prog="lambda-console",
        description="Open the console on DIR (a function's code folder), or on the default hello-world function.",
    )
    parser.add_argument("dir", nargs="?", help="the function's code folder; its files are edited in place")
    parser.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. textual-dark, textual-light, nord")
    return parser


def run_tui(argv: list[str]) -> int:
    args = build_parser().parse_args(argv) if argv else SimpleNamespace(dir=None, theme=None)
    from console.catalog import CatalogError
    from console.workspace import WorkspaceError

    from . import store

    if args.dir:
        code_dir = Path(args.dir).expanduser()
        if not code_dir.is_dir():
            print(f"lambda-console: {args.dir} is not a directory", file=sys.stderr)
            return 2
        from . import sam_project

        if sam_project.is_project_folder(code_dir):
            opened = _open_project(code_dir)
            if opened is None:
                return 2
            code_dir = opened
    else:
        try:
            code_dir = store.default_function_dir()
        except (OSError, WorkspaceError, CatalogError) as exc:
            print(f"lambda-console: cannot prepare the default function: {exc}", file=sys.stderr)
            return 2

    from .app import LambdaConsoleApp

    app = LambdaConsoleApp(code_dir)
    if args.theme:
        if args.theme not in app.available_themes:
            names = ", ".join(sorted(app.available_themes))
            print(f"lambda-console: unknown theme {args.theme!r}; choose one of: {names}", file=sys.stderr)
            return 2
        app.theme = args.theme
    result = app.run()
    return int(result or 0)


def _open_project(folder: Path) -> Path | None:
    """A SAM project folder: the console opens on its first function, the others in Open function
    (Ctrl+F). What the console cannot run is said here, before the screen takes over."""
    from console.sam.template import TemplateError

    from . import sam_project

    try:
        project = sam_project.open_folder(folder)
    except TemplateError as exc:
        print(f"lambda-console: {exc}", file=sys.stderr)
        return None
    for function in project.skipped():
        print(f"lambda-console: skipping {function.logical_id}: {function.skipped}", file=sys.stderr)
    for problem in project.problems:
        print(f"lambda-console: {problem}", file=sys.stderr)
    runnable = project.runnable()
    if not runnable or runnable[0].code_dir is None:
        print(f"lambda-console: {project.template_path} has no function the console can run", file=sys.stderr)
        return None
    return runnable[0].code_dir
