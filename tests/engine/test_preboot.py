"""A runtime booted ahead of a one-shot invocation (console/engine/preboot.py): used only when it was
started exactly as the environment would have been, and then indistinguishable from one started so."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import sys

import pytest

from console.engine import Engine, preboot as prebooting
from console.engine.preboot import Preboot

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="preboot runtimes are started on Linux only")

# What the function sees of its process: environment, folder, command line, paths, interpreter
# flags and standard streams, locale and time zone.
PROBE = """
import json, locale, os, sys, time

def lambda_handler(event, context):
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_LAMBDA_LOG_STREAM_NAME", "_X_AMZN_TRACE_ID", "TMPDIR")}
    return {
        "env": env, "cwd": os.getcwd(), "argv": sys.argv, "path": sys.path,
        "isolated": sys.flags.isolated, "no_site": sys.flags.no_site,
        "stdout": [sys.stdout.encoding, sys.stdout.errors], "stderr": [sys.stderr.encoding, sys.stderr.errors],
        "locale": locale.setlocale(locale.LC_CTYPE), "tz": time.tzname, "main": sys.modules["__main__"].__name__,
        "sid": os.getsid(0) == os.getpgid(os.getppid()),
        "stdin": os.path.realpath("/proc/self/fd/0"), "tmp_is_private": os.path.ismount(os.environ["TMPDIR"]),
    }
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_CONSOLE_CACHE", str(tmp_path / "cache"))


def _invoke(config, preboot: Preboot | None):
    with Engine(use_zygote=False, freeze_idle=False, watch_code=False, preboot=preboot) as engine:
        started = []
        adopt = engine._adopt
        engine._adopt = lambda env: started.append(env) or adopt(env)  # type: ignore[method-assign]
        result = engine.invoke(config, b"{}")
        return result, started[0]


def _booted(argv: list[str]) -> Preboot:
    preboot = Preboot.start(argv)
    assert preboot.process is not None, "the previous run left a guess for this command line"
    return preboot


def test_a_fitting_preboot_runtime_becomes_the_environment_and_the_function_cannot_tell(make_function):
    config = make_function(PROBE, environment={"TABLE": "orders"})
    argv = ["invoke", str(config.code_dir), "--json"]
    first = Preboot.start(argv)
    assert first.process is None  # nothing known yet about this command line
    direct, _ = _invoke(config, first)  # started as usual; remembers how
    preboot = _booted(argv)
    pid = preboot.process.pid
    booted, env = _invoke(config, preboot)
    assert env.pid == pid  # the preboot interpreter is the environment's keeper
    assert direct.succeeded and booted.succeeded, (direct.payload, booted.payload)
    assert json.loads(booted.payload) == json.loads(direct.payload)
    assert json.loads(booted.payload)["env"]["TABLE"] == "orders"


def test_the_guess_on_disk_holds_no_variable_of_the_function_beyond_those_read_at_start(make_function):
    config = make_function(PROBE, environment={"SECRET_TOKEN": "hunter2", "LC_ALL": "C.UTF-8"})
    argv = ["invoke", "x", "--env", "SECRET_TOKEN=hunter2"]
    _invoke(config, Preboot.start(argv))
    saved = open(prebooting.hint_path(json.dumps([os.getcwd(), argv]))).read()
    assert "hunter2" not in saved and "SECRET_TOKEN" not in saved  # neither the function's nor the command line's
    assert json.loads(saved)["env"]["LC_ALL"] == "C.UTF-8"


def test_a_preboot_started_with_another_locale_is_killed_unused_and_the_guess_updated(make_function):
    config = make_function(PROBE)
    argv = ["invoke", str(config.code_dir)]
    _invoke(config, Preboot.start(argv))
    preboot = _booted(argv)
    changed = dataclasses.replace(config, environment={"LANG": "C.UTF-8"})
    process = preboot.process
    result, env = _invoke(changed, preboot)
    assert result.succeeded
    assert env.pid != process.pid and process.returncode is not None  # killed and reaped
    assert json.loads(result.payload)["env"]["LANG"] == "C.UTF-8"
    assert _booted(argv).hint["env"]["LANG"] == "C.UTF-8"


