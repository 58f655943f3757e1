"""The engine's invocations: results, error objects, runtime errors, logs and the REPORT figures."""

from __future__ import annotations

import json
import re
import time

import pytest

from console.engine import ConfigError, FunctionConfig

HELLO = """
import json
print('Loading function')

def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    return event['key1']
"""
HELLO_EVENT = b'{"key1": "value1", "key2": "value2", "key3": "value3"}'
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_hello_world_returns_key1_and_logs_start_end_report(engine, make_function):
    r = engine.invoke(make_function(HELLO), HELLO_EVENT)
    assert r.succeeded and r.function_error is None
    assert r.payload == b'"value1"'
    lines = r.log.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:3.14.local")
    assert lines[1] == "Loading function"
    assert lines[2] == f"START RequestId: {r.request_id} Version: $LATEST"
    assert lines[3] == "value1 = value1"
    assert lines[4] == f"END RequestId: {r.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {r.request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms",
        lines[5],
    )
    assert re.fullmatch(UUID, r.request_id)


def test_second_invocation_is_warm_and_module_code_runs_once(engine, make_function):
    config = make_function(HELLO)
    first = engine.invoke(config, HELLO_EVENT)
    second = engine.invoke(config, HELLO_EVENT)
    assert first.cold_start and first.summary.init_duration_ms is not None
    assert not second.cold_start and second.summary.init_duration_ms is None
    assert "Loading function" not in second.log
    assert "INIT_START" not in second.log and "Init Duration" not in second.log


def test_a_warm_invocations_live_log_is_start_then_output_then_end_and_report(engine, make_function):
    config = make_function(HELLO)
    engine.invoke(config, HELLO_EVENT)
    pieces: list[str] = []
    r = engine.invoke(config, HELLO_EVENT, on_log=pieces.append)
    assert "".join(pieces) == r.log
    lines = r.log.splitlines()
    assert lines[0] == f"START RequestId: {r.request_id} Version: $LATEST"
    assert lines[1:3] == ["value1 = value1", f"END RequestId: {r.request_id}"]
    assert lines[3].startswith(f"REPORT RequestId: {r.request_id}\tDuration: ") and len(lines) == 4
    assert pieces[0] == lines[0] + "\n"  # START reached the listener before any output


def test_billed_duration_rounds_up_and_includes_init_on_cold_start(engine, make_function):
    config = make_function(HELLO)
    cold = engine.invoke(config, HELLO_EVENT).summary
    warm = engine.invoke(config, HELLO_EVENT).summary
    # duration_ms is shown rounded to 2 decimals; billing rounds the exact figure up to the ms
    assert -0.01 <= cold.billed_duration_ms - (cold.duration_ms + cold.init_duration_ms) < 1.01
    assert -0.01 <= warm.billed_duration_ms - warm.duration_ms < 1.01


def test_changing_code_retires_the_environment(engine, make_function):
    config = make_function(HELLO)
    engine.invoke(config, HELLO_EVENT)
    sha_before = engine.invoke(config, HELLO_EVENT).summary.code_sha256
    time.sleep(0.01)
    (config.code_dir / "lambda_function.py").write_text(HELLO.replace("return event['key1']", "return 'changed'"))
    r = engine.invoke(config, HELLO_EVENT)
    assert r.cold_start and r.payload == b'"changed"'
    assert r.summary.code_sha256 != sha_before


def test_code_sha256_is_stable_base64_of_a_sha256(engine, make_function):
    config = make_function(HELLO)
    a = engine.invoke(config, HELLO_EVENT).summary.code_sha256
    b = engine.invoke(config, HELLO_EVENT).summary.code_sha256
    assert a == b and len(a) == 44 and a.endswith("=")


def test_changing_configuration_retires_the_environment(engine, make_function):
    config = make_function(HELLO)
    engine.invoke(config, HELLO_EVENT)
    other = FunctionConfig(code_dir=config.code_dir, timeout_s=5)
    assert engine.invoke(other, HELLO_EVENT).cold_start


def test_new_environment_forces_a_cold_start(engine, make_function):
    config = make_function(HELLO)
    engine.invoke(config, HELLO_EVENT)
    engine.new_environment(config)
    assert engine.invoke(config, HELLO_EVENT).cold_start
    assert engine.invoke(config, HELLO_EVENT, force_cold=True).cold_start


