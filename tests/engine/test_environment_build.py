"""What Lambda builds around a function: its requirements.txt, its layers as /opt, and its own /tmp."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from console.engine import ConfigError, Engine, FunctionConfig, deps
from console.engine import launch as launch_module

# The host's runtime: pip of that interpreter is known to be there.
HOST_RUNTIME = "python3.%d" % sys.version_info[1]
USES_SIMPLEJSON = (
    "import simplejson\n"
    "def lambda_handler(event, context):\n"
    "    return simplejson.dumps({'built': True})\n"
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LAMBDA_CONSOLE_CACHE", str(folder))
    return folder


def test_requirements_are_built_then_cached_and_rebuilt_when_they_change(cache, make_function, monkeypatch):
    config = make_function(USES_SIMPLEJSON, runtime=HOST_RUNTIME)
    with Engine() as engine:
        # The console's own simplejson is not the function's: on Lambda the import fails.
        failed = engine.invoke(config, b"{}")
        assert json.loads(failed.payload)["errorType"] == "Runtime.ImportModuleError"

        (config.code_dir / "requirements.txt").write_text("simplejson\n")
        before = sorted(p.name for p in config.code_dir.iterdir())
        progress: list[str] = []
        result = engine.invoke(config, b"{}", on_log=progress.append)
        assert result.succeeded, result.payload
        assert json.loads(result.payload) == '{"built": true}'
        assert any("Successfully installed simplejson" in line for line in progress)
        assert "Successfully installed" not in result.log  # pip's output is not the function's log
        assert sorted(p.name for p in config.code_dir.iterdir()) == before  # the code was not touched
        first = deps.cached(config, engine.launch(config).resolution)
        assert first is not None and Path(first).is_relative_to(cache)

        # A cached build starts no pip at all: no network, nothing downloaded.
        def no_pip(*args, **kwargs):
            raise AssertionError(f"pip ran for a cached build: {args}")

        monkeypatch.setattr(deps.subprocess, "Popen", no_pip)
        again = engine.invoke(config, b"{}", force_cold=True)
        assert again.succeeded and again.cold_start
        monkeypatch.undo()
        monkeypatch.setenv("LAMBDA_CONSOLE_CACHE", str(cache))

        # An edit to requirements.txt is a new build (and the old one is dropped).
        (config.code_dir / "requirements.txt").write_text("simplejson  # the marshaller\n")
        assert engine.invoke(config, b"{}").succeeded
        second = deps.cached(config, engine.launch(config).resolution)
        assert second is not None and second != first and not Path(first).exists()


def test_a_failed_build_names_the_requirement_and_runs_nothing(cache, make_function):
    config = make_function(USES_SIMPLEJSON, runtime=HOST_RUNTIME)
    (config.code_dir / "requirements.txt").write_text("no-such-package-lambda-console-test==1.0\n")
    with Engine() as engine:
        with pytest.raises(deps.BuildError) as caught:
            engine.invoke(config, b"{}")
    message = str(caught.value)
    assert "no-such-package-lambda-console-test==1.0" in message and "Nothing was run" in message
    assert isinstance(caught.value, ConfigError)
    assert sorted(p.name for p in config.code_dir.iterdir()) == ["lambda_function.py", "requirements.txt"]


LAYERED = """
import layermod, shared
def lambda_handler(event, context):
    if event.get("fail"):
        layermod.fail()
    return [layermod.NAME, shared.WHO]
