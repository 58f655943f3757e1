"""`lambda-console runtimes`, `build` and `invoke --layer`: what a script sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from console.engine import RUNTIMES

HOST_RUNTIME = "python3.%d" % sys.version_info[1]


def run_cli(*args: str, cache: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if cache is not None:
        env["LAMBDA_CONSOLE_CACHE"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=300, env=env, input=stdin
    )


def test_runtimes_lists_every_runtime_with_its_interpreter():
    proc = run_cli("runtimes", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["runtime"] for r in rows] == list(RUNTIMES)
    host = next(r for r in rows if r["runtime"] == HOST_RUNTIME)
    assert host["exact"] and host["version"].startswith(HOST_RUNTIME.removeprefix("python") + ".")
    for row in rows:
        assert Path(row["interpreter"]).is_file()
        assert row["exact"] or f"uv python install {row['runtime'].removeprefix('python')}" in row["hint"]
    text = run_cli("runtimes").stdout
    assert all(runtime in text for runtime in RUNTIMES)


def test_runtimes_says_when_an_explicit_interpreter_is_another_version(monkeypatch):
    monkeypatch.setenv("LAMBDA_CONSOLE_PYTHON3_14", sys.executable)
    rows = json.loads(run_cli("runtimes", "--json").stdout)
    row = rows[0]
    assert row["runtime"] == "python3.14" and row["source"] == "environment" and not row["exact"]


def test_build_installs_once_then_reports_the_cached_build(tmp_path):
    fn = tmp_path / "fn"
    fn.mkdir()
    (fn / "lambda_function.py").write_text("import simplejson\ndef lambda_handler(e, c):\n    return 1\n")
    assert "nothing to build" in run_cli("build", str(fn), cache=tmp_path / "cache").stderr
    (fn / "requirements.txt").write_text("simplejson\n")
    first = run_cli("build", str(fn), "--runtime", HOST_RUNTIME, cache=tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Built in ") and "Successfully installed simplejson" in first.stderr
    second = run_cli("build", str(fn), "--runtime", HOST_RUNTIME, cache=tmp_path / "cache")
    assert second.stdout.startswith("Up to date (cached, nothing downloaded)") and "pip" not in second.stderr.lower()
    ran = run_cli("invoke", str(fn), "--runtime", HOST_RUNTIME, "--json", cache=tmp_path / "cache")
    assert ran.returncode == 0 and json.loads(ran.stdout)["payload"] == 1


def test_invoke_reports_a_failed_build_in_one_line_and_exits_2(tmp_path):
    fn = tmp_path / "fn"
    fn.mkdir()
    (fn / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (fn / "requirements.txt").write_text("no-such-package-lambda-console-test==9.9\n")
    proc = run_cli("invoke", str(fn), "--runtime", HOST_RUNTIME, cache=tmp_path / "cache")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("lambda-console invoke: Could not install requirements.txt")
    assert "no-such-package-lambda-console-test==9.9" in last


def test_invoke_layer_is_repeatable_and_ordered(tmp_path):
    fn = tmp_path / "fn"
    fn.mkdir()
    (fn / "lambda_function.py").write_text("import which\ndef lambda_handler(e, c):\n    return which.NAME\n")
    for name in ("one", "two"):
        (tmp_path / name / "python").mkdir(parents=True)
        (tmp_path / name / "python" / "which.py").write_text(f"NAME = '{name}'\n")
    proc = run_cli("invoke", str(fn), "--layer", str(tmp_path / "one"), "--layer", str(tmp_path / "two"), "--json")
    assert json.loads(proc.stdout)["payload"] == "two"  # the later layer is extracted over the earlier
    six = ["--layer", str(tmp_path / "one")] * 6
    refused = run_cli("invoke", str(fn), *six)
    assert refused.returncode == 2 and "at most 5 layers" in refused.stderr
