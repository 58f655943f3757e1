"""The catalog module: lookup, corrupt files, state-machine blueprints, data location and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from console import catalog

REPO = Path(__file__).resolve().parents[1]


def make_catalog(root: Path) -> Path:
    """A small catalog: one function blueprint and two events."""
    bp = root / "blueprints" / "demo"
    bp.mkdir(parents=True)
    (bp / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return event\n")
    (bp / "blueprint.json").write_text(json.dumps({
        "name": "demo", "title": "Demo", "description": "d", "runtime": "python3.12",
        "handler": "lambda_function.lambda_handler", "timeout": 5, "memory": 256, "event": "ev1",
    }))
    ev = root / "sample_events"
    ev.mkdir()
    (ev / "ev1.json").write_text('{"a": 1}\n')
    (ev / "ev2.json").write_text('[1, 2]\n')
    (ev / "index.json").write_text(json.dumps({"ev1": {"title": "Event one", "group": "Common"}}))
    return root


def test_lookup_returns_the_metadata_of_the_blueprint(tmp_path):
    root = make_catalog(tmp_path)
    bp = catalog.get_blueprint("demo", root)
    assert (bp.runtime, bp.handler, bp.timeout_s, bp.memory_mb, bp.event_name, bp.kind) == (
        "python3.12", "lambda_function.lambda_handler", 5, 256, "ev1", "function")
    assert bp.event_bytes(root) == b'{"a": 1}\n'
    assert bp.event_bytes() == bp.event_bytes(root)  # events come from the same catalog
    assert bp.code_files() == [Path("lambda_function.py")]
    assert bp.handler_file == bp.path / "lambda_function.py"


def test_events_follow_the_index_then_unlisted_files_with_defaults(tmp_path):
    root = make_catalog(tmp_path)
    events = catalog.sample_events(root)
    assert [(e.name, e.title, e.group) for e in events] == [("ev1", "Event one", "Common"), ("ev2", "ev2", "AWS")]
    assert catalog.get_sample_event("ev2", root).value() == [1, 2]


def test_unknown_names_raise_a_key_error_listing_what_exists(tmp_path):
    root = make_catalog(tmp_path)
    with pytest.raises(KeyError) as info:
        catalog.get_blueprint("nope", root)
    assert isinstance(info.value, catalog.UnknownBlueprintError)
    assert str(info.value) == "Unknown blueprint 'nope'. Available: demo"
    with pytest.raises(catalog.UnknownSampleEventError) as info:
        catalog.get_sample_event("nope", root)
    assert str(info.value) == "Unknown sample event 'nope'. Available: ev1, ev2"


def test_corrupt_blueprint_is_skipped_and_reported_with_its_file(tmp_path):
    root = make_catalog(tmp_path)
    broken = root / "blueprints" / "broken"
    broken.mkdir()
    (broken / "blueprint.json").write_text('{"name": "broken",')
    found = catalog.blueprints(root)
    assert [b.name for b in found] == ["demo"]
    problems = catalog.catalog_problems()
    assert len(problems) == 1 and str(broken / "blueprint.json") in str(problems[0])
    assert "not valid JSON" in str(problems[0])
    with pytest.raises(catalog.CorruptCatalogFileError) as info:
        catalog.get_blueprint("broken", root)
    assert info.value.path == broken / "blueprint.json"


@pytest.mark.parametrize(
    "meta, problem",
    [
        ({"name": "other"}, "folder"),
        ({"timeout": "3"}, "'timeout'"),
        ({"memory": 0}, "'memory'"),
        ({"kind": "lambda"}, "'kind'"),
        ({"handler": ""}, "'handler'"),
        ([], "JSON object"),
    ],
)
def test_bad_blueprint_fields_are_reported(tmp_path, meta, problem):
    root = make_catalog(tmp_path)
    folder = root / "blueprints" / "bad"
    folder.mkdir()
    body = meta if isinstance(meta, list) else {"name": "bad", **meta}
    (folder / "blueprint.json").write_text(json.dumps(body))
    found, problems = catalog.load_blueprints(root)
    assert [b.name for b in found] == ["demo"]
    assert problem in str(problems[0])


def test_corrupt_sample_event_is_skipped_and_reported(tmp_path):
    root = make_catalog(tmp_path)
    (root / "sample_events" / "ev2.json").write_text("{nope")
    assert [e.name for e in catalog.sample_events(root)] == ["ev1"]
    assert any("ev2.json" in str(p) and "line 1 column 2" in str(p) for p in catalog.catalog_problems())
    with pytest.raises(catalog.CorruptCatalogFileError, match="ev2.json"):
        catalog.get_sample_event("ev2", root)


def test_corrupt_index_still_lists_events(tmp_path):
    root = make_catalog(tmp_path)
    (root / "sample_events" / "index.json").write_text("[")
    events, problems = catalog.load_sample_events(root)
    assert [e.name for e in events] == ["ev1", "ev2"]
    assert "index.json" in str(problems[0])


def test_state_machine_blueprints_load_with_kind_and_without_handler(tmp_path):
    root = make_catalog(tmp_path)
    folder = root / "blueprints" / "sfn-demo"
    (folder / "functions" / "CreateAccount").mkdir(parents=True)
    (folder / "statemachine.json").write_text('{"StartAt": "A", "States": {}}')
    (folder / "functions" / "CreateAccount" / "lambda_function.py").write_text("def h(e, c): pass\n")
    (folder / "blueprint.json").write_text(json.dumps({
        "name": "sfn-demo", "kind": "state-machine", "title": "SFN", "description": "x", "event_body": {"username": "a"}}))
    bp = catalog.get_blueprint("sfn-demo", root)
    assert bp.kind == "state-machine"
    assert bp.handler_file is None
    assert bp.meta["kind"] == "state-machine" and bp.meta["title"] == "SFN"
    assert json.loads(bp.event_text()) == {"username": "a"}
    assert Path("statemachine.json") in bp.code_files()
    assert {b.name: b.kind for b in catalog.blueprints(root)} == {"demo": "function", "sfn-demo": "state-machine"}


def test_shipped_blueprints_default_to_function_kind():
    assert all(
        b.kind == "function"
        for b in catalog.blueprints()
        if not (b.path / "statemachine.json").exists() and not (b.path / "template.yaml").exists()
    )


def test_defaults_match_the_engines():
    from console import workspace
    from console.engine import config

    assert catalog._DEFAULT_RUNTIME == config.DEFAULT_RUNTIME == workspace.DEFAULT_RUNTIME
    assert catalog._DEFAULT_HANDLER == config.DEFAULT_HANDLER == workspace.DEFAULT_HANDLER
    assert catalog._DEFAULT_TIMEOUT_S == config.DEFAULT_TIMEOUT_S == workspace.DEFAULT_TIMEOUT_S
    assert catalog._DEFAULT_MEMORY_MB == config.DEFAULT_MEMORY_MB == workspace.DEFAULT_MEMORY_MB


def test_source_checkout_uses_the_top_level_folders():
    assert catalog.data_dir() in (REPO, REPO / "console" / "_data")
    assert (catalog.data_dir() / "blueprints" / "hello-world" / "blueprint.json").is_file()


def test_installed_layout_prefers_console_data(tmp_path):
    # Mimic the wheel: console/catalog.py (and datapaths.py, which places the data) next to
    # console/_data/{blueprints,sample_events}.
    pkg = tmp_path / "site" / "console"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for module in ("catalog.py", "datapaths.py"):
        shutil.copy(REPO / "console" / module, pkg / module)
    make_catalog(pkg / "_data")
    code = "from console import catalog; print(catalog.data_dir()); print([b.name for b in catalog.blueprints()])"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "site")}, check=True).stdout
    assert out.splitlines() == [str(pkg / "_data"), "['demo']"]


def test_importing_the_catalog_is_light():
    code = textwrap.dedent("""
        import sys, console.catalog, console.workspace
        heavy = [m for m in ("textual", "rich", "console.engine", "console.tui", "boto3") if m in sys.modules]
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- CLI


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_cli_blueprints_json_lists_every_blueprint_with_its_kind(tmp_path):
    result = cli("blueprints", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    names = [b["name"] for b in listed]
    assert names == [b.name for b in catalog.blueprints()]
    hello = listed[0]
    assert hello == {
        "name": "hello-world", "kind": "function", "title": hello["title"], "description": hello["description"],
        "runtime": "python3.14", "handler": "lambda_function.lambda_handler", "timeout": 3, "memory": 128,
        "event": "hello-world",
    }
    assert {b["kind"] for b in listed} <= {"function", "state-machine", "sam-project"}


def test_cli_blueprints_table_is_aligned(tmp_path):
    result = cli("blueprints", cwd=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "RUNTIME", "DESCRIPTION"]
    column = lines[0].index("KIND")
    assert all(line[column:].startswith(("function", "state-machine", "sam-project")) for line in lines[1:])
    assert any(line.startswith("always-failed ") for line in lines)


def test_cli_events_json_and_table(tmp_path):
    result = cli("events", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed[0] == {"name": "hello-world", "title": "Hello World", "group": "Common"}
    assert len(listed) == len(catalog.sample_events()) >= 35
    table = cli("events", cwd=tmp_path).stdout.splitlines()
    assert table[0].split() == ["NAME", "GROUP", "TITLE"]
    column = table[0].index("GROUP")
    assert table[1][column:].startswith("Common")


def test_cli_events_show_prints_the_body(tmp_path):
    result = cli("events", "show", "hello-world", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"key1": "value1", "key2": "value2", "key3": "value3"}
    assert result.stdout == catalog.get_sample_event("hello-world").text()


def test_cli_events_show_unknown_name_is_a_usage_error(tmp_path):
    result = cli("events", "show", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Unknown sample event 'nope'" in result.stderr
