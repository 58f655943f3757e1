"""`lambda-console serve` (the Lambda Invoke API over local functions) and `lambda-console metrics`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the Lambda Invoke API over local functions (for boto3, the AWS CLI, SDKs)",
        description=(
            "Serve the Lambda Invoke REST API (Invoke, ListFunctions, GetFunction) over the "
            "workspace's functions, or over the function directories given (each named after its "
            "directory). Point any SDK at it with an endpoint URL, e.g. "
            "aws lambda invoke --endpoint-url http://127.0.0.1:3001 --function-name NAME out.json"
        ),
    )
    serve.add_argument("dirs", nargs="*", metavar="DIR", type=Path, help="function directories (default: the workspace)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3001, help="port (default 3001; 0 picks a free one)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding an address other than localhost (anyone who can reach it can run your functions)",
    )
    serve.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="N",
        help="speed up async retry delays and event ages (60 = one minute passes in one second)",
    )
    serve.add_argument(
        "--concurrency",
        type=int,
        default=10,
        metavar="N",
        help="concurrent executions per function before 429 TooManyRequestsException (default 10)",
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="print one line per request")
    from .sam_options import add_template_options

    add_template_options(serve, template_help="serve a SAM template's functions, named by logical ID (instead of DIRs)")
    serve.set_defaults(run=run_serve)

    metrics = subparsers.add_parser(
        "metrics",
        help="print per-function metrics (invocations, errors, throttles, async retries, duration)",
        description=(
            "Print the metrics `lambda-console serve` recorded for each function (saved in the "
            "function's .lambda-console/metrics.json), like Lambda's CloudWatch metrics."
        ),
    )
    metrics.add_argument("dirs", nargs="*", metavar="DIR", type=Path, help="function directories (default: the workspace)")
    metrics.add_argument("--json", action="store_true", help="print the per-minute series as JSON")
    metrics.add_argument("--minutes", type=int, default=30, help="sparkline window in minutes (default 30)")
    metrics.set_defaults(run=run_metrics)


def _check_dirs(dirs: list[Path]) -> str | None:
    for d in dirs:
        if not d.is_dir():
            return f"lambda-console: {d} is not a directory"
    return None


def run_serve(args: argparse.Namespace) -> int:
    from console.service.server import make_server

    problem = _check_dirs(args.dirs)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.time_scale <= 0 or args.concurrency < 1:
        print("lambda-console: --time-scale must be positive and --concurrency at least 1", file=sys.stderr)
        return 2
    local = args.host in ("127.0.0.1", "localhost", "::1")
    if not local and not args.allow_remote:
        print(
            f"lambda-console: refusing to listen on {args.host}: it would let other machines run your "
            "functions; add --allow-remote if that is what you want",
            file=sys.stderr,
        )
        return 2
    if not local:
        print(
            f"WARNING: listening on {args.host}: anyone who can reach this port can invoke your "
            "functions (no authentication)",
            file=sys.stderr,
        )
    if args.template:
        return _serve_template(args)
    try:
        server = make_server(
            args.dirs,
            host=args.host,
            port=args.port,
            time_scale=args.time_scale,
            concurrency=args.concurrency,
            allow_remote=args.allow_remote,
            access_log=(lambda line: print(line, flush=True)) if args.verbose else None,
        )
    except OSError as exc:
        print(f"lambda-console: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return _serve_until_stopped(server)


def _serve_template(args: argparse.Namespace) -> int:
    """`serve --template T`: the Invoke API over the template's functions, named by logical ID."""
    from console.sam.functions import load_project, parse_parameter_overrides
    from console.service.registry import TemplateRegistry
    from console.service.server import LambdaServer

    from .sam_options import TemplateUsageError, load_project_from_args, print_project_notes

    if args.dirs:
        print("lambda-console: give either function directories or --template, not both", file=sys.stderr)
        return 2
    try:
        project = load_project_from_args(args)
        overrides = parse_parameter_overrides(args.parameter_overrides)
    except (TemplateUsageError, ValueError) as exc:
        print(f"lambda-console serve: {exc}", file=sys.stderr)
        return 2
    print_project_notes(project)
    first = [project]

    def load():
        if first:
            return first.pop()
        return load_project(project.template_path, parameter_overrides=overrides, env_vars=args.env_vars)

    try:
        server = LambdaServer(
            TemplateRegistry(load), host=args.host, port=args.port, time_scale=args.time_scale,
            concurrency=args.concurrency, allow_remote=args.allow_remote,
            access_log=(lambda line: print(line, flush=True)) if args.verbose else None,
        )
    except OSError as exc:
        print(f"lambda-console: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return _serve_until_stopped(server)


def _serve_until_stopped(server) -> int:
    # A function's requirements.txt is built on its first invocation: pip's progress on stderr.
    server.engine.on_build = lambda line: print(line, end="", file=sys.stderr, flush=True)
    names = [c.function_name for c in server.registry.all()]
    print(f"Lambda Invoke API on {server.url}  (functions: {', '.join(names) or 'none yet'})")
    print(f"  aws lambda invoke --endpoint-url {server.url} --function-name {names[0] if names else 'NAME'} out.json")
    if server.resumed_events:
        print(f"Resumed {_events(server.resumed_events)} queued before the last stop.")
    print("Press Ctrl+C to stop.", flush=True)
    serve_until_stopped(server)  # closing saves the metrics and stops the execution environments
    if server.remaining_events:
        verb = "remain queued; they run" if server.remaining_events != 1 else "remains queued; it runs"
        print(f"{_events(server.remaining_events)} {verb} on the next start "
              "(serve, invoke or the console).", flush=True)
    return 0


def serve_until_stopped(server) -> None:
    """Serve until Ctrl+C or SIGTERM, then close the server (shared by `serve` and `api`)."""
    _stop_on_sigterm()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _events(n: int) -> str:
    return f"{n} Event invocation{'s' if n != 1 else ''}"


def _stop_on_sigterm() -> None:
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background by a shell
        signal.signal(signal.SIGINT, stop)


def run_metrics(args: argparse.Namespace) -> int:
    from console.service.metrics import load_exports, metrics_path, render_table

    problem = _check_dirs(args.dirs)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from console.service.registry import FunctionRegistry

    registry = FunctionRegistry(args.dirs or None)
    files = {c.function_name: metrics_path(c.code_dir) for c in registry.all()}
    problems: list[str] = []
    export = load_exports(files, problems)
    for problem in problems:
        print(f"lambda-console metrics: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(export, indent=2))
    else:
        print(render_table(export, minutes=max(1, args.minutes)))
    return 0
