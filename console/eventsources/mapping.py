"""Event source mapping, queue and stream settings, read and checked as Lambda and SQS check them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["sqs", "kinesis", "dynamodb"]
KINDS: tuple[str, ...] = ("sqs", "kinesis", "dynamodb")
REGION = "us-east-1"
ACCOUNT = "123456789012"

# CreateEventSourceMapping members this simulator reads (and the ones a request may carry that
# say nothing about retries). Anything else is refused, so a typo is never silently ignored.
_COMMON_KEYS = {"FunctionName", "EventSourceArn", "Enabled", "BatchSize", "MaximumBatchingWindowInSeconds",
                "FunctionResponseTypes"}
_SQS_KEYS = _COMMON_KEYS | {"ScalingConfig"}
_STREAM_KEYS = _COMMON_KEYS | {"StartingPosition", "StartingPositionTimestamp", "MaximumRetryAttempts",
                               "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
                               "ParallelizationFactor", "DestinationConfig", "TumblingWindowInSeconds"}
_NOT_SIMULATED = {"FilterCriteria": "event filtering", "TumblingWindowInSeconds": "tumbling windows",
                  "MetricsConfig": "mapping metrics configuration",
                  "ProvisionedPollerConfig": "provisioned pollers"}


class MappingError(ValueError):
    """A mapping, queue or stream setting Lambda or SQS would refuse; the message is for the user."""


@dataclass(frozen=True)
class SqsMapping:
    batch_size: int = 10
    window_s: int = 0
    report_failures: bool = False
    max_concurrency: int = 5  # Lambda starts with five concurrent batches per queue


@dataclass(frozen=True)
class Redrive:
    dead_letter_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class QueueSettings:
    arn: str = f"arn:aws:sqs:{REGION}:{ACCOUNT}:my-queue"
    fifo: bool = False
    visibility_timeout_s: int = 30
    retention_s: int = 345_600  # 4 days
    delay_s: int = 0
    redrive: Redrive | None = None

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class StreamMapping:
    starting_position: str = "TRIM_HORIZON"
    starting_timestamp: float | None = None
    batch_size: int = 100
    window_s: int = 0
    max_retry_attempts: int = -1  # -1: until the record expires
    max_record_age_s: int = -1  # -1: the stream's retention
    bisect: bool = False
    parallelization: int = 1
    report_failures: bool = False
    on_failure_arn: str | None = None


@dataclass(frozen=True)
class StreamSettings:
    arn: str
    shard_count: int = 1
    retention_s: int = 86_400  # 24 hours

    @property
    def name(self) -> str:
        return self.arn.split("/", 1)[-1]


def default_stream_arn(kind: str) -> str:
    if kind == "dynamodb":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/my-table/stream/2026-01-01T00:00:00.000"
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/my-stream"


# ---------------------------------------------------------------- helpers


def _int(data: dict[str, Any], key: str, default: int, low: int, high: int, where: str) -> int:
    value = data.get(key, default)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)  # queue attributes are strings, as GetQueueAttributes returns them
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(f"{where}: {key} must be a whole number (got {json.dumps(value)})")
    if not low <= value <= high:
        raise MappingError(f"{where}: {key} must be between {low} and {high} (got {value})")
    return value


def _bool(data: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = data.get(key, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise MappingError(f"{where}: {key} must be true or false (got {json.dumps(value)})")
    return value


def _check_keys(data: dict[str, Any], allowed: set[str], kind: str, where: str) -> None:
    for key in data:
        if key in allowed and key not in _NOT_SIMULATED:
            continue
        if key in _NOT_SIMULATED:
            if key == "TumblingWindowInSeconds" and not data[key]:
                continue
            raise MappingError(f"{where}: {key} ({_NOT_SIMULATED[key]}) is not simulated; remove it to run")
        stream_only = _STREAM_KEYS - _SQS_KEYS
        if kind == "sqs" and key in stream_only:
            raise MappingError(f"{where}: {key} applies to Kinesis and DynamoDB streams, not to SQS")
        if kind != "sqs" and key in _SQS_KEYS - _STREAM_KEYS:
            raise MappingError(f"{where}: {key} applies to SQS, not to streams")
        raise MappingError(f"{where}: unknown parameter {key}")


def _response_types(data: dict[str, Any], where: str) -> bool:
    types = data.get("FunctionResponseTypes", [])
    if types is None:
        types = []
    if not isinstance(types, list) or any(t != "ReportBatchItemFailures" for t in types) or len(types) > 1:
        raise MappingError(f"{where}: FunctionResponseTypes must be [] or [\"ReportBatchItemFailures\"]")
    return bool(types)


def _enabled(data: dict[str, Any], where: str) -> None:
    if not _bool(data, "Enabled", True, where):
        raise MappingError(f"{where}: the mapping is disabled (Enabled: false), so Lambda would poll nothing")


# ---------------------------------------------------------------- SQS


def sqs_mapping(data: dict[str, Any], queue: QueueSettings, where: str = "mapping") -> SqsMapping:
    _check_keys(data, _SQS_KEYS, "sqs", where)
    _enabled(data, where)
    batch = _int(data, "BatchSize", 10, 1, 10 if queue.fifo else 10_000, where)
    window = _int(data, "MaximumBatchingWindowInSeconds", 0, 0, 300, where)
    if queue.fifo and "MaximumBatchingWindowInSeconds" in data:
        raise MappingError(f"{where}: MaximumBatchingWindowInSeconds is not supported for FIFO queues")
    if batch > 10 and window < 1:
        raise MappingError(f"{where}: MaximumBatchingWindowInSeconds must be at least 1 when BatchSize is over 10")
    scaling = data.get("ScalingConfig") or {}
    if not isinstance(scaling, dict):
        raise MappingError(f"{where}: ScalingConfig must be an object")
    concurrency = _int(scaling, "MaximumConcurrency", 5, 2, 1000, f"{where} ScalingConfig")
    return SqsMapping(batch, window, _response_types(data, where), concurrency)


def queue_settings(data: dict[str, Any] | None, where: str = "queue") -> QueueSettings:
    """From GetQueueAttributes' `Attributes` (string values; the whole response is accepted too)."""
    data = dict(data or {})
    if isinstance(data.get("Attributes"), dict):
        data = dict(data["Attributes"])
    fifo = _bool(data, "FifoQueue", False, where)
    arn = data.get("QueueArn") or f"arn:aws:sqs:{REGION}:{ACCOUNT}:my-queue{'.fifo' if fifo else ''}"
    if not isinstance(arn, str) or not arn.startswith("arn:aws:sqs:"):
        raise MappingError(f"{where}: QueueArn must be an SQS queue ARN (got {json.dumps(arn)})")
    if arn.endswith(".fifo") != fifo:
        if "FifoQueue" in data:
            raise MappingError(f"{where}: a FIFO queue's name ends in .fifo, and only a FIFO queue's does")
        fifo = arn.endswith(".fifo")
    redrive = None
    policy = data.get("RedrivePolicy")
    if isinstance(policy, str) and policy.strip():
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise MappingError(f"{where}: RedrivePolicy is not valid JSON ({exc})") from None
    if isinstance(policy, dict):
        target = policy.get("deadLetterTargetArn")
        if not isinstance(target, str) or not target.startswith("arn:aws:sqs:"):
            raise MappingError(f"{where}: RedrivePolicy needs deadLetterTargetArn, an SQS queue ARN")
        if target.endswith(".fifo") != fifo:
            raise MappingError(f"{where}: the dead-letter queue of a {'FIFO' if fifo else 'standard'} queue "
                               f"must be a {'FIFO' if fifo else 'standard'} queue")
        redrive = Redrive(target, _int(policy, "maxReceiveCount", 10, 1, 1000, f"{where} RedrivePolicy"))
    elif policy not in (None, ""):
        raise MappingError(f"{where}: RedrivePolicy must be a JSON object or its JSON string")
    return QueueSettings(
        arn=arn,
        fifo=fifo,
        visibility_timeout_s=_int(data, "VisibilityTimeout", 30, 0, 43_200, where),
        retention_s=_int(data, "MessageRetentionPeriod", 345_600, 60, 1_209_600, where),
        delay_s=_int(data, "DelaySeconds", 0, 0, 900, where),
        redrive=redrive,
    )


