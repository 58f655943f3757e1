"""Every blueprint is well-formed, pure stdlib, and produces its real output through the engine."""

from __future__ import annotations

import ast
import base64
import json
import sys
from pathlib import Path

import pytest

from console import catalog

BLUEPRINTS = catalog.blueprints()
FUNCTIONS = [b for b in BLUEPRINTS if b.kind == "function"]
BY_NAME = {b.name: b for b in BLUEPRINTS}
REQUIRED = [
    "hello-world", "always-failed", "create-account", "apigateway-proxy", "s3-put", "sqs-batch",
    "scheduled-task", "kinesis-decoder", "kinesis-poison", "timeout-demo", "author-from-scratch",
]


def handler_def(blueprint: catalog.Blueprint) -> ast.FunctionDef | None:
    module, _, function = blueprint.handler.rpartition(".")
    path = blueprint.path / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return node
    return None


# ---------------------------------------------------------------- metadata


def test_every_required_blueprint_is_present_and_none_is_skipped():
    _, problems = catalog.load_blueprints()
    assert problems == []
    assert len(FUNCTIONS) >= 9
    assert [n for n in REQUIRED if n not in BY_NAME] == []
    assert BLUEPRINTS[0].name == "hello-world"


@pytest.mark.parametrize("blueprint", FUNCTIONS, ids=lambda b: b.name)
def test_metadata_is_valid_for_lambda(blueprint):
    from console.engine import RUNTIMES

    meta = json.loads((blueprint.path / "blueprint.json").read_text())
    assert {"name", "title", "description", "runtime", "handler", "timeout", "memory"} <= set(meta)
    assert ("event" in meta) != ("event_body" in meta)
    assert blueprint.name == blueprint.path.name
    assert blueprint.runtime in RUNTIMES
    assert 1 <= blueprint.timeout_s <= 900
    assert 128 <= blueprint.memory_mb <= 10240
    assert blueprint.title and blueprint.description
    json.loads(blueprint.event_text())


@pytest.mark.parametrize("blueprint", FUNCTIONS, ids=lambda b: b.name)
def test_handler_string_points_at_a_two_argument_function(blueprint):
    assert blueprint.handler_file is not None, blueprint.handler
    node = handler_def(blueprint)
    assert node is not None, f"{blueprint.handler} not defined"
    assert [a.arg for a in node.args.args] == ["event", "context"]


