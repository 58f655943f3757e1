"""Records: the --records JSON Lines input, and the Lambda event formats (SQS, Kinesis, DynamoDB Streams)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .mapping import REGION

SQS_MESSAGE_LIMIT = 1_048_576  # SQS's maximum message size (1 MiB since August 2025)
SYNC_PAYLOAD_LIMIT = 6_291_456  # Lambda's synchronous invocation payload limit, which bounds a batch
_KINESIS_SEQ_BASE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898
_DDB_SEQ_BASE = 800_000_000_000_000_000_000
_DDB_TYPES = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}
_SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"
_INVOKE_IDENTITY = "arn:aws:iam::123456789012:role/lambda-role"


class RecordsError(ValueError):
    """A --records line that cannot become a record; the message names the line."""


@dataclass
class SqsMessage:
    """One message as it was sent to the queue."""

    index: int  # position in the input
    message_id: str
    body: str
    payload: Any  # what the input line held
    message_attributes: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None  # FIFO only


@dataclass
class StreamRecord:
    """One Kinesis or DynamoDB Streams record as it sits in its shard."""

    index: int
    sequence_number: str
    partition_key: str
    payload: Any
    shard: int = 0
    data: bytes = b""  # Kinesis
    change: dict[str, Any] = field(default_factory=dict)  # DynamoDB: eventName, Keys, NewImage, OldImage, ...
    arrival: float = 0.0  # virtual seconds

    @property
    def seq(self) -> int:
        return int(self.sequence_number)


# ---------------------------------------------------------------- input


def parse_lines(text: str, where: str = "records") -> list[tuple[int, Any]]:
    """(line number, value) for each non-blank line of a JSON Lines text."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except ValueError as exc:
            raise RecordsError(
                f"{where} line {number} is not valid JSON ({exc}); a text body is written as a JSON string, "
                'e.g. "not json at all"'
            ) from None
        except RecursionError:
            raise RecordsError(f"{where} line {number} is nested too deeply to read") from None
    if not out:
        raise RecordsError(f"{where} holds no records (one JSON value a line)")
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def sqs_messages(text: str, *, fifo: bool, seed: int = 0, where: str = "records") -> list[SqsMessage]:
    """Messages from JSON Lines: a body, or {"body", "messageAttributes", "messageGroupId",
    "messageDeduplicationId"}."""
    rng = random.Random(seed)
    messages = []
    for index, (number, value) in enumerate(parse_lines(text, where)):
        attrs: dict[str, Any] = {}
        group = dedup = None
        if isinstance(value, dict) and "body" in value:
            body = _text(value["body"])
            attrs = value.get("messageAttributes") or {}
            if not isinstance(attrs, dict):
                raise RecordsError(f"{where} line {number}: messageAttributes must be an object")
            group, dedup = value.get("messageGroupId"), value.get("messageDeduplicationId")
            for key, item in (("messageGroupId", group), ("messageDeduplicationId", dedup)):
                if item is not None and (not isinstance(item, str) or not item):
                    raise RecordsError(f"{where} line {number}: {key} must be a non-empty string")
        else:
            body = _text(value)
        if not body:
            raise RecordsError(f"{where} line {number}: an SQS message body cannot be empty")
        if len(body.encode("utf-8")) > SQS_MESSAGE_LIMIT:
            raise RecordsError(f"{where} line {number}: SQS refuses a message over {SQS_MESSAGE_LIMIT:,} bytes")
        if fifo and group is None:
            raise RecordsError(f"{where} line {number}: a FIFO queue needs a messageGroupId "
                               '(write {"body": ..., "messageGroupId": "g1"})')
        if not fifo and group is not None:
            raise RecordsError(f"{where} line {number}: messageGroupId is for FIFO queues "
                               '(set "FifoQueue": "true" in --queue)')
        message_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        messages.append(SqsMessage(index, message_id, body, value, dict(attrs), group, dedup))
    if fifo:
        for n, message in enumerate(messages):
            message.sequence_number = str(18_849_496_460_467_696_128 + n * 65_536)
            if message.dedup_id is None:
                message.dedup_id = hashlib.sha256(message.message_id.encode()).hexdigest()
    return messages


def _shard_of(key: str, shards: int) -> int:
    # Kinesis maps the MD5 of the partition key onto shards' equal hash-key ranges.
    return int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) * shards >> 128


def kinesis_records(text: str, shards: int, where: str = "records") -> list[StreamRecord]:
    """Records from JSON Lines: the data, or {"data", "partitionKey"}; the default partition key is
    the record's position, so records spread over the shards."""
    out = []
    for index, (number, value) in enumerate(parse_lines(text, where)):
        if isinstance(value, dict) and "data" in value:
            data = _text(value["data"])
            key = value.get("partitionKey", str(index))
            if not isinstance(key, str) or not 1 <= len(key) <= 256:
                raise RecordsError(f"{where} line {number}: partitionKey must be a string of 1 to 256 characters")
        else:
            data, key = _text(value), str(index)
        raw = data.encode("utf-8")
        if len(raw) > 1_048_576:
            raise RecordsError(f"{where} line {number}: a Kinesis record's data is limited to 1 MB")
        seq = str(_KINESIS_SEQ_BASE + index * 1_000_000)
        out.append(StreamRecord(index, seq, key, value, _shard_of(key, shards), data=raw))
    return out


