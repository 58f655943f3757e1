"""Fixed invocation records (ids, durations, hashes) for deterministic screenshots."""

from __future__ import annotations

from console.engine import InvocationResult, Summary

REQUEST_ID = "8f1c0a4e-3b7d-4c1e-9a55-0d2e7c1b95e2"
CODE_SHA = "pW3QkzJ0mY7fS1bq0cV4gk2x8Hc3v1bq9oT2nLhE5Rk="

SUCCESS_LOG = (
    "INIT_START Runtime Version: python:3.14.local\tRuntime Version ARN: local:host-python\n"
    "Loading function\n"
    f"START RequestId: {REQUEST_ID} Version: $LATEST\n"
    "value1 = value1\nvalue2 = value2\nvalue3 = value3\n"
    f"END RequestId: {REQUEST_ID}\n"
    f"REPORT RequestId: {REQUEST_ID}\tDuration: 0.84 ms\tBilled Duration: 23 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 19 MB\tInit Duration: 21.37 ms\t\n"
)

SUCCESS = InvocationResult(
    status="Succeeded",
    payload=b'"value1"',
    function_error=None,
    request_id=REQUEST_ID,
    log=SUCCESS_LOG,
    summary=Summary(CODE_SHA, 21.37, 0.84, 23, 128, 19),
    function_name="hello-world",
    cold_start=True,
)

FAILURE_PAYLOAD = (
    '{"errorMessage": "I failed!", "errorType": "Exception", "requestId": "' + REQUEST_ID + '", '
    '"stackTrace": ["  File \\"/var/task/lambda_function.py\\", line 5, in always_failed_handler\\n'
    "    raise Exception('I failed!')\\n\"]}"
).encode()

FAILURE_LOG = (
    f"START RequestId: {REQUEST_ID} Version: $LATEST\n"
    "[ERROR] Exception: I failed!\rTraceback (most recent call last):\r"
    "\u00a0\u00a0File \"/var/task/lambda_function.py\", line 5, in always_failed_handler\r"
    "\u00a0\u00a0\u00a0\u00a0raise Exception('I failed!')\n"
    f"END RequestId: {REQUEST_ID}\n"
    f"REPORT RequestId: {REQUEST_ID}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 19 MB\t\n"
)

FAILURE = InvocationResult(
    status="Failed",
    payload=FAILURE_PAYLOAD,
    function_error="Unhandled",
    request_id=REQUEST_ID,
    log=FAILURE_LOG,
    summary=Summary(CODE_SHA, None, 1.52, 2, 128, 19),
    function_name="hello-world",
)
