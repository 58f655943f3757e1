"""Accepted Event invocations survive SIGTERM and kill -9 of `serve`: each is run, retried or recorded exactly once."""

from __future__ import annotations

import random
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest
from serve_process import Serve, journal_count, make_function, records, wait_for

FLAKY = """
    def lambda_handler(event, context):
        if event.get("fail"):
            raise ValueError("asked to fail")
        return {"ok": event.get("n")}
"""
# Every accepted event ends in exactly one record: on-success or on-failure.
BOTH_DESTINATIONS = {"MaximumRetryAttempts": 2,
                     "DestinationConfig": {"OnSuccess": {"Destination": "local"}, "OnFailure": {"Destination": "local"}}}


def _outcomes(folder: Path) -> Counter:
    return Counter(r["requestContext"]["requestId"] for which in ("on-success", "on-failure")
                   for r in records(folder, which))


def test_sigterm_keeps_queued_events_says_how_many_and_the_next_serve_finishes_each_once(tmp_path):
    folder = make_function(tmp_path, "flaky", FLAKY, BOTH_DESTINATIONS)
    first = Serve(folder, time_scale=30.0)  # retries 2 s and 4 s after a failure
    try:
        accepted = [first.invoke_event("flaky", {"n": n, "fail": n % 2 == 0}) for n in range(20)]
    finally:
        out, err = first.stop(signal.SIGTERM)
    assert first.proc.returncode == 0, err
    left = journal_count(folder)
    assert left >= 10  # the failing events cannot have finished their three attempts yet
    assert f"{left} Event invocations remain queued" in out

    second = Serve(folder, time_scale=30.0)
    try:
        wait_for(lambda: set(_outcomes(folder)) >= set(accepted), 120, "every accepted event's record")
    finally:
        out, _ = second.stop(signal.SIGTERM)
    assert f"Resumed {left} Event invocation" in out
    assert "remain queued" not in out
    outcomes = _outcomes(folder)
    assert all(outcomes[r] == 1 for r in accepted), outcomes
    failures = {r["requestContext"]["requestId"]: r for r in records(folder, "on-failure")}
    assert len(failures) == 10
    assert {r["requestContext"]["approximateInvokeCount"] for r in failures.values()} == {3}
    assert journal_count(folder) == 0


@pytest.mark.parametrize("trial", range(3))
def test_kill_9_under_load_loses_no_accepted_event_and_duplicates_no_record(tmp_path, trial):
    folder = make_function(tmp_path, "flaky", FLAKY, BOTH_DESTINATIONS)
    rng = random.Random(trial)
    kill_after = rng.randint(5, 40)
    server = Serve(folder, time_scale=60.0)
    accepted: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(offset: int) -> None:
        n = offset
        while not stop.is_set():
            try:
                request_id = server.invoke_event("flaky", {"n": n, "fail": rng.random() < 0.5})
            except Exception:  # the server died mid-request: that event was never accepted
                return
            with lock:
                accepted.append(request_id)
            n += 2

    clients = [threading.Thread(target=client, args=(i,)) for i in range(2)]
    for t in clients:
        t.start()
    try:
        wait_for(lambda: len(accepted) >= kill_after, 60, f"{kill_after} accepted events")
    finally:
        server.stop(signal.SIGKILL)  # kill -9: nothing is flushed, nothing is said
        stop.set()
        for t in clients:
            t.join(30)
    with lock:
        accepted_now = list(accepted)

    restarted = Serve(folder, time_scale=60.0)
    try:
        wait_for(lambda: set(_outcomes(folder)) >= set(accepted_now), 120, "every accepted event's record")
        wait_for(lambda: journal_count(folder) == 0, 60, "an empty journal")
    finally:
        restarted.stop(signal.SIGTERM)
    outcomes = _outcomes(folder)
    lost = [r for r in accepted_now if r not in outcomes]
    duplicated = [r for r, n in outcomes.items() if n > 1]
    # The battery's figures (pytest -s shows them).
    print(f"\nkill -9 trial {trial}: {len(accepted_now)} accepted, {len(accepted_now) - len(lost)} held, "
          f"{len(lost)} lost, {len(duplicated)} duplicated")
    assert (lost, duplicated) == ([], [])


# In-process: the journal's rules, without a server.

@pytest.fixture(scope="module")
def shared_engine():
    from console.engine import Engine

    with Engine() as engine:
        yield engine


def _failer_config(tmp_path: Path, async_config: dict | None = None):
    from console.service.registry import load_function_dir

    folder = make_function(tmp_path, "failer", """
        def lambda_handler(event, context):
            raise ValueError("boom")
    """, async_config)
    return load_function_dir(folder)


