"""The SQS event source mapping, rule by rule: batches, visibility, receive counts, redrive, partial
responses, FIFO order, retention and the batching window. Every batch runs the real function."""

from __future__ import annotations

import json

import pytest

from console.eventsources.mapping import MappingError
from console.eventsources.records import RecordsError



def event_of(entry) -> dict:
    return json.loads(entry.event)

DLQ = "arn:aws:sqs:us-east-1:123456789012:my-dlq"

OK = """
    def lambda_handler(event, context):
        return None
"""
ALWAYS_FAIL = """
    def lambda_handler(event, context):
        raise RuntimeError("cannot process " + ",".join(r["body"] for r in event["Records"]))
"""
FAIL_FIRST_RECEIVE = """
    def lambda_handler(event, context):
        if any(r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"]):
            raise RuntimeError("first receive")
"""
# Reports the messages whose body contains "bad" (a partial batch response).
REPORT_BAD = """
    def lambda_handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if "bad" in r["body"]]}
"""
# Returns whatever the first message's body says to return.
RESPOND = """
    import json
    def lambda_handler(event, context):
        return json.loads(event["Records"][0]["body"])["respond"]
"""


def redrive(max_receive_count: int, **extra) -> dict:
    policy = json.dumps({"deadLetterTargetArn": DLQ, "maxReceiveCount": str(max_receive_count)})
    return {"VisibilityTimeout": "30", "RedrivePolicy": policy, **extra}


def test_messages_are_delivered_in_batches_of_batch_size(make_function, run_source):
    report = run_source("sqs", make_function(OK), [f"m{i}" for i in range(7)], {"BatchSize": 3})
    assert [len(e.record_ids) for e in report.invocations] == [3, 3, 1]
    assert all(e.time == 0 for e in report.invocations)  # concurrent batches from the start
    assert report.all_processed and sorted(report.processed) == sorted(r.id for r in report.records)
    first = event_of(report.invocations[0])["Records"][0]
    assert first["body"] == "m0" and first["eventSource"] == "aws:sqs"
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(first) >= {"messageId", "receiptHandle", "md5OfBody", "eventSourceARN", "awsRegion", "messageAttributes"}


def test_a_function_error_returns_the_whole_batch_after_the_visibility_timeout(make_function, run_source):
    report = run_source("sqs", make_function(FAIL_FIRST_RECEIVE), ["a", "b"], {}, {"VisibilityTimeout": "45"})
    first, second = report.invocations
    assert first.status == "Failed" and first.record_ids == second.record_ids
    assert second.time == pytest.approx(45.0)
    counts = [r["attributes"]["ApproximateReceiveCount"] for r in event_of(second)["Records"]]
    assert counts == ["2", "2"] and second.attempt == 2
    receipts = {r["receiptHandle"] for r in event_of(first)["Records"]} & {
        r["receiptHandle"] for r in event_of(second)["Records"]}
    assert not receipts  # a new receipt handle for every receive
    assert report.all_processed


def test_a_poison_message_moves_to_the_dlq_after_exactly_max_receive_count_receives(make_function, run_source):
    report = run_source("sqs", make_function(ALWAYS_FAIL), ["poison"], {}, redrive(3))
    assert len(report.invocations) == 3
    assert [e.attempt for e in report.invocations] == [1, 2, 3]
    assert [e.time for e in report.invocations] == pytest.approx([0, 30, 60])
    [message] = report.dead_letter
    assert message["messageId"] == report.records[0].id and message["body"] == "poison"
    assert message["attributes"]["ApproximateReceiveCount"] == "3"
    assert message["eventSourceARN"] == DLQ
    assert message["attributes"]["DeadLetterQueueSourceArn"].endswith(":my-queue")
    assert report.records[0].fate == "dead-letter" and report.unprocessed == [report.records[0].id]


