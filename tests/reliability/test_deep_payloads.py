"""A function's answer nested 100,000 levels deep (raw bytes pass the runtime unchanged): every
reader of payloads gives something sane, never a RecursionError."""

from __future__ import annotations

import sys
from pathlib import Path

from console.engine.records import InvocationResult, Summary
from console.stepfunctions.interpreter import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stepfunctions"))
from sfn_fakes import FakeInvoker  # noqa: E402

DEEP = b"[" * 100_000 + b"]" * 100_000


def _result(payload: bytes, status: str = "Succeeded") -> InvocationResult:
    summary = Summary("sha", None, 1.0, 1, 128, 20)
    error = None if status == "Succeeded" else "Unhandled"
    return InvocationResult(status, payload, error, "id", "", summary)  # type: ignore[arg-type]


def test_payload_value_gives_the_text_of_a_body_too_deep_to_parse():
    result = _result(DEEP)
    assert result.payload_value() == DEEP.decode()
    assert result.to_json()["payload"] == DEEP.decode()
    assert _result(b'{"a": [1]}').payload_value() == {"a": [1]}


def test_a_failed_invocation_with_a_deep_body_has_no_error_type_and_no_crash():
    assert _result(DEEP, "Failed").error_type is None


def _task(resource: str) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True,
                                              **({"Parameters": {"FunctionName": "deep"}} if "states" in resource else {})}}}


def test_step_functions_fail_a_function_arn_task_cleanly_on_a_deep_answer():
    invoker = FakeInvoker({"deep": lambda event: DEEP})
    result = run(_task("arn:aws:lambda:us-east-1:123456789012:function:deep"), {}, invoker)
    assert (result.status, result.error) == ("FAILED", "Lambda.Unknown")
    assert "nested too deeply" in result.cause


def test_step_functions_lambda_invoke_hands_on_a_deep_answer_as_text():
    invoker = FakeInvoker({"deep": lambda event: DEEP})
    result = run(_task("arn:aws:states:::lambda:invoke"), {}, invoker)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["Payload"] == DEEP.decode()
