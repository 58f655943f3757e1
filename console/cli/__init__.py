"""The `lambda-console` command: subcommands for scripts, and the TUI when none is given."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Each module exposes register(subparsers) and keeps its heavy imports inside its run function,
# so that `lambda-console invoke` never pays for Textual.
COMMAND_MODULES = (
    "console.cli.invoke",
    "console.cli.catalog_cmds",
    "console.cli.sfn",
    "console.cli.serve",
    "console.cli.api",
    "console.cli.runtimes",
    "console.cli.build",
    "console.cli.source",
    "console.cli.suite",
)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, as scripts expect from this command (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from console import __version__

    parser = _Parser(
        prog="lambda-console",
        description="The AWS Lambda console's test cycle, locally. Without a command it opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-console {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices) if parser._subparsers else set()
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help", "--version")):
        first = argv[0] if argv else ""
        if first and not first.startswith("-") and "/" not in first and not os.path.exists(first):
            import difflib

            close = difflib.get_close_matches(first, sorted(commands), n=1)
            hint = f"; did you mean `lambda-console {close[0]}`?" if close else ""
            print(f"lambda-console: no command or function folder named '{first}'{hint}", file=sys.stderr)
            return 2
        from console.tui.launch import run_tui

        return run_tui(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # e.g. `lambda-console invoke --json | head`: the reader left; that is not our failure
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
