"""A full disk never tears a destination file; a failed delivery is counted, reported and tried again."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from serve_process import make_function, wait_for

from console.service import appends


def test_an_append_past_rlimit_fsize_leaves_the_file_as_it_was(tmp_path):
    # A real short write: the kernel lets the record through up to the file size limit.
    target = tmp_path / "on-failure.jsonl"
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from console.service.appends import append_all_or_nothing
        path = Path({str(target)!r})
        resource.setrlimit(resource.RLIMIT_FSIZE, (2500, 2500))
        written = failed = 0
        for n in range(6):
            line = ('{{"n": %d, "pad": "%s"}}\\n' % (n, "x" * 1000)).encode()
            try:
                append_all_or_nothing(path, line)
                written += 1
            except OSError as exc:
                failed += 1
        print(written, failed)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    written, failed = map(int, out.stdout.split())
    assert (written, failed) == (2, 4)
    lines = target.read_bytes().split(b"\n")
    assert lines[-1] == b""  # ends on a whole line
    assert [json.loads(line)["n"] for line in lines[:-1]] == [0, 1]
    appends.append_all_or_nothing(target, b'{"n": 6}\n')  # space is back: a line of its own
    assert [json.loads(line)["n"] for line in target.read_text().splitlines()] == [0, 1, 6]


def test_a_file_torn_by_an_older_version_gets_the_next_record_on_a_line_of_its_own(tmp_path):
    target = tmp_path / "on-failure.jsonl"
    target.write_bytes(b'{"n": 0}\n{"n": 1, "pad": "xx')
    appends.append_all_or_nothing(target, b'{"n": 2}\n')
    assert target.read_bytes().splitlines()[-1] == b'{"n": 2}'


class _FullDisk:
    """write(2) on a disk that fills up: half of the first write goes through, then ENOSPC."""

    def __init__(self) -> None:
        self.full = True
        self.failures = 0

    def __call__(self, fd: int, data: bytes) -> int:
        if not self.full:
            return os.write(fd, data)
        if self.failures % 2 == 0 and len(data) > 1:
            self.failures += 1
            return os.write(fd, data[: len(data) // 2])
        self.failures += 1
        raise OSError(errno.ENOSPC, "No space left on device")


FAILER = """
    def lambda_handler(event, context):
        raise ValueError("boom")
"""


@pytest.fixture(scope="module")
def engine():
    from console.engine import Engine

    with Engine() as engine:
        yield engine


def test_a_full_disk_keeps_the_event_queued_counts_the_failure_and_delivers_once_space_returns(
    engine, tmp_path, monkeypatch
):
    from console.service.async_queue import AsyncQueue, read_records
    from console.service.metrics import MetricsRegistry, render_table
    from console.service.registry import load_function_dir

    folder = make_function(tmp_path, "failer", FAILER, {"MaximumRetryAttempts": 0})
    config = load_function_dir(folder)
    disk = _FullDisk()
    monkeypatch.setattr(appends, "_write", disk)
    metrics = MetricsRegistry()
    updates = []
    with AsyncQueue(engine, time_scale=600.0, metrics=metrics) as queue:
        queue.add_listener(updates.append)
        accepted = [queue.submit(config, json.dumps({"n": n}).encode()) for n in range(6)]
        wait_for(lambda: sum(u.kind == "delivery_failed" for u in updates) >= 12, 60, "failed deliveries")
        assert queue.pending() == 6  # every event is still queued, waiting for space
        target = folder / ".lambda-console" / "destinations" / "on-failure.jsonl"
        assert not target.exists() or target.read_bytes() == b""  # nothing torn
        disk.full = False
        assert queue.drain(60)
    ids = [r["requestContext"]["requestId"] for r in read_records(config)]
    assert sorted(ids) == sorted(accepted)  # each exactly once, each whole
    assert all(line.startswith("{") and line.endswith("}") for line in target.read_text().splitlines())
    failed = [u for u in updates if u.kind == "delivery_failed"]
    assert "No space left on device" in failed[0].text and "stays queued" in failed[0].text
    totals = metrics.export("failer")["functions"]["failer"]["totals"]
    assert totals["DestinationDeliveryFailures"] == len(failed)
    assert "DestFail" in render_table(metrics.export())
