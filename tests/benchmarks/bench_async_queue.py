"""The durable Event queue's memory with thousands of 1 MB events queued, beside a baseline.

Run: python tests/benchmarks/bench_async_queue.py [--events 2000] [--json]
Each measure runs in a fresh process and reports its peak resident memory (ru_maxrss) after
submitting N events of 1 MB each to a queue whose single worker is held, so every event stays queued.
Baseline measured in the same run: a process that builds the same N events one after the other and
drops each (what any front pays just to receive them). Also printed: submit throughput (events/s,
each journalled with fsync before submit returns) and the journal's size on disk.
Target: the queue's peak stays within 100 MB of the baseline however many events are queued.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent("""
    import json, os, resource, sys, threading, time
    from pathlib import Path
    mode, n, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    pad = b"x" * 1_000_000
    started = time.perf_counter()
    if mode == "queue":
        from console.engine.records import InvocationResult, Summary
        from console.service.async_queue import AsyncQueue
        from console.service.registry import load_function_dir
        (folder / "lambda_function.py").write_text("def lambda_handler(e, c):\\n    return 1\\n")
        config = load_function_dir(folder)
        hold = threading.Event()
        def held(config, event, *, cancel=None, on_log=None, request_id=None):
            hold.wait()
            return InvocationResult("Failed", b"", None, "", "", Summary("", None, 0, 0, 128, 0), cancelled=True)
        queue = AsyncQueue(None, workers=1, run=held)
        for i in range(n):
            queue.submit(config, b'{"n": %d, "pad": "' % i + pad + b'"}')
    else:
        kept = 0
        for i in range(n):
            event = b'{"n": %d, "pad": "' % i + pad + b'"}'
            kept += len(event)
    elapsed = time.perf_counter() - started
    journal = folder / ".lambda-console" / "async-queue.sqlite3"
    size = sum(p.stat().st_size for p in journal.parent.glob("async-queue.sqlite3*")) if journal.exists() else 0
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "events_per_s": n / elapsed, "journal_mb": size / 1e6}))
    os._exit(0)
""")


def measure(mode: str, events: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", CHILD, mode, str(events), tmp], capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    baseline = measure("baseline", args.events)
    queue = measure("queue", args.events)
    figures = {"events": args.events, "baseline": baseline, "queue": queue,
               "queue_minus_baseline_mb": queue["peak_rss_mb"] - baseline["peak_rss_mb"]}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.events} events of 1 MB queued (held worker)")
    print(f"  baseline (build and drop each):  peak RSS {baseline['peak_rss_mb']:.0f} MB")
    print(f"  durable queue:                   peak RSS {queue['peak_rss_mb']:.0f} MB "
          f"(+{figures['queue_minus_baseline_mb']:.0f} MB), {queue['events_per_s']:.0f} events/s journalled, "
          f"journal {queue['journal_mb']:.0f} MB on disk")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
