"""Engine figures: warm and cold invoke latency, throughput and environment memory, beside baselines.

Run: python tests/benchmarks/bench_engine.py [--json] [--n 3000]
Baselines measured in the same run: a raw pipe round trip between two Python processes (the floor
for any out-of-process runtime), a fresh `python -c` process per invoke (the naive design), and
the same warm invokes on an engine that does not freeze idle environments (what SIGSTOP/SIGCONT of
the environment's process tree costs), timed in alternating rounds so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from console.engine import Engine, FunctionConfig
from console.engine.environment import _rss_kb
from console.engine.freezer import FREEZE_AFTER_S

HELLO = """import json
print('Loading function')

def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']
"""
EVENT = b'{"key1": "value1", "key2": "value2", "key3": "value3"}'

PIPE_PEER = r"""
import os, sys
r, w = int(sys.argv[1]), int(sys.argv[2])
while True:
    data = os.read(r, 65536)
    if not data:
        break
    os.write(w, data)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def baseline_pipe_rtt_ms(n: int) -> float:
    to_peer_r, to_peer_w = os.pipe()
    from_peer_r, from_peer_w = os.pipe()
    peer = subprocess.Popen(
        [sys.executable, "-c", PIPE_PEER, str(to_peer_r), str(from_peer_w)],
        pass_fds=(to_peer_r, from_peer_w),
    )
    os.close(to_peer_r)
    os.close(from_peer_w)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        os.write(to_peer_w, EVENT)
        os.read(from_peer_r, 65536)
        times.append((time.perf_counter() - t) * 1000)
    os.close(to_peer_w)
    peer.wait()
    os.close(from_peer_r)
    return statistics.median(times)


def baseline_process_per_invoke_ms(folder: Path, n: int) -> float:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import lambda_function as m; "
        "print(json.dumps(m.lambda_handler(json.loads(sys.argv[2]), None)))"
    )
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(folder), EVENT.decode()], capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def warm_rounds(folder: Path, n: int, gap_s: float = 0.0, rounds: int = 6) -> tuple[list[float], list[float]]:
    """Warm invoke times with and without freezing idle environments, in alternating rounds;
    with gap_s past FREEZE_AFTER_S every invoke finds its environment frozen and thaws it."""
    frozen: list[float] = []
    unfrozen: list[float] = []
    config = FunctionConfig(code_dir=folder, function_name="freeze-compare")
    with Engine(freeze_idle=True) as on, Engine(freeze_idle=False) as off:
        for engine in (on, off):
            for _ in range(100):
                engine.invoke(config, EVENT)
        for _ in range(rounds):
            for engine, times in ((on, frozen), (off, unfrozen)):
                for _ in range(max(1, n // rounds)):
                    if gap_s:
                        time.sleep(gap_s)
                    t = time.perf_counter()
                    engine.invoke(config, EVENT)
                    times.append((time.perf_counter() - t) * 1000)
    return frozen, unfrozen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--n", type=int, default=3000, help="warm invocations to time")
    parser.add_argument("--cold", type=int, default=15, help="cold starts to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Engine() as engine:
        folder = Path(tmp) / "hello"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(HELLO)
        config = FunctionConfig(code_dir=folder)
        assert engine.invoke(config, EVENT).payload == b'"value1"'

        for _ in range(200):
            engine.invoke(config, EVENT)
        warm = []
        for _ in range(args.n):
            t = time.perf_counter()
            engine.invoke(config, EVENT)
            warm.append((time.perf_counter() - t) * 1000)

        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < 2.0:
            engine.invoke(config, EVENT)
            count += 1
        per_s = count / (time.perf_counter() - start)

        env = next(iter(engine._all))
        env_rss_mb = _rss_kb(env.runtime_pid or env.pid) / 1024

        cold = []
        for i in range(args.cold):
            (folder / "lambda_function.py").write_text(HELLO + f"\n# edit {i}\n")
            engine.code_changed(folder)  # as the editor says so (a slow scan is otherwise rate-limited)
            t = time.perf_counter()
            r = engine.invoke(config, EVENT)
            cold.append((time.perf_counter() - t) * 1000)
            assert r.cold_start

        frozen, unfrozen = warm_rounds(folder, min(args.n, 3000))
        thawed, idle_unfrozen = warm_rounds(folder, 120, gap_s=FREEZE_AFTER_S + 0.03)
        figures = {
            "warm_frozen_p50_ms": round(statistics.median(frozen), 3),
            "warm_unfrozen_p50_ms": round(statistics.median(unfrozen), 3),
            "warm_after_idle_thawed_p50_ms": round(statistics.median(thawed), 3),
            "warm_after_idle_unfrozen_p50_ms": round(statistics.median(idle_unfrozen), 3),
            "warm_p50_ms": round(statistics.median(warm), 3),
            "warm_p99_ms": round(percentile(warm, 0.99), 3),
            "cold_start_ms": round(statistics.median(cold), 2),
            "invokes_per_s": round(per_s),
            "env_rss_mb": round(env_rss_mb, 1),
            "baseline_pipe_rtt_ms": round(baseline_pipe_rtt_ms(2000), 3),
            "baseline_process_per_invoke_ms": round(baseline_process_per_invoke_ms(folder, 15), 2),
        }

    if args.json:
        print(json.dumps(figures))
        return
    print("lambda-console engine, warm hello-world (3 prints, returns key1)")
    print(f"  warm invoke p50           {figures['warm_p50_ms']:8.3f} ms   (target <= 0.2 ms)")
    print(f"  warm invoke p99           {figures['warm_p99_ms']:8.3f} ms")
    print(f"  sequential invokes/s      {figures['invokes_per_s']:8d}      (target >= 3000)")
    print(f"  cold start (new code)     {figures['cold_start_ms']:8.2f} ms   (target <= 40 ms)")
    print(f"  environment RSS           {figures['env_rss_mb']:8.1f} MB")
    print(f"  warm p50, freezing idle   {figures['warm_frozen_p50_ms']:8.3f} ms   (back to back, alternating rounds)")
    print(f"  warm p50 after idle, thawed {figures['warm_after_idle_thawed_p50_ms']:6.3f} ms   (each invoke finds it frozen)")
    print("baselines, same run")
    print(f"  warm p50, no freezing     {figures['warm_unfrozen_p50_ms']:8.3f} ms   (back to back, alternating rounds)")
    print(f"  warm p50 after idle, never frozen {figures['warm_after_idle_unfrozen_p50_ms']:.3f} ms")
    print(f"  pipe round trip           {figures['baseline_pipe_rtt_ms']:8.3f} ms")
    print(f"  python -c per invoke      {figures['baseline_process_per_invoke_ms']:8.2f} ms")


if __name__ == "__main__":
    main()
