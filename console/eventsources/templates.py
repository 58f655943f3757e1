"""Starting records and settings per source kind: the function folder's own files, else a blueprint's demo."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .mapping import KINDS

RECORDS_FILE = "records.jsonl"
MAPPING_FILE = "mapping.json"
SETTINGS_FILE = {"sqs": "queue.json", "kinesis": "stream.json", "dynamodb": "stream.json"}
# The blueprint whose files demonstrate each kind.
DEMO_BLUEPRINT = {"sqs": "sqs-batch", "kinesis": "kinesis-poison"}

_DYNAMODB_RECORDS = [
    {"eventName": "INSERT", "Keys": {"OrderId": "o-1"}, "NewImage": {"OrderId": "o-1", "total": 25}},
    {"eventName": "INSERT", "Keys": {"OrderId": "o-2"}, "NewImage": {"OrderId": "o-2", "total": 40}},
    {"eventName": "MODIFY", "Keys": {"OrderId": "o-1"}, "OldImage": {"OrderId": "o-1", "total": 25},
     "NewImage": {"OrderId": "o-1", "total": 30}},
    {"eventName": "INSERT", "Keys": {"OrderId": "o-3"}, "NewImage": {"OrderId": "o-3", "total": "poison"}},
    {"eventName": "REMOVE", "Keys": {"OrderId": "o-2"}, "OldImage": {"OrderId": "o-2", "total": 40}},
    {"eventName": "INSERT", "Keys": {"OrderId": "o-4"}, "NewImage": {"OrderId": "o-4", "total": 12}},
]
_FALLBACK = {
    "sqs": (['{"orderId": "1001", "quantity": 2}', '"not json at all"', '{"orderId": "1003", "quantity": 1}'],
            {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
            {"VisibilityTimeout": "30",
             "RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:my-dlq",
                                          "maxReceiveCount": "3"})}),
    "kinesis": (['{"sensorId": "s1", "temperature": 21.5}', '{"sensorId": "s2"}', '{"sensorId": "s3", "temperature": 19}'],
                {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10},
                {"ShardCount": 1, "RetentionPeriodHours": 24}),
    "dynamodb": ([json.dumps(r) for r in _DYNAMODB_RECORDS],
                 {"StartingPosition": "TRIM_HORIZON", "BatchSize": 3, "BisectBatchOnFunctionError": True,
                  "MaximumRetryAttempts": 2,
                  "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:orders-failed"}}},
                 {"ShardCount": 1}),
}


@dataclass(frozen=True)
class SourceTexts:
    """What the Event source view edits: the records (JSON Lines) and two JSON documents."""

    kind: str
    records: str
    mapping: str
    settings: str
    origin: str  # where they came from, for the title


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _read(folder: Path, name: str) -> str | None:
    try:
        return (folder / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def folder_kind(folder: Path) -> str | None:
    """The kind a folder's own files are for: queue.json means SQS, stream.json a stream (by its ARN)."""
    if (folder / SETTINGS_FILE["sqs"]).is_file():
        return "sqs"
    text = _read(folder, SETTINGS_FILE["kinesis"])
    if text is not None:
        return "dynamodb" if "arn:aws:dynamodb:" in text else "kinesis"
    return None


def texts_for(kind: str, folder: Path | None = None) -> SourceTexts:
    """The folder's own records and settings when they are for `kind`, else the kind's demo."""
    if kind not in KINDS:
        raise ValueError(f"unknown source kind {kind}")
    if folder is not None and folder_kind(folder) == kind and (folder / RECORDS_FILE).is_file():
        return SourceTexts(kind, _read(folder, RECORDS_FILE) or "", _read(folder, MAPPING_FILE) or "{}\n",
                           _read(folder, SETTINGS_FILE[kind]) or "{}\n", "the function's folder")
    demo = DEMO_BLUEPRINT.get(kind)
    if demo is not None:
        try:
            from console import catalog

            path = catalog.get_blueprint(demo).path
            records, mapping, settings = (_read(path, RECORDS_FILE), _read(path, MAPPING_FILE),
                                          _read(path, SETTINGS_FILE[kind]))
            if records and mapping and settings:
                return SourceTexts(kind, records, mapping, settings, f"blueprint {demo}")
        except Exception:  # the catalog is optional here: fall back to the built-in example
            pass
    lines, mapping_value, settings_value = _FALLBACK[kind]
    return SourceTexts(kind, "\n".join(lines) + "\n", _pretty(mapping_value), _pretty(settings_value), "example")


def initial_kind(folder: Path | None, blueprint: str | None = None) -> str:
    """The kind to open with: the folder's files, else the blueprint it came from, else Kinesis
    (the seed's example)."""
    if folder is not None:
        kind = folder_kind(folder)
        if kind is not None:
            return kind
    for kind, name in DEMO_BLUEPRINT.items():
        if blueprint == name:
            return kind
    return "kinesis"
