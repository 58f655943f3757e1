"""The TUI's view of a function folder: which files the editor opens, settings round trips."""

from __future__ import annotations

from console.tui import store


def test_editor_opens_text_files_only_handler_first(tmp_path):
    (tmp_path / "utils.py").write_text("x = 1\n")
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(e, c):\n    pass\n")
    (tmp_path / "data.json").write_text("{}")
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00binary")
    (tmp_path / "mod.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / "pkg").mkdir()
    assert store.code_files(tmp_path) == ["lambda_function.py", "utils.py", "data.json"]


def test_runtime_label_names_the_python_that_runs_it(monkeypatch):
    from console.engine import interpreters

    host = interpreters.host_interpreter()
    own = "python%d.%d" % host.minor
    assert store.runtime_label(own) == f"{own} (Python {host.version})"
    assert store.stand_in_python(own) == ""
    # A runtime whose interpreter is set to another version runs on that one, and says so.
    monkeypatch.setenv(interpreters.env_var("python3.14"), host.path)
    assert store.runtime_label("python3.14") == f"python3.14 (runs on Python {host.version})"
    assert store.stand_in_python("python3.14") == host.version


def test_settings_round_trip_through_the_workspace(tmp_path):
    settings, warning = store.load_settings(tmp_path)
    assert warning is None
    changed = store.updated(settings, timeout_s=9, environment={"A": "b"})
    store.save_settings(tmp_path, changed)
    again, _ = store.load_settings(tmp_path)
    assert (again.timeout_s, again.environment) == (9, {"A": "b"})
    config = store.to_config(tmp_path, again)
    assert config.timeout_s == 9 and dict(config.environment) == {"A": "b"}


def test_a_folder_without_settings_gets_the_handler_its_files_suggest(tmp_path):
    (tmp_path / "utils.py").write_text("def helper():\n    pass\n")
    (tmp_path / "app.py").write_text("import utils\n\ndef handler(event, context):\n    return 1\n")
    settings, warning = store.load_settings(tmp_path)
    assert warning is None and settings.handler == "app.handler"
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 2\n")
    assert store.load_settings(tmp_path)[0].handler == "lambda_function.lambda_handler"
    store.save_settings(tmp_path, store.updated(settings, handler="app.handler"))
    assert store.load_settings(tmp_path)[0].handler == "app.handler"  # saved settings win
    empty = tmp_path / "empty"
    empty.mkdir()
    assert store.load_settings(empty)[0].handler == "lambda_function.lambda_handler"
