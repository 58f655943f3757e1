"""`serve` stopping with one Event invocation still waiting for its retry says so in the singular."""

from __future__ import annotations

import signal

from serve_process import Serve, journal_count, make_function, wait_for

FAILING = """
def lambda_handler(event, context):
    raise ValueError("retry me")
"""


def test_one_event_left_queued_is_reported_in_the_singular(tmp_path):
    folder = make_function(tmp_path, "failing", FAILING)
    server = Serve(folder, time_scale=1.0)  # the first retry waits a real minute
    try:
        server.invoke_event("failing", {"n": 1})
        wait_for(lambda: (folder / ".lambda-console" / "logs" / "async.log").exists(), 60, "the first attempt")
    finally:
        out, err = server.stop(signal.SIGTERM)
    assert server.proc.returncode == 0, err
    assert journal_count(folder) == 1
    assert "1 Event invocation remains queued; it runs on the next start" in out