def test_unhandled_exception_gives_lambdas_error_object_in_key_order(engine, make_function):
    config = make_function(
        """
        class AccountAlreadyExistsException(Exception): pass

        def create_account(event, context):
            raise AccountAlreadyExistsException('Account is in use!')
        """,
        handler="lambda_function.create_account",
    )
    r = engine.invoke(config, b"{}")
    assert r.status == "Failed" and r.function_error == "Unhandled"
    error = json.loads(r.payload)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorType"] == "AccountAlreadyExistsException"
    assert error["errorMessage"] == "Account is in use!"
    assert error["requestId"] == r.request_id
    assert error["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 5, in create_account\n'
        "    raise AccountAlreadyExistsException('Account is in use!')\n"
    ]
    assert r.payload.startswith(b'{"errorMessage": "Account is in use!", "errorType": ')
    assert r.error_type == "AccountAlreadyExistsException"
    assert "[ERROR] AccountAlreadyExistsException: Account is in use!\nTraceback (most recent call last):\n" in r.log
    assert '\u00a0\u00a0File "/var/task/lambda_function.py", line 5, in create_account' in r.log


def test_python37_reproduces_the_seed_documents_legacy_error_shape(engine, make_function):
    config = make_function(
        """
        def always_failed_handler(event, context):
            raise Exception('I failed!')
        """,
        handler="lambda_function.always_failed_handler",
        runtime="python3.7",
    )
    r = engine.invoke(config, b'{"key1": "value1"}')
    error = json.loads(r.payload)
    assert list(error) == ["errorMessage", "stackTrace", "errorType"]
    assert error == {
        "errorMessage": "I failed!",
        "stackTrace": [["/var/task/lambda_function.py", 3, "always_failed_handler", "raise Exception('I failed!')"]],
        "errorType": "Exception",
    }


def test_non_ascii_is_raw_from_312_and_escaped_before(engine, make_function):
    code = "def lambda_handler(event, context):\n    return 'héllo ✓'\n"
    new = engine.invoke(make_function(code, runtime="python3.13"), b"{}")
    old = engine.invoke(make_function(code, runtime="python3.11"), b"{}")
    assert new.payload == '"héllo ✓"'.encode()
    assert old.payload == b'"h\\u00e9llo \\u2713"'


