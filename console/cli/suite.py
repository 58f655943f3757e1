"""`lambda-console test`: saved events with expectations run as a regression suite (exit 0, 1, or 2)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

_STYLES = {"pass": "1;32", "fail": "1;31", "error": "1;33", "-": "31", "+": "32", "dim": "2"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "test",
        help="run saved test events against their expected answers (a regression suite)",
        description=(
            "Run every saved test event that has an expectation (.lambda-console/expected/EVENT.json) "
            "and compare the answer. Exit 0 when all pass, 1 when any fails or cannot run, 2 for usage errors."
        ),
    )
    p.add_argument(
        "dirs",
        nargs="*",
        metavar="DIR",
        help="a function folder, a folder of function folders, or a workspace function name "
        "(default: every function of the workspace)",
    )
    p.add_argument("--event", action="append", default=[], metavar="NAME", help="only this saved event (repeatable)")
    p.add_argument(
        "--update",
        action="store_true",
        help="record each answer as the expected one (every saved event; keeps chosen payload keys, log lines, budget)",
    )
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("--json", action="store_true", help="print one JSON object with the per-event results")
    p.add_argument(
        "-k", dest="pattern", metavar="PATTERN", help="only FUNCTION/EVENT ids containing PATTERN (or matching a glob)"
    )
    from .sam_options import add_template_options

    add_template_options(p, template_help="test a SAM template's functions (DIRs are then logical IDs)")
    p.set_defaults(run=run)


class _Out:
    def __init__(self, stream: TextIO, color: bool) -> None:
        self.stream = stream
        self.color = color

    def style(self, text: str, key: str) -> str:
        code = _STYLES.get(key)
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from console import workspace
    from console.testing import junit
    from console.testing.runner import ERROR, FAIL, PASS, Runner, SelectionError, events_to_run, find_functions

    def usage(message: str) -> int:
        print(f"lambda-console test: {message}", file=sys.stderr)
        return 2

    try:
        for name in args.event:
            workspace.validate_event_name(name)
        functions = _template_functions(args) if args.template else find_functions(args.dirs)
    except (SelectionError, workspace.WorkspaceError) as exc:
        return usage(str(exc))
    if not functions:
        return usage(f"no functions in the workspace ({workspace.functions_dir()}); give a function folder")
    known = {n for fn in functions for n in workspace.list_saved_events(fn.dir) + workspace.list_expectations(fn.dir)}
    unknown = [n for n in args.event if n not in known]
    if unknown:
        return usage(f"no saved event named {', '.join(repr(n) for n in unknown)} in the functions tested")
    if not any(events_to_run(fn, update=args.update, events=args.event, pattern=args.pattern) for fn in functions):
        where = functions[0].name if len(functions) == 1 else f"{len(functions)} functions"
        if args.pattern:
            return usage(f"no saved event of {where} matches -k {args.pattern!r}")
        if args.update:
            return usage(f"{where} {'has' if len(functions) == 1 else 'have'} no saved test events to record")
        return usage(
            f"no saved event of {where} has an expected answer yet; record them with "
            "`lambda-console test --update` (or Save as expected in the console)"
        )

    out = _Out(sys.stdout, sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    quiet = args.json
    from console.service.invoker import Invoker

    def on_suite(function, names) -> None:
        if not quiet:
            out.line(f"{function.name}  {out.style(str(function.dir), 'dim')}")

    def on_case(case) -> None:
        if not quiet:
            _print_case(out, case)

    with Invoker() as invoker:
        report = Runner(invoker).run(
            functions, update=args.update, events=args.event, pattern=args.pattern, on_suite=on_suite, on_case=on_case
        )
    if args.junit:
        try:
            junit.write(report, args.junit)
        except OSError as exc:
            print(f"lambda-console test: could not write {args.junit}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if quiet:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        counts = [f"{report.count(PASS)} passed"]
        if report.count(FAIL):
            counts.append(f"{report.count(FAIL)} failed")
        if report.count(ERROR):
            counts.append(f"{report.count(ERROR)} error{'s' if report.count(ERROR) > 1 else ''}")
        total = len(report.cases)
        verdict = out.style(", ".join(counts), "pass" if report.passed else "fail")
        out.line(f"\n{total} event{'s' if total != 1 else ''}: {verdict} in {report.seconds:.2f} s")
    return 0 if report.passed else 1


def _template_functions(args: argparse.Namespace) -> list:
    """The template's runnable functions (or those named), each with its saved events in its CodeUri."""
    from console.testing.runner import SelectionError, TestFunction

    from .sam_options import TemplateUsageError, load_project_from_args, pick_function, print_project_notes

    try:
        project = load_project_from_args(args)
        chosen = [pick_function(project, name) for name in args.dirs] if args.dirs else project.runnable()
    except TemplateUsageError as exc:
        raise SelectionError(str(exc)) from None
    print_project_notes(project)
    return [TestFunction(f.logical_id, f.code_dir, f.to_function_config()) for f in chosen]


def _print_case(out: _Out, case) -> None:
    from console.display import neutralise

    label = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR"}[case.outcome]
    duration = f"{case.duration_ms:9.2f} ms" if case.duration_ms is not None else " " * 12
    note = ""
    if case.updated:
        note = f"  (expectation {case.updated})"
    if case.outcome == "fail":
        note += f"  {case.message}"
    out.line(f"  {out.style(label, case.outcome)}  {case.event:<25} {duration}{note}".rstrip())
    if case.outcome == "error":
        out.line(f"         {neutralise(case.message)}")
    elif case.outcome == "fail":
        for line in case.diff.splitlines():
            # The diff quotes what the function answered: shown, never obeyed by the terminal.
            line = neutralise(line)
            out.line("         " + (out.style(line, line[0]) if line[:1] in "-+" else line))
