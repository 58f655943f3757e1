"""Kinesis and DynamoDB Streams mappings, rule by rule: shards, retries until expiry, bisection,
checkpoints, on-failure records, parallelization. Every batch runs the real function."""

from __future__ import annotations

import base64
import json
import time

import pytest

from console.eventsources.mapping import MappingError

ON_FAILURE = {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}}}

OK = """
    def lambda_handler(event, context):
        return None
"""
# Raises when any record's data is {"poison": true}.
POISON = """
    import base64, json
    def lambda_handler(event, context):
        for r in event["Records"]:
            if json.loads(base64.b64decode(r["kinesis"]["data"])).get("poison"):
                raise ValueError("poison record " + r["kinesis"]["sequenceNumber"])
"""
# Reports the records whose data says {"fail": true}, the first time it sees each.
REPORT_ONCE = """
    import base64, json, os
    def lambda_handler(event, context):
        failures = []
        for r in event["Records"]:
            seq = r["kinesis"]["sequenceNumber"]
            marker = os.path.join(os.environ["STATE_DIR"], seq)
            if json.loads(base64.b64decode(r["kinesis"]["data"])).get("fail") and not os.path.exists(marker):
                open(marker, "w").close()
                failures.append({"itemIdentifier": seq})
        return {"batchItemFailures": failures}
"""


def data(entry_event: bytes) -> list:
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in json.loads(entry_event)["Records"]]