@pytest.mark.parametrize(
    "handler, code, error_type, message",
    [
        ("nodot", "", "Runtime.MalformedHandlerName", "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"),
        ("missing.handler", "", "Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'"),
        ("lambda_function.nope", "x = 1\n", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'lambda_function'"),
        ("sys.handler", "", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
        (
            "lambda_function.lambda_handler",
            "import requests_not_installed\n",
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function': No module named 'requests_not_installed'",
        ),
    ],
)
def test_init_errors_use_the_runtimes_messages(engine, make_function, handler, code, error_type, message):
    r = engine.invoke(make_function(code, handler=handler), b"{}")
    error = json.loads(r.payload)
    assert error == {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    assert r.function_error == "Unhandled"
    # Lambda logs the failed init, retries it in the invoke phase, and reports the error type.
    assert f"Phase: init\tStatus: error\tError Type: {error_type}" in r.log
    assert f"Phase: invoke\tStatus: error\tError Type: {error_type}" in r.log
    assert r.log.count("LAMBDA_WARNING: Unhandled exception.") == 2
    assert r.log.rstrip().endswith(f"\tStatus: error\tError Type: {error_type}")
    assert r.summary.init_duration_ms is None


def test_package_handler_with_slash_or_dot(engine, make_function):
    files = {"pkg/__init__.py": "", "pkg/mod.py": "def handler(e, c):\n    return 'pkg'\n"}
    for handler in ("pkg/mod.handler", "pkg.mod.handler"):
        r = engine.invoke(make_function("", handler=handler, files=files), b"{}")
        assert r.payload == b'"pkg"', r.log


def test_syntax_error_has_its_one_frame_trace(engine, make_function):
    r = engine.invoke(make_function("def lambda_handler(event, context):\n    return (\n"), b"{}")
    error = json.loads(r.payload)
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'lambda_function': ")
    assert len(error["stackTrace"]) == 1
    assert error["stackTrace"][0].startswith('  File "/var/task/lambda_function.py" Line 2\n')


def test_exception_at_import_time_uses_its_class_name(engine, make_function):
    r = engine.invoke(make_function("raise ValueError('bad config')\n"), b"{}")
    error = json.loads(r.payload)
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "bad config"
    assert error["requestId"] == ""
    assert any("/var/task/lambda_function.py" in frame for frame in error["stackTrace"])


def test_marshal_error_for_unserializable_results(engine, make_function):
    r = engine.invoke(make_function("def lambda_handler(e, c):\n    return {1, 2}\n"), b"{}")
    error = json.loads(r.payload)
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


def test_decimal_results_are_raw_numbers(engine, make_function):
    code = "from decimal import Decimal\ndef lambda_handler(e, c):\n    return {'price': Decimal('1.10')}\n"
    assert engine.invoke(make_function(code), b"{}").payload == b'{"price": 1.10}'


@pytest.mark.parametrize("event", [b"[1, 2]", b'"text"', b"42", b"null", b"true", b'{"a": {"b": [1.5]}}'])
def test_events_of_any_json_type_pass_through(engine, make_function, event):
    r = engine.invoke(make_function("def lambda_handler(e, c):\n    return e\n"), event)
    assert json.loads(r.payload) == json.loads(event)


def test_bytes_results_are_returned_raw(engine, make_function):
    r = engine.invoke(make_function("def lambda_handler(e, c):\n    return b'\\x00raw'\n"), b"{}")
    assert r.payload == b"\x00raw" and r.content_type == "application/unknown"


def test_logging_records_use_the_runtime_format(engine, make_function):
    code = """
    import logging
    logger = logging.getLogger()
    logger.setLevel(logging.INFO)
    def lambda_handler(event, context):
        logger.info('## EVENT %s', 'x')
        logging.getLogger('child').debug('hidden')
        return None
    """
    r = engine.invoke(make_function(code), b"{}")
    assert re.search(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{r.request_id}\t## EVENT x\n", r.log)
    assert "hidden" not in r.log
    assert r.payload == b"null"


def test_stdout_and_stderr_both_reach_the_log_in_order(engine, make_function):
    code = "import sys\ndef lambda_handler(e, c):\n    print('one')\n    sys.stderr.write('two\\n')\n    print('three')\n"
    r = engine.invoke(make_function(code), b"{}")
    assert "one\ntwo\nthree\n" in r.log


def test_context_object_has_lambdas_attributes_and_formats(engine, make_function):
    code = """
    def lambda_handler(event, context):
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
            "client_context": context.client_context,
            "remaining": context.get_remaining_time_in_millis(),
        }
    """
    config = make_function(code, memory_mb=256, timeout_s=7, function_name="my-function")
    r = engine.invoke(config, b"{}")
    value = json.loads(r.payload)
    assert value["function_name"] == "my-function"
    assert value["function_version"] == "$LATEST"
    assert value["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    assert value["memory_limit_in_mb"] == "256"
    assert value["aws_request_id"] == r.request_id
    assert value["log_group_name"] == "/aws/lambda/my-function"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", value["log_stream_name"])
    assert value["identity"] == [None, None]
    assert value["client_context"] is None
    assert 5000 < value["remaining"] <= 7000


def test_client_context_and_identity_reach_the_context(engine, make_function):
    code = """
    def lambda_handler(event, context):
        return [context.client_context.custom, context.client_context.client.app_title,
                context.identity.cognito_identity_id]
    """
    r = engine.invoke(
        make_function(code),
        b"{}",
        client_context={"custom": {"k": "v"}, "client": {"app_title": "app"}, "env": {}},
        identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool"},
    )
    assert json.loads(r.payload) == [{"k": "v"}, "app", "id-1"]


def test_environment_has_lambdas_reserved_variables_and_no_host_secrets(engine, make_function, monkeypatch):
    monkeypatch.setenv("HOST_SECRET_TOKEN", "s3cr3t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-key")
    code = "import os\ndef lambda_handler(e, c):\n    return dict(os.environ)\n"
    config = make_function(code, environment={"TABLE_NAME": "accounts"}, function_name="env-fn", runtime="python3.12")
    env = json.loads(engine.invoke(config, b"{}").payload)
    assert "HOST_SECRET_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["TABLE_NAME"] == "accounts"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env-fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env-fn"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["TZ"] == ":UTC"
    assert env["LAMBDA_TASK_ROOT"] == str(config.code_dir)
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")


def test_reserved_environment_keys_are_refused(make_function):
    config = make_function(HELLO, environment={"AWS_REGION": "eu-west-1"})
    with pytest.raises(ConfigError, match="Reserved keys used in this request: AWS_REGION"):
        from console.engine import check

        check(config)


@pytest.mark.parametrize("field, value", [("timeout_s", 0), ("timeout_s", 901), ("memory_mb", 64), ("memory_mb", 10241), ("runtime", "python2.7")])
def test_out_of_range_configuration_is_refused(engine, make_function, field, value):
    with pytest.raises(ConfigError):
        engine.invoke(make_function(HELLO, **{field: value}), HELLO_EVENT)


def test_oversized_response_gives_response_size_too_large(engine, make_function):
    r = engine.invoke(make_function("def lambda_handler(e, c):\n    return 'x' * 6400000\n"), b"{}")
    assert json.loads(r.payload) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    assert r.function_error == "Unhandled"


def test_json_log_format_turns_platform_lines_and_records_into_json(engine, make_function):
    code = (
        "import logging\nlogging.getLogger().setLevel('INFO')\n"
        "def lambda_handler(e, c):\n    logging.info('hi')\n    raise ValueError('x')\n"
    )
    r = engine.invoke(make_function(code, environment={"AWS_LAMBDA_LOG_FORMAT": "JSON"}), b"{}")
    records = [json.loads(line) for line in r.log.splitlines()]
    assert [rec.get("type") for rec in records] == [
        "platform.initStart", "platform.start", None, None, "platform.report"
    ]
    assert records[2] == {"timestamp": records[2]["timestamp"], "level": "INFO", "message": "hi",
                          "logger": "root", "requestId": r.request_id}
    assert records[3]["level"] == "ERROR" and records[3]["errorType"] == "ValueError"
    report = records[4]["record"]
    assert report["requestId"] == r.request_id and "initDurationMs" in report["metrics"]


def test_python_variables_of_the_function_configure_its_interpreter(engine, make_function):
    code = "import sys\ndef lambda_handler(e, c):\n    return [sys.flags.hash_randomization, hash('lambda-console')]\n"
    r = engine.invoke(make_function(code, environment={"PYTHONHASHSEED": "0"}), b"{}")
    flag, value = json.loads(r.payload)
    import os
    import subprocess
    import sys

    expected = subprocess.run(
        [sys.executable, "-c", "print(hash('lambda-console'))"],
        env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert flag == 0 and value == int(expected)


def test_tracebacks_the_function_prints_itself_show_var_task(engine, make_function):
    code = """
    import logging, traceback
    def lambda_handler(event, context):
        try:
            1 / 0
        except ZeroDivisionError:
            traceback.print_exc()
            logging.getLogger().exception("caught")
        return "ok"
    """
    r = engine.invoke(make_function(code), b"{}")
    assert 'File "/var/task/lambda_function.py", line 5, in lambda_handler\n    1 / 0' in r.log
    assert str(make_function("").code_dir.parent) not in r.log


def test_platform_lines_start_on_a_line_of_their_own(engine, make_function):
    code = "def lambda_handler(event, context):\n    context.log('no newline here')\n"
    r = engine.invoke(make_function(code), b"{}")
    assert f"no newline here\nEND RequestId: {r.request_id}\n" in r.log


def test_non_strict_json_payloads_are_given_as_text_in_the_json_record(engine, make_function):
    r = engine.invoke(make_function("def lambda_handler(e, c):\n    return {'x': float('nan')}\n"), b"{}")
    assert r.payload == b'{"x": NaN}'
    assert r.to_json()["payload"] == '{"x": NaN}'
    json.dumps(r.to_json(), allow_nan=False)


def test_a_clean_exit_gives_no_reason(engine, make_function):
    r = engine.invoke(make_function("import sys\ndef lambda_handler(e, c):\n    sys.exit(0)\n"), b"{}")
    assert json.loads(r.payload)["errorMessage"] == (
        f"RequestId: {r.request_id} Error: Runtime exited without providing a reason"
    )


def test_report_lines_read_back_field_by_field(engine, make_function):
    from console.engine.logs import parse_report

    r = engine.invoke(make_function(HELLO), HELLO_EVENT)
    report = parse_report(r.log)
    s = r.summary
    assert report.request_id == r.request_id
    assert (report.billed_duration_ms, report.memory_size_mb, report.max_memory_used_mb) == (
        s.billed_duration_ms, s.memory_size_mb, s.max_memory_used_mb
    )
    assert report.duration_ms == pytest.approx(s.duration_ms, abs=0.01)
    assert report.init_duration_ms == pytest.approx(s.init_duration_ms, abs=0.01)
    assert report.status is None and report.error_type is None
    timeout = parse_report(
        "REPORT RequestId: x\tDuration: 3000.00 ms\tBilled Duration: 3068 ms\tMemory Size: 128 MB"
        "\tMax Memory Used: 40 MB\tInit Duration: 67.49 ms\tStatus: timeout\n"
    )
    assert (timeout.duration_ms, timeout.billed_duration_ms, timeout.status) == (3000.0, 3068, "timeout")
