"""Function folders: settings files, saved events, creation from blueprints, atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from console import catalog, workspace
from console.workspace import FunctionSettings


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def fn_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    return folder


# ---------------------------------------------------------------- root


def test_workspace_root_prefers_lambda_console_home_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert workspace.workspace_root() == tmp_path / "explicit"
    monkeypatch.delenv("LAMBDA_CONSOLE_HOME")
    assert workspace.workspace_root() == tmp_path / "xdg" / "lambda-console"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert workspace.workspace_root() == tmp_path / "home" / ".local" / "share" / "lambda-console"


def test_default_root_is_used_when_none_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(tmp_path / "home"))
    fn = workspace.ensure_default_function()
    assert fn.dir == (tmp_path / "home" / "functions" / "hello-world").resolve()


# ---------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_content_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    workspace.atomic_write_text(target, "one")
    workspace.atomic_write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert os.listdir(target.parent) == ["f.txt"]


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    target.write_text("precious")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(workspace.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        workspace.atomic_write_text(target, "new")
    assert target.read_text() == "precious"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_atomic_write_preserves_file_mode(tmp_path):
    target = tmp_path / "script.py"
    target.write_text("x")
    target.chmod(0o755)
    workspace.atomic_write_text(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_atomic_write_keeps_text_exactly(tmp_path):
    target = tmp_path / "f.txt"
    workspace.atomic_write_text(target, "a\r\nb\n\u00e9")
    assert target.read_bytes() == "a\r\nb\n\u00e9".encode()


# ---------------------------------------------------------------- settings


def test_missing_config_gives_lambda_defaults_without_warning(fn_dir):
    settings, warning = workspace.load_function_config(fn_dir)
    assert warning is None
    assert settings == FunctionSettings()
    assert (settings.handler, settings.runtime, settings.memory_mb, settings.timeout_s) == (
        "lambda_function.lambda_handler", "python3.14", 128, 3)


def test_config_round_trips_as_readable_json(fn_dir):
    settings = FunctionSettings(handler="app.main", runtime="python3.12", memory_mb=512, timeout_s=30,
                                environment={"STAGE": "dev"}, description="d", blueprint="s3-put")
    path = workspace.save_function_config(fn_dir, settings)
    assert path == fn_dir / ".lambda-console" / "config.json"
    text = path.read_text()
    assert text.startswith('{\n  "handler": "app.main",\n')
    assert json.loads(text) == {"handler": "app.main", "runtime": "python3.12", "memory": 512, "timeout": 30,
                                "environment": {"STAGE": "dev"}, "description": "d", "blueprint": "s3-put"}
    assert workspace.load_function_config(fn_dir) == (settings, None)


def test_unknown_config_keys_survive_a_save(fn_dir):
    path = workspace.config_path(fn_dir)
    path.parent.mkdir()
    path.write_text(json.dumps({"handler": "a.b", "run_on_save": True}))
    settings, _ = workspace.load_function_config(fn_dir)
    settings.timeout_s = 10
    workspace.save_function_config(fn_dir, settings)
    assert json.loads(path.read_text())["run_on_save"] is True


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"timeout": "3"}', b'{"environment": {"A": 1}}', b'{"memory": true}', b"\xff\xfe"],
)
def test_corrupt_config_gives_defaults_a_warning_and_a_backup(fn_dir, content):
    path = workspace.config_path(fn_dir)
    path.parent.mkdir()
    path.write_bytes(content)
    settings, warning = workspace.load_function_config(fn_dir)
    assert settings == FunctionSettings()
    assert warning and "corrupt" in warning and str(path) in warning
    backups = list(path.parent.glob("config.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == content
    assert backups[0].name in warning
    assert not path.exists()
    # saving afterwards never touches the backup
    workspace.save_function_config(fn_dir, settings)
    assert backups[0].read_bytes() == content


def test_two_corrupt_loads_keep_both_backups(fn_dir):
    path = workspace.config_path(fn_dir)
    path.parent.mkdir()
    for content in (b"{1", b"{2"):
        path.write_bytes(content)
        workspace.load_function_config(fn_dir)
    assert sorted(p.read_bytes() for p in path.parent.glob("config.json.corrupt-*")) == [b"{1", b"{2"]


def test_load_function_reports_the_corrupt_settings_warning(fn_dir):
    workspace.config_path(fn_dir).parent.mkdir()
    workspace.config_path(fn_dir).write_text("nope")
    fn = workspace.load_function(fn_dir)
    assert fn.warning and fn.handler == "lambda_function.lambda_handler"
    assert fn.name == "fn"


# ---------------------------------------------------------------- functions


def test_create_function_copies_code_and_blueprint_settings(root):
    fn = workspace.create_function_from_blueprint("create-account", "accounts", root)
    assert fn.dir == (root / "functions" / "accounts").resolve()
    bp = catalog.get_blueprint("create-account")
    assert (fn.dir / "lambda_function.py").read_text() == (bp.path / "lambda_function.py").read_text()
    assert not (fn.dir / "blueprint.json").exists()
    assert fn.handler == "lambda_function.create_account"
    assert fn.settings.blueprint == "create-account"
    assert json.loads(workspace.default_event_text(fn)) == {"username": "taken", "email": "taken@example.com"}
    assert [p.as_posix() for p in fn.code_files()] == ["lambda_function.py"]


def test_create_function_refuses_to_overwrite(root):
    fn = workspace.create_function_from_blueprint("hello-world", "mine", root)
    (fn.dir / "lambda_function.py").write_text("# my edits\n")
    with pytest.raises(workspace.FunctionExistsError, match="already exists"):
        workspace.create_function_from_blueprint("always-failed", "mine", root)
    assert (fn.dir / "lambda_function.py").read_text() == "# my edits\n"
    assert [p.name for p in (root / "functions").iterdir()] == ["mine"]  # no staging leftovers


@pytest.mark.parametrize("name", ["", "has space", "a/b", "..", "x" * 65, "ünï"])
def test_create_function_rejects_invalid_names(root, name):
    with pytest.raises(workspace.WorkspaceError, match="Function name"):
        workspace.create_function_from_blueprint("hello-world", name, root)


def test_create_function_refuses_state_machine_blueprints(root, tmp_path):
    sfn = catalog.Blueprint(name="sfn", title="t", description="", runtime="python3.14", handler="",
                            timeout_s=3, memory_mb=128, event_name=None, kind="state-machine", path=tmp_path)
    with pytest.raises(workspace.WorkspaceError, match="state-machine"):
        workspace.create_function_from_blueprint(sfn, "sfn", root)


def test_ensure_default_function_creates_hello_world_once(root):
    fn = workspace.ensure_default_function(root)
    assert fn.name == "hello-world"
    assert "print('Loading function')" in (fn.dir / "lambda_function.py").read_text()
    (fn.dir / "lambda_function.py").write_text("# edited\n")
    again = workspace.ensure_default_function(root)
    assert again.dir == fn.dir
    assert (fn.dir / "lambda_function.py").read_text() == "# edited\n"
    assert json.loads(workspace.default_event_text(again)) == {"key1": "value1", "key2": "value2", "key3": "value3"}


def test_list_functions_sorted_by_name(root):
    assert workspace.list_functions(root) == []
    workspace.create_function_from_blueprint("s3-put", "zeta", root)
    workspace.create_function_from_blueprint("sqs-batch", "alpha", root)
    listed = workspace.list_functions(root)
    assert [(f.name, f.settings.blueprint) for f in listed] == [("alpha", "sqs-batch"), ("zeta", "s3-put")]


def test_to_function_config_builds_the_engine_config(root):
    from console.engine import FunctionConfig

    fn = workspace.create_function_from_blueprint("timeout-demo", "slow", root)
    fn.settings.environment = {"A": "1"}
    cfg = workspace.to_function_config(fn)
    assert isinstance(cfg, FunctionConfig)
    assert (cfg.code_dir, cfg.handler, cfg.timeout_s, cfg.memory_mb, cfg.function_name, dict(cfg.environment)) == (
        fn.dir, "lambda_function.lambda_handler", 3, 128, "slow", {"A": "1"})
    assert workspace.to_function_config(fn, timeout_s=1).timeout_s == 1
    with pytest.raises(TypeError):
        workspace.to_function_config(fn, bogus=1)


def test_default_function_runs_through_the_engine(root):
    from console.engine import Engine

    fn = workspace.ensure_default_function(root)
    engine = Engine()
    try:
        result = engine.invoke(workspace.to_function_config(fn), workspace.default_event_text(fn).encode())
    finally:
        engine.close()
    assert result.payload_value() == "value1"
    assert result.function_name == "hello-world"


# ---------------------------------------------------------------- saved events


@pytest.mark.parametrize("name", ["Test1", "my-event", "a.b_c", "x" * 25, "0"])
def test_valid_event_names_are_accepted(fn_dir, name):
    workspace.save_event(fn_dir, name, "{}")
    assert workspace.list_saved_events(fn_dir) == [name]


@pytest.mark.parametrize("name", ["", "x" * 26, "has space", "a/b", "é", "..", ".", "semi;colon"])
def test_invalid_event_names_are_refused(fn_dir, name):
    with pytest.raises(workspace.EventNameError):
        workspace.save_event(fn_dir, name, "{}")
    assert workspace.list_saved_events(fn_dir) == []


def test_saved_event_text_round_trips(fn_dir):
    text = '{\n  "key1": "value1"\n}\n'
    path = workspace.save_event(fn_dir, "Test1", text)
    assert path == fn_dir / ".lambda-console" / "events" / "Test1.json"
    assert workspace.load_saved_event(fn_dir, "Test1") == text


def test_invalid_json_event_is_refused_with_its_position(fn_dir):
    with pytest.raises(workspace.InvalidEventError, match="line 2, column 1"):
        workspace.save_event(fn_dir, "bad", '{"a": 1,\n}')
    assert workspace.list_saved_events(fn_dir) == []


def test_at_most_ten_saved_events_but_overwriting_is_allowed(fn_dir):
    for i in range(10):
        workspace.save_event(fn_dir, f"e{i}", "{}")
    with pytest.raises(workspace.EventLimitError, match="10"):
        workspace.save_event(fn_dir, "eleventh", "{}")
    workspace.save_event(fn_dir, "e3", '{"changed": true}')
    assert workspace.load_saved_event(fn_dir, "e3") == '{"changed": true}\n'
    assert len(workspace.list_saved_events(fn_dir)) == 10


def test_rename_and_delete_events(fn_dir):
    workspace.save_event(fn_dir, "one", '{"n": 1}')
    workspace.save_event(fn_dir, "two", '{"n": 2}')
    with pytest.raises(workspace.EventNameError, match="already exists"):
        workspace.rename_event(fn_dir, "one", "two")
    workspace.rename_event(fn_dir, "one", "uno")
    assert workspace.list_saved_events(fn_dir) == ["two", "uno"]
    assert json.loads(workspace.load_saved_event(fn_dir, "uno")) == {"n": 1}
    workspace.delete_event(fn_dir, "two")
    assert workspace.list_saved_events(fn_dir) == ["uno"]
    with pytest.raises(KeyError):
        workspace.delete_event(fn_dir, "two")
    with pytest.raises(workspace.SavedEventNotFoundError, match="No saved event named 'ghost'"):
        workspace.load_saved_event(fn_dir, "ghost")
    with pytest.raises(workspace.SavedEventNotFoundError):
        workspace.rename_event(fn_dir, "ghost", "x")


def test_saved_events_list_case_insensitively_and_ignore_strays(fn_dir):
    for name in ("beta", "Alpha", "gamma"):
        workspace.save_event(fn_dir, name, "{}")
    (workspace.events_dir(fn_dir) / "notes.txt").write_text("x")
    (workspace.events_dir(fn_dir) / "bad name.json").write_text("{}")
    assert workspace.list_saved_events(fn_dir) == ["Alpha", "beta", "gamma"]


def test_saved_events_survive_a_new_load_of_the_function(root):
    fn = workspace.ensure_default_function(root)
    workspace.save_event(fn.dir, "Test1", '{"key1": "x", "key2": "y", "key3": "z"}')
    again = workspace.list_functions(root)[0]
    assert workspace.list_saved_events(again.dir) == ["Test1"]


def test_save_config_can_change_single_fields(fn_dir):
    workspace.save_function_config(fn_dir, FunctionSettings(handler="app.main", environment={"A": "1"}))
    workspace.save_function_config(fn_dir, timeout_s=20)
    settings, _ = workspace.load_function_config(fn_dir)
    assert (settings.handler, settings.timeout_s, settings.environment) == ("app.main", 20, {"A": "1"})
    with pytest.raises(TypeError, match="bogus"):
        workspace.save_function_config(fn_dir, bogus=1)


def test_suggested_names_avoid_existing_functions(root):
    assert workspace.suggest_function_name("s3-put", root) == "s3-put"
    workspace.create_function_from_blueprint("s3-put", "s3-put", root)
    workspace.create_function_from_blueprint("s3-put", "s3-put-2", root)
    assert workspace.suggest_function_name("s3-put", root) == "s3-put-3"
    assert workspace.suggest_function_name("my function!", root) == "my-function"


def test_environment_settings_round_trip_and_reach_the_engine_config(fn_dir):
    settings = FunctionSettings(layers=["../shared", "/abs/layer.zip"], ephemeral_storage_mb=2048, interpreter="python3.12")
    path = workspace.save_function_config(fn_dir, settings)
    data = json.loads(path.read_text())
    assert (data["layers"], data["ephemeralStorage"], data["interpreter"]) == (
        ["../shared", "/abs/layer.zip"], 2048, "python3.12"
    )
    loaded, warning = workspace.load_function_config(fn_dir)
    assert warning is None and loaded == settings
    config = workspace.to_function_config(workspace.load_function(fn_dir))
    assert config.layers == (str((fn_dir / "../shared").resolve()), "/abs/layer.zip")
    assert (config.ephemeral_storage_mb, config.interpreter) == (2048, "python3.12")
