"""`lambda-console [DIR] [--theme NAME]`: parse the arguments and run the console."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambda-console",
        description="Open the console on DIR (a function's code folder), or on the default hello-world function.",
    )
    parser.add_argument("dir", nargs="?", help="the function's code folder; its files are edited in place")
    parser.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. textual-dark, textual-light, nord")
    return parser


def run_tui(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from console.catalog import CatalogError
    from console.workspace import WorkspaceError

    from . import store

    if args.dir:
        code_dir = Path(args.dir).expanduser()
        if not code_dir.is_dir():
            print(f"lambda-console: {args.dir} is not a directory", file=sys.stderr)
            return 2
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
