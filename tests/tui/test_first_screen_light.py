"""The first screen loads only what it shows: other views, the engine, the Event queue's journal,
pygments and the file tree wait until they are used (the console's start-up time, issue 15)."""

from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter: the test process has imported everything already.
FIRST_SCREEN = """
import asyncio, json, sys
from console.tui import store
from console.tui.app import LambdaConsoleApp
import console.tui.screens.main as main

seen = {}
original = main.MainScreen.on_mount

def on_mount(self):
    seen["modules"] = sorted(sys.modules)
    seen["css"] = sorted(str(location[1]) for location in self.app.stylesheet.source)
    original(self)

main.MainScreen.on_mount = on_mount

class NoEngine:
    def close(self):
        pass

async def run():
    app = LambdaConsoleApp(store.default_function_dir(), engine=NoEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(2000):  # up to ~20 s on a loaded machine
            if "modules" in seen:
                break
            await pilot.pause(0.01)

asyncio.run(run())
print(json.dumps(seen))
"""

NOT_ON_THE_FIRST_SCREEN = [
    "console.tui.screens.monitor",  # with textual-plotext
    "textual_plotext",
    "plotext",
    "console.tui.stepfunctions_screen",
    "console.stepfunctions",
    "console.tui.screens.event_sources",
    "console.eventsources",
    "console.tui.screens.tests_view",
    "console.testing",
    "console.tui.screens.config",
    "console.tui.screens.pickers",
    "console.tui.screens.help",
    "console.engine.engine",  # started right after the first paint
    "console.service.async_queue",  # and its sqlite3 journal
    "sqlite3",
    "pygments",  # the result pane's JSON highlighting, warmed after the first paint
    "yaml",
    "console.sam.functions",
]


def _first_screen(home) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "LAMBDA_CONSOLE_HOME": str(home)},
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_first_screen_imports_no_other_view_nor_the_engine(home):
    seen = _first_screen(home)
    modules = set(seen["modules"])
    assert "console.tui.screens.main" in modules  # the probe really ran on the first screen
    loaded = [name for name in NOT_ON_THE_FIRST_SCREEN if any(m == name or m.startswith(name + ".") for m in modules)]
    assert loaded == []


def test_the_first_screen_parses_no_css_of_hidden_or_other_widgets(home):
    css = set(_first_screen(home)["css"])
    assert "Select.DEFAULT_CSS" in css  # the probe saw the first screen's stylesheet
    # Button's (CompactButton on the first screen), the file tree's (mounted on first Alt+F).
    assert not css & {"Button.DEFAULT_CSS", "DirectoryTree.DEFAULT_CSS", "Tree.DEFAULT_CSS"}


START_PATH = """
import sys
from console.tui import launch
calls = []
launch.run_tui = lambda argv: calls.append(argv) or 0
from console.cli import main
for argv in ([], ["--theme", "nord"], [sys.argv[1]]):
    assert main(argv) == 0
assert calls == [[], ["--theme", "nord"], [sys.argv[1]]], calls
print(" ".join(sorted(m for m in sys.modules if m.startswith("console.cli.") or m == "argparse")))
"""


def test_opening_the_console_builds_no_command_parser(tmp_path):
    """`lambda-console`, `lambda-console DIR` and `--theme` go straight to the console: the
    commands' modules (and argparse) are not imported to find out there is no command."""
    out = subprocess.run(
        [sys.executable, "-c", START_PATH, str(tmp_path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []
