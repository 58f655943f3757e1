"""The workspace is the one reader of function folders: configurations with overrides, the listing,
the name rule and the functions a state machine calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console import catalog, workspace


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "home"
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(root))
    return root


def _function(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    return folder


def test_function_config_reads_saved_settings_then_applies_overrides(tmp_path):
    folder = _function(tmp_path / "my.fn")
    workspace.save_function_config(folder, handler=" app.handler ", timeout_s=9, environment={"A": "1"})
    config = workspace.function_config(folder)
    assert (config.function_name, config.handler, config.timeout_s) == ("my-fn", "app.handler", 9)
    assert config.environment == {"A": "1"}
    over = workspace.function_config(folder, "named", timeout_s=3, environment={"B": "2"})
    assert (over.function_name, over.timeout_s, over.environment) == ("named", 3, {"B": "2"})
    unsaved = workspace.FunctionSettings(memory_mb=512)
    assert workspace.function_config(folder, settings=unsaved).memory_mb == 512


def test_a_corrupt_settings_file_is_reported_and_left_alone(tmp_path):
    folder = _function(tmp_path / "fn")
    workspace.config_path(folder).parent.mkdir()
    workspace.config_path(folder).write_text("{oops")
    with pytest.raises(workspace.WorkspaceError, match="corrupt"):
        workspace.function_config(folder)
    assert workspace.config_path(folder).read_text() == "{oops"


def test_the_listing_skips_hidden_and_staging_folders(home):
    for name in ("b", "a", ".a.staging"):
        _function(home / "functions" / name)
    (home / "functions" / "notes.txt").write_text("x")
    assert [p.name for p in workspace.function_dirs()] == ["a", "b"]


def test_a_state_machine_resolves_workspace_then_beside_then_explicit(tmp_path, home):
    _function(home / "functions" / "Shared")
    _function(home / "functions" / "Both")
    machine = tmp_path / "machine"
    _function(machine / "functions" / "Both")
    _function(machine / "functions" / "_helpers")
    definition = machine / "statemachine.json"
    definition.write_text("{}")
    explicit = _function(tmp_path / "elsewhere" / "Both")
    found = workspace.state_machine_functions(definition)
    assert found["Shared"] == (home / "functions" / "Shared").resolve()
    assert found["Both"] == (machine / "functions" / "Both").resolve()
    assert "_helpers" not in found
    assert workspace.state_machine_functions(definition, [explicit])["Both"] == explicit.resolve()


def test_a_blueprint_state_machine_calls_the_workspace_copies_and_keeps_user_edits(home):
    blueprint = catalog.get_blueprint("sfn-create-account")
    found = workspace.state_machine_functions(blueprint.definition_path)
    assert found["CreateAccount"] == (home / "functions" / "CreateAccount").resolve()
    code = found["CreateAccount"] / "lambda_function.py"
    code.write_text(code.read_text() + "\n# mine\n")
    again = workspace.state_machine_functions(blueprint.definition_path)
    assert again["CreateAccount"] == found["CreateAccount"] and code.read_text().endswith("# mine\n")
    settings, _ = workspace.load_function_config(found["CreateAccount"])
    assert settings.blueprint == "sfn-create-account"


def test_a_saved_copy_of_the_blueprint_calls_the_workspace_functions_too(tmp_path, home):
    copy = home / "state-machines" / "sfn-create-account"
    copy.mkdir(parents=True)
    blueprint = catalog.get_blueprint("sfn-create-account")
    (copy / "blueprint.json").write_text((blueprint.path / "blueprint.json").read_text())
    (copy / "statemachine.json").write_text(json.dumps({"StartAt": "A", "States": {}}))
    found = workspace.state_machine_functions(copy / "statemachine.json")
    assert found["SuggestAccountName"] == (home / "functions" / "SuggestAccountName").resolve()
