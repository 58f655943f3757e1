"""`lambda-console blueprints` and `lambda-console events [show NAME]`: the shipped catalogs."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from typing import Sequence


def register(subparsers: argparse._SubParsersAction) -> None:
    bp = subparsers.add_parser(
        "blueprints",
        help="list the blueprints a function can start from",
        description="List the blueprints (functions and state machines) shipped with lambda-console.",
    )
    bp.add_argument("--json", action="store_true", help="print one JSON array instead of a table")
    bp.set_defaults(run=run_blueprints)

    ev = subparsers.add_parser(
        "events",
        help="list the sample event templates, or print one",
        description="List the console's sample event templates; `events show NAME` prints one event body.",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON array instead of a table")
    ev.set_defaults(run=run_events)
    ev_sub = ev.add_subparsers(dest="events_command", metavar="{show}")
    show = ev_sub.add_parser("show", help="print a sample event's JSON body", description="Print a sample event's JSON body.")
    show.add_argument("name", metavar="NAME", help="template name, e.g. hello-world or s3-put")
    show.set_defaults(run=run_event_show)


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Left-aligned columns; the last one is cut to the terminal width when printing to a terminal."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers) - 1)]
    limit = shutil.get_terminal_size((10_000, 24)).columns if sys.stdout.isatty() else None
    lines = []
    for row in [headers, *rows]:
        head = "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths))
        line = f"{head}  {row[-1]}".rstrip()
        if limit and len(line) > limit:
            line = line[: max(limit - 1, len(head) + 3)] + "…"
        lines.append(line)
    return "\n".join(lines)


def _report_problems() -> None:
    from console import catalog

    for problem in catalog.catalog_problems():
        print(f"warning: skipped {problem}", file=sys.stderr)


def run_blueprints(args: argparse.Namespace) -> int:
    from console import catalog

    found = catalog.blueprints()
    if args.json:
        print(json.dumps([b.to_dict() for b in found], indent=2))
    else:
        rows = [(b.name, b.kind, b.runtime if b.kind == "function" else "-", b.description) for b in found]
        print(_table(rows, ("NAME", "KIND", "RUNTIME", "DESCRIPTION")))
    _report_problems()
    return 0


def run_events(args: argparse.Namespace) -> int:
    from console import catalog

    found = catalog.sample_events()
    if args.json:
        print(json.dumps([{"name": e.name, "title": e.title, "group": e.group} for e in found], indent=2))
    else:
        print(_table([(e.name, e.group, e.title) for e in found], ("NAME", "GROUP", "TITLE")))
    _report_problems()
    return 0


def run_event_show(args: argparse.Namespace) -> int:
    from console import catalog

    try:
        text = catalog.get_sample_event(args.name).text()
    except catalog.CatalogError as exc:
        print(f"lambda-console events show: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
