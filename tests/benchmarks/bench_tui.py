"""TUI figures: process start to first painted screen, and Test key to painted result (warm).

Run: python tests/benchmarks/bench_tui.py [--runs 5] [--tests 30] [--json]
Baselines measured in the same run: `python -c pass` and a bare Textual app (one Static) started the
same way, so the console's own start-up cost is visible; and engine.invoke alone for the warm test.
Targets (issue 3): first paint <= 0.8 s, Test key to painted result <= 50 ms.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("Test event ready")
Bare().run()
"""


def time_to_screen(argv: list[str], needle: bytes, env: dict[str, str], size=(120, 36), timeout=20.0) -> float:
    """Seconds from spawning argv on a pty until needle appears on its screen output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen += chunk
                if needle in ANSI.sub(b"", seen):
                    return time.perf_counter() - start
        raise RuntimeError(f"{needle!r} never appeared; output tail: {ANSI.sub(b'', seen)[-400:]!r}")
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def start_figures(runs: int) -> dict[str, list[float]]:
    home = tempfile.mkdtemp(prefix="lc-bench-")
    try:
        return _start_figures(runs, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _start_figures(runs: int, home: str) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(LAMBDA_CONSOLE_HOME=home, TERM="xterm-256color")
    script = shutil.which("lambda-console") or str(Path(sys.executable).with_name("lambda-console"))
    figures: dict[str, list[float]] = {"python -c pass": [], "bare Textual app": [], "lambda-console": []}
    # The first start creates the default function in the workspace; measure steady state after it.
    time_to_screen([script], b"Test event", env)
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        figures["python -c pass"].append(time.perf_counter() - start)
        figures["bare Textual app"].append(time_to_screen([sys.executable, "-c", BARE_APP], b"Test event ready", env))
        figures["lambda-console"].append(time_to_screen([script], b"Test event", env))
    return figures


F5 = b"\x1b[15~"
BARE_KEY_APP = """
import uuid
from textual.app import App
from textual.widgets import Static
class Bare(App):
    BINDINGS = [("f5", "test", "Test")]
    def compose(self):
        yield Static("Test event ready", id="s")
    def action_test(self):
        self.query_one("#s").update("Execution result: succeeded - " + uuid.uuid4().hex[:8])
Bare().run()
"""
# The bare app's title ("-" or "─" before the id), or the console's result pane's Request ID row.
RESULT_ID = re.compile(rb"(?:Execution result: succeeded \S{1,3} |Request ID +)([0-9a-f]{8})")


def test_key_figures(tests: int) -> dict[str, list[float]]:
    figures = key_to_result([sys.executable, "-c", BARE_KEY_APP], tests, "bare Textual app: F5 to update")
    figures.update(key_to_result(None, tests, "F5 to painted result (warm)"))
    return figures


def key_to_result(argv: list[str] | None, tests: int, label: str) -> dict[str, list[float]]:
    """Warm hello world in a real pty: F5 written -> a new request id painted in the result title."""
    home = tempfile.mkdtemp(prefix="lc-bench-")
    try:
        return _key_to_result(argv, tests, label, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _key_to_result(argv: list[str] | None, tests: int, label: str, home: str) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(LAMBDA_CONSOLE_HOME=home, TERM="xterm-256color")
    script = shutil.which("lambda-console") or str(Path(sys.executable).with_name("lambda-console"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    proc = subprocess.Popen(argv or [script], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    figures: dict[str, list[float]] = {label: []}
    seen_ids: set[bytes] = set()

    def wait_new_id(start: float, timeout: float = 30.0) -> float:
        buffer = b""
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                continue
            buffer += os.read(master, 65536)
            for match in RESULT_ID.finditer(ANSI.sub(b"", buffer)):
                if match.group(1) not in seen_ids:
                    seen_ids.add(match.group(1))
                    return time.perf_counter() - start
        raise RuntimeError("no new result appeared")

    try:
        time_start = time.perf_counter()
        buffer = b""
        while b"Test event" not in ANSI.sub(b"", buffer):
            if time.perf_counter() - time_start > 20:
                raise RuntimeError("the console did not start")
            if select.select([master], [], [], 0.05)[0]:
                buffer += os.read(master, 65536)
        time.sleep(0.5)
        for i in range(tests + 1):
            while select.select([master], [], [], 0.05)[0]:
                os.read(master, 65536)  # drain the previous run's trailing repaints
            start = time.perf_counter()
            os.write(master, F5)
            elapsed = wait_new_id(start)
            if i:  # the first run is the cold start
                figures[label].append(elapsed)
            time.sleep(0.15)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)

    if argv is not None:
        return figures
    figures["engine.invoke alone (warm)"] = []
    os.environ["LAMBDA_CONSOLE_HOME"] = home
    from console.engine import Engine
    from console.tui import store

    code_dir = store.default_function_dir()
    config = store.to_config(code_dir, store.load_settings(code_dir)[0])
    engine = Engine()
    try:
        engine.invoke(config, store.HELLO_WORLD_EVENT.encode())
        for _ in range(tests):
            start = time.perf_counter()
            engine.invoke(config, store.HELLO_WORLD_EVENT.encode())
            figures["engine.invoke alone (warm)"].append(time.perf_counter() - start)
    finally:
        engine.close()
    return figures


def summarise(figures: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, values in figures.items():
        values = sorted(values)
        out[name] = {
            "median_ms": round(statistics.median(values) * 1000, 1),
            "p90_ms": round(values[min(len(values) - 1, int(len(values) * 0.9))] * 1000, 1),
            "min_ms": round(values[0] * 1000, 1),
            "n": len(values),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="process starts per program")
    parser.add_argument("--tests", type=int, default=30, help="warm Test key presses")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {
        "start to first painted screen": summarise(start_figures(args.runs)),
        "Test key to painted result": summarise(test_key_figures(args.tests)),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for section, rows in results.items():
        print(section)
        for name, row in rows.items():
            print(f"  {name:<30} median {row['median_ms']:>7.1f} ms   p90 {row['p90_ms']:>7.1f} ms   min {row['min_ms']:>7.1f} ms   (n={row['n']})")
    print("targets: first paint <= 800 ms, Test key to painted result <= 50 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
