"""The headless paths stay light: the engine and `invoke` never import Textual."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_importing_the_engine_does_not_import_textual_or_rich():
    modules = _modules_after("import console.engine")
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments")}


def test_the_invoke_command_path_does_not_import_textual():
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['invoke', '--blueprint', 'hello-world', '--json']) == 0\n"
    )
    modules = _modules_after(code)
    assert "console.engine.engine" in modules  # it really invoked
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments")}


def test_the_execution_environment_does_not_import_the_console_package():
    from pathlib import Path

    bootstrap = Path(__file__).resolve().parents[1] / "console" / "engine" / "runtime" / "bootstrap.py"
    source = bootstrap.read_text()
    assert "import console" not in source and "from console" not in source


def test_version_imports_no_command_module_and_no_argparse():
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    assert main(['--version']) == 0\n"
        "from console import __version__\n"
        "assert out.getvalue() == f'lambda-console {__version__}\\n'\n"
    )
    modules = _modules_after(code)
    assert "argparse" not in modules
    assert not {m for m in modules if m.startswith("console.") and m != "console.cli"}


def test_a_command_imports_only_the_module_that_registers_it():
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['invoke', '--blueprint', 'hello-world', '--json']) == 0\n"
    )
    modules = _modules_after(code)
    others = {"console.cli.sfn", "console.cli.source", "console.cli.suite", "console.cli.serve", "console.cli.api"}
    assert not modules & others
    assert "console.eventsources.run" not in modules


def test_invoking_a_folder_without_a_template_does_not_import_yaml(tmp_path):
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['invoke', {str(tmp_path)!r}, '--json']) == 0\n"
    )
    modules = _modules_after(code)
    assert "console.engine.engine" in modules
    assert "yaml" not in modules


def test_every_command_is_mapped_to_the_module_that_registers_it():
    import argparse
    import importlib

    from console.cli import COMMAND_MODULES, COMMANDS

    for name in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).register(sub)
        for command in sub.choices:
            assert COMMANDS.get(command) == name, f"add {command!r}: {name!r} to console.cli.COMMANDS"
    assert set(COMMANDS.values()) <= set(COMMAND_MODULES)


# Modules a one-shot `lambda-console invoke` has no use for, each costing its start-up time (issue
# 15): typing (annotations only), uuid and platform (a request id is 16 random bytes), secrets,
# ctypes.util (runs `ldconfig -p`), inotify_simple (a one-shot engine watches no folder), zipfile
# (layer archives only), queue (the zygote's), sqlite3 (the Event queue's), the catalog (blueprints
# and sample events: the event here is given) and the UI's.
NOT_FOR_ONE_SHOT = {
    "typing", "uuid", "platform", "secrets", "ctypes.util", "inotify_simple", "zipfile", "queue", "sqlite3",
    "console.catalog", "datetime", "yaml", "textual", "rich",
}


def test_a_one_shot_invoke_of_a_folder_imports_nothing_it_does_not_need(tmp_path):
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    code = (
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['invoke', {str(tmp_path)!r}, '--event', '{{\"key\": 1}}', '--json']) == 0\n"
    )
    modules = _modules_after(code)
    assert "console.engine.engine" in modules  # it really invoked
    assert not {m for m in modules if m in NOT_FOR_ONE_SHOT or m.split(".")[0] in NOT_FOR_ONE_SHOT}


def test_the_preboot_module_imports_none_of_the_engine():
    modules = _modules_after("import console.engine.preboot")
    assert not {m for m in modules if m.startswith("console.") and m not in ("console.engine", "console.engine.preboot")}
    assert "typing" not in modules and "pathlib" not in modules
