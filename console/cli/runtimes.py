"""`lambda-console runtimes`: each Lambda runtime and the Python interpreter it runs on here."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "runtimes",
        help="list each Python runtime and the interpreter it runs on",
        description=(
            "List each Lambda Python runtime and the interpreter that runs it: LAMBDA_CONSOLE_PYTHON3_X, "
            "else python3.X on PATH, pyenv's or uv's; a runtime without one runs on the nearest version."
        ),
    )
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from console.engine import RUNTIMES, interpreters

    rows = []
    for runtime in RUNTIMES:
        try:
            resolution = interpreters.resolve(runtime)
        except interpreters.InterpreterError as exc:
            rows.append({"runtime": runtime, "error": str(exc)})
            continue
        interp = resolution.interpreter
        rows.append(
            {
                "runtime": runtime,
                "exact": resolution.exact,
                "version": interp.version,
                "interpreter": interp.path,
                "source": interp.source,
                "hint": "" if resolution.exact else interpreters.install_hint(runtime),
            }
        )
    if args.json:
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
        return 0
    width = max(len(r["runtime"]) for r in rows)
    for row in rows:
        if "error" in row:
            print(f"{row['runtime']:<{width}}  error: {row['error']}")
            continue
        if row["exact"]:
            status = ""
        elif row["source"] in ("setting", "environment"):
            status = f"  (set explicitly, but it is not Python {row['runtime'].removeprefix('python')})"
        else:
            status = f"  (not installed: runs on the nearest, {row['version']})"
        print(f"{row['runtime']:<{width}}  Python {row['version']:<8} {row['interpreter']}  [{row['source']}]{status}")
    missing = [r for r in rows if "error" not in r and not r["exact"] and r["source"] not in ("setting", "environment")]
    for row in missing:
        print(f"  {row['runtime']}: {row['hint']}")
    return 0
