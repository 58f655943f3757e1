"""invoke() for each invocation type, the payload checks and DryRun's static handler check."""

from __future__ import annotations

import pytest

from console.engine import ConfigError, FunctionConfig
from console.service.errors import InvalidParameterValue, InvalidRequestContent, RequestTooLarge
from console.engine.handler_check import check_handler
from console.service.invocation_types import check_payload, invoke


def test_request_response_runs_the_function_and_returns_200(shared_engine, function_dirs):
    config = FunctionConfig(code_dir=function_dirs["hello"])
    outcome = invoke(shared_engine, config, b'{"a": 1}')
    assert outcome.status_code == 200
    assert outcome.result is not None and outcome.result.succeeded
    assert outcome.request_id == outcome.result.request_id
    assert outcome.caller_summary() == "200 OK"


def test_a_function_error_is_still_200_with_function_error(shared_engine, function_dirs):
    outcome = invoke(shared_engine, FunctionConfig(code_dir=function_dirs["failer"]), b"{}")
    assert (outcome.status_code, outcome.function_error) == (200, "Unhandled")
    assert outcome.caller_summary() == "200 OK — X-Amz-Function-Error: Unhandled"


def test_event_without_a_queue_is_a_programming_error(shared_engine, function_dirs):
    with pytest.raises(ValueError):
        invoke(shared_engine, FunctionConfig(code_dir=function_dirs["hello"]), b"{}", "Event")


def test_dry_run_is_204_and_does_not_run(shared_engine, function_dirs):
    outcome = invoke(shared_engine, FunctionConfig(code_dir=function_dirs["crasher"]), b"{}", "DryRun")
    assert (outcome.status_code, outcome.result) == (204, None)
    assert outcome.caller_summary().startswith("204 No Content")


def test_dry_run_reports_an_invalid_configuration(shared_engine, function_dirs):
    config = FunctionConfig(code_dir=function_dirs["hello"], timeout_s=901)
    with pytest.raises(ConfigError, match="Timeout must be between 1 and 900"):
        invoke(shared_engine, config, b"{}", "DryRun")


def test_unknown_invocation_type_is_invalid_parameter_value(shared_engine, function_dirs):
    with pytest.raises(InvalidParameterValue):
        invoke(shared_engine, FunctionConfig(code_dir=function_dirs["hello"]), b"{}", "Sometimes")


@pytest.mark.parametrize(
    ("payload", "error"),
    [(b"{oops", InvalidRequestContent), (b"\x87{}", InvalidRequestContent), (b"1" * 6_291_457, RequestTooLarge)],
)
def test_payloads_lambda_refuses(payload, error):
    with pytest.raises(error):
        check_payload(payload)


def test_the_async_limit_is_1_mb_and_blank_payloads_become_an_empty_object():
    with pytest.raises(RequestTooLarge, match=r"too large for the Event invocation type \(limit 1048576 bytes\)"):
        check_payload(b"1" * 1_048_577, "Event")
    assert check_payload(b"1" * 1_048_577) == b"1" * 1_048_577
    assert check_payload(b"  ") == b"{}"


def test_invalid_utf8_message_names_the_byte():
    with pytest.raises(InvalidRequestContent, match="Invalid UTF-8 start byte 0x87"):
        check_payload(b"\x87")


@pytest.mark.parametrize(
    ("files", "handler", "problem"),
    [
        ({"lambda_function.py": "def lambda_handler(e, c): pass"}, "lambda_function.lambda_handler", None),
        ({"pkg/mod.py": "async def go(e, c): pass"}, "pkg/mod.go", None),
        ({"pkg/mod.py": "go = lambda e, c: 1"}, "pkg.mod.go", None),
        ({"pkg/__init__.py": "from os import path as go"}, "pkg.go", None),
        ({"m.py": "try:\n    def h(e, c): pass\nexcept Exception:\n    pass"}, "m.h", None),
        ({"m.py": "def h(e, c): pass"}, "h", "Bad handler 'h': not enough values to unpack (expected 2, got 1)"),
        ({"m.py": "def h(e, c): pass"}, "missing.h", "Unable to import module 'missing': No module named 'missing'"),
        ({"m.py": "def other(e, c): pass"}, "m.h", "Handler 'h' missing on module 'm'"),
        ({"m.py": "def h(e, c):\n  return (\n"}, "m.h", "Syntax error in module 'm': "),
        ({"m.py": "def h(e, c): pass"}, "../m.h", "Unable to import module '../m': "),
        ({"m.py": "from os.path import *"}, "m.join", None),
        ({"pkg/sub/m.py": "def h(e, c): pass"}, "pkg/sub/m.h", None),
        ({"m.py": "def h(e, c): pass"}, "pkg/m.h", "Unable to import module 'pkg/m': No module named 'pkg'"),
        ({"sys.py": "def h(e, c): pass"}, "sys.h", "Cannot use built-in module sys as a handler module"),
    ],
)
def test_handler_is_resolved_statically(tmp_path, files, handler, problem):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = check_handler(tmp_path, handler)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.message.startswith(problem)


def test_the_handler_check_never_imports_the_code(tmp_path):
    (tmp_path / "m.py").write_text("open(__file__ + '.ran', 'w').close()\ndef h(e, c): pass\n")
    assert check_handler(tmp_path, "m.h") is None
    assert not (tmp_path / "m.py.ran").exists()
