"""`lambda-console test` figures: a regression suite's wall time, beside invoking each event on its own.

Run: python tests/benchmarks/bench_suite.py [--functions 5] [--events 10] [--json]
Workload: N function folders (hello-world's handler), each with M saved events and their expected
answers, run by one `lambda-console test DIR` process (one invoker: one cold start per function,
then warm environments). Baseline measured in the same run: the same events run by one
`lambda-console invoke DIR --event NAME` process each (what a script without the suite would do).
Target: the whole suite well under the time of the per-event baseline, in seconds for 50 events.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """print('Loading function')

def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    return {"echo": event['key1'], "n": len(event)}
"""


def build(root: Path, functions: int, events: int) -> list[Path]:
    folders = []
    for f in range(functions):
        folder = root / f"fn{f}"
        (folder / ".lambda-console" / "events").mkdir(parents=True)
        (folder / "lambda_function.py").write_text(HELLO)
        for e in range(events):
            (folder / ".lambda-console" / "events" / f"event{e}.json").write_text(json.dumps({"key1": f"v{e}"}))
        folders.append(folder)
    return folders


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=5)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        root = Path(tmp)
        folders = build(root, args.functions, args.events)
        recorded = cli("test", str(root), "--update")
        if recorded.returncode != 0:
            print(recorded.stdout, recorded.stderr, file=sys.stderr)
            return 1
        started = time.perf_counter()
        suite = cli("test", str(root), "--json")
        suite_s = time.perf_counter() - started
        report = json.loads(suite.stdout)
        if suite.returncode != 0 or report["passed"] != args.functions * args.events:
            print(suite.stdout, suite.stderr, file=sys.stderr)
            return 1
        durations = sorted(r["durationMs"] for r in report["results"])
        started = time.perf_counter()
        for folder in folders:
            for e in range(args.events):
                if cli("invoke", str(folder), "--event", f"event{e}", "--json").returncode != 0:
                    return 1
        baseline_s = time.perf_counter() - started
    total = args.functions * args.events
    figures = {
        "events": total,
        "suite_wall_s": round(suite_s, 3),
        "suite_per_event_ms": round(suite_s * 1000 / total, 2),
        "invocation_duration_p50_ms": durations[len(durations) // 2],
        "baseline_invoke_per_event_wall_s": round(baseline_s, 3),
        "baseline_per_event_ms": round(baseline_s * 1000 / total, 2),
        "speedup": round(baseline_s / suite_s, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{total} saved events in {args.functions} functions")
        print(f"  lambda-console test (one process, warm reuse): {suite_s:7.2f} s  ({figures['suite_per_event_ms']} ms/event)")
        print(f"  baseline: lambda-console invoke per event:      {baseline_s:7.2f} s  ({figures['baseline_per_event_ms']} ms/event)")
        print(f"  speedup x{figures['speedup']}; invocation Duration p50 {figures['invocation_duration_p50_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
