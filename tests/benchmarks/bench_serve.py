"""`lambda-console serve` figures: requests/s and p50/p99 latency for warm hello-world, beside a baseline.

Run: python tests/benchmarks/bench_serve.py [--json] [--seconds 5]
Clients: raw HTTP (http.client, one keep-alive connection each) and boto3, 1 and 8 at once, each
client in its own process so the clients do not share a GIL with each other or with the server.
Baseline measured in the same run: a trivial stdlib ThreadingHTTPServer (HTTP/1.1) answering a
constant body, i.e. what the same clients get from an HTTP server that does no work at all.
Target on the 2-core dev machine: >= 1,500 requests/s raw HTTP with 8 clients, p99 <= 20 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """import json
print('Loading function')

def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']
"""
EVENT = b'{"key1": "value1", "key2": "value2", "key3": "value3"}'
PATH = "/2015-03-31/functions/hello/invocations"

BASELINE_SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'"value1"'

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this, headers and body go out in separate segments and delayed ACKs add ~40 ms.
    disable_nagle_algorithm = True
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"Listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _wait_for_go(ready: mp.Queue, stop_at) -> float:
    """Tell the parent this client is warm, then wait for the common start; returns the stop time."""
    ready.put(1)
    while stop_at.value == 0.0:
        time.sleep(0.001)
    return stop_at.value


def _raw_client(url: str, ready: mp.Queue, stop_at, out: mp.Queue) -> None:
    import http.client

    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"Content-Type": "application/json"}
    for _ in range(20):  # warm: connection, execution environment
        conn.request("POST", PATH, body=EVENT, headers=headers)
        conn.getresponse().read()
    latencies = []
    errors = 0
    stop = _wait_for_go(ready, stop_at)
    while time.time() < stop:
        t0 = time.perf_counter()
        conn.request("POST", PATH, body=EVENT, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            errors += 1
    out.put((latencies, errors))


def _boto3_client(url: str, ready: mp.Queue, stop_at, out: mp.Queue) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
        aws_secret_access_key="x", config=Config(retries={"total_max_attempts": 1}),
    )
    for _ in range(20):
        client.invoke(FunctionName="hello", Payload=EVENT)["Payload"].read()
    latencies = []
    errors = 0
    stop = _wait_for_go(ready, stop_at)
    while time.time() < stop:
        t0 = time.perf_counter()
        try:
            client.invoke(FunctionName="hello", Payload=EVENT)["Payload"].read()
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t0) * 1000)
    out.put((latencies, errors))


def run_clients(kind: str, url: str, clients: int, seconds: float) -> dict:
    target = _raw_client if kind == "raw" else _boto3_client
    out: mp.Queue = mp.Queue()
    ready: mp.Queue = mp.Queue()
    stop_at = mp.Value("d", 0.0)
    procs = [mp.Process(target=target, args=(url, ready, stop_at, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    for _ in procs:  # every client imported its library and warmed its connection
        ready.get(timeout=120)
    time.sleep(0.2)
    stop_at.value = time.time() + seconds
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    return {
        "client": kind,
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
    }


def start_process(argv: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{match.group(1)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per row (default 5)")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hello"
        folder.mkdir()
        (folder / "lambda_function.py").write_text(HELLO)
        servers = {
            "baseline (stdlib ThreadingHTTPServer, constant body)": [sys.executable, "-c", BASELINE_SERVER],
            "lambda-console serve": [sys.executable, "-m", "console", "serve", "--port", "0", str(folder)],
        }
        for name, argv in servers.items():
            proc, url = start_process(argv)
            try:
                for kind in ("raw", "boto3"):
                    for clients in (1, 8):
                        row = {"server": name, **run_clients(kind, url, clients, args.seconds)}
                        rows.append(row)
                        if not args.json:
                            print(
                                f"{name:<52} {kind:<6} {clients} client(s): {row['rps']:>8.1f} req/s  "
                                f"p50 {row['p50_ms']:>6.2f} ms  p99 {row['p99_ms']:>6.2f} ms  errors {row['errors']}",
                                flush=True,
                            )
            finally:
                proc.terminate()
                proc.wait(10)
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "seconds": args.seconds, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
