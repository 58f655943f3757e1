"""`lambda-console api` figures: requests/s and p50/p99 latency of a warm REST and HTTP API route,
beside a baseline measured in the same run: the same function invoked directly through the Invoker
(what the HTTP front adds is the difference).

Run: python tests/benchmarks/bench_api.py [--requests 400] [--clients 4]
Clients: http.client, one keep-alive connection each, in threads of this process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TEMPLATE = """
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Rest: {Type: Api, Properties: {Path: "/hello/{name}", Method: get}}
        Http: {Type: HttpApi, Properties: {Path: "/v2/hello/{name}", Method: get}}
"""
APP = """import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"hello": event["pathParameters"]["name"]})}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(call, requests: int, clients: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client() -> None:
        state = {}
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            call(state)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    from console.sam.functions import load_project
    from console.service.http_server import HttpApiServer
    from console.service.invoker import Invoker

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        (root / "src" / "app.py").write_text(APP)
        (root / "template.yaml").write_text(TEMPLATE)
        project = load_project(root / "template.yaml")
        config = project.get("Hello").to_function_config()
        event = json.dumps({"pathParameters": {"name": "bench"}}).encode()
        rows = []
        with Invoker(persist_metrics=False) as invoker:
            invoker.invoke(config, event)  # warm

            def direct(state: dict) -> None:
                invoker.invoke(config, event)

            for clients in (1, args.clients):
                rps, lat = drive(direct, args.requests, clients)
                rows.append(("baseline: Invoker.invoke", clients, rps, lat))
            with HttpApiServer(lambda: project, port=0, invoker=invoker, log=None) as server:
                server.start()
                host, port = server.listeners[0].server.server_address[:2]
                for label, path in (("api: REST route", "/hello/bench"), ("api: HTTP API route", "/v2/hello/bench")):
                    def over_http(state: dict, path: str = path) -> None:
                        conn = state.get("conn") or http.client.HTTPConnection(host, port, timeout=30)
                        state["conn"] = conn
                        conn.request("GET", path)
                        response = conn.getresponse()
                        assert response.status == 200, response.status
                        response.read()

                    over_http({})
                    for clients in (1, args.clients):
                        rps, lat = drive(over_http, args.requests, clients)
                        rows.append((label, clients, rps, lat))
    print(f"{'what':28} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for label, clients, rps, lat in rows:
        print(f"{label:28} {clients:>7} {rps:>8.0f} {statistics.median(lat):>8.2f} {percentile(lat, 0.99):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