def _orphan(config, request_id: str, *, age_s: float, owner: str | None) -> None:
    """A journal row as a front that died `age_s` seconds after accepting it would leave it."""
    import json
    import time

    from console.service.async_queue import EventInvokeConfig, function_state_dir
    from console.service.journal import JOURNAL_FILE, Journal

    journal = Journal(function_state_dir(config) / JOURNAL_FILE, owner or "999999999.1:dead")
    settings = EventInvokeConfig.load(config.code_dir).to_json()
    journal.add(request_id, config.function_name, json.dumps({"id": request_id}).encode(), time.time() - age_s, settings)
    if owner is None:
        journal.release()
    journal.close()


def test_a_resumed_event_keeps_its_original_time_so_maximum_event_age_holds_across_restarts(shared_engine, tmp_path):
    from console.service.async_queue import AsyncQueue, read_records

    config = _failer_config(tmp_path, {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0})
    _orphan(config, "too-old", age_s=120, owner=None)  # accepted two minutes before the crash
    _orphan(config, "fresh", age_s=1, owner="999999999.1:killed")  # its front was killed
    with AsyncQueue(shared_engine) as queue:
        assert queue.resume([config]) == 2
        assert queue.drain(60)
    conditions = {r["requestContext"]["requestId"]: r["requestContext"] for r in read_records(config)}
    assert conditions["too-old"]["condition"] == "EventAgeExceeded"
    assert conditions["too-old"]["approximateInvokeCount"] == 0
    assert conditions["fresh"]["condition"] == "RetriesExhausted"
    assert conditions["fresh"]["approximateInvokeCount"] == 1


def test_events_a_live_queue_runs_are_not_taken_over_by_another(shared_engine, tmp_path):
    import os

    from console.service.async_queue import AsyncQueue
    from console.service.journal import Journal

    config = _failer_config(tmp_path)
    alive = Journal.new_owner()  # this very process: alive
    assert alive.startswith(f"{os.getpid()}")
    _orphan(config, "owned", age_s=1, owner=alive)
    with AsyncQueue(shared_engine) as queue:
        assert queue.resume([config]) == 0
        assert queue.pending() == 0


def test_a_record_appended_just_before_a_crash_is_not_appended_again(shared_engine, tmp_path):
    import json

    from console.service.async_queue import AsyncQueue, function_state_dir, read_records
    from console.service.journal import JOURNAL_FILE, Journal

    config = _failer_config(tmp_path)
    _orphan(config, "decided", age_s=1, owner="999999999.1:dead")
    journal = Journal(function_state_dir(config) / JOURNAL_FILE, "999999999.1:dead")
    record = {"requestContext": {"requestId": "decided", "condition": "RetriesExhausted"}}
    line = (json.dumps(record) + "\n").encode()
    journal.decide(1, "destinations/on-failure.jsonl", line)
    journal.close()
    target = function_state_dir(config) / "destinations" / "on-failure.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes(line)  # the append happened; the kill came before the journal's delete
    with AsyncQueue(shared_engine) as queue:
        assert queue.resume([config]) == 1
        assert queue.drain(30)
    assert [r["requestContext"]["requestId"] for r in read_records(config)] == ["decided"]


def test_thousands_of_megabyte_events_wait_on_disk_not_in_memory(tmp_path):
    import tracemalloc

    from console.engine.records import InvocationResult, Summary
    from console.service.async_queue import AsyncQueue

    config = _failer_config(tmp_path)
    release = threading.Event()

    def blocked(config, event, *, cancel=None, on_log=None, request_id=None):
        release.wait(60)
        return InvocationResult("Failed", b"", None, request_id or "", "", Summary("", None, 0, 0, 128, 0),
                                cancelled=True)

    queue = AsyncQueue(None, workers=1, run=blocked)  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(200):
            queue.submit(config, b'{"n": %d, "pad": "' % n + b"x" * 1_000_000 + b'"}')
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        release.set()
        remaining = queue.close(timeout=5)
    assert remaining == 200  # all of them, the one cut short by the close included
    assert held < 5_000_000, f"{held} bytes held for 200 MB of queued events"


def test_a_journal_that_is_not_a_database_is_kept_aside_and_a_new_one_accepts_events(shared_engine, tmp_path):
    from console.service.async_queue import AsyncQueue, function_state_dir, read_records
    from console.service.journal import JOURNAL_FILE

    config = _failer_config(tmp_path, {"MaximumRetryAttempts": 0})
    journal = function_state_dir(config) / JOURNAL_FILE
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"\x00garbage, not SQLite" * 100)
    updates = []
    with AsyncQueue(shared_engine) as queue:
        queue.add_listener(updates.append)
        request_id = queue.submit(config, b"{}")
        assert queue.drain(60)
    assert [r["requestContext"]["requestId"] for r in read_records(config)] == [request_id]
    [aside] = journal.parent.glob(f"{JOURNAL_FILE}.corrupt-*")
    assert aside.read_bytes().startswith(b"\x00garbage")
    assert any(u.kind == "warning" and "not a database" in u.text for u in updates)
