"""TUI figure: Esc during a print flood to the run ended (the result in the panes).

Run: python tests/benchmarks/bench_tui_cancel.py [--runs 5] [--json]
Baseline measured in the same run: the engine alone, cancelled at the same point of the same flood
(engine.invoke with its cancel event set once output flows), so the console's own cost is visible.
The pilot tests only check that Esc ends the run long before its timeout; this says how fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

FLOOD = "def lambda_handler(event, context):\n    while True:\n        print('x' * 99)\n"


def _engine_cancel(code_dir: Path) -> float:
    from console.engine import Engine, FunctionConfig

    flowing = threading.Event()
    cancel = threading.Event()
    with Engine() as engine:
        config = FunctionConfig(code_dir, timeout_s=60)
        result: list = []

        def run() -> None:
            result.append(engine.invoke(config, b"{}", cancel=cancel, on_log=lambda _text: flowing.set()))

        worker = threading.Thread(target=run)
        worker.start()
        flowing.wait(30)
        time.sleep(0.5)  # the flood is under way, as when a user reaches for Esc
        started = time.perf_counter()
        cancel.set()
        worker.join(60)
        return time.perf_counter() - started


async def _console_cancel(code_dir: Path) -> float:
    from console.tui import store
    from console.tui.app import LambdaConsoleApp

    settings, _ = store.load_settings(code_dir)
    store.save_settings(code_dir, store.updated(settings, timeout_s=60))
    app = LambdaConsoleApp(code_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main_screen()
        await pilot.press("f5")
        deadline = time.monotonic() + 30
        while "x" * 60 not in screen.log_pane.log_text and time.monotonic() < deadline:
            await pilot.pause(0.02)
        await asyncio.sleep(0.5)  # the flood is under way
        started = time.perf_counter()
        await pilot.press("escape")
        while (screen.running or not app.history) and time.monotonic() < deadline + 30:
            await pilot.pause(0.005)
        elapsed = time.perf_counter() - started
        await pilot.press("ctrl+q")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"engine alone (baseline)": [], "console: Esc to result shown": []}
    with tempfile.TemporaryDirectory() as home:
        os.environ["LAMBDA_CONSOLE_HOME"] = home
        from console.tui import store

        code_dir = store.default_function_dir()
        (code_dir / "lambda_function.py").write_text(FLOOD)
        for _ in range(args.runs):
            figures["engine alone (baseline)"].append(_engine_cancel(code_dir))
            figures["console: Esc to result shown"].append(asyncio.run(_console_cancel(code_dir)))
    summary = {
        name: {"median_ms": round(statistics.median(v) * 1000, 1), "max_ms": round(max(v) * 1000, 1), "n": len(v)}
        for name, v in figures.items()
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for name, row in summary.items():
            print(f"{name:<32} median {row['median_ms']:>7.1f} ms   max {row['max_ms']:>7.1f} ms   (n={row['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
