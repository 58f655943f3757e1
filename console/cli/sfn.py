"""`lambda-console sfn run`: execute a Step Functions state machine over local functions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    sfn = subparsers.add_parser(
        "sfn",
        help="run Step Functions state machines over local functions",
        description="Run Amazon States Language state machines locally, with Catch and Retry.",
    )
    sfn_sub = sfn.add_subparsers(dest="sfn_command", metavar="SUBCOMMAND")
    sfn.set_defaults(run=lambda args: _usage(sfn))
    run = sfn_sub.add_parser(
        "run",
        help="execute a state machine definition",
        description=(
            "Execute DEFINITION.json. Task states invoke local functions: a function ARN "
            "(arn:aws:lambda:REGION:ACCOUNT:function:NAME) or arn:aws:states:::lambda:invoke with "
            "Parameters.FunctionName. Names resolve to the --functions directories (each named after its "
            "directory), then to a functions/ folder beside the definition, then to the workspace. "
            "Exit status: 0 succeeded, 1 failed/timed out/aborted, 2 invalid definition or usage."
        ),
    )
    run.add_argument(
        "definition",
        metavar="DEFINITION.json",
        help="the state machine definition, or the name of a state-machine blueprint (e.g. sfn-create-account)",
    )
    run.add_argument("--input", metavar="JSON|FILE", default=None, help="execution input: JSON text or a file (default {})")
    run.add_argument(
        "--functions", metavar="DIR", nargs="+", default=[], help="function directories, each named after its directory"
    )
    run.add_argument(
        "--time-scale",
        metavar="N",
        type=float,
        default=1.0,
        help="divide Wait states and retry intervals by N (never a task's own run time or TimeoutSeconds)",
    )
    run.add_argument("--json", action="store_true", help="print {status, output, error, cause, path, events} as JSON")
    run.add_argument(
        "--strict-ids",
        action="store_true",
        help="number previousEventId exactly as Step Functions does (the first state points at 0, ...)",
    )
    run.set_defaults(run=run_command)
    check = sfn_sub.add_parser(
        "validate",
        help="check a definition without running it",
        description="Report every problem in DEFINITION.json the way statelint does. Exit 0 when valid, 2 otherwise.",
    )
    check.add_argument(
        "definition",
        metavar="DEFINITION.json",
        help="the state machine definition, or the name of a state-machine blueprint (as for sfn run)",
    )
    check.set_defaults(run=validate_command, input=None)


def validate_command(args: argparse.Namespace) -> int:
    from console.stepfunctions import DefinitionError, load

    shown = args.definition
    resolve_blueprint(args)
    try:
        load(args.definition)
    except DefinitionError as exc:
        print(f"{shown}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"{shown}: valid")
    return 0


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _fail_usage(message: str) -> int:
    print(f"lambda-console sfn run: {message}", file=sys.stderr)
    return 2


def read_input(value: str | None) -> Any:
    """--input: JSON text, or the path of a file holding JSON. Raises ValueError with a message."""
    if value is None:
        return {}
    path = Path(value)
    text = value
    source = "--input"
    try:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            source = str(path)
    except OSError:
        pass
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{source} is nested too deeply") from None
    except ValueError as exc:
        if source == "--input" and not value.lstrip().startswith(("{", "[", '"')) and not path.exists():
            raise ValueError(f"--input is neither JSON nor an existing file: {value}") from None
        raise ValueError(f"{source} is not valid JSON: {exc}") from None


def function_dirs(dirs: list[str], definition: str | None = None) -> dict[str, Path]:
    """The functions the state machine calls (workspace.state_machine_functions, as the console's
    Step Functions view resolves them); ValueError for a --functions entry that is no folder."""
    from console import workspace

    for entry in dirs:
        if not Path(entry).is_dir():
            raise ValueError(f"--functions {entry}: not a directory")
    return workspace.state_machine_functions(definition, [Path(d) for d in dirs])


def resolve_blueprint(args: argparse.Namespace) -> None:
    """DEFINITION may name a state-machine blueprint (it works from an installed package, where
    the blueprints folder is not at hand); --input may then name one of its example inputs."""
    if Path(args.definition).exists():
        return
    from console import catalog

    try:
        blueprint = catalog.get_blueprint(args.definition)
    except catalog.CatalogError:
        return
    if blueprint.kind != "state-machine":
        return
    args.definition = str(blueprint.definition_path)
    if args.input and not Path(args.input).exists():
        for candidate in (blueprint.path / "inputs" / args.input, blueprint.path / "inputs" / f"{args.input}.json"):
            if candidate.is_file():
                args.input = str(candidate)
                break


def run_command(args: argparse.Namespace) -> int:
    from console.stepfunctions import DefinitionError, Execution, LambdaClient, load

    if args.time_scale <= 0:
        return _fail_usage("--time-scale must be a positive number")
    resolve_blueprint(args)
    try:
        definition = load(args.definition)
    except DefinitionError as exc:
        print(f"lambda-console sfn run: invalid definition {args.definition}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    try:
        execution_input = read_input(args.input)
        dirs = function_dirs(args.functions, args.definition)
    except ValueError as exc:
        return _fail_usage(str(exc))
    # Tasks invoke through an Invoker of this run (metrics saved for `lambda-console metrics`).
    invoker = LambdaClient(dirs)
    live = not args.json
    if live:
        # Events print as they happen, so waits and slow functions show progress.
        sys.stdout.write("Events:\n" + EVENT_HEADER + "\n")
        sys.stdout.flush()
    execution = Execution(
        definition,
        invoker,
        time_scale=args.time_scale,
        strict_ids=args.strict_ids,
        state_machine_name=Path(args.definition).stem or "LocalStateMachine",
        on_event=_print_event if live else None,
    )
    try:
        result = execution.run(execution_input)
    except KeyboardInterrupt:
        execution.abort()
        raise
    finally:
        invoker.close()
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n" + format_summary(result))
        if _names_missing_function(result):
            known = ", ".join(sorted(dirs)) or "none"
            print(
                f"hint: functions resolve by name to --functions directories (named after the directory) "
                f"or workspace functions; known here: {known}",
                file=sys.stderr,
            )
    return 0 if result.succeeded else 1


def _names_missing_function(result: Any) -> bool:
    return any(
        (e.details or {}).get("error") == "Lambda.ResourceNotFoundException" for e in result.events
    )


EVENT_HEADER = f"  {'ID':>3} {'PREV':>4}  {'TIMESTAMP':<24}  {'TYPE':<28} DETAILS"


def format_event(event: Any) -> str:
    from console.stepfunctions.history import event_summary, iso

    stamp = iso(event.timestamp)
    return f"  {event.id:>3} {event.previous_event_id:>4}  {stamp:<24}  {event.type:<28} {event_summary(event)}".rstrip()


def _print_event(event: Any) -> None:
    sys.stdout.write(format_event(event) + "\n")
    sys.stdout.flush()


def format_summary(result: Any) -> str:
    """Path taken, status, and the output or the error and cause."""
    lines: list[str] = []
    lines.append("Path: " + (" → ".join(_path_entry(s) for s in result.states) or "(no state entered)"))
    lines.append(f"Status: {result.status}")
    if result.error is not None or result.cause is not None:
        lines.append(f"Error: {result.error}")
        if result.cause is not None:
            lines.append(f"Cause: {result.cause}")
    if result.status == "SUCCEEDED":
        lines.append("Output:")
        lines.append(json.dumps(result.output, indent=2, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _path_entry(record: Any) -> str:
    status = record.display_status
    mark = {"succeeded": "", "retried": f" (retried {record.retries}x)", "caught": f" (caught {record.error})",
            "failed": f" (failed: {record.error})", "running": " (running)", "aborted": " (aborted)"}.get(status, "")
    if status == "caught" and record.retries:
        mark = f" (retried {record.retries}x, caught {record.error})"
    return f"{record.name}{mark}"
