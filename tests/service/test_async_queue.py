"""Event invocations: Lambda's retries, the event age limit, destination records and live updates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from console.service.async_queue import AsyncQueue, EventInvokeConfig, journalled_events, read_records
from console.service.errors import InvalidParameterValue
from console.service.invocation_types import invoke
from console.service.metrics import MetricsRegistry
from console.service.registry import load_function_dir

SCALE = 600.0  # a minute passes in 100 ms: quick, yet far from the event age limit


def _queue(engine, **kwargs) -> AsyncQueue:
    kwargs.setdefault("time_scale", SCALE)
    return AsyncQueue(engine, **kwargs)


def _set_async_config(folder: Path, data: dict) -> None:
    state = folder / ".lambda-console"
    state.mkdir(exist_ok=True)
    (state / "event-invoke-config.json").write_text(json.dumps(data))


def test_a_failing_event_is_tried_three_times_then_recorded_as_retries_exhausted(shared_engine, function_dirs):
    config = load_function_dir(function_dirs["failer"])
    metrics = MetricsRegistry()
    updates = []
    with _queue(shared_engine, metrics=metrics) as queue:
        queue.add_listener(updates.append)
        outcome = invoke(shared_engine, config, b'{"order": 7}', "Event", async_queue=queue)
        assert outcome.status_code == 202 and outcome.result is None
        assert queue.drain(60)

    [record] = read_records(config, "on-failure")
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"]
    assert record["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
    assert record["requestContext"] == {
        "requestId": outcome.request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:failer:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"

    log = (function_dirs["failer"] / ".lambda-console" / "logs" / "async.log").read_text()
    # Every attempt is its own invocation; Lambda keeps the event's request id across retries.
    assert log.count(f"START RequestId: {outcome.request_id} Version: $LATEST") == 3
    assert log.count(f"END RequestId: {outcome.request_id}") == 3
    assert log.count(f"REPORT RequestId: {outcome.request_id}\t") == 3
    assert log.count("about to fail") == 3

    kinds = [u.kind for u in updates]
    assert kinds[0] == "queued" and kinds[-1] == "destination"
    assert [u.attempt for u in updates if u.kind == "attempt"] == [1, 2, 3]
    assert kinds.count("retry") == 2
    assert any(u.kind == "log" and "about to fail" in u.text for u in updates)

    totals = metrics.export("failer")["functions"]["failer"]["totals"]
    assert (totals["Invocations"], totals["Errors"], totals["AsyncRetries"]) == (3, 3, 2)
    assert (totals["AsyncEventsReceived"], totals["AsyncEventsDropped"]) == (1, 1)


def test_maximum_retry_attempts_zero_means_one_attempt(shared_engine, function_dirs):
    _set_async_config(function_dirs["failer"], {"MaximumRetryAttempts": 0})
    config = load_function_dir(function_dirs["failer"])
    with _queue(shared_engine) as queue:
        queue.submit(config, b"{}")
        assert queue.drain(60)
    [record] = read_records(config, "on-failure")
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["condition"] == "RetriesExhausted"


def test_an_event_older_than_maximum_event_age_is_dropped_as_event_age_exceeded(shared_engine, function_dirs):
    # The first retry comes a (scaled) minute after the first attempt: past a 60 s maximum age.
    _set_async_config(function_dirs["failer"], {"MaximumEventAgeInSeconds": 60})
    config = load_function_dir(function_dirs["failer"])
    # At this scale the 60 s limit is a real second: the first attempt starts well within it on
    # a loaded machine, and the retry a (scaled) minute later is past it.
    with _queue(shared_engine, time_scale=60.0) as queue:
        queue.submit(config, b"{}")
        assert queue.drain(60)
    [record] = read_records(config, "on-failure")
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_a_successful_event_goes_to_the_on_success_destination_when_configured(shared_engine, function_dirs):
    _set_async_config(function_dirs["hello"], {"DestinationConfig": {"OnSuccess": {"Destination": "local"}}})
    config = load_function_dir(function_dirs["hello"])
    with _queue(shared_engine) as queue:
        request_id = queue.submit(config, b'{"k": 1}')
        assert queue.drain(60)
    [record] = read_records(config, "on-success")
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"]["event"] == {"k": 1}
    assert read_records(config, "on-failure") == []


def test_a_successful_event_without_on_success_writes_no_record(shared_engine, function_dirs):
    config = load_function_dir(function_dirs["hello"])
    with _queue(shared_engine) as queue:
        queue.submit(config, b"{}")
        assert queue.drain(60)
    assert read_records(config, "on-success") == []
    assert "hello log line" in (function_dirs["hello"] / ".lambda-console" / "logs" / "async.log").read_text()


@pytest.mark.parametrize("data", [{"MaximumRetryAttempts": 3}, {"MaximumEventAgeInSeconds": 59}, {"MaximumEventAgeInSeconds": 21601}])
def test_async_settings_outside_lambdas_ranges_are_refused(data):
    with pytest.raises(InvalidParameterValue):
        EventInvokeConfig.from_api(data)


def test_the_delays_follow_the_time_scale(shared_engine, function_dirs):
    config = load_function_dir(function_dirs["failer"])
    updates = []
    with _queue(shared_engine, time_scale=600.0) as queue:
        queue.add_listener(updates.append)
        queue.submit(config, b"{}")
        assert queue.drain(60)
    retries = [u.text for u in updates if u.kind == "retry"]
    assert retries == ["Function error; retrying in 0.1 s (attempt 2)", "Function error; retrying in 0.2 s (attempt 3)"]


def test_closing_the_queue_keeps_its_events_for_the_next_queue_that_resumes_the_function(shared_engine, function_dirs):
    config = load_function_dir(function_dirs["failer"])
    queue = AsyncQueue(shared_engine, time_scale=60.0)  # the first retry is due a second later
    updates = []
    queue.add_listener(updates.append)
    request_id = queue.submit(config, b'{"kept": true}')
    for _ in range(3000):
        if any(u.kind == "retry" for u in updates):
            break
        threading_wait(0.01)
    assert queue.queued() == 1
    assert queue.close() == 1  # one event remains queued, in the journal
    assert journalled_events([config]) == 1  # what a front can say at start, before any queue runs
    assert queue.pending() == 0
    assert not any(u.kind == "dropped" for u in updates)
    assert read_records(config, "on-failure") == []
    with pytest.raises(RuntimeError):
        queue.submit(config, b"{}")

    later = []
    with _queue(shared_engine, time_scale=60.0) as resumed:
        resumed.add_listener(later.append)
        assert resumed.resume([config]) == 1
        assert resumed.drain(60)
    # The attempt made before the close counts: two more, then the record, as without the close.
    assert [u.attempt for u in later if u.kind == "attempt"] == [2, 3]
    [record] = read_records(config, "on-failure")
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"kept": True}


def test_the_server_runs_event_invocations_through_the_queue(client, server, function_dirs):
    response = client.invoke(FunctionName="failer", InvocationType="Event", Payload=b'{"via": "api"}')
    assert response["StatusCode"] == 202
    request_id = response["ResponseMetadata"]["RequestId"]
    assert server.async_queue.drain(60)
    [record] = read_records(load_function_dir(function_dirs["failer"]), "on-failure")
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestPayload"] == {"via": "api"}


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)
