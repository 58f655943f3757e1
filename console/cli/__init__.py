"""The `lambda-console` command: subcommands for scripts, and the TUI when none is given."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing, which --version does not need
if TYPE_CHECKING:
    import argparse

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
# Which module registers each command: `lambda-console invoke ...` builds the parser of that one
# command only (a test keeps this in step with COMMAND_MODULES; a command missing here still works,
# through the whole parser).
COMMANDS = {
    "invoke": "console.cli.invoke",
    "blueprints": "console.cli.catalog_cmds",
    "events": "console.cli.catalog_cmds",
    "sfn": "console.cli.sfn",
    "serve": "console.cli.serve",
    "metrics": "console.cli.serve",
    "api": "console.cli.api",
    "runtimes": "console.cli.runtimes",
    "build": "console.cli.build",
    "source": "console.cli.source",
    "test": "console.cli.suite",
}


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse  # not for --version: the command starts about as fast as Python itself

    class _Parser(argparse.ArgumentParser):
        """Usage errors in one line, as scripts expect from this command (exit status 2)."""

        def error(self, message: str) -> None:  # type: ignore[override]
            self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

    return _Parser


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The command's parser with the subcommands `modules` register (by default all of them)."""
    from console import __version__

    parser = _parser_class()(
        prog="lambda-console",
        description="The AWS Lambda console's test cycle, locally. Without a command it opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-console {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        __import__(name, fromlist=["register"]).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    command_line = argv is None  # the `lambda-console` process itself, not a caller in Python
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        from console import __version__

        print(f"lambda-console {__version__}")
        return 0
    preboot = None
    if argv and argv[0] == "invoke":
        from console.engine import preboot as prebooting

        if prebooting.wanted(argv):
            if command_line:
                # A process that imports ~130 modules, runs one invocation and exits: the cyclic
                # garbage collector would only walk the growing heap of module objects (several
                # passes, a few milliseconds) to find nothing worth freeing before the exit.
                import gc

                gc.disable()
            # The runtime's interpreter boots on the other core while this one imports and reads
            # the function's settings (see console/engine/preboot.py).
            preboot = prebooting.Preboot.start(argv)
    try:
        status = _run(argv, preboot)
    finally:
        if preboot is not None:
            preboot.discard()  # unless an environment claimed it
    if preboot is not None and command_line:
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    """End a one-shot invocation's process as soon as everything it owes is out: its atexit work
    (none is left: the invoker saved the metrics and the engine stopped its environment on close),
    then its output. What is skipped is only the interpreter tearing its modules down, which takes
    a one-shot command about as long as running the function."""
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass  # the reader left (see _run), or the stream is closed
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(status)


def _opens_the_console(argv: list[str]) -> bool:
    """No command: `lambda-console`, `lambda-console DIR`, `lambda-console --theme NAME`. The
    console starts without building the commands' parser (importing every command module and
    argparse took about a tenth of its time to the first screen)."""
    if not argv:
        return True
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return False
    return first.startswith("-") or "/" in first or os.path.exists(first)


def _run(argv: list[str], preboot) -> int:
    if _opens_the_console(argv):
        from console.tui.launch import run_tui

        return run_tui(argv)
    # A known command needs its own module only (no other command's imports on its start-up).
    module = COMMANDS.get(argv[0]) if argv else None
    parser = build_parser((module,) if module in COMMAND_MODULES else COMMAND_MODULES)
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
    args.preboot = preboot
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
