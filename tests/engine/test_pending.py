"""Engine.start: a warm invocation handed to its environment without waiting, finished by poll()
when its channel is readable (an event loop's way) or by wait(); the same record as invoke()."""

from __future__ import annotations

import selectors
import time


def _poll_until_done(pending, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(pending, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            selector.select(1.0)
            result = pending.poll()
            if result is not None or pending.stalled:
                return result
    raise AssertionError("the pending invocation never finished")


def test_start_needs_a_warm_environment_and_never_cold_starts(engine, make_function):
    config = make_function("def lambda_handler(event, context):\n    return event\n")
    assert engine.start(config, b'{"a": 1}') is None
    assert engine.invoke(config, b"{}").cold_start
    assert engine.start(config, b'{"a": 1}') is not None


def test_a_polled_invocation_gives_the_record_invoke_gives_and_reuses_the_environment(engine, make_function):
    config = make_function("""
        def lambda_handler(event, context):
            print("got", event["a"])
            return {"a": event["a"], "id": context.aws_request_id}
    """)
    engine.invoke(config, b"{}")
    pending = engine.start(config, b'{"a": 7}')
    result = _poll_until_done(pending)
    assert result is not None and result.succeeded and not result.cold_start
    assert result.payload == ('{"a": 7, "id": "%s"}' % pending.request_id).encode()
    assert "got 7" in result.log and f"REPORT RequestId: {pending.request_id}" in result.log
    assert pending.poll() is result and pending.wait() is result  # ended once
    again = engine.invoke(config, b'{"a": 8}')
    assert not again.cold_start  # the environment went back to the pool


def test_a_runtime_that_exits_stalls_polling_and_wait_says_why(engine, make_function):
    config = make_function("""
        import os
        def lambda_handler(event, context):
            if event.get("die"):
                os._exit(3)
            return 1
    """)
    engine.invoke(config, b"{}")
    pending = engine.start(config, b'{"die": true}')
    assert _poll_until_done(pending) is None and pending.stalled
    result = pending.wait()
    assert result.function_error == "Unhandled" and b"Runtime.ExitError" in result.payload
    assert b"exit status 3" in result.payload
    assert engine.invoke(config, b"{}").cold_start  # the dead environment was not pooled


def test_a_slow_invocation_is_finished_by_wait(engine, make_function):
    config = make_function("""
        import time
        def lambda_handler(event, context):
            time.sleep(event.get("sleep", 0))
            return "done"
    """)
    engine.invoke(config, b"{}")
    pending = engine.start(config, b'{"sleep": 0.2}')
    assert pending.poll() is None and not pending.stalled  # not answered yet, still running
    result = pending.wait()
    assert result.payload == b'"done"' and result.summary.duration_ms >= 200
