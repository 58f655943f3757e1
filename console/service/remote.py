"""Invoking a function deployed on AWS (or any Invoke API endpoint) through boto3, as a local-style record."""

from __future__ import annotations

import base64
import re
from typing import Any

from console.engine import InvocationResult, Summary
from console.engine.logs import parse_report

from .api import LOG_TAIL_BYTES
from .invocation_types import normalise_invocation_type

_ARN_REGION_RE = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):")
# Longer than Lambda's 15-minute maximum timeout, so a slow function is not cut off by the client.
READ_TIMEOUT_S = 960
BOTO3_MISSING = (
    "Invoking a deployed function needs boto3, which is not installed: "
    "pip install 'lambda-console[remote]'"
)


class RemoteInvokeError(Exception):
    """The endpoint refused the call (e.g. ResourceNotFoundException) or could not be reached.

    `code` is the API's error code (None when there was no answer), `status` the HTTP status.
    """

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class Boto3Missing(RemoteInvokeError):
    """boto3 (the `remote` extra) is not installed."""


def make_client(endpoint_url: str | None = None, region: str | None = None, function: str = "") -> Any:
    """A boto3 Lambda client; a local endpoint without credentials gets dummy ones (it ignores them)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise Boto3Missing(BOTO3_MISSING) from None
    match = _ARN_REGION_RE.match(function)
    session = boto3.session.Session(region_name=region or (match.group(1) if match else None))
    kwargs: dict[str, Any] = {
        "region_name": session.region_name or "us-east-1",
        # One click, one invocation: the SDK must not re-invoke on a read timeout.
        "config": Config(read_timeout=READ_TIMEOUT_S, connect_timeout=10, retries={"total_max_attempts": 1}),
    }
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
        if session.get_credentials() is None:
            kwargs.update(aws_access_key_id="lambda-console", aws_secret_access_key="lambda-console")
    return session.client("lambda", **kwargs)


def remote_invoke(
    function: str,
    event_bytes: bytes,
    *,
    invocation_type: str = "RequestResponse",
    endpoint_url: str | None = None,
    region: str | None = None,
    client: Any = None,
) -> tuple[int, InvocationResult]:
    """Invoke `function` (name or ARN) through the Invoke API and describe it like a local run.

    Returns (HTTP status code, InvocationResult) built from the payload, FunctionError and the
    decoded log tail (LogType=Tail for RequestResponse; Event and DryRun have no log). The summary
    figures come from the REPORT line when the tail holds it, zeros otherwise.
    Raises RemoteInvokeError (Boto3Missing when boto3 is not installed).
    """
    invocation_type = normalise_invocation_type(invocation_type)
    if client is None:
        client = make_client(endpoint_url, region, function)
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs: dict[str, Any] = {"FunctionName": function, "InvocationType": invocation_type, "Payload": event_bytes}
    if invocation_type == "RequestResponse":
        kwargs["LogType"] = "Tail"
    try:
        response = client.invoke(**kwargs)
        payload = response["Payload"].read() if response.get("Payload") is not None else b""
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.get("Code")
        raise RemoteInvokeError(f"{code}: {error.get('Message', '')}", code, status) from None
    except BotoCoreError as exc:
        raise RemoteInvokeError(str(exc)) from None
    return response["StatusCode"], record_from_response(function, response, payload)


def record_from_response(function: str, response: dict[str, Any], payload: bytes) -> InvocationResult:
    """An InvocationResult from an Invoke response (what the CLI and the TUI render)."""
    log = ""
    if response.get("LogResult"):
        log = base64.b64decode(response["LogResult"]).decode("utf-8", errors="replace")
    function_error = response.get("FunctionError")
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    request_id = headers.get("x-amzn-requestid") or response.get("ResponseMetadata", {}).get("RequestId", "")
    report = parse_report(log)
    platform_error = None
    if function_error and report is not None:
        platform_error = report.error_type or ("Sandbox.Timedout" if report.status == "timeout" else None)
    return InvocationResult(
        status="Failed" if function_error else "Succeeded",
        payload=payload,
        function_error="Unhandled" if function_error else None,
        request_id=request_id,
        log=log,
        summary=Summary(
            code_sha256="",  # the Invoke API does not say; the console shows it blank
            init_duration_ms=report.init_duration_ms if report else None,
            duration_ms=report.duration_ms if report else 0.0,
            billed_duration_ms=report.billed_duration_ms if report else 0,
            memory_size_mb=report.memory_size_mb if report else 0,
            max_memory_used_mb=report.max_memory_used_mb if report else 0,
        ),
        function_name=function.split(":function:")[-1].split(":")[0],
        platform_error=platform_error,
        content_type=headers.get("content-type", "application/json"),
        cold_start=report is not None and report.init_duration_ms is not None,
        log_truncated=len(log.encode()) >= LOG_TAIL_BYTES - 4,
    )
