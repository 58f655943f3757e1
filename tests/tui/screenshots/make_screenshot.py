"""Regenerate the README screenshot: a real hello-world test run, saved as SVG.

Usage: python tests/tui/screenshots/make_screenshot.py [OUT.svg] [--theme NAME] [--size 120x36] [--blueprint NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path


async def shoot(out: Path, theme: str | None, size: tuple[int, int], blueprint: str | None) -> None:
    from textual.widgets import TextArea

    from console import catalog
    from console.tui import store
    from console.tui.app import LambdaConsoleApp

    code_dir = store.default_function_dir()
    if blueprint:
        code_dir = store.create_from_blueprint(catalog.get_blueprint(blueprint), blueprint)
    app = LambdaConsoleApp(code_dir)
    if theme:
        app.theme = theme
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for area in app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.press("f5")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not app.history or app.main_screen().running):
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        app.save_screenshot(filename=out.name, path=str(out.parent))
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(Path(__file__).with_name("main.svg")))
    parser.add_argument("--theme")
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--blueprint")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    os.environ["LAMBDA_CONSOLE_HOME"] = tempfile.mkdtemp(prefix="lc-shot-")
    asyncio.run(shoot(Path(args.out).resolve(), args.theme, (width, height), args.blueprint))
    return 0


if __name__ == "__main__":
    sys.exit(main())