def test_a_function_with_interpreter_settings_never_runs_in_a_preboot_runtime(make_function):
    config = make_function(PROBE, environment={"PYTHONHASHSEED": "7"})
    argv = ["invoke", str(config.code_dir)]
    plain = dataclasses.replace(config, environment={})
    _invoke(plain, Preboot.start(argv))  # the guess: the same function without the variable
    preboot = _booted(argv)
    process = preboot.process
    result, env = _invoke(config, preboot)
    assert result.succeeded and env.pid != process.pid and process.returncode is not None
    assert json.loads(result.payload)["isolated"] == 0  # started without -I, to honour the variable


def test_a_preboot_runtime_nobody_claims_exits_and_leaves_no_process(make_function):
    config = make_function(PROBE)
    argv = ["invoke", str(config.code_dir)]
    _invoke(config, Preboot.start(argv))
    preboot = _booted(argv)
    process = preboot.process
    preboot.discard()
    assert process.returncode is not None
    # An engine closed before any invocation discards the one it was given too.
    unused = _booted(argv)
    Engine(use_zygote=False, preboot=unused).close()
    assert unused.process is None


def test_the_cli_discards_its_preboot_when_the_command_fails_before_invoking(make_function, tmp_path, monkeypatch):
    from console.cli import main

    config = make_function(PROBE)
    event = tmp_path / "event.json"
    event.write_text("{}")
    argv = ["invoke", str(config.code_dir), "--event", str(event), "--json"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0  # leaves the guess
    started: list[tuple[Preboot, object]] = []
    real_start = Preboot.start.__func__

    def spy(cls, args):
        preboot = real_start(cls, args)
        started.append((preboot, preboot.process))
        return preboot

    monkeypatch.setattr(Preboot, "start", classmethod(spy))
    event.unlink()
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 2  # the event file is gone: nothing runs
    preboot, process = started[0]
    assert process is not None and process.returncode is not None and preboot.process is None


def test_only_a_local_request_response_invoke_is_prebooted():
    assert prebooting.wanted(["invoke", "fn", "--json"])
    assert not prebooting.wanted(["invoke", "fn", "--remote", "arn"])
    assert not prebooting.wanted(["invoke", "fn", "--invocation-type", "Event"])
    assert not prebooting.wanted(["serve", "fn"])
    assert not prebooting.wanted([])


def test_the_hint_lives_in_the_runtime_cache_folder(tmp_path):
    from console.engine.runtime_dirs import cache_root

    assert prebooting.hint_dir() == str(cache_root() / "runtime" / prebooting.HINT_DIR)
    from console.engine.environment import BOOTSTRAP

    assert prebooting.BOOTSTRAP == BOOTSTRAP


BROKEN = """
import logging
print('loading')
logging.getLogger().warning('about to fail')
raise ValueError('bad config')

def lambda_handler(event, context):
    return 1
"""


def _shape(result) -> tuple:
    """What an invocation shows, without what differs from one run to the next."""
    log = re.sub(r"[0-9a-f-]{36}", "ID", result.log)
    log = re.sub(r"\d+(\.\d+)? ms", "N ms", log)
    log = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", log)
    log = re.sub(r"Max Memory Used: \d+ MB", "Max Memory Used: N MB", log)
    return result.status, result.function_error, result.payload, log


def test_an_init_error_reads_the_same_from_a_preboot_runtime(make_function):
    config = make_function(BROKEN)
    argv = ["invoke", str(config.code_dir)]
    direct, _ = _invoke(config, Preboot.start(argv))
    preboot = _booted(argv)
    pid = preboot.process.pid
    booted, env = _invoke(config, preboot)
    assert env.pid == pid
    assert direct.status == "Failed" and "Runtime.Unknown" not in direct.log
    assert _shape(booted) == _shape(direct)


def test_guesses_are_kept_per_command_line_and_the_least_recently_used_are_forgotten(monkeypatch):
    hint = {"python": sys.executable, "lib": "", "env": {"LANG": "C.UTF-8"}}
    monkeypatch.setattr(prebooting, "MAX_HINTS", 4)
    for n in range(4):
        prebooting._write_hint(f"command {n}", hint)
        # distinct times, oldest first, whatever the file system's timestamp resolution
        os.utime(prebooting.hint_path(f"command {n}"), ns=(n * 10**9, n * 10**9))
    assert prebooting._read_hint("command 0") == hint  # used now: the most recent
    prebooting._write_hint("command 4", hint)
    kept = {n for n in range(5) if prebooting._read_hint(f"command {n}") is not None}
    assert kept == {0, 2, 3, 4}
    assert prebooting._read_hint("another command") is None
