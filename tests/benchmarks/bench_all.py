"""Every row of the speed table (issue 15), each beside a baseline measured in the same run, and the ratio.

Run: python tests/benchmarks/bench_all.py [--json] [--quick] [--only cli,tui,serve,engine]
Needs the `bench` extra (pip install -e '.[bench]') for python-lambda-local, the one-shot peer.

Rows (target ratios from issue 15):
- `lambda-console invoke DIR --json` as a whole new process, hello world, against
  `python-lambda-local` on the same function and event (<= 0.3x);
- `lambda-console --version` against `python -c pass` (<= 2x);
- TUI process start to first painted screen against a bare Textual app (<= 1.6x), and F5 to the
  painted warm result against one frame (16 ms median, 25 ms p90), with a bare Textual app's
  key-to-update beside it (bench_tui.py's measurements);
- `serve` with 8 raw HTTP clients against a stdlib server answering a constant body (>= 0.8x)
  (bench_serve.py's clients and baseline);
- warm engine invoke p50 against a pipe round trip (<= 0.1 ms): bench_engine.py, run as its own
  process; its --json keys are all kept in this script's --json object.
The machine is shared and loaded: only a ratio to the same run's baseline means anything, and the
CLI rows interleave the program and its baseline run by run so that load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import bench_serve  # noqa: E402
import bench_tui  # noqa: E402

HELLO = bench_serve.HELLO
EVENT = bench_serve.EVENT


def _script(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def _timed_run(argv: list[str], env: dict[str, str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return elapsed


def cli_figures(runs: int) -> dict[str, float]:
    """Median wall time of whole new processes: the one-shot invoke and --version, with peers."""
    peer = shutil.which("python-lambda-local")
    if peer is None:
        raise SystemExit("python-lambda-local is missing: pip install -e '.[bench]'")
    with tempfile.TemporaryDirectory(prefix="lc-bench-cli-") as tmp:
        folder = Path(tmp) / "hello"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(HELLO)
        event_file = Path(tmp) / "event.json"
        event_file.write_bytes(EVENT)
        env = dict(os.environ, LAMBDA_CONSOLE_HOME=str(Path(tmp) / "home"))
        console = _script("lambda-console")
        ours = [console, "invoke", str(folder), "--event", str(event_file), "--json"]
        theirs = [peer, "-f", "lambda_handler", "-t", "3", str(folder / "lambda_function.py"), str(event_file)]
        version = [console, "--version"]
        bare = [sys.executable, "-c", "pass"]
        # The package as `pip install` leaves it: with its bytecode compiled. An editable install
        # in a shell with PYTHONDONTWRITEBYTECODE=1 never gets any and compiles every module it
        # imports at each start (about 3x the import time); python-lambda-local, a wheel, has its.
        import console

        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(console.__file__).parent)],
                       check=True, stdout=subprocess.DEVNULL)
        # One untimed run each: the first invocation writes the function's state folder.
        for argv in (ours, theirs, version, bare):
            _timed_run(argv, env, tmp)
        times: dict[str, list[float]] = {"ours": [], "theirs": [], "version": [], "bare": []}
        for _ in range(runs):
            times["ours"].append(_timed_run(ours, env, tmp))
            times["theirs"].append(_timed_run(theirs, env, tmp))
            times["version"].append(_timed_run(version, env, tmp))
            times["bare"].append(_timed_run(bare, env, tmp))
        out = subprocess.run(ours, env=env, capture_output=True, check=False)
        result = json.loads(out.stdout)
        if result.get("payload") != "value1":
            raise RuntimeError(f"lambda-console invoke returned {result!r}")
    return {
        "cli_invoke_ms": round(statistics.median(times["ours"]), 1),
        "cli_invoke_peer_ms": round(statistics.median(times["theirs"]), 1),
        "cli_version_ms": round(statistics.median(times["version"]), 1),
        "python_startup_ms": round(statistics.median(times["bare"]), 1),
    }


def tui_figures(runs: int, tests: int) -> dict[str, float]:
    start = bench_tui.summarise(bench_tui.start_figures(runs))
    keys = bench_tui.summarise(bench_tui.test_key_figures(tests))
    return {
        "tui_first_paint_ms": start["lambda-console"]["median_ms"],
        "tui_bare_first_paint_ms": start["bare Textual app"]["median_ms"],
        "tui_f5_p50_ms": keys["F5 to painted result (warm)"]["median_ms"],
        "tui_f5_p90_ms": keys["F5 to painted result (warm)"]["p90_ms"],
        "tui_bare_key_p50_ms": keys["bare Textual app: F5 to update"]["median_ms"],
        "tui_engine_invoke_p50_ms": keys["engine.invoke alone (warm)"]["median_ms"],
    }


def serve_figures(seconds: float) -> dict[str, float]:
    """Requests/s of 8 raw HTTP keep-alive clients (one process each), server and baseline in turn."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="lc-bench-serve-") as tmp:
        folder = Path(tmp) / "hello"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(HELLO)
        servers = {
            "serve_baseline_rps_8": [sys.executable, "-c", bench_serve.BASELINE_SERVER],
            "serve_rps_8": [sys.executable, "-m", "console", "serve", "--port", "0", str(folder)],
        }
        for key, argv in servers.items():
            proc, url = bench_serve.start_process(argv)
            try:
                row = bench_serve.run_clients("raw", url, 8, seconds)
            finally:
                proc.terminate()
                proc.wait(10)
            out[key] = row["rps"]
            out[key.replace("rps", "p99_ms")] = row["p99_ms"]
            out[key.replace("rps", "errors")] = row["errors"]
    return out


