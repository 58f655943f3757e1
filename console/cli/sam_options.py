"""The options every command that reads a SAM template shares (--template, --parameter-overrides,
--env-vars), and loading the project from them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it

if TYPE_CHECKING:
    from console.sam.functions import SamProject


def add_template_options(parser: argparse.ArgumentParser, *, template_help: str | None = None) -> None:
    parser.add_argument(
        "--template", "-t", metavar="FILE",
        help=template_help or "a SAM/CloudFormation template (default: template.yaml/.yml/.json in the current folder)",
    )
    parser.add_argument(
        "--parameter-overrides", nargs="+", action="extend", metavar="KEY=VALUE",
        help="template parameter values (SAM's KEY=VALUE or ParameterKey=K,ParameterValue=V)",
    )
    parser.add_argument(
        "--env-vars", metavar="FILE",
        help='environment variables in SAM\'s format: {"LogicalId": {"VAR": "value"}, "Parameters": {...}}',
    )


class TemplateUsageError(Exception):
    """The template options cannot be used: exit 2 with this message."""


def template_path(args: argparse.Namespace) -> Path:
    """The template the options name, or the one in the current folder."""
    from console.sam.template import find_template

    if getattr(args, "template", None):
        return Path(args.template)
    found = find_template(Path.cwd())
    if found is None:
        raise TemplateUsageError(
            "no template.yaml, template.yml or template.json in the current folder; give one with --template FILE"
        )
    return found


def load_project_from_args(args: argparse.Namespace, path: Path | None = None) -> SamProject:
    """The project, with parameter overrides and env vars applied (TemplateUsageError says why not)."""
    from console.sam.functions import load_project, parse_parameter_overrides
    from console.sam.template import TemplateError

    try:
        return load_project(
            path or template_path(args),
            parameter_overrides=parse_parameter_overrides(getattr(args, "parameter_overrides", None)),
            env_vars=getattr(args, "env_vars", None),
        )
    except TemplateError as exc:
        raise TemplateUsageError(str(exc)) from exc


def print_project_notes(project: SamProject, stream=None) -> None:
    """Skipped functions and unresolved values, each once, to stderr."""
    stream = stream or sys.stderr
    for function in project.skipped():
        print(f"lambda-console: skipping {function.logical_id}: {function.skipped}", file=stream)
    for problem in project.problems:
        print(f"lambda-console: {problem}", file=stream)


def pick_function(project: SamProject, logical_id: str | None):
    """The runnable function named `logical_id` (or the only one when None); TemplateUsageError
    names the template's functions, or says why the one asked for cannot run."""
    names = [f.logical_id for f in project.functions]
    if logical_id is None:
        runnable = project.runnable()
        if len(runnable) != 1:
            raise TemplateUsageError(
                f"{project.template_path.name} has {len(names)} functions; name one: {', '.join(names) or 'none'}"
            )
        logical_id = runnable[0].logical_id
    function = project.get(logical_id)
    if function is None:
        raise TemplateUsageError(
            f"{project.template_path.name} has no function {logical_id} (it has: {', '.join(names) or 'none'})"
        )
    if not function.runnable or function.code_dir is None:
        raise TemplateUsageError(f"{logical_id} cannot run locally: {function.skipped}")
    return function
