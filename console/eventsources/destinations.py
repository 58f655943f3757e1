"""Where failed records go: the on-failure record of stream mappings, and an SQS dead-letter queue's messages."""

from __future__ import annotations

import uuid
from typing import Any

from .clock import iso_ms, iso_s
from .records import SqsMessage, StreamRecord, receipt_handle, sqs_record

# Conditions: the documented one, and the one this simulator uses for records older than
# MaximumRecordAgeInSeconds (or the retention when that is -1), which the docs do not show.
RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


def stream_on_failure(
    kind: str,
    *,
    function_arn: str,
    condition: str,
    request_id: str | None,
    invoke_count: int,
    result: Any,
    shard_id: str,
    records: list[StreamRecord],
    stream_arn: str,
    now_epoch: float,
    arrival_epoch: list[float],
    destination_arn: str,
    event: bytes | None = None,
) -> dict[str, Any]:
    """The record Lambda sends to a Kinesis or DynamoDB Streams mapping's OnFailure destination:
    metadata only (keys in the documented order); an S3 destination also gets the invocation."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if result is not None and not result.succeeded:
        response["functionError"] = result.function_error or "Unhandled"
    stamp = iso_s if kind == "dynamodb" else iso_ms
    info = {
        "shardId": shard_id,
        "startSequenceNumber": records[0].sequence_number,
        "endSequenceNumber": records[-1].sequence_number,
        "approximateArrivalOfFirstRecord": stamp(arrival_epoch[0]),
        "approximateArrivalOfLastRecord": stamp(arrival_epoch[-1]),
        "batchSize": len(records),
        "streamArn": stream_arn,
    }
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": iso_ms(now_epoch),
        "DDBStreamBatchInfo" if kind == "dynamodb" else "KinesisBatchInfo": info,
    }
    if destination_arn.startswith("arn:aws:s3:::") and event is not None:
        record["payload"] = event.decode("utf-8", errors="replace")  # the invocation, as escaped JSON
    return record


def dead_letter_message(message: SqsMessage, *, dlq_arn: str, source_arn: str, receive_count: int,
                        sent_ms: int, first_receive_ms: int) -> dict[str, Any]:
    """A message as a receiver of the dead-letter queue sees it, in the SQS record format: SQS keeps its
    messageId, body, attributes and SentTimestamp, and names the queue it came from."""
    record = sqs_record(message, dlq_arn, receive_count=receive_count, sent_ms=sent_ms,
                        first_receive_ms=first_receive_ms, receipt=receipt_handle(message.message_id, -1))
    record["attributes"]["DeadLetterQueueSourceArn"] = source_arn
    return record