def check_visibility(queue: QueueSettings, function_timeout_s: int) -> None:
    """Lambda refuses a mapping whose queue hides a message for less than the function may run."""
    if queue.visibility_timeout_s < function_timeout_s:
        raise MappingError(
            f"Queue visibility timeout: {queue.visibility_timeout_s} seconds is less than Function timeout: "
            f"{function_timeout_s} seconds (Lambda refuses this mapping; AWS recommends six times the timeout)"
        )


# ---------------------------------------------------------------- streams


def stream_mapping(data: dict[str, Any], kind: str, where: str = "mapping") -> StreamMapping:
    _check_keys(data, _STREAM_KEYS, kind, where)
    _enabled(data, where)
    positions = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP") if kind == "kinesis" else ("TRIM_HORIZON", "LATEST")
    position = data.get("StartingPosition", "TRIM_HORIZON")
    if position not in positions:
        raise MappingError(f"{where}: StartingPosition must be one of {', '.join(positions)}")
    stamp = data.get("StartingPositionTimestamp")
    if position == "AT_TIMESTAMP":
        if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
            raise MappingError(f"{where}: AT_TIMESTAMP needs StartingPositionTimestamp (epoch seconds)")
    elif stamp is not None:
        raise MappingError(f"{where}: StartingPositionTimestamp is only for StartingPosition AT_TIMESTAMP")
    on_failure = None
    destinations = data.get("DestinationConfig") or {}
    if not isinstance(destinations, dict):
        raise MappingError(f"{where}: DestinationConfig must be an object")
    if destinations.get("OnSuccess"):
        raise MappingError(f"{where}: DestinationConfig.OnSuccess is not supported for stream sources")
    failure = destinations.get("OnFailure")
    if failure:
        target = failure.get("Destination") if isinstance(failure, dict) else None
        if not isinstance(target, str) or not target.startswith(("arn:aws:sqs:", "arn:aws:sns:", "arn:aws:s3:::",
                                                                   "arn:aws:kafka:")):
            raise MappingError(f"{where}: DestinationConfig.OnFailure.Destination must be an SQS queue, SNS topic, "
                               "S3 bucket or Kafka ARN")
        on_failure = target
    age = _int(data, "MaximumRecordAgeInSeconds", -1, -1, 604_800, where)
    return StreamMapping(
        starting_position=position,
        starting_timestamp=float(stamp) if stamp is not None else None,
        batch_size=_int(data, "BatchSize", 100, 1, 10_000, where),
        window_s=_int(data, "MaximumBatchingWindowInSeconds", 0, 0, 300, where),
        max_retry_attempts=_int(data, "MaximumRetryAttempts", -1, -1, 10_000, where),
        max_record_age_s=age,
        bisect=_bool(data, "BisectBatchOnFunctionError", False, where),
        parallelization=_int(data, "ParallelizationFactor", 1, 1, 10, where),
        report_failures=_response_types(data, where),
        on_failure_arn=on_failure,
    )


def stream_settings(data: dict[str, Any] | None, kind: str, where: str = "stream") -> StreamSettings:
    """ShardCount, RetentionPeriodHours and StreamARN, or DescribeStream's `StreamDescription`."""
    data = dict(data or {})
    if isinstance(data.get("StreamDescription"), dict):
        data = dict(data["StreamDescription"])
    if "ShardCount" not in data and isinstance(data.get("Shards"), list) and data["Shards"]:
        data["ShardCount"] = len(data["Shards"])
    arn = data.get("StreamARN") or data.get("StreamArn") or default_stream_arn(kind)
    prefix = "arn:aws:dynamodb:" if kind == "dynamodb" else "arn:aws:kinesis:"
    if not isinstance(arn, str) or not arn.startswith(prefix):
        raise MappingError(f"{where}: StreamARN must start with {prefix}")
    shards = _int(data, "ShardCount", 1, 1, 64, where)
    if kind == "dynamodb":
        hours = _int(data, "RetentionPeriodHours", 24, 24, 24, where)  # DynamoDB Streams keep 24 h
    else:
        hours = _int(data, "RetentionPeriodHours", 24, 24, 8760, where)
    return StreamSettings(arn=arn, shard_count=shards, retention_s=hours * 3600)
