"""Environments forked from the zygote behave like freshly started ones, and the engine copes without it."""

from __future__ import annotations

import json
import os
import signal
import time

from console.engine import Engine

CODE = """
import os, random, sys
SEED = random.random()
def lambda_handler(event, context):
    if event.get("exit") is not None:
        sys.exit(event["exit"])
    return {"seed": SEED, "pid": os.getpid(), "pgid": os.getpgid(0), "cwd": os.getcwd(),
            "path0": sys.path[0], "tz": os.environ.get("TZ")}
"""


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def test_without_a_zygote_environments_are_started_directly(make_function):
    with Engine(use_zygote=False) as engine:
        config = make_function(CODE)
        value = json.loads(engine.invoke(config, b"{}").payload)
        assert value["pid"] == value["pgid"]  # still its own process group
        assert json.loads(engine.invoke(config, b'{"exit": 4}').payload)["errorMessage"].endswith("exit status 4")


def test_forked_environments_are_isolated_like_started_ones(engine, make_function):
    config = make_function(CODE)
    assert engine._zygote is not None and engine._zygote.alive
    first = json.loads(engine.invoke(config, b"{}").payload)
    second = json.loads(engine.invoke(config, b"{}", force_cold=True).payload)
    assert first["pid"] != second["pid"]
    assert second["pid"] == second["pgid"]  # its own process group (its keeper leads the session)
    assert first["seed"] != second["seed"]  # random state is not shared between environments
    assert first["cwd"] == str(config.code_dir) == first["path0"]
    assert first["tz"] == ":UTC"
    assert engine._zygote.alive  # they really came from the zygote: runtime <- keeper <- zygote
    keeper = _parent_of(second["pid"])
    assert keeper is not None and keeper != os.getpid() and _parent_of(keeper) == engine._zygote._process.pid


def test_exit_statuses_of_forked_environments_are_reported(engine, make_function):
    config = make_function(CODE)
    r = engine.invoke(config, b'{"exit": 7}')
    assert json.loads(r.payload)["errorMessage"].endswith("Runtime exited with error: exit status 7")


def test_a_dead_zygote_falls_back_to_starting_processes(engine, make_function):
    config = make_function(CODE)
    assert engine.invoke(config, b"{}").succeeded
    os.killpg(engine._zygote._process.pid, signal.SIGKILL)
    deadline = time.time() + 5
    while engine._zygote.alive and time.time() < deadline:
        time.sleep(0.02)
    r = engine.invoke(config, b"{}", force_cold=True)
    assert r.succeeded and r.cold_start


RUNTIME_VIEW = """
import sys
def lambda_handler(event, context):
    main = sys.modules["__main__"]
    return {"argv": sys.argv, "main_file": getattr(main, "__file__", None), "main_name": main.__name__,
            "path": [p for p in sys.path if p], "handler_module": __name__}
"""


def test_a_started_environment_sees_the_runtime_as_a_forked_one_does(engine, make_function):
    """Started environments run the runtime through a launcher (its cached bytecode); the function
    must not tell the difference from a forked one: same argv, __main__ and sys.path."""
    config = make_function(RUNTIME_VIEW)
    forked = json.loads(engine.invoke(config, b"{}").payload)
    with Engine(use_zygote=False) as started_engine:
        started = json.loads(started_engine.invoke(config, b"{}").payload)
    assert started == forked
    assert started["argv"] == [started["main_file"]] and started["main_file"].endswith("bootstrap.py")
    assert started["main_name"] == "__main__"