def test_partial_batch_response_returns_only_the_listed_messages(make_function, run_source):
    records = ["good1", "bad", "good2", "good3"]
    report = run_source("sqs", make_function(REPORT_BAD), records,
                        {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}, redrive(2))
    first, second = report.invocations
    bad_id = report.records[1].id
    assert first.batch_item_failures == [bad_id] and first.status == "Succeeded"
    assert second.record_ids == [bad_id]
    assert report.processed == [report.records[i].id for i in (0, 2, 3)]
    assert [m["messageId"] for m in report.dead_letter] == [bad_id]


def test_without_report_batch_item_failures_the_response_is_ignored(make_function, run_source):
    report = run_source("sqs", make_function(REPORT_BAD), ["good", "bad"], {"BatchSize": 10}, redrive(2))
    assert len(report.invocations) == 1 and report.all_processed


@pytest.mark.parametrize("respond", [
    {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]},
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"id": "x"}]},
    "OK",
], ids=["unknown id", "empty id", "bad key", "not an object"])
def test_an_invalid_partial_response_retries_the_whole_batch(make_function, run_source, respond):
    records = [{"body": json.dumps({"respond": respond})}, "second"]
    report = run_source("sqs", make_function(RESPOND), records,
                        {"FunctionResponseTypes": ["ReportBatchItemFailures"]}, redrive(2))
    assert len(report.invocations) == 2
    assert all(len(e.record_ids) == 2 for e in report.invocations)
    assert "the whole batch failed" in report.invocations[0].outcome
    assert len(report.dead_letter) == 2


@pytest.mark.parametrize("respond", [{"batchItemFailures": []}, {"batchItemFailures": None}, {}, None])
def test_an_empty_or_null_partial_response_is_a_success(make_function, run_source, respond):
    records = [{"body": json.dumps({"respond": respond})}, "second"]
    report = run_source("sqs", make_function(RESPOND), records, {"FunctionResponseTypes": ["ReportBatchItemFailures"]})
    assert len(report.invocations) == 1 and report.all_processed


def test_a_throw_with_report_batch_item_failures_fails_the_whole_batch(make_function, run_source):
    report = run_source("sqs", make_function(FAIL_FIRST_RECEIVE), ["a", "b", "c"],
                        {"FunctionResponseTypes": ["ReportBatchItemFailures"]})
    assert [len(e.record_ids) for e in report.invocations] == [3, 3]
    assert report.all_processed


FIFO_FAIL_A1_ONCE = """
    import os
    def lambda_handler(event, context):
        failures, failed_groups = [], set()
        for r in event["Records"]:
            group = r["attributes"]["MessageGroupId"]
            first = r["body"] == "a1" and r["attributes"]["ApproximateReceiveCount"] == "1"
            if first or group in failed_groups:  # stop the group at its first failure
                failed_groups.add(group)
                failures.append({"itemIdentifier": r["messageId"]})
        return {"batchItemFailures": failures}
"""


