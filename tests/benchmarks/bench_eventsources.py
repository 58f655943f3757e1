"""Event source figures: a day of Kinesis retries and a large SQS queue on the virtual clock, beside baselines.

Run: python tests/benchmarks/bench_eventsources.py [--json]
Baseline measured in the same run: the same number of invocations made directly through the
Invoker with no simulator around them, so the figures show what the simulation itself costs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
import time
from pathlib import Path

from console import workspace
from console.eventsources.clock import VirtualClock
from console.eventsources.run import Inputs, Run, build, simulate
from console.service.invoker import Invoker
from console.service.metrics import MetricsRegistry

POISON = """
    import base64, json
    def lambda_handler(event, context):
        for r in event["Records"]:
            if json.loads(base64.b64decode(r["kinesis"]["data"])).get("poison"):
                raise ValueError("poison")
"""
SQS_OK = """
    def lambda_handler(event, context):
        return {"batchItemFailures": []}
"""


def _function(root: Path, name: str, code: str):
    folder = root / name
    folder.mkdir()
    (folder / "lambda_function.py").write_text(textwrap.dedent(code))
    return workspace.function_config(folder)


def _run(invoker: Invoker, kind: str, config, records: list, mapping: dict, queue: dict | None = None):
    run = Run(kind, config, invoker, VirtualClock(), max_invocations=100_000)
    text = "".join(json.dumps(r) + "\n" for r in records)
    source = build(kind, run, Inputs(text, mapping, queue))
    started = time.perf_counter()
    report = simulate(run, source)
    return report, time.perf_counter() - started


def _direct(invoker: Invoker, config, event: bytes, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        invoker.invoke(config, event, "RequestResponse")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp, Invoker(metrics=MetricsRegistry()) as invoker:
        root = Path(tmp)
        kinesis = _function(root, "poison", POISON)
        invoker.invoke(kinesis, b'{"Records": []}', "RequestResponse")  # cold start outside the timings
        records = [{"n": i, "poison": i == 1} for i in range(100)]
        report, real = _run(invoker, "kinesis", kinesis, records, {"BatchSize": 100})
        event = report.invocations[-1].event
        direct = _direct(invoker, kinesis, event, len(report.invocations))
        figures["kinesis_24h_retry_until_expiry"] = {
            "virtual_hours": round(report.end_time / 3600, 2),
            "invocations": len(report.invocations),
            "real_s": round(real, 3),
            "baseline_direct_invocations_s": round(direct, 3),
        }
        sqs = _function(root, "consumer", SQS_OK)
        invoker.invoke(sqs, b'{"Records": []}', "RequestResponse")
        messages = [f"message {i}" for i in range(10_000)]
        report, real = _run(invoker, "sqs", sqs, messages,
                            {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 1,
                             "FunctionResponseTypes": ["ReportBatchItemFailures"]})
        event = report.invocations[0].event
        direct = _direct(invoker, sqs, event, len(report.invocations))
        figures["sqs_10000_messages_batch_100"] = {
            "invocations": len(report.invocations),
            "processed": len(report.processed),
            "real_s": round(real, 3),
            "baseline_direct_invocations_s": round(direct, 3),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name, values in figures.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))


if __name__ == "__main__":
    main()