def test_records_go_to_shards_by_partition_key_and_keep_their_order(make_function, run_source):
    records = [{"data": {"n": i}, "partitionKey": f"key-{i % 6}"} for i in range(30)]
    report = run_source("kinesis", make_function(OK), records, {"BatchSize": 100}, {"ShardCount": 3})
    shards = {e.shard for e in report.invocations}
    assert len(shards) == 3 and report.all_processed
    by_key: dict[str, str] = {}
    for entry in report.invocations:
        event = json.loads(entry.event)
        seqs = [int(r["kinesis"]["sequenceNumber"]) for r in event["Records"]]
        assert seqs == sorted(seqs)  # in order within the shard
        for r in event["Records"]:
            assert by_key.setdefault(r["kinesis"]["partitionKey"], entry.shard) == entry.shard
            assert r["eventID"] == f"{entry.shard}:{r['kinesis']['sequenceNumber']}"
            assert r["eventSource"] == "aws:kinesis" and r["eventName"] == "aws:kinesis:record"
            assert r["eventSourceARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream"
            assert isinstance(r["kinesis"]["approximateArrivalTimestamp"], float)
    assert sorted(n["n"] for e in report.invocations for n in data(e.event)) == list(range(30))


def test_batch_size_bounds_each_batch(make_function, run_source):
    report = run_source("kinesis", make_function(OK), [{"n": i} for i in range(25)], {"BatchSize": 10})
    assert [len(e.record_ids) for e in report.invocations] == [10, 10, 5]
    assert [e.time for e in report.invocations] == sorted(e.time for e in report.invocations)


def test_a_poison_record_is_retried_until_the_24_hour_retention_expires_in_seconds(make_function, run_source):
    records = [{"n": 0}, {"poison": True}, {"n": 2}]
    started = time.monotonic()
    report = run_source("kinesis", make_function(POISON), records, {"BatchSize": 10})
    real = time.monotonic() - started
    assert report.end_time >= 24 * 3600  # a day of virtual time...
    assert real < 60  # ...in seconds (typically one or two; the bound leaves room for a loaded machine)
    assert report.stopped_because is None
    attempts = [e.attempt for e in report.invocations]
    assert attempts == list(range(1, len(attempts) + 1))  # the same batch, again and again
    assert all(e.record_ids == report.invocations[0].record_ids for e in report.invocations)
    assert [r.fate for r in report.records] == ["trimmed"] * 3  # the whole blocked batch expired
    gaps = [b.time - a.time for a, b in zip(report.invocations, report.invocations[1:])]
    assert max(gaps) <= 300 + 1  # backoff capped at five minutes


def test_maximum_retry_attempts_then_the_on_failure_record(make_function, run_source):
    records = [{"n": 0}, {"poison": True}]
    report = run_source("kinesis", make_function(POISON), records,
                        {"BatchSize": 10, "MaximumRetryAttempts": 2, **ON_FAILURE})
    assert [e.attempt for e in report.invocations] == [1, 2, 3]
    [record] = report.on_failure
    assert list(record) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["requestId"] == report.invocations[-1].request_id
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = record["KinesisBatchInfo"]
    assert set(info) == {"shardId", "startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
                         "approximateArrivalOfLastRecord", "batchSize", "streamArn"}
    assert info["batchSize"] == 2 and info["shardId"] == "shardId-000000000000"
    assert info["startSequenceNumber"] == report.records[0].id and info["endSequenceNumber"] == report.records[1].id
    assert info["approximateArrivalOfFirstRecord"].endswith("Z") and "." in info["approximateArrivalOfFirstRecord"]
    assert [r.fate for r in report.records] == ["on-failure", "on-failure"]


def test_bisection_isolates_one_poison_record_among_20(make_function, run_source):
    records = [{"poison": i == 13, "n": i} for i in range(20)]
    report = run_source("kinesis", make_function(POISON), records,
                        {"BatchSize": 20, "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 1, **ON_FAILURE})
    poison = report.records[13].id
    succeeded = [i for e in report.invocations if e.status == "Succeeded" for i in e.record_ids]
    others = [r.id for r in report.records if r.id != poison]
    assert sorted(succeeded) == sorted(others)  # every other record processed exactly once
    assert len(succeeded) == len(set(succeeded))
    assert report.processed == others  # and in order
    assert report.invocations[0].bisected and len(report.invocations[0].record_ids) == 20
    alone = [e for e in report.invocations if e.record_ids == [poison]]
    assert [e.attempt for e in alone] == [1, 2]  # splitting took no retries; then one retry
    assert not any(e.bisected for e in alone)
    [record] = report.on_failure
    info = record["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == poison


def test_without_bisection_the_whole_batch_is_discarded_with_the_poison(make_function, run_source):
    records = [{"poison": i == 3, "n": i} for i in range(6)]
    report = run_source("kinesis", make_function(POISON), records, {"BatchSize": 10, "MaximumRetryAttempts": 0})
    assert len(report.invocations) == 1
    assert [r.fate for r in report.records] == ["discarded"] * 6  # no on-failure destination


def test_report_batch_item_failures_checkpoints_at_the_lowest_failed_sequence_number(make_function, run_source):
    records = [{"n": i, "fail": i in (3, 6)} for i in range(10)]
    report = run_source("kinesis", make_function(REPORT_ONCE), records,
                        {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]})
    first, second = report.invocations
    ids = [r.id for r in report.records]
    assert first.batch_item_failures == [ids[3], ids[6]]
    assert second.record_ids == ids[3:]  # retried from the lowest failed, #4 onwards
    assert second.attempt == 2
    assert report.processed == ids  # the first three once, then the rest
    assert report.all_processed


def test_an_invalid_stream_item_identifier_fails_the_whole_batch(make_function, run_source):
    code = """
        def lambda_handler(event, context):
            return {"batchItemFailures": [{"itemIdentifier": "12345"}]}
    """
    report = run_source("kinesis", make_function(code), [{"n": 1}, {"n": 2}],
                        {"FunctionResponseTypes": ["ReportBatchItemFailures"], "MaximumRetryAttempts": 1})
    assert [len(e.record_ids) for e in report.invocations] == [2, 2]
    assert "not in the batch" in report.invocations[0].outcome


def test_a_failing_batch_blocks_only_its_shard(make_function, run_source):
    records = [{"data": {"poison": True}, "partitionKey": "p"}] + [
        {"data": {"n": i}, "partitionKey": f"k{i}"} for i in range(12)]
    report = run_source("kinesis", make_function(POISON), records,
                        {"BatchSize": 2, "MaximumRetryAttempts": 3}, {"ShardCount": 2})
    poison_shard = report.records[0].shard
    blocked = [r for r in report.records if r.shard == poison_shard]
    free = [r for r in report.records if r.shard != poison_shard]
    assert blocked and free
    assert all(r.fate == "processed" for r in free)
    retries_end = max(e.time for e in report.invocations if report.records[0].id in e.record_ids)
    first_free_done = max(e.time for e in report.invocations if e.shard != poison_shard)
    assert first_free_done < retries_end  # the other shard finished while this one was blocked
    # records behind the poison batch waited for it to be given up
    after = [e.time for e in report.invocations if e.shard == poison_shard and report.records[0].id not in e.record_ids]
    assert after and min(after) >= retries_end


def test_parallelization_factor_keeps_order_per_partition_key(make_function, run_source):
    records = [{"data": {"n": i}, "partitionKey": f"k{i % 4}"} for i in range(24)]
    report = run_source("kinesis", make_function(OK), records, {"BatchSize": 3, "ParallelizationFactor": 3})
    assert len({e.source for e in report.invocations}) > 1  # several concurrent lanes on one shard
    seen: dict[str, list[int]] = {}
    for entry in sorted(report.invocations, key=lambda e: e.time):
        for r in json.loads(entry.event)["Records"]:
            seen.setdefault(r["kinesis"]["partitionKey"], []).append(int(r["kinesis"]["sequenceNumber"]))
    assert all(v == sorted(v) for v in seen.values())
    assert report.all_processed


def test_records_older_than_maximum_record_age_are_discarded(make_function, run_source):
    report = run_source("kinesis", make_function(POISON), [{"poison": True}],
                        {"MaximumRecordAgeInSeconds": 60, **ON_FAILURE})
    assert max(e.time for e in report.invocations) <= 60
    [record] = report.on_failure
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert report.records[0].fate == "on-failure"


def test_iterator_age_is_recorded_while_a_shard_is_blocked(make_function, run_source, invoker):
    run_source("kinesis", make_function(POISON), [{"poison": True}], {"MaximumRetryAttempts": 4})
    totals = invoker.metrics.export("fn")["functions"]["fn"]["totals"]
    assert totals["IteratorAge"] >= 14_000  # the last retry came 1+2+4+8 s after the record arrived
    assert totals["DroppedEventCount"] == 1 and totals["Invocations"] == 5


DDB = """
    def lambda_handler(event, context):
        for r in event["Records"]:
            if r["dynamodb"].get("NewImage", {}).get("poison"):
                raise ValueError("poison item")
"""


def test_dynamodb_records_and_their_on_failure_record(make_function, run_source):
    records = [
        {"Keys": {"Id": {"N": "1"}}, "NewImage": {"Id": {"N": "1"}, "Message": {"S": "hi"}}},
        {"eventName": "MODIFY", "Keys": {"Id": 2}, "OldImage": {"Id": 2}, "NewImage": {"Id": 2, "poison": True}},
        {"Keys": {"Id": 3}, "OldImage": {"Id": 3}},
    ]
    report = run_source("dynamodb", make_function(DDB), records,
                        {"BatchSize": 1, "MaximumRetryAttempts": 0, **ON_FAILURE})
    first = json.loads(report.invocations[0].event)["Records"][0]
    assert first["eventName"] == "INSERT" and first["eventSource"] == "aws:dynamodb"
    assert first["dynamodb"]["Keys"] == {"Id": {"N": "1"}}
    assert first["dynamodb"]["SequenceNumber"] == report.records[0].id
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES" and first["dynamodb"]["SizeBytes"] > 0
    assert first["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/my-table/stream/")
    second = json.loads(report.invocations[1].event)["Records"][0]
    assert second["eventName"] == "MODIFY" and second["dynamodb"]["NewImage"]["poison"] == {"BOOL": True}
    third = json.loads(report.invocations[2].event)["Records"][0]
    assert third["eventName"] == "REMOVE" and "NewImage" not in third["dynamodb"]
    [record] = report.on_failure
    assert list(record)[-1] == "DDBStreamBatchInfo"
    info = record["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == report.records[1].id and info["batchSize"] == 1
    assert info["approximateArrivalOfFirstRecord"].endswith("Z") and "." not in info["approximateArrivalOfFirstRecord"]
    assert [r.fate for r in report.records] == ["processed", "on-failure", "processed"]


@pytest.mark.parametrize("kind, mapping, message", [
    ("kinesis", {"StartingPosition": "EARLIEST"}, "StartingPosition must be one of"),
    ("dynamodb", {"StartingPosition": "AT_TIMESTAMP"}, "StartingPosition must be one of TRIM_HORIZON, LATEST"),
    ("kinesis", {"ParallelizationFactor": 11}, "ParallelizationFactor must be between 1 and 10"),
    ("kinesis", {"MaximumRetryAttempts": -2}, "MaximumRetryAttempts must be between -1 and 10000"),
    ("kinesis", {"TumblingWindowInSeconds": 60}, "tumbling windows"),
    ("kinesis", {"DestinationConfig": {"OnFailure": {"Destination": "nope"}}}, "OnFailure.Destination"),
    ("kinesis", {"ScalingConfig": {"MaximumConcurrency": 2}}, "applies to SQS"),
])
def test_stream_settings_lambda_would_refuse_are_refused(make_function, run_source, kind, mapping, message):
    with pytest.raises(MappingError, match=message):
        run_source(kind, make_function(OK), [{"Keys": {"Id": 1}}], mapping)


def test_at_timestamp_skips_records_that_arrived_before_it(make_function, run_source):
    records = [{"n": 1}, {"n": 2}]
    before = run_source("kinesis", make_function(OK, name="a"), records,
                        {"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": 0})
    assert before.all_processed
    after = run_source("kinesis", make_function(OK, name="b"), records,
                       {"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": 4_102_444_800})
    assert after.invocations == [] and [r.fate for r in after.records] == ["skipped", "skipped"]
