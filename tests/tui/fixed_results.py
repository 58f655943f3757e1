"""Fixed invocation records (ids, durations, hashes) for deterministic screenshots."""

from __future__ import annotations

from console.engine import InvocationResult, Summary
from console.engine.logs import TextPlatformLog

REQUEST_ID = "8f1c0a4e-3b7d-4c1e-9a55-0d2e7c1b95e2"
CODE_SHA = "pW3QkzJ0mY7fS1bq0cV4gk2x8Hc3v1bq9oT2nLhE5Rk="

# The platform lines come from the engine's own writer, so the snapshots pin the real format.
_PLATFORM = TextPlatformLog()

SUCCESS_LOG = (
    _PLATFORM.init_start("3.14", "3.11.7")
    + "Loading function\n"
    + _PLATFORM.start(REQUEST_ID)
    + "value1 = value1\nvalue2 = value2\nvalue3 = value3\n"
    + _PLATFORM.end(REQUEST_ID)
    + _PLATFORM.report(REQUEST_ID, 0.84, 23, 128, 19, 21.37)
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
    _PLATFORM.start(REQUEST_ID)
    + "[ERROR] Exception: I failed!\nTraceback (most recent call last):\n"
    "\u00a0\u00a0File \"/var/task/lambda_function.py\", line 5, in always_failed_handler\n"
    "\u00a0\u00a0\u00a0\u00a0raise Exception('I failed!')\n"
    + _PLATFORM.end(REQUEST_ID)
    + _PLATFORM.report(REQUEST_ID, 1.52, 2, 128, 19, None)
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