def engine_figures(n: int, cold: int, deps: bool) -> dict:
    argv = [sys.executable, str(HERE / "bench_engine.py"), "--json", "--n", str(n), "--cold", str(cold)]
    if not deps:
        argv.append("--no-deps")
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _row(what: str, value: float | None, unit: str, base_name: str, base: float | None, target: str, ratio=None) -> None:
    if value is None:
        return
    if ratio is None and base:
        ratio = value / base
    ratio_text = f"{ratio:6.2f}x" if ratio is not None else "      "
    base_text = f"{base:9.3f} {unit:<5}" if base is not None and base < 10 else (
        f"{base:9.1f} {unit:<5}" if base is not None else " " * 15)
    value_text = f"{value:9.3f}" if value < 10 else f"{value:9.1f}"
    print(f"  {what:<34} {value_text} {unit:<5} | {base_name:<32} {base_text} | {ratio_text}  (target {target})")


def print_table(f: dict) -> None:
    print("lambda-console speed (issue 15), each row beside its same-run baseline")
    print(f"  {'what':<34} {'now':>15} | {'baseline, same run':<48} | ratio")
    _row("invoke DIR --json (new process)", f.get("cli_invoke_ms"), "ms", "python-lambda-local",
         f.get("cli_invoke_peer_ms"), "<= 0.3x")
    _row("lambda-console --version", f.get("cli_version_ms"), "ms", "python -c pass",
         f.get("python_startup_ms"), "<= 2x")
    _row("TUI start to first paint (median)", f.get("tui_first_paint_ms"), "ms", "bare Textual app",
         f.get("tui_bare_first_paint_ms"), "<= 1.6x")
    _row("F5 to painted warm result, p50", f.get("tui_f5_p50_ms"), "ms", "one frame", 16.0, "<= 16 ms")
    _row("F5 to painted warm result, p90", f.get("tui_f5_p90_ms"), "ms", "one frame and a half", 25.0, "<= 25 ms")
    _row("serve, 8 raw HTTP clients", f.get("serve_rps_8"), "req/s", "stdlib server, constant body",
         f.get("serve_baseline_rps_8"), ">= 0.8x")
    _row("warm engine invoke p50", f.get("warm_p50_ms"), "ms", "pipe round trip",
         f.get("baseline_pipe_rtt_ms"), "<= 0.1 ms")
    if "tui_f5_p50_ms" in f:
        print(f"  (F5: a bare Textual app's key-to-update p50 {f['tui_bare_key_p50_ms']} ms; "
              f"engine.invoke alone p50 {f['tui_engine_invoke_p50_ms']} ms)")
    if "serve_rps_8" in f:
        print(f"  (serve p99 {f['serve_p99_ms_8']} ms, errors {f['serve_errors_8']}; "
              f"baseline p99 {f['serve_baseline_p99_ms_8']} ms)")
    if "warm_p50_ms" in f:
        print(f"  (engine: cold start {f['cold_start_ms']} ms, {f['invokes_per_s']} invokes/s, CPU per warm invoke "
              f"{f.get('cpu_per_invoke_engine_us')} us engine + {f.get('cpu_per_invoke_environment_us')} us "
              "environment; bench_engine.py prints the rest)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument("--quick", action="store_true", help="fewer runs (a rough look, not for the record)")
    parser.add_argument("--only", default="cli,tui,serve,engine", help="comma-separated parts to run")
    parser.add_argument("--deps", action="store_true", help="include bench_engine's 20-dependency cold starts")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    quick = args.quick
    figures: dict = {}
    if "cli" in parts:
        figures.update(cli_figures(5 if quick else 15))
    if "tui" in parts:
        figures.update(tui_figures(3 if quick else 7, 10 if quick else 30))
    if "serve" in parts:
        figures.update(serve_figures(2.0 if quick else 5.0))
    if "engine" in parts:
        figures.update(engine_figures(500 if quick else 3000, 5 if quick else 15, args.deps))
    ratios = {
        "cli_invoke_ratio": ("cli_invoke_ms", "cli_invoke_peer_ms"),
        "cli_version_ratio": ("cli_version_ms", "python_startup_ms"),
        "tui_first_paint_ratio": ("tui_first_paint_ms", "tui_bare_first_paint_ms"),
        "serve_ratio_8": ("serve_rps_8", "serve_baseline_rps_8"),
    }
    for key, (a, b) in ratios.items():
        if figures.get(a) is not None and figures.get(b):
            figures[key] = round(figures[a] / figures[b], 3)
    if args.json:
        print(json.dumps(figures))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