@pytest.mark.parametrize("blueprint", FUNCTIONS, ids=lambda b: b.name)
def test_code_imports_only_the_standard_library(blueprint):
    local = {p.stem for p in blueprint.path.glob("*.py")}
    for rel in blueprint.code_files():
        if rel.suffix != ".py":
            continue
        tree = ast.parse((blueprint.path / rel).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in sys.stdlib_module_names or root in local, f"{rel}: imports {root}"


def test_hello_world_is_the_consoles_blueprint_verbatim():
    code = (BY_NAME["hello-world"].path / "lambda_function.py").read_text()
    assert code.startswith("import json\n")
    assert "print('Loading function')" in code
    assert '#print("Received event: " + json.dumps(event, indent=2))' in code
    for n in (1, 2, 3):
        assert f'print("value{n} = " + event[\'key{n}\'])' in code
    assert "return event['key1']  # Echo back the first key value" in code
    assert "#raise Exception('Something went wrong')" in code


def test_author_from_scratch_is_the_consoles_default_code():
    code = (BY_NAME["author-from-scratch"].path / "lambda_function.py").read_text()
    assert "# TODO implement" in code and "json.dumps('Hello from Lambda!')" in code


def test_seed_handlers_keep_their_names():
    assert BY_NAME["always-failed"].handler == "lambda_function.always_failed_handler"
    assert BY_NAME["create-account"].handler == "lambda_function.create_account"
    assert "class AccountAlreadyExistsException(Exception)" in (
        BY_NAME["create-account"].path / "lambda_function.py"
    ).read_text()


def test_state_machine_blueprints_load_with_their_kind():
    for blueprint in BLUEPRINTS:
        assert blueprint.kind in ("function", "state-machine", "sam-project")
        if blueprint.kind == "state-machine":
            assert blueprint.to_dict()["kind"] == "state-machine"


# ---------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def engine():
    from console.engine import Engine

    eng = Engine()
    yield eng
    eng.close()


def run(engine, blueprint_name: str, event: object | None = None, force_cold: bool = False, **overrides):
    from console.engine import FunctionConfig

    blueprint = BY_NAME[blueprint_name]
    values = dict(
        code_dir=blueprint.path,
        handler=blueprint.handler,
        runtime=blueprint.runtime,
        timeout_s=blueprint.timeout_s,
        memory_mb=blueprint.memory_mb,
        function_name=blueprint.name,
    )
    values.update(overrides)
    payload = blueprint.event_bytes() if event is None else json.dumps(event).encode()
    return engine.invoke(FunctionConfig(**values), payload, force_cold=force_cold)


def test_hello_world_returns_value1_and_logs_the_three_values(engine):
    result = run(engine, "hello-world", force_cold=True)
    assert result.status == "Succeeded"
    assert result.payload_value() == "value1"
    lines = result.log.splitlines()
    for n in (1, 2, 3):
        assert f"value{n} = value{n}" in lines
    assert result.cold_start
    assert "Loading function" in lines  # module-level print runs at init


def test_always_failed_reports_the_seeds_error(engine):
    result = run(engine, "always-failed")
    assert result.status == "Failed"
    assert result.function_error == "Unhandled"
    error = result.payload_value()
    assert error["errorType"] == "Exception"
    assert error["errorMessage"] == "I failed!"
    assert any("raise Exception('I failed!')" in frame for frame in error["stackTrace"])
    assert "[ERROR] Exception: I failed!" in result.log


def test_create_account_raises_for_a_taken_name(engine):
    result = run(engine, "create-account")  # the default event uses a taken name
    assert result.status == "Failed"
    assert result.error_type == "AccountAlreadyExistsException"
    assert result.payload_value()["errorMessage"] == "Account is in use!"
    admin = run(engine, "create-account", {"username": "admin"})
    assert admin.error_type == "AccountAlreadyExistsException"


def test_create_account_succeeds_for_a_free_name(engine):
    result = run(engine, "create-account", {"username": "new-user", "email": "new@example.com"})
    assert result.status == "Succeeded", result.payload
    account = result.payload_value()
    assert account["username"] == "new-user"
    assert account["status"] == "CREATED"
    assert account["requestId"] == result.request_id
    assert "Creating account for new-user" in result.log


def test_author_from_scratch_returns_the_default_response(engine):
    result = run(engine, "author-from-scratch")
    assert result.payload_value() == {"statusCode": 200, "body": '"Hello from Lambda!"'}


def test_apigateway_proxy_echoes_the_sample_request(engine):
    result = run(engine, "apigateway-proxy")
    assert result.status == "Succeeded"
    response = result.payload_value()
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert body["method"] == "POST" and body["path"] == "/path/to/resource"
    assert body["body"] == {"test": "body"}  # base64 body decoded


def test_apigateway_proxy_routes_items(engine):
    listing = run(engine, "apigateway-proxy", {"httpMethod": "GET", "path": "/items"}).payload_value()
    assert listing["statusCode"] == 200
    assert json.loads(listing["body"])["items"][0]["name"] == "widget"
    missing = run(engine, "apigateway-proxy", {"httpMethod": "GET", "path": "/items/999"}).payload_value()
    assert missing["statusCode"] == 404
    bad = run(engine, "apigateway-proxy", {"httpMethod": "POST", "path": "/items", "body": "{nope"}).payload_value()
    assert bad["statusCode"] == 400
    other = run(engine, "apigateway-proxy", {"httpMethod": "PATCH", "path": "/x"}).payload_value()
    assert other["statusCode"] == 405


def test_s3_put_decodes_keys_and_summarises(engine):
    result = run(engine, "s3-put")
    summary = result.payload_value()
    assert summary["processed"] == 2
    assert [o["key"] for o in summary["objects"]] == ["test/key", "reports/2026/Q4 summary (draft).csv"]
    assert summary["totalBytes"] == 1024 + 48213
    assert "[INFO]" in result.log and "s3://amzn-s3-demo-bucket/test/key" in result.log


def test_sqs_batch_reports_only_the_failed_messages(engine):
    result = run(engine, "sqs-batch")
    assert result.status == "Succeeded"
    assert result.payload_value() == {
        "batchItemFailures": [
            {"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"},
            {"itemIdentifier": "7a2f1c3e-5b8d-4e6f-9a0b-1c2d3e4f5a6b"},
        ]
    }
    assert "Processed order 1001" in result.log
    assert "[ERROR]" in result.log


def test_sqs_batch_with_only_good_messages_has_no_failures(engine):
    event = json.loads(catalog.get_sample_event("sqs-receive-message").text())
    event["Records"] = [r for r in event["Records"] if r["body"].startswith("{")]
    assert run(engine, "sqs-batch", event).payload_value() == {"batchItemFailures": []}


def test_scheduled_task_derives_work_from_the_scheduled_time(engine):
    result = run(engine, "scheduled-task")
    out = result.payload_value()
    assert out["rule"] == "ExampleRule"
    assert out["scheduledTime"] == "2026-11-20T14:00:00Z"
    assert out["cutoffDate"] == "2026-10-21"
    assert "Rule ExampleRule fired" in result.log
    wrong = run(engine, "scheduled-task", {"source": "aws.s3"})
    assert wrong.error_type == "ValueError"


def test_kinesis_decoder_decodes_records_and_reports_bad_ones(engine):
    assert run(engine, "kinesis-decoder").payload_value() == {"batchItemFailures": []}
    event = json.loads(catalog.get_sample_event("kinesis-get-records").text())
    bad = json.loads(json.dumps(event["Records"][0]))
    bad["kinesis"]["sequenceNumber"] = "49590041265849680999999999999999999999999999999999999"
    bad["kinesis"]["data"] = base64.b64encode(b"Hello, this is a test 123.").decode()
    event["Records"].append(bad)
    result = run(engine, "kinesis-decoder", event)
    assert result.payload_value() == {"batchItemFailures": [{"itemIdentifier": bad["kinesis"]["sequenceNumber"]}]}
    assert "sensor-17" in result.log
    assert "Decoded 2 of 3 records" in result.log


def test_timeout_demo_times_out(engine):
    result = run(engine, "timeout-demo", timeout_s=1)
    assert result.status == "Failed"
    assert result.platform_error == "Sandbox.Timedout"
    error = result.payload_value()
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Status: timeout" in result.log


def test_timeout_demo_default_config_is_three_seconds_and_sleeps_longer():
    blueprint = BY_NAME["timeout-demo"]
    assert blueprint.timeout_s == 3
    assert json.loads(blueprint.event_text())["sleep_seconds"] > blueprint.timeout_s


def test_every_function_blueprint_runs_with_its_default_event(engine):
    # Ones with dedicated tests above are checked in detail there; this guards new blueprints.
    expected_failures = {"always-failed", "create-account", "timeout-demo"}
    for blueprint in FUNCTIONS:
        if blueprint.name == "timeout-demo":
            continue
        result = run(engine, blueprint.name)
        assert (result.status == "Failed") == (blueprint.name in expected_failures), (blueprint.name, result.payload)
        assert result.platform_error is None


def test_blueprint_code_files_exclude_metadata(tmp_path: Path):
    for blueprint in FUNCTIONS:
        names = [p.as_posix() for p in blueprint.code_files()]
        assert "blueprint.json" not in names
        assert "lambda_function.py" in names
        assert blueprint.read_code()["lambda_function.py"]