def test_fifo_holds_a_message_group_until_its_failed_messages_are_retried(make_function, run_source):
    records = [{"body": b, "messageGroupId": b[0]} for b in ("a1", "a2", "a3", "b1", "b2", "b3")]
    report = run_source("sqs", make_function(FIFO_FAIL_A1_ONCE), records,
                        {"BatchSize": 2, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
                        {"FifoQueue": "true", "VisibilityTimeout": "30"})
    body = {r.id: r.payload["body"] for r in report.records}
    batches = [(e.time, [body[i] for i in e.record_ids]) for e in report.invocations]
    assert batches[0] == (0, ["a1", "a2"]) and batches[1] == (0, ["b1", "b2"])
    # a3 waits for a1 and a2, which come back after the visibility timeout, in order.
    a_batches = [(t, ids) for t, ids in batches if ids[0].startswith("a")]
    assert [ids for _, ids in a_batches] == [["a1", "a2"], ["a1", "a2"], ["a3"]]
    assert a_batches[1][0] == pytest.approx(30.0, abs=0.5) and a_batches[2][0] >= a_batches[1][0]
    b3 = next(t for t, ids in batches if ids == ["b3"])
    assert b3 < 1.0  # group b is not held up by group a
    assert [body[i] for i in report.processed if body[i].startswith("a")] == ["a1", "a2", "a3"]
    fifo_record = event_of(report.invocations[0])["Records"][0]
    assert {"SequenceNumber", "MessageGroupId", "MessageDeduplicationId"} <= set(fifo_record["attributes"])
    assert fifo_record["eventSourceARN"].endswith(".fifo")


def test_fifo_warns_when_a_later_message_of_a_failed_group_is_deleted(make_function, run_source):
    records = [{"body": b, "messageGroupId": "g"} for b in ("good", "bad", "after")]
    entries: list = []
    report = run_source("sqs", make_function(REPORT_BAD), records,
                        {"FunctionResponseTypes": ["ReportBatchItemFailures"]},
                        {"FifoQueue": "true", "VisibilityTimeout": "30"}, max_invocations=2, entries=entries)
    notes = [e for e in entries if getattr(e, "kind", "") == "note"]
    assert notes and notes[0].record_ids == [report.records[2].id]
    assert "order is broken" in notes[0].text


def test_messages_older_than_the_retention_period_are_deleted(make_function, run_source):
    report = run_source("sqs", make_function(ALWAYS_FAIL), ["x"], {},
                        {"VisibilityTimeout": "30", "MessageRetentionPeriod": "60"})
    assert [e.time for e in report.invocations] == pytest.approx([0, 30])
    assert report.records[0].fate == "expired"


def test_the_batching_window_gathers_before_invoking(make_function, run_source):
    report = run_source("sqs", make_function(OK), ["a", "b", "c"],
                        {"BatchSize": 20, "MaximumBatchingWindowInSeconds": 5})
    [batch] = report.invocations
    assert batch.time == pytest.approx(5.0) and len(batch.record_ids) == 3


def test_a_full_batch_does_not_wait_for_the_window(make_function, run_source):
    report = run_source("sqs", make_function(OK), ["a", "b"], {"BatchSize": 2, "MaximumBatchingWindowInSeconds": 30})
    assert report.invocations[0].time == 0


def test_the_invocation_bound_stops_the_run_and_says_so(make_function, run_source):
    report = run_source("sqs", make_function(ALWAYS_FAIL), ["x"], {}, {"VisibilityTimeout": "3"}, max_invocations=5)
    assert len(report.invocations) == 5
    assert report.stopped_because == "max-invocations"
    assert report.records[0].fate == "pending"


@pytest.mark.parametrize("mapping, queue, message", [
    ({"BatchSize": 11}, {"FifoQueue": "true"}, "BatchSize must be between 1 and 10"),
    ({"BatchSize": 50}, None, "at least 1 when BatchSize is over 10"),
    ({"BisectBatchOnFunctionError": True}, None, "applies to Kinesis and DynamoDB streams"),
    ({"BatchSzie": 5}, None, "unknown parameter BatchSzie"),
    ({"FunctionResponseTypes": ["Nope"]}, None, "FunctionResponseTypes"),
    ({}, {"VisibilityTimeout": "2"}, "Queue visibility timeout: 2 seconds is less than Function timeout: 3"),
    ({}, {"RedrivePolicy": "{nope"}, "RedrivePolicy is not valid JSON"),
])
def test_settings_lambda_or_sqs_would_refuse_are_refused(make_function, run_source, mapping, queue, message):
    with pytest.raises(MappingError, match=message.replace("(", r"\(")):
        run_source("sqs", make_function(OK), ["x"], mapping, queue)


def test_a_fifo_message_needs_a_group(make_function, run_source):
    with pytest.raises(RecordsError, match="messageGroupId"):
        run_source("sqs", make_function(OK), ["x"], {}, {"FifoQueue": "true"})


def test_dead_lettered_messages_are_counted_in_the_functions_metrics(make_function, run_source, invoker):
    run_source("sqs", make_function(ALWAYS_FAIL), ["p1", "p2"], {}, redrive(1))
    totals = invoker.metrics.export("fn")["functions"]["fn"]["totals"]
    assert totals["DeadLetteredMessages"] == 2
    assert totals["Invocations"] == 1 and totals["Errors"] == 1
