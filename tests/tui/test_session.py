"""The test session without any widget: what F5, Esc, run on save and the invocation types do."""

from __future__ import annotations

import queue
import time

import pytest

from console.service.errors import SYNC_PAYLOAD_LIMIT
from console.service.invoker import Invoker
from console.tui import store
from console.tui.messages import AsyncEventUpdate, InvocationFinished, LiveLogChunk
from console.tui.session import Accepted, DryRunPassed, NotRun, Started, TestSession


class Inbox:
    """What the session posted, as the UI would receive it (in order)."""

    def __init__(self) -> None:
        self.messages: queue.Queue = queue.Queue()

    def post(self, message) -> bool:
        self.messages.put(message)
        return True

    def until(self, kind, timeout: float = 30.0, where=lambda m: True) -> tuple[list, object]:
        """Messages up to and including the first `kind` matching `where`."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            seen.append(message)
            if isinstance(message, kind) and where(message):
                return seen, message


@pytest.fixture
def invoker(engine):
    with Invoker(engine) as inv:
        yield inv


def _session(invoker, name="hello-world"):
    inbox = Inbox()
    return TestSession(name, invoker=lambda: invoker, post=inbox.post), inbox


def _config(code_dir, **changes):
    settings, _ = store.load_settings(code_dir)
    return store.to_config(code_dir, store.updated(settings, **changes))


def test_a_test_streams_its_log_then_finishes_and_is_what_the_panes_describe(default_dir, invoker):
    session, inbox = _session(invoker)
    started = session.test(_config(default_dir), '{"key1": "a", "key2": "b", "key3": "c"}', "hello-world")
    assert isinstance(started, Started) and session.running and session.is_current(started.run_id)
    seen, finished = inbox.until(InvocationFinished)
    assert finished.result.payload == b'"a"' and finished.event_name == "hello-world"
    streamed = "".join(m.text for m in seen if isinstance(m, LiveLogChunk))
    assert "value1 = a" in streamed  # the log arrived before the result
    assert session.finished(started.run_id) is False and not session.running


def test_an_invalid_event_is_not_run_and_nothing_is_invoked(default_dir, invoker):
    session, inbox = _session(invoker)
    outcome = session.test(_config(default_dir), '{"key1": ', "broken")
    assert isinstance(outcome, NotRun) and outcome.what == "event"
    assert "line 1, column 10" in outcome.message
    assert session.latest is None and not session.running and inbox.messages.empty()


def test_an_event_over_lambdas_payload_limit_is_refused_with_lambdas_words(default_dir, invoker):
    session, _ = _session(invoker)
    big = '{"a": "' + "x" * SYNC_PAYLOAD_LIMIT + '"}'
    outcome = session.test(_config(default_dir), big, "big")
    assert isinstance(outcome, NotRun) and outcome.what == "event"
    assert f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes" in outcome.message


def test_a_bad_configuration_is_not_run(default_dir, invoker):
    session, _ = _session(invoker)
    outcome = session.test(_config(default_dir, timeout_s=901), "{}", "e")
    assert isinstance(outcome, NotRun) and outcome.what == "config" and "900" in outcome.message


def test_dry_run_checks_the_handler_and_runs_nothing(default_dir, invoker):
    session, inbox = _session(invoker)
    session.invocation_type = "DryRun"
    assert isinstance(session.test(_config(default_dir), "{}", "e"), DryRunPassed)
    outcome = session.test(_config(default_dir, handler="lambda_function.nope"), "{}", "e")
    assert isinstance(outcome, NotRun) and "Handler 'nope' missing" in outcome.message
    assert inbox.messages.empty()


def test_cancel_stops_the_running_test(default_dir, invoker):
    (default_dir / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n    print('sleeping', flush=True)\n    time.sleep(30)\n"
    )
    session, inbox = _session(invoker)
    started = session.test(_config(default_dir, timeout_s=60), "{}", "e")
    inbox.until(LiveLogChunk, where=lambda m: "sleeping" in m.text)
    assert session.cancel()
    _, finished = inbox.until(InvocationFinished)
    assert finished.result.cancelled
    assert session.finished(started.run_id) is False


def test_a_rerun_asked_for_while_running_is_due_when_the_run_ends(default_dir, invoker):
    session, inbox = _session(invoker)
    assert session.request_rerun() is False  # idle: the caller runs at once instead
    started = session.test(_config(default_dir), "{}", "e")
    assert session.request_rerun() is True
    inbox.until(InvocationFinished)
    assert session.finished(started.run_id) is True
    assert session.finished(started.run_id) is False  # only once


def test_an_event_invocation_is_followed_and_a_newer_test_becomes_current(default_dir, invoker):
    session, inbox = _session(invoker)
    session.invocation_type = "Event"
    accepted = session.test(_config(default_dir), "{}", "e")
    assert isinstance(accepted, Accepted) and session.is_current(accepted.request_id)
    _, attempt = inbox.until(AsyncEventUpdate, where=lambda m: m.update.kind == "attempt")
    assert attempt.update.request_id == accepted.request_id and attempt.update.result is not None
    session.invocation_type = "RequestResponse"
    started = session.test(_config(default_dir), "{}", "e")
    assert session.is_current(started.run_id) and not session.is_current(accepted.request_id)
    inbox.until(InvocationFinished)
    session.close()
