"""Without directories the server exposes the workspace's functions, including ones created later."""

from __future__ import annotations

import json

from console import workspace
from console.service.registry import FunctionRegistry
from console.service.server import LambdaServer


def test_the_workspace_functions_are_served_by_name(tmp_path, monkeypatch, shared_engine, make_client):
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(tmp_path / "home"))
    workspace.create_function_from_blueprint("hello-world", "first")
    with LambdaServer(FunctionRegistry(), port=0, engine=shared_engine, persist_metrics=False).start() as server:
        client = make_client(server.url)
        assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == ["first"]
        workspace.create_function_from_blueprint("hello-world", "second")
        server.registry._scanned = 0.0  # as if the re-scan interval had passed
        response = client.invoke(FunctionName="second", Payload=b'{"key1": "a", "key2": "b", "key3": "c"}')
        assert response["StatusCode"] == 200
        assert "FunctionError" not in response
        assert json.loads(response["Payload"].read()) == "a"


def test_a_corrupt_settings_file_is_left_alone_and_the_last_good_settings_stay(tmp_path, capsys):
    from console.service.registry import FunctionRegistry

    folder = tmp_path / "fn"
    (folder / ".lambda-console").mkdir(parents=True)
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c): return 1\n")
    settings = folder / ".lambda-console" / "config.json"
    settings.write_text('{"timeout": 7}')
    registry = FunctionRegistry([folder])
    assert registry.get("fn").timeout_s == 7
    settings.write_text('{"timeout": ')  # an editor mid-save
    registry.refresh()
    assert registry.get("fn").timeout_s == 7
    assert settings.read_text() == '{"timeout": '
    assert "config.json" in capsys.readouterr().err
    settings.write_text('{"timeout": 9}')
    registry.refresh()
    assert registry.get("fn").timeout_s == 9