def _typed(value: Any) -> dict[str, Any]:
    """A plain JSON value as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_typed(v) for v in value]}
    return {"M": {k: _typed(v) for k, v in value.items()}}


def _is_typed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _DDB_TYPES


def _item(value: Any, name: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordsError(f"{where}: {name} must be an object of attributes")
    return {k: (v if _is_typed(v) else _typed(v)) for k, v in value.items()}


def dynamodb_records(text: str, shards: int, where: str = "records") -> list[StreamRecord]:
    """Records from JSON Lines: {"eventName", "Keys", "NewImage", "OldImage"} (attribute values typed,
    {"N": "101"}, or plain JSON, which is typed for you)."""
    out = []
    for index, (number, value) in enumerate(parse_lines(text, where)):
        at = f"{where} line {number}"
        if not isinstance(value, dict) or not value.get("Keys"):
            raise RecordsError(f'{at}: a DynamoDB record is an object with "Keys" (and NewImage, OldImage, eventName)')
        keys = _item(value["Keys"], "Keys", at)
        change: dict[str, Any] = {"Keys": keys}
        for name in ("NewImage", "OldImage"):
            if value.get(name) is not None:
                change[name] = _item(value[name], name, at)
        default = "MODIFY" if len(change) == 3 else "REMOVE" if "OldImage" in change else "INSERT"
        event_name = value.get("eventName", default)
        if event_name not in ("INSERT", "MODIFY", "REMOVE"):
            raise RecordsError(f"{at}: eventName must be INSERT, MODIFY or REMOVE")
        change["eventName"] = event_name
        change["StreamViewType"] = value.get("StreamViewType", "NEW_AND_OLD_IMAGES")
        key = json.dumps(keys, sort_keys=True)
        seq = str(_DDB_SEQ_BASE + (index + 1) * 100)
        out.append(StreamRecord(index, seq, key, value, _shard_of(key, shards), change=change))
    return out


# ---------------------------------------------------------------- Lambda's event formats


def sqs_record(message: SqsMessage, queue_arn: str, *, receive_count: int, sent_ms: int,
               first_receive_ms: int, receipt: str) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent_ms),
        "SenderId": _SENDER_ID,
        "ApproximateFirstReceiveTimestamp": str(first_receive_ms),
    }
    if message.group_id is not None:
        attributes.update({"SequenceNumber": message.sequence_number, "MessageGroupId": message.group_id,
                           "MessageDeduplicationId": message.dedup_id})
    return {
        "messageId": message.message_id,
        "receiptHandle": receipt,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": message.message_attributes,
        "md5OfBody": hashlib.md5(message.body.encode("utf-8")).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] or REGION,
    }


def receipt_handle(message_id: str, receive: int) -> str:
    """An opaque handle that changes with every receive, as SQS's does."""
    digest = hashlib.sha256(f"{message_id}/{receive}".encode()).digest()
    return "AQEB" + base64.b64encode(digest + digest[:12]).decode()


def kinesis_record(record: StreamRecord, shard_id: str, stream_arn: str, arrival_epoch: float) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(record.data).decode("ascii"),
            "approximateArrivalTimestamp": round(arrival_epoch, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": _INVOKE_IDENTITY,
        "awsRegion": stream_arn.split(":")[3] or REGION,
        "eventSourceARN": stream_arn,
    }


def dynamodb_record(record: StreamRecord, stream_arn: str, arrival_epoch: float) -> dict[str, Any]:
    change = record.change
    view = change["StreamViewType"]
    body: dict[str, Any] = {"ApproximateCreationDateTime": int(arrival_epoch), "Keys": change["Keys"]}
    if "NewImage" in change and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = change["NewImage"]
    if "OldImage" in change and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = change["OldImage"]
    body["SequenceNumber"] = record.sequence_number
    body["SizeBytes"] = len(json.dumps({k: v for k, v in body.items() if k in ("Keys", "NewImage", "OldImage")},
                                       separators=(",", ":")))
    body["StreamViewType"] = view
    return {
        "eventID": hashlib.md5(record.sequence_number.encode()).hexdigest(),
        "eventName": change["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3] or REGION,
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


def event_bytes(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"Records": records}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fit_batch(records: list[dict[str, Any]]) -> int:
    """How many of `records` (in order) fit in one invocation payload (at least one)."""
    size = len(b'{"Records":[]}')
    for n, record in enumerate(records):
        size += len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + (1 if n else 0)
        if size > SYNC_PAYLOAD_LIMIT:
            return max(1, n)
    return len(records)
