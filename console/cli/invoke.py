"""`lambda-console invoke`: one headless invocation, printed as the console shows it or as JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EVENT = "hello-world"


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


class UsageError(Exception):
    """A problem with what the user asked for: exit 2 with this one-line message."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "invoke",
        help="invoke a function once and print the execution result and log output",
        description="Invoke a function once (synchronously, like the console's Test button).",
    )
    p.add_argument(
        "dir", nargs="?",
        help="the function's code directory (default: the current directory), or with a SAM template "
        "(--template, or template.yaml in the current folder) the function's logical ID",
    )
    p.add_argument("--blueprint", metavar="NAME", help="run a blueprint instead of a directory")
    p.add_argument("--handler", metavar="H", help="handler string, e.g. lambda_function.lambda_handler")
    p.add_argument(
        "--runtime",
        metavar="R",
        help="python3.7 … python3.14 (default: the newest); the code runs on that Python when it is "
        "installed, else on the nearest (see `lambda-console runtimes`)",
    )
    p.add_argument(
        "--event", metavar="NAME|FILE|JSON|-",
        help="a saved or sample event name, a JSON file, JSON text ('{\"key1\": 1}'), or - for stdin",
    )
    p.add_argument("--timeout", type=int, metavar="S", help="timeout in seconds (1-900, default 3)")
    p.add_argument("--memory", type=int, metavar="MB", help="memory in MB (128-10240, default 128)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="an environment variable (repeatable)")
    p.add_argument("--function-name", metavar="NAME", help="function name (default: the directory's name)")
    p.add_argument(
        "--layer", action="append", default=[], metavar="PATH",
        help="a layer folder or .zip in Lambda's layout (python/...); repeatable, in order, up to 5 "
        "(replaces the function's saved layers)",
    )
    p.add_argument(
        "--invocation-type",
        choices=("RequestResponse", "Event", "DryRun"),
        default="RequestResponse",
        help="RequestResponse (default) waits for the result; Event queues it and retries errors; DryRun only validates",
    )
    p.add_argument(
        "--time-scale", type=positive_float, default=1.0, metavar="N", help="speed up async retry delays N times"
    )
    p.add_argument("--remote", metavar="NAME_OR_ARN", help="invoke a deployed function (or any Invoke API endpoint) with boto3")
    p.add_argument("--endpoint-url", metavar="URL", help="the Invoke API endpoint for --remote")
    p.add_argument("--region", metavar="R", help="AWS region for --remote")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the console view")
    from .sam_options import add_template_options

    add_template_options(p, template_help="a SAM template; DIR is then the function's logical ID")
    p.set_defaults(run=run)


@dataclass
class Target:
    """What to run: a code folder, its saved settings (None: read them from the folder) and the
    default event."""

    code_dir: Path
    settings: object | None
    default_event: bytes | None
    name: str | None = None


def _template_target(args: argparse.Namespace) -> Target | None:
    """A function of a SAM template: with --template, or when DIR is no folder but the current
    folder has a template (`lambda-console invoke HelloWorldFunction`, as `sam local invoke`)."""
    from console import workspace

    from .sam_options import TemplateUsageError, load_project_from_args, pick_function, print_project_notes

    if not args.template:
        from console.sam.template import find_template

        if args.blueprint or find_template(Path.cwd()) is None:
            return None
        if args.dir and Path(args.dir).exists():
            return None
        if not args.dir and (Path.cwd() / "lambda_function.py").is_file():
            return None  # a function folder that also holds a template runs as a folder
    if args.blueprint:
        raise UsageError("give either --template or --blueprint, not both")
    try:
        project = load_project_from_args(args)
        function = pick_function(project, args.dir)
    except TemplateUsageError as exc:
        raise UsageError(str(exc)) from exc
    print_project_notes(project)
    settings = workspace.FunctionSettings(
        handler=function.handler,
        runtime=function.runtime,
        memory_mb=function.memory_mb,
        timeout_s=function.timeout_s,
        environment=dict(function.environment),
        layers=[str(layer.content_dir) for layer in function.layers],
        ephemeral_storage_mb=function.ephemeral_storage_mb,
    )
    return Target(function.code_dir, settings, None, function.logical_id)


def _load_target(args: argparse.Namespace) -> Target:
    from console import workspace

    template = _template_target(args)
    if template is not None:
        return template
    if args.blueprint:
        from console import catalog

        try:
            bp = catalog.get_blueprint(args.blueprint)
        except catalog.CatalogError as exc:
            raise UsageError(str(exc).strip("'\"")) from exc
        if bp.kind == "sam-project":
            raise UsageError(f"blueprint '{bp.name}' is a SAM project; serve it with `lambda-console api --blueprint {bp.name}`")
        if bp.kind != "function":
            raise UsageError(f"blueprint '{bp.name}' is a {bp.kind}; run it with `lambda-console sfn run {bp.name}`")
        return Target(bp.path, workspace.FunctionSettings.from_blueprint(bp), bp.event_bytes(), bp.name)
    code_dir = Path(args.dir or os.getcwd())
    if not code_dir.is_dir():
        raise UsageError(f"{code_dir} is not a directory")
    return Target(code_dir, None, None)


def _check_default_folder(args: argparse.Namespace, config) -> None:
    """Running the current folder by default: refuse a folder that holds no such module at all,
    which is a mistaken folder (say, the home directory) rather than a function to run."""
    if args.dir or args.blueprint or args.template:
        return
    from console.engine.handler_check import handler_module_path

    module = config.handler.rsplit(".", 1)[0] if "." in config.handler else ""
    if module and handler_module_path(config.code_dir, module) is None:
        raise UsageError(
            f"the current folder {config.code_dir} has no {module.replace('.', '/')}.py; "
            "give the function's folder (lambda-console invoke DIR) or --blueprint NAME"
        )


def _read_event(
    spec: str | None, default: bytes | None, code_dir: Path | None = None, invocation_type: str = "RequestResponse"
) -> bytes:
    """The event bytes (stdin, a file, a saved test event of the function, or a sample event),
    checked by Lambda's payload rules for the invocation type (console.service.events)."""
    from console.service.errors import InvokeError
    from console.service.events import SYNC_PAYLOAD_LIMIT, check_event

    # Never read more than the largest event Lambda accepts, plus one byte to know it was larger.
    cap = SYNC_PAYLOAD_LIMIT + 1
    if spec is None and default is not None:
        data, where = default, "the blueprint's default event"
    else:
        spec = spec or DEFAULT_EVENT
        data, where = _event_source(spec, code_dir, cap)
    try:
        return check_event(data, invocation_type)
    except InvokeError as exc:
        raise UsageError(f"{exc.message} (event from {where}); nothing was run") from None


def _event_source(spec: str, code_dir: Path | None, cap: int) -> tuple[bytes, str]:
    if spec == "-":
        return sys.stdin.buffer.read(cap), "standard input"
    if Path(spec).is_file():
        try:
            with open(spec, "rb") as f:
                return f.read(cap), spec
        except OSError as exc:
            raise UsageError(f"cannot read event file {spec}: {exc.strerror}") from exc
    if Path(spec).is_dir():
        raise UsageError(f"--event {spec} is a directory; give a JSON file, a sample event name or -")
    if spec.lstrip()[:1] in ("{", "["):  # no event name starts so: JSON text, as `sfn run --input` takes
        return spec.encode("utf-8")[:cap], "--event"
    if code_dir is not None:
        from console import workspace

        try:
            return workspace.load_saved_event(code_dir, spec).encode("utf-8")[:cap], f"saved event {spec}"
        except workspace.WorkspaceError:
            pass  # not a saved event name: try the sample events
    from console import catalog

    try:
        return catalog.get_sample_event(spec).event_bytes(), f"sample event {spec}"
    except catalog.CatalogError as exc:
        raise UsageError(
            f"no event file, saved event or sample event named '{spec}' (see `lambda-console events`)"
        ) from exc


def _parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env takes KEY=VALUE, got '{pair}'")
        env[key] = value
    return env


def build_config(args: argparse.Namespace, target: Target):
    """The function's configuration: the folder's saved settings (workspace.function_config, the
    one reader of function folders) with the command line's options over them."""
    from console import workspace
    from console.engine import ConfigError, check

    overrides = {
        field: value
        for field, value in (
            ("handler", args.handler),
            ("runtime", args.runtime),
            ("timeout_s", args.timeout),
            ("memory_mb", args.memory),
            ("function_name", args.function_name),
        )
        if value is not None
    }
    if args.layer:
        overrides["layers"] = tuple(str(Path(layer).expanduser().resolve()) for layer in args.layer)
    try:
        saved = workspace.function_config(target.code_dir, target.name, settings=target.settings)  # type: ignore[arg-type]
    except workspace.WorkspaceError as exc:
        # A corrupt settings file stops a headless run: running other code than the user set up,
        # or renaming the user's file, would both be surprises. The console recovers instead.
        raise UsageError(f"{exc} Fix or remove it; nothing was run") from exc
    env = dict(saved.environment)
    env.update(_parse_env(args.env))
    try:
        config = workspace.function_config(
            target.code_dir, target.name, settings=target.settings, environment=env, **overrides  # type: ignore[arg-type]
        )
        check(config)
    except ConfigError as exc:
        raise UsageError(str(exc).replace("\n", "; ")) from exc
    return config


def run(args: argparse.Namespace) -> int:
    try:
        if args.remote:
            return _run_remote(args)
        if args.blueprint and args.dir:
            raise UsageError("give either a function folder or --blueprint, not both")
        target = _load_target(args)
        config = build_config(args, target)
        _check_default_folder(args, config)
        event = _read_event(args.event, target.default_event, target.code_dir, args.invocation_type)
    except UsageError as exc:
        print(f"lambda-console invoke: {exc}", file=sys.stderr)
        return 2
    from console.engine import Engine
    from console.service.invoker import Invoker

    # One invocation needs no pre-started zygote: starting one and then forking from it costs more
    # than starting the environment's process directly. Event invocations may retry (several
    # environments), so they keep the zygote.
    # It also looks at the code once, so it watches no folder, and it freezes no idle environment.
    queued = args.invocation_type == "Event"
    preboot = getattr(args, "preboot", None) if args.invocation_type == "RequestResponse" else None
    engine = Engine(use_zygote=queued, freeze_idle=queued, watch_code=queued, preboot=preboot)
    # The one invocation path: payload rules, metrics (saved for `lambda-console metrics`) and
    # the Event queue's retries are the Invoker's, as for every other front.
    invoker = Invoker(engine, time_scale=args.time_scale, background_flush=queued)
    # A requirements.txt build (on demand) shows pip's progress on stderr.
    invoker.engine.on_build = _to_stderr
    try:
        if args.invocation_type != "RequestResponse":
            return _run_typed(args, invoker, config, event)
        try:
            outcome = invoker.invoke(config, event)
        except _refusals() as exc:
            print(f"lambda-console invoke: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
    finally:
        remaining = invoker.close()
        # A one-shot process exits next: its environment's tree is killed, its keeper not awaited.
        engine.close(wait=queued)
        if remaining:
            verb = "remain queued; they run" if remaining != 1 else "remains queued; it runs"
            print(f"{remaining} Event invocation{'s' if remaining != 1 else ''} {verb} on "
                  "the next start (serve, invoke or the console).", file=sys.stderr)
    assert outcome.result is not None
    return _print(args, outcome.result)


def _to_stderr(line: str) -> None:
    sys.stderr.write(line)
    sys.stderr.flush()


def _refusals() -> tuple[type[Exception], ...]:
    from console.engine import ConfigError
    from console.service.errors import InvokeError

    return (ConfigError, InvokeError)


def _print(args: argparse.Namespace, result) -> int:
    if args.json:
        # A body too deeply nested to parse comes as its text (InvocationResult.payload_value).
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        from console.cli.render import render

        render(result, sys.stdout, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    return 0 if result.succeeded else 1


def _run_typed(args: argparse.Namespace, invoker, config, event: bytes) -> int:
    """Event and DryRun: what the caller gets back at once, then (Event) every attempt as it runs."""
    attempts: list = []
    mine: set[str] = set()  # not the events resumed from an earlier run

    def follow(update) -> None:
        # The caller's answer comes first, as it does for Lambda: the queue reports it queued
        # before any attempt can run.
        if update.kind == "queued" and update.text == "Event queued":
            mine.add(update.request_id)
            if not args.json:
                print("202 Accepted — the function runs asynchronously; see Log output", flush=True)
        elif update.request_id not in mine:
            return
        elif update.kind == "attempt" and update.result is not None:
            attempts.append(update.result)
            if not args.json:
                print(f"\n--- attempt {update.attempt} ---")
                _print(args, update.result)
        elif update.kind in ("retry", "destination", "delivery_failed", "dropped") and update.text and not args.json:
            print(update.text)

    try:
        if args.invocation_type == "Event":
            invoker.async_queue.add_listener(follow)
        try:
            outcome = invoker.invoke(config, event, args.invocation_type)
        except _refusals() as exc:
            # The request was refused (invalid function, payload too large...): nothing ran.
            print(f"lambda-console invoke: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        if not args.json and args.invocation_type != "Event":
            print(outcome.caller_summary())
        if args.invocation_type == "Event":
            # Only this event is awaited; whatever is left when this command ends stays queued
            # (journalled) for the next start.
            invoker.async_queue.drain(timeout=None, request_ids=[outcome.request_id])
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({
            "statusCode": outcome.status_code,
            "invocationType": args.invocation_type,
            "requestId": outcome.request_id,
            "attempts": [r.to_json() for r in attempts],
        }))
    return 0


_REASONS = {200: "OK", 202: "Accepted", 204: "No Content"}


def _run_remote(args: argparse.Namespace) -> int:
    from console.service.remote import RemoteInvokeError, remote_invoke

    try:
        event = _read_event(args.event, None, None, args.invocation_type)
        status_code, result = remote_invoke(
            args.remote,
            event,
            invocation_type=args.invocation_type,
            endpoint_url=args.endpoint_url,
            region=args.region,
        )
    except (RemoteInvokeError, UsageError) as exc:
        print(f"lambda-console invoke: {exc}", file=sys.stderr)
        return 2
    if args.invocation_type != "RequestResponse":
        print(f"{status_code} {_REASONS.get(status_code, '')}".strip())
        return 0
    return _print(args, result)