"""


def _layer(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_layers_are_on_the_path_as_opt_in_order_and_show_opt_frames(engine, make_function, tmp_path, cache):
    first = _layer(tmp_path / "layer1", {
        "python/layermod.py": "NAME = 'layer1'\ndef fail():\n    raise ValueError('in a layer')\n",
        "python/shared.py": "WHO = 'first'\n",
    })
    # The second layer is a .zip using the site-packages form; extracted over the first on
    # Lambda, so its `shared` wins.
    second_dir = _layer(tmp_path / "layer2", {"python/lib/python3.12/site-packages/shared.py": "WHO = 'second'\n"})
    second = tmp_path / "layer2.zip"
    with zipfile.ZipFile(second, "w") as archive:
        for path in second_dir.rglob("*.py"):
            archive.write(path, path.relative_to(second_dir))
    config = make_function(LAYERED, runtime="python3.12", layers=(str(first), str(second)))
    from console.engine import interpreters

    if not interpreters.resolve("python3.12").exact:
        pytest.skip("no Python 3.12 on this machine")
    result = engine.invoke(config, b"{}")
    assert json.loads(result.payload) == ["layer1", "second"]
    failed = json.loads(engine.invoke(config, b'{"fail": 1}').payload)
    assert failed["errorType"] == "ValueError"
    assert failed["stackTrace"][-1].startswith('  File "/opt/python/layermod.py", line 3, in fail')


def test_layer_settings_are_checked(make_function, tmp_path):
    from console.engine import check

    config = make_function("def lambda_handler(e, c):\n    return 1\n")
    too_many = FunctionConfig(code_dir=config.code_dir, layers=tuple(str(tmp_path) for _ in range(6)))
    with pytest.raises(ConfigError, match="at most 5 layers"):
        check(too_many)
    with pytest.raises(ConfigError, match="is not a folder or a .zip file"):
        check(FunctionConfig(code_dir=config.code_dir, layers=(str(tmp_path / "missing"),)))
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="not a valid .zip"):
        launch_module.layer_root(str(bad))


def test_a_package_over_250_mb_is_warned_about_not_refused(engine, make_function, monkeypatch):
    monkeypatch.setattr(launch_module, "MAX_UNZIPPED_BYTES", 10)
    result = engine.invoke(make_function("def lambda_handler(e, c):\n    return 1\n"), b"{}")
    assert result.succeeded
    assert "[lambda-console] Warning: the function and its layers are" in result.log
    assert "Lambda refuses more than 250 MB" in result.log


TMP = """
import os, tempfile
def lambda_handler(event, context):
    path = os.path.join(tempfile.gettempdir(), "kept")
    if event.get("fill"):
        written = 0
        try:
            with open(os.path.join(tempfile.gettempdir(), "big"), "wb") as f:
                chunk = b"x" * (8 << 20)
                while written < (700 << 20):
                    f.write(chunk)
                    f.flush()
                    written += len(chunk)
        except OSError as exc:
            os.remove(os.path.join(tempfile.gettempdir(), "big"))
            return {"error": str(exc), "written_mb": written >> 20}
        return {"error": None}
    existed = os.path.exists(path)
    open(path, "w").close()
    return {"tmp": tempfile.gettempdir(), "TMPDIR": os.environ["TMPDIR"], "existed": existed}
"""


def test_each_environment_has_its_own_tmp_kept_while_warm_and_removed_on_retire(engine, make_function):
    config = make_function(TMP)
    first = json.loads(engine.invoke(config, b"{}").payload)
    assert first["tmp"] == first["TMPDIR"] and not first["existed"]
    assert json.loads(engine.invoke(config, b"{}").payload)["existed"]  # warm: /tmp kept
    other = json.loads(engine.invoke(make_function(TMP), b"{}").payload)
    assert other["tmp"] != first["tmp"]  # another environment, another /tmp
    engine.new_environment(config)
    assert not os.path.exists(first["tmp"])
    assert not json.loads(engine.invoke(config, b"{}").payload)["existed"]


def test_a_full_tmp_fails_with_enospc_at_the_ephemeral_storage_size(engine, make_function):
    config = make_function(TMP, ephemeral_storage_mb=512, memory_mb=256)
    assert engine.invoke(config, b"{}").succeeded
    env = next(iter(e for pool in engine._idle.values() for e in pool))
    if not env.tmp_private:
        pytest.skip("this system allows no private mount namespace: /tmp's size is not enforced")
    value = json.loads(engine.invoke(config, b'{"fill": true}').payload)
    assert value["error"] == "[Errno 28] No space left on device"
    assert 480 <= value["written_mb"] <= 512


def test_cancelling_a_build_stops_pip_and_runs_nothing(cache, make_function, monkeypatch):
    import threading
    import time

    config = make_function(USES_SIMPLEJSON, runtime=HOST_RUNTIME)
    (config.code_dir / "requirements.txt").write_text("simplejson\n")
    slow = [sys.executable, "-c", "import time; print('Collecting', flush=True); time.sleep(60)"]
    monkeypatch.setattr(deps, "_pip_commands", lambda *args: [slow])
    cancel = threading.Event()

    def on_log(line: str) -> None:
        if line.startswith("Collecting"):
            cancel.set()

    started = time.monotonic()
    with Engine() as engine:
        with pytest.raises(deps.BuildError, match="cancelled; nothing was run"):
            engine.invoke(config, b"{}", cancel=cancel, on_log=on_log)
    assert time.monotonic() - started < 30  # pip was stopped, not waited for
    from console.engine import interpreters

    assert deps.cached(config, interpreters.resolve(HOST_RUNTIME)) is None  # no half build kept


def test_an_edit_to_a_layer_folder_is_run_by_the_next_invocation(engine, make_function, tmp_path):
    layer = _layer(tmp_path / "live-layer", {"python/greeting.py": "TEXT = 'old'\n"})
    code = "import greeting\ndef lambda_handler(event, context):\n    return greeting.TEXT\n"
    config = make_function(code, layers=(str(layer),))
    first = engine.invoke(config, b"{}")
    assert first.payload == b'"old"'
    before = first.summary.code_sha256
    assert not engine.invoke(config, b"{}").cold_start
    (layer / "python" / "greeting.py").write_text("TEXT = 'new'\n")
    again = engine.invoke(config, b"{}")
    assert again.payload == b'"new"' and again.cold_start
    assert again.summary.code_sha256 == before  # Code SHA-256 covers the function's own files
