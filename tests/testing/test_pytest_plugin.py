"""The pytest plugin: a user's project tests its handler with `lambda_invoke` (run by pytester)."""

from __future__ import annotations

import json
import os
import textwrap

pytest_plugins = ["pytester"]

HANDLER = """
    import os
    print("init once")
    CALLS = []
    def lambda_handler(event, context):
        CALLS.append(1)
        if os.environ.get("PID_FILE"):
            with open(os.environ["PID_FILE"], "a") as f:
                print(os.getpid(), file=f)
        print("calls", len(CALLS))
        if event.get("fail"):
            raise ValueError("bad " + event["fail"])
        return {"key1": event.get("key1"), "calls": len(CALLS), "greeting": os.environ.get("GREETING"),
                "memory": context.memory_limit_in_mb, "name": context.function_name}
"""

USER_TESTS = """
    import json, pytest

    def test_dict_event(lambda_invoke):
        r = lambda_invoke("src/hello", {"key1": "v1"})
        assert r.status == "Succeeded" and r.succeeded and r.error is None
        assert r.payload["key1"] == "v1" and r.payload["name"] == "hello"
        assert "calls 1" in r.logs and r.log_lines[0].startswith("INIT_START")
        assert r.summary.init_duration_ms is not None and r.cold_start

    def test_the_warm_environment_is_shared_across_tests(lambda_invoke):
        r = lambda_invoke("src/hello", '{"key1": "json text"}')
        assert r.payload == {**r.payload, "key1": "json text", "calls": 2}
        assert r.summary.init_duration_ms is None

    def test_saved_event_and_sample_template(lambda_invoke):
        assert lambda_invoke("src/hello", "mine").payload["key1"] == "from saved"
        assert lambda_invoke("src/hello", "hello-world").payload["key1"] == "value1"

    def test_error_object(lambda_invoke):
        r = lambda_invoke("src/hello", {"fail": "input"})
        assert r.status == "Failed" and r.function_error == "Unhandled"
        assert r.error_type == "ValueError" and r.error["errorMessage"] == "bad input"
        assert "[ERROR] ValueError: bad input" in r.logs

    def test_overrides(lambda_invoke):
        r = lambda_invoke("src/hello", {}, env={"GREETING": "hi"}, memory=256)
        assert r.payload["greeting"] == "hi" and r.payload["memory"] == "256" and r.payload["calls"] == 1

    def test_workspace_function_by_name(lambda_invoke):
        assert lambda_invoke("ws-fn", {"key1": "w"}).payload["name"] == "ws-fn"

    def test_unknown_function_and_event_say_so(lambda_invoke):
        from console.testing.invocation import LambdaTestError
        with pytest.raises(LambdaTestError, match="no function folder 'nope'"):
            lambda_invoke("nope", {})
        with pytest.raises(LambdaTestError, match="not JSON, a saved event of hello or a sample event"):
            lambda_invoke("src/hello", "no-such-event")
"""

# Runs after the session fixtures' teardown, in the session's process: the environments it
# started must be gone by then (a zombie counts as gone).
USER_CONFTEST = """
import json, os, pathlib, time

def _running(pid):
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"

def pytest_sessionfinish(session):
    folder = pathlib.Path(os.environ["PLUGIN_TEST_DIR"])
    pids = {int(p) for p in (folder / "pids").read_text().split()}
    deadline = time.monotonic() + 10
    while any(map(_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    (folder / "alive-at-session-end").write_text(json.dumps(sorted(p for p in pids if _running(p))))
"""


def test_a_user_project_tests_its_handler_through_the_faithful_runtime(pytester, tmp_path, monkeypatch):
    hello = pytester.path / "src" / "hello"
    (hello / ".lambda-console" / "events").mkdir(parents=True)
    (hello / "lambda_function.py").write_text(textwrap.dedent(HANDLER))
    (hello / ".lambda-console" / "events" / "mine.json").write_text('{"key1": "from saved"}')
    home = tmp_path / "ws"
    ws_fn = home / "functions" / "ws-fn"
    ws_fn.mkdir(parents=True)
    (ws_fn / "lambda_function.py").write_text(textwrap.dedent(HANDLER))
    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(home))
    pids = tmp_path / "pids"
    (hello / ".lambda-console" / "config.json").write_text(json.dumps({"environment": {"PID_FILE": str(pids)}}))
    monkeypatch.setenv("PLUGIN_TEST_DIR", str(tmp_path))
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_handler=textwrap.dedent(USER_TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=120)
    result.assert_outcomes(passed=7)
    assert sorted(p.name for p in (hello / ".lambda-console").iterdir()) == ["config.json", "events"]  # no metrics left
    # the session's warm environments were stopped before the session ended (USER_CONFTEST checked)
    assert (tmp_path / "pids").read_text().strip()
    assert (tmp_path / "alive-at-session-end").read_text() == "[]"


def test_the_plugin_module_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import console.testing.pytest_plugin, sys; print(' '.join(sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "console.testing.pytest_plugin" in modules
    assert not [m for m in modules if m.startswith(("console.engine", "console.service", "textual"))]
