"""The Invoke API through the real boto3 client: what each invocation type and error returns."""

from __future__ import annotations

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError


def test_sync_invoke_returns_200_with_the_function_payload(client):
    response = client.invoke(FunctionName="hello", Payload=b'{"key1": "value1"}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    body = json.loads(response["Payload"].read())
    assert body["body"] == '"Hello from Lambda!"'
    assert body["event"] == {"key1": "value1"}


def test_empty_payload_reaches_the_function_as_an_empty_object(client):
    body = json.loads(client.invoke(FunctionName="hello")["Payload"].read())
    assert body["event"] == {}


def test_unhandled_error_is_200_with_function_error_and_the_error_object(client):
    response = client.invoke(FunctionName="failer", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "boom")
    assert error["requestId"] == response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_log_type_tail_returns_the_base64_log_with_start_end_report(client):
    response = client.invoke(FunctionName="hello", Payload=b"{}", LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in log
    assert "hello log line" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}\tDuration: " in log


def test_log_tail_is_only_the_last_4_kb(make_function, start_server, make_client):
    folder = make_function("chatty", """
        def lambda_handler(event, context):
            for i in range(500):
                print(f"line {i:04d} " + "é" * 20)
            return 1
    """)
    client = make_client(start_server([folder]).url)
    response = client.invoke(FunctionName="chatty", LogType="Tail")
    raw = base64.b64decode(response["LogResult"])
    assert len(raw) <= 4096
    log = raw.decode("utf-8")  # cut on a character boundary
    assert log.rstrip().splitlines()[-1].startswith("REPORT RequestId:")
    assert "line 0000" not in log


def test_without_log_type_there_is_no_log_result(client):
    assert "LogResult" not in client.invoke(FunctionName="hello")


def test_event_invocation_returns_202_at_once_with_an_empty_body(client, server):
    response = client.invoke(FunctionName="hello", InvocationType="Event", Payload=b'{"a": 1}')
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert server.async_queue.drain(30)


def test_dry_run_returns_204_without_running_the_function(client, server, function_dirs):
    response = client.invoke(FunctionName="failer", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    assert server.metrics.export("failer")["functions"]["failer"]["totals"]["Invocations"] == 0


def test_dry_run_of_an_unresolvable_handler_is_invalid_parameter_value(make_function, start_server, make_client):
    folder = make_function("nohandler", "def other(event, context):\n    return 1\n")
    client = make_client(start_server([folder]).url)
    with pytest.raises(client.exceptions.InvalidParameterValueException) as info:
        client.invoke(FunctionName="nohandler", InvocationType="DryRun")
    assert "Handler 'lambda_handler' missing on module 'lambda_function'" in str(info.value)


@pytest.mark.parametrize(
    "name",
    ["nope", "arn:aws:lambda:us-east-1:123456789012:function:nope", "123456789012:function:nope"],
)
def test_unknown_function_is_resource_not_found_404(client, name):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as info:
        client.invoke(FunctionName=name, Payload=b"{}")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert info.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    )


@pytest.mark.parametrize(
    "name",
    ["hello", "hello:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:hello",
     "arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST", "123456789012:function:hello"],
)
def test_name_partial_and_full_arn_and_latest_qualifier_all_reach_the_function(client, name):
    assert client.invoke(FunctionName=name)["StatusCode"] == 200


def test_qualifier_other_than_latest_is_resource_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as info:
        client.invoke(FunctionName="hello", Qualifier="prod")
    assert info.value.response["Error"]["Message"].endswith("function:hello:prod")
    assert client.invoke(FunctionName="hello", Qualifier="$LATEST")["StatusCode"] == 200


def test_invalid_json_is_invalid_request_content_400(client):
    with pytest.raises(client.exceptions.InvalidRequestContentException) as info:
        client.invoke(FunctionName="hello", Payload=b"{not json")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json:"
    )


