"""Each runtime runs on its own CPython, with Lambda's sys.path and nothing of the console's packages."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from console.engine import RUNTIMES, interpreters

PROBE = """
import os, sys
def lambda_handler(event, context):
    return {"version": list(sys.version_info[:2]), "executable": sys.executable, "path": sys.path,
            "main": sys.modules["__main__"].__file__, "argv": sys.argv, "cwd": os.getcwd(),
            "runtime_api": os.environ.get("AWS_LAMBDA_RUNTIME_API"),
            "pythonpath": os.environ.get("PYTHONPATH")}
"""


def _minor(runtime: str) -> list[int]:
    return [int(n) for n in runtime.removeprefix("python").split(".")]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_runtime_runs_on_its_own_python(engine, make_function, runtime):
    resolution = interpreters.resolve(runtime)
    if not resolution.exact:
        pytest.skip(f"no Python {runtime.removeprefix('python')} on this machine ({interpreters.install_hint(runtime)})")
    result = engine.invoke(make_function(PROBE, runtime=runtime), b"{}")
    assert result.succeeded, result.payload
    value = json.loads(result.payload)
    assert value["version"] == _minor(runtime)
    assert value["executable"] == resolution.interpreter.path
    assert f"Runtime Version: python:{runtime.removeprefix('python')}.local" in result.log
    assert f"Runtime Version ARN: local:python-{resolution.interpreter.version}\n" in result.log
    assert result.summary.interpreter == resolution.interpreter.path


def test_a_missing_runtime_runs_on_the_nearest_python_and_says_so(engine, make_function, monkeypatch):
    host = interpreters.host_interpreter()
    # An explicit interpreter of another version stands in for the runtime, labelled as such.
    monkeypatch.setenv(interpreters.env_var("python3.14"), host.path)
    resolution = interpreters.resolve("python3.14")
    assert not resolution.exact and resolution.is_host
    assert "python3.14 has no Python 3.14" in resolution.note()
    result = engine.invoke(make_function(PROBE), b"{}")
    assert json.loads(result.payload)["version"] == list(host.minor)
    assert f"Runtime Version ARN: local:host-python-{host.version}\n" in result.log
    assert result.summary.runtime_version_arn == f"local:host-python-{host.version}"


def test_nearest_prefers_the_closest_version_then_the_newer(monkeypatch):
    found = {(3, 12): "3.12.1", (3, 10): "3.10.13"}
    monkeypatch.setattr(
        interpreters, "candidates",
        lambda minor: [interpreters.Interpreter(f"/py{minor[1]}", found[minor], "pyenv")] if minor in found else [],
    )
    monkeypatch.setattr(interpreters, "host_interpreter", lambda: interpreters.Interpreter("/host", "3.7.1", "host"))
    assert interpreters.nearest((3, 11)).version == "3.12.1"  # a tie: the newer one
    assert interpreters.nearest((3, 14)).version == "3.12.1"
    assert interpreters.nearest((3, 9)).version == "3.10.13"


def test_a_bad_explicit_interpreter_is_a_clear_configuration_error(engine, make_function, monkeypatch):
    from console.engine import ConfigError

    monkeypatch.setenv(interpreters.env_var("python3.12"), "/no/such/python")
    with pytest.raises(ConfigError, match="LAMBDA_CONSOLE_PYTHON3_12 names '/no/such/python'"):
        engine.invoke(make_function(PROBE, runtime="python3.12"), b"{}")


def test_sys_path_is_lambdas_and_holds_nothing_of_the_host(engine, make_function):
    config = make_function(PROBE)
    value = json.loads(engine.invoke(config, b"{}").payload)
    path = value["path"]
    assert path[0] == str(config.code_dir)
    stdlib = os.path.dirname(os.path.dirname(value["executable"]))
    runtime_dir = os.environ.get("LAMBDA_RUNTIME_DIR") or path[2]
    # the task root, the SDK (3.11+: ahead of the runtime's folder), the runtime, the stdlib
    assert path[2].endswith(os.path.join("engine", "runtime")) and path[2] == runtime_dir
    assert all(p.startswith(stdlib) for p in path[3:]), path
    assert not any("site-packages" in p or p.endswith(".venv") for p in path)
    assert value["main"].endswith(os.path.join("runtime", "bootstrap.py")) and value["argv"] == [value["main"]]
    assert value["cwd"] == str(config.code_dir)
    assert value["runtime_api"] == "127.0.0.1:9001"
    assert value["pythonpath"] == path[2]


@pytest.mark.parametrize("module", ["rich", "textual", "simplejson", "console"])
def test_the_consoles_packages_fail_to_import_as_on_lambda(engine, make_function, module):
    config = make_function(f"import {module}\ndef lambda_handler(event, context):\n    return 1\n")
    result = engine.invoke(config, b"{}")
    assert json.loads(result.payload) == {
        "errorMessage": f"Unable to import module 'lambda_function': No module named '{module}'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert f"[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '{module}'" in result.log


def test_the_runtime_still_marshals_with_simplejson(engine, make_function):
    code = "from decimal import Decimal\ndef lambda_handler(event, context):\n    return {'d': Decimal('1.10')}\n"
    assert engine.invoke(make_function(code), b"{}").payload == b'{"d": 1.10}'


@pytest.mark.skipif(importlib.util.find_spec("boto3") is None, reason="boto3 is not installed beside the console")
def test_boto3_is_importable_as_the_runtime_includes_it(engine, make_function):
    code = (
        "import boto3, botocore\n"
        "def lambda_handler(event, context):\n"
        "    return [boto3.__version__, boto3.__file__]\n"
    )
    # The host's minor version: the console's boto3 install is known to work on it.
    runtime = "python3.%d" % sys.version_info[1]
    result = engine.invoke(make_function(code, runtime=runtime), b"{}")
    version, where = json.loads(result.payload)
    import boto3

    assert version == boto3.__version__ and where.endswith(os.path.join("boto3", "__init__.py"))


def test_sdk_frames_show_the_runtimes_site_packages(engine, make_function):
    if importlib.util.find_spec("jmespath") is None:
        pytest.skip("jmespath is not installed beside the console")
    code = "import jmespath\ndef lambda_handler(event, context):\n    return jmespath.search('a[', {})\n"
    runtime = "python3.%d" % sys.version_info[1]
    result = engine.invoke(make_function(code, runtime=runtime), b"{}")
    frames = json.loads(result.payload)["stackTrace"]
    assert any(f'"/var/lang/lib/{runtime}/site-packages/jmespath/' in f for f in frames), frames


def test_python37_runs_on_37_with_the_legacy_error_shape(engine, make_function):
    if not interpreters.resolve("python3.7").exact:
        pytest.skip("no Python 3.7 on this machine")
    code = "import sys\ndef lambda_handler(event, context):\n    raise ValueError(sys.version[:3])\n"
    value = json.loads(engine.invoke(make_function(code, runtime="python3.7"), b"{}").payload)
    assert value["errorMessage"] == "3.7" and value["errorType"] == "ValueError"
    assert value["stackTrace"][0][:3] == ["/var/task/lambda_function.py", 3, "lambda_handler"]


def test_the_reserved_variables_are_lambdas(engine, make_function):
    code = "import os\ndef lambda_handler(event, context):\n    return dict(os.environ)\n"
    config = make_function(code, function_name="reserved")
    env = json.loads(engine.invoke(config, b"{}").payload)
    expected = {
        "_HANDLER": "lambda_function.lambda_handler",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "AWS_LAMBDA_FUNCTION_NAME": "reserved",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/reserved",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LAMBDA_TASK_ROOT": str(config.code_dir),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].split("/[$LATEST]")[1].isalnum()
    assert env["PYTHONPATH"] == env["LAMBDA_RUNTIME_DIR"] and os.path.isdir(env["TMPDIR"])
    assert env["PATH"].split(":")[0] == os.path.dirname(interpreters.resolve("python3.14").interpreter.path)
    # nothing of the host's environment (the test runner's own variables)
    assert "HOME" not in env and "VIRTUAL_ENV" not in env and "PYTEST_CURRENT_TEST" not in env
