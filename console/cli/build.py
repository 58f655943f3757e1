"""`lambda-console build [DIR]`: install a function's requirements.txt as `sam build` would, without Docker."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "build",
        help="install the function's requirements.txt for its runtime (cached; invoke does it on demand)",
        description=(
            "Install the function's requirements.txt with its runtime's Python into the console's cache "
            "(keyed by the requirements' content; the function's folder is never touched). "
            "invoke, serve and the console build on demand; this does it ahead."
        ),
    )
    p.add_argument("dir", nargs="?", help="the function's code directory (default: the current directory)")
    p.add_argument("--runtime", metavar="R", help="build for this runtime instead of the function's setting")
    p.add_argument("--force", action="store_true", help="build again even when the cached build is up to date")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from console import workspace
    from console.engine import ConfigError, check, interpreters
    from console.engine.deps import ensure, requirements_of

    folder = Path(args.dir or ".").expanduser().resolve()
    if not folder.is_dir():
        print(f"lambda-console build: {folder} is not a directory", file=sys.stderr)
        return 2
    if requirements_of(folder) is None:
        print(f"lambda-console build: {folder} has no requirements.txt: nothing to build", file=sys.stderr)
        return 0
    try:
        config = workspace.read_function_config(folder)
        if args.runtime:
            from dataclasses import replace

            config = replace(config, runtime=args.runtime)
        check(config)
        resolution = interpreters.resolve(config.runtime, config.interpreter)
        if not resolution.exact:
            print(f"lambda-console build: {resolution.note()}", file=sys.stderr)
        build = ensure(config, resolution, lambda line: sys.stderr.write(line), force=args.force)
    except (ConfigError, workspace.WorkspaceError, interpreters.InterpreterError) as exc:
        print(f"lambda-console build: {exc}", file=sys.stderr)
        return 1
    assert build is not None
    if build.built:
        print(f"Built in {build.seconds:.1f} s: {build.folder}")
    else:
        print(f"Up to date (cached, nothing downloaded): {build.folder}")
    return 0