def test_sync_payload_over_6_mb_is_request_too_large_413(client):
    with pytest.raises(client.exceptions.RequestTooLargeException) as info:
        client.invoke(FunctionName="hello", Payload=b'"' + b"x" * 6_291_456 + b'"')
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert info.value.response["Error"]["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_async_payload_over_1_mb_is_request_too_large_but_sync_accepts_it(client, server):
    payload = b'"' + b"x" * 1_100_000 + b'"'
    with pytest.raises(client.exceptions.RequestTooLargeException) as info:
        client.invoke(FunctionName="hello", InvocationType="Event", Payload=payload)
    assert info.value.response["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )
    assert client.invoke(FunctionName="hello", Payload=payload)["StatusCode"] == 200


def test_over_the_concurrency_limit_is_too_many_requests_429(function_dirs, start_server, make_client):
    server = start_server(function_dirs.values(), concurrency=1)
    client = make_client(server.url)
    started = threading.Event()
    results = {}

    def slow_call():
        results["slow"] = client.invoke(FunctionName="slow", Payload=b'{"sleep": 3}')

    worker = threading.Thread(target=slow_call)
    worker.start()
    # Wait until the slow invocation holds the function's only slot.
    for _ in range(600):
        if server.limiter.running("slow"):
            started.set()
            break
        threading.Event().wait(0.01)
    assert started.is_set()
    with pytest.raises(client.exceptions.TooManyRequestsException) as info:
        client.invoke(FunctionName="slow", Payload=b'{"sleep": 0}')
    worker.join()
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error["Error"]["Message"] == "Rate Exceeded."
    assert results["slow"]["StatusCode"] == 200
    assert server.metrics.export("slow")["functions"]["slow"]["totals"]["Throttles"] == 1


@pytest.mark.parametrize("name", ["a/../b", "..%2F..%2Fetc", "x" * 300, "bad name", "hello:v1:extra"])
def test_names_failing_lambdas_pattern_are_rejected_without_touching_files(client, name):
    with pytest.raises(ClientError) as info:
        client.invoke(FunctionName=name)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)


def test_fifty_concurrent_invocations_are_all_answered_correctly(function_dirs, start_server, make_client):
    server = start_server(function_dirs.values(), concurrency=50)
    client = make_client(server.url, max_pool=50)

    def call(i: int):
        response = client.invoke(FunctionName="echo", Payload=json.dumps({"i": i}).encode())
        return response["StatusCode"], json.loads(response["Payload"].read())

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(call, range(50)))
    assert [status for status, _ in answers] == [200] * 50
    assert [body["event"]["i"] for _, body in answers] == list(range(50))
    assert len({body["requestId"] for _, body in answers}) == 50


def test_client_context_reaches_the_function(client):
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    body = json.loads(client.invoke(FunctionName="echo", ClientContext=context)["Payload"].read())
    assert body["clientContext"] == {"k": "v"}


def test_list_functions_and_get_function_describe_the_functions(client, function_dirs):
    names = [f["FunctionName"] for f in client.list_functions()["Functions"]]
    assert names == sorted(function_dirs)
    paginated = [f["FunctionName"] for page in client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}) for f in page["Functions"]]
    assert paginated == names
    config = client.get_function(FunctionName="hello")["Configuration"]
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:hello"
    assert (config["Handler"], config["Runtime"], config["Version"]) == ("lambda_function.lambda_handler", "python3.14", "$LATEST")
    assert client.get_function_configuration(FunctionName="hello")["MemorySize"] == 128
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName="nope")


def test_a_latest_qualified_call_shows_the_qualified_arn_to_the_function(make_function, start_server, make_client):
    folder = make_function("arn", """
        def lambda_handler(event, context):
            return context.invoked_function_arn
    """)
    client = make_client(start_server([folder]).url)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:arn"
    assert client.invoke(FunctionName="arn")["Payload"].read() == f'"{arn}"'.encode()
    assert client.invoke(FunctionName="arn:$LATEST")["Payload"].read() == f'"{arn}:$LATEST"'.encode()


def test_concurrent_calls_run_in_parallel_environments_that_are_then_reused_warm(make_function, start_server, make_client, tmp_path):
    # Each call waits until all ten have arrived: they can only all arrive if they run at once.
    folder = make_function("gather", """
        import os, time
        def lambda_handler(event, context):
            open(os.path.join(event["dir"], context.aws_request_id), "w").close()
            deadline = time.time() + 20
            while len(os.listdir(event["dir"])) < event["n"] and time.time() < deadline:
                time.sleep(0.01)
            return {"pid": os.getpid(), "allArrived": len(os.listdir(event["dir"])) >= event["n"]}
    """, files={".lambda-console/config.json": '{"timeout": 30}'})
    server = start_server([folder])
    client = make_client(server.url, max_pool=10)

    def round_of_ten(name: str) -> list[dict]:
        meeting = tmp_path / name
        meeting.mkdir()
        payload = json.dumps({"dir": str(meeting), "n": 10}).encode()
        with ThreadPoolExecutor(10) as pool:
            return list(pool.map(lambda _: json.loads(client.invoke(FunctionName="gather", Payload=payload)["Payload"].read()), range(10)))

    first = round_of_ten("first")
    assert all(answer["allArrived"] for answer in first)
    assert len({answer["pid"] for answer in first}) == 10
    second = round_of_ten("second")
    assert {answer["pid"] for answer in second} <= {answer["pid"] for answer in first}
