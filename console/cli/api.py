"""`lambda-console api`: a SAM project's REST APIs, HTTP APIs and function URLs on a local port."""

from __future__ import annotations

import argparse
import sys

from .sam_options import TemplateUsageError, add_template_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "api",
        help="serve a SAM template's API events and function URLs over HTTP (like sam local start-api)",
        description=(
            "Serve the Api (REST, payload 1.0) and HttpApi (payload 2.0 or 1.0) events of a SAM "
            "template's functions on one port, and each FunctionUrlConfig on its own, invoking the "
            "functions locally without Docker. Code edits take effect on the next request; an edited "
            "template is read again."
        ),
    )
    add_template_options(p)
    p.add_argument("--blueprint", metavar="NAME", help="serve a SAM-project blueprint (e.g. sam-orders-api)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", "-p", type=int, default=3000, help="port (default 3000; 0 picks a free one); "
                   "function URLs take the next ports")
    p.add_argument(
        "--allow-remote", action="store_true",
        help="allow binding an address other than localhost (anyone who can reach it can run your functions)",
    )
    p.set_defaults(run=run)


def _blueprint_template(name: str):
    from console import catalog

    try:
        bp = catalog.get_blueprint(name)
    except catalog.CatalogError as exc:
        raise TemplateUsageError(str(exc).strip("'\"")) from exc
    if bp.kind != "sam-project":
        raise TemplateUsageError(f"blueprint '{name}' is a {bp.kind}, not a SAM project")
    return bp.path / "template.yaml"


def run(args: argparse.Namespace) -> int:
    from console.service.host_check import is_loopback

    from .sam_options import load_project_from_args, print_project_notes, template_path

    try:
        if args.blueprint and args.template:
            raise TemplateUsageError("give either --template or --blueprint, not both")
        path = _blueprint_template(args.blueprint) if args.blueprint else template_path(args)
        project = load_project_from_args(args, path)
    except TemplateUsageError as exc:
        print(f"lambda-console api: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"lambda-console api: refusing to listen on {args.host}: it would let other machines run your "
            "functions; add --allow-remote if that is what you want",
            file=sys.stderr,
        )
        return 2
    print_project_notes(project)
    from console.service.http_server import HttpApiServer, serve_template_paths

    def log(line: str) -> None:
        print(line, flush=True)

    from console.sam.functions import load_project, parse_parameter_overrides

    overrides = parse_parameter_overrides(args.parameter_overrides)

    def reload():  # an edited template is read again with the same options
        return load_project(path, parameter_overrides=overrides, env_vars=args.env_vars)

    try:
        server = HttpApiServer(reload, project=project, host=args.host, port=args.port,
                               allow_remote=args.allow_remote, log=log)
    except OSError as exc:
        print(f"lambda-console api: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    lines = serve_template_paths(server)
    print(f"Serving {server.project.project.template_path} on {server.url}")
    print("\n".join(lines) if lines else "  (no Api, HttpApi or FunctionUrlConfig events in the template)")
    if not is_loopback(args.host):
        print(f"WARNING: listening on {args.host}: anyone who can reach it can invoke your functions", file=sys.stderr)
    print("Press Ctrl+C to stop.", flush=True)
    from .serve import serve_until_stopped

    serve_until_stopped(server)
    return 0
