"""Destination records: the invocation record Lambda sends on success or failure, as JSON lines."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import jsonfile
from console.jsonfile import JsonError

if TYPE_CHECKING:
    from console.engine import FunctionConfig, InvocationResult

ON_FAILURE_FILE = Path("destinations") / "on-failure.jsonl"
ON_SUCCESS_FILE = Path("destinations") / "on-success.jsonl"


def function_state_dir(config: FunctionConfig) -> Path:
    from console import workspace

    return workspace.state_dir(config.code_dir, config.function_name)


def dump_record(record: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(record) + "\n").encode("utf-8")
    except (RecursionError, ValueError):
        # A payload too deep to write back: keep the record, with the payloads as text.
        flat = dict(record, requestPayload=str(record.get("requestPayload")),
                    responsePayload=str(record.get("responsePayload")))
        return (json.dumps(flat) + "\n").encode("utf-8")


def destination_record(
    config: FunctionConfig,
    request_id: str,
    event: bytes,
    condition: str,
    invoke_count: int,
    result: InvocationResult | tuple[str | None, bytes] | None,
) -> dict[str, Any]:
    """An invocation record in the shape Lambda sends to destinations; `result` is the last
    attempt's (or its function error and payload, as the journal keeps them)."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{config.function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": json_or_text(event),
    }
    if result is not None:
        function_error, payload = result if isinstance(result, tuple) else (result.function_error, result.payload)
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response_context["functionError"] = function_error
        record["responseContext"] = response_context
        record["responsePayload"] = json_or_text(payload)
    return record


def read_records(config: FunctionConfig, which: str = "on-failure") -> list[dict[str, Any]]:
    """The records in a function's destination file ("on-failure" or "on-success"), oldest first."""
    path = function_state_dir(config) / "destinations" / f"{which}.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            records.append(jsonfile.loads(line))
        except JsonError:
            continue
    return records


def json_or_text(data: bytes) -> Any:
    text = data.decode("utf-8", errors="replace")
    try:
        return jsonfile.loads(text)
    except JsonError:
        return text
