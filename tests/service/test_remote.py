"""remote_invoke through boto3 against `lambda-console serve`: the same record as a local run."""

from __future__ import annotations

import json

import pytest

from console.service.remote import RemoteInvokeError, remote_invoke


def test_remote_success_is_a_succeeded_record_with_the_log_tail(server):
    status, result = remote_invoke("hello", b'{"k": "v"}', endpoint_url=server.url)
    assert status == 200
    assert result.succeeded and result.function_error is None
    assert json.loads(result.payload)["event"] == {"k": "v"}
    assert result.function_name == "hello"
    assert f"START RequestId: {result.request_id} Version: $LATEST" in result.log
    assert "hello log line" in result.log
    assert result.summary.memory_size_mb == 128
    assert result.summary.billed_duration_ms >= 1


def test_remote_function_error_is_a_failed_record_with_the_error_object(server):
    status, result = remote_invoke(
        "arn:aws:lambda:us-east-1:123456789012:function:failer", b"{}", endpoint_url=server.url
    )
    assert status == 200
    assert (result.status, result.function_error, result.error_type) == ("Failed", "Unhandled", "ValueError")
    assert "[ERROR] ValueError: boom" in result.log
    assert result.function_name == "failer"


def test_remote_crash_keeps_the_platform_error_type(server):
    _, result = remote_invoke("crasher", b"{}", endpoint_url=server.url)
    assert result.error_type == "Runtime.ExitError"
    assert result.platform_error == "Runtime.ExitError"


@pytest.mark.parametrize(("invocation_type", "status"), [("Event", 202), ("DryRun", 204)])
def test_remote_event_and_dry_run_return_their_status_and_no_log(server, invocation_type, status):
    code, result = remote_invoke("hello", b"{}", invocation_type=invocation_type, endpoint_url=server.url)
    assert code == status
    assert result.payload == b"" and result.log == ""
    server.async_queue.drain(30)


def test_remote_errors_carry_the_api_error_code(server):
    with pytest.raises(RemoteInvokeError) as info:
        remote_invoke("nope", b"{}", endpoint_url=server.url)
    assert (info.value.code, info.value.status) == ("ResourceNotFoundException", 404)
    assert "Function not found" in str(info.value)


def test_an_unreachable_endpoint_is_a_remote_invoke_error():
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RemoteInvokeError):
        remote_invoke("hello", b"{}", endpoint_url=f"http://127.0.0.1:{port}")
