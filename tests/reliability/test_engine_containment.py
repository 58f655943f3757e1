"""Issue 10, item 4: every process a function starts dies with its environment, counts toward its
memory, and is frozen while the environment is idle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from engine_battery import engine, gone, kill_quietly, make_function, proc_state, read_pids, wait_for  # noqa: F401

from console.engine import Engine

# Four ways to leave the runtime's process group: a child that calls setsid() itself, a session
# of its own from subprocess, setpgid(0, 0), and the classic daemon double fork.
ESCAPE = """
import json, os, subprocess, sys, time

def lambda_handler(event, context):
    pids = []
    pids.append(subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(600)"]).pid)
    pids.append(subprocess.Popen(["sleep", "600"], start_new_session=True).pid)
    pids.append(subprocess.Popen(["sleep", "600"], preexec_fn=lambda: os.setpgid(0, 0)).pid)
    r, w = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(w, str(os.getpid()).encode())
            time.sleep(600)
        os._exit(0)
    os.waitpid(first, 0)
    pids.append(int(os.read(r, 32)))
    with open(event["pidfile"], "w") as f:
        f.write(" ".join(map(str, pids)))
    if event.get("hang"):
        time.sleep(600)
    return pids
"""


def _escapees(tmp_path: Path, engine: Engine, config, **extra) -> tuple[object, list[int]]:
    pidfile = tmp_path / "pids"
    result = engine.invoke(config, json.dumps({"pidfile": str(pidfile), **extra}).encode())
    return result, read_pids(pidfile, 4)


def test_detached_children_die_when_the_invocation_times_out(engine, make_function, tmp_path):
    config = make_function(ESCAPE, timeout_s=10)  # time enough to start its children on a loaded machine
    result, pids = _escapees(tmp_path, engine, config, hang=True)
    try:
        assert result.platform_error == "Sandbox.Timedout"
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        kill_quietly(pids)


def test_detached_children_die_when_the_environment_is_retired(engine, make_function, tmp_path):
    config = make_function(ESCAPE, timeout_s=30)
    result, pids = _escapees(tmp_path, engine, config)
    try:
        assert result.succeeded, result.payload
        assert not gone(pids)  # they outlive the invocation, as in Lambda, while the environment lives
        engine.new_environment(config)
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        kill_quietly(pids)


def test_detached_children_die_when_the_engine_closes(make_function, tmp_path):
    config = make_function(ESCAPE, timeout_s=30)
    with Engine() as engine:
        result, pids = _escapees(tmp_path, engine, config)
    try:
        assert result.succeeded, result.payload
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        kill_quietly(pids)


def test_detached_children_die_when_the_cli_exits_or_is_killed(make_function, tmp_path):
    config = make_function(ESCAPE, timeout_s=30)
    pidfile = tmp_path / "cli-pids"
    done = subprocess.run(
        [sys.executable, "-m", "console", "invoke", str(config.code_dir), "--json", "--timeout", "30", "--event", "-"],
        input=json.dumps({"pidfile": str(pidfile)}).encode(), capture_output=True, timeout=120,
    )
    pids = read_pids(pidfile, 4)
    try:
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        kill_quietly(pids)

    # kill -9 of the CLI in the middle of an invocation: nothing of the environment survives it.
    pidfile = tmp_path / "killed-pids"
    cli = subprocess.Popen(
        [sys.executable, "-m", "console", "invoke", str(config.code_dir), "--json", "--timeout", "300", "--event", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    assert cli.stdin is not None
    cli.stdin.write(json.dumps({"pidfile": str(pidfile), "hang": True}).encode())
    cli.stdin.close()
    try:
        pids = read_pids(pidfile, 4)
        cli.kill()
        cli.wait(timeout=60)
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        cli.kill()
        kill_quietly(pids)


HOG = """
import os, subprocess, sys, time

def lambda_handler(event, context):
    code = "import time; block = bytearray(400 * 1024 * 1024); time.sleep(600)"
    children = [subprocess.Popen([sys.executable, "-c", code], start_new_session=True) for _ in range(3)]
    with open(event["pidfile"], "w") as f:
        f.write(" ".join(str(c.pid) for c in children))
    time.sleep(600)
"""


def test_memory_counts_the_whole_process_tree(engine, make_function, tmp_path):
    config = make_function(HOG, memory_mb=128, timeout_s=60)
    pidfile = tmp_path / "pids"
    result = engine.invoke(config, json.dumps({"pidfile": str(pidfile)}).encode())
    pids = read_pids(pidfile, 3)
    try:
        assert result.platform_error == "Runtime.OutOfMemory", result.payload
        assert result.summary.max_memory_used_mb == 128
        assert result.log.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
        assert wait_for(lambda: gone(pids))
    finally:
        kill_quietly(pids)


def test_children_memory_within_the_limit_is_reported_in_max_memory_used(engine, make_function, tmp_path):
    code = """
    import os, subprocess, sys, time
    def lambda_handler(event, context):
        child = subprocess.Popen([sys.executable, "-c", "import sys; b = bytearray(150 * 1024 * 1024); sys.stdin.read()"],
                                 stdin=subprocess.PIPE)
        while not os.path.exists(event["release"]):  # until the test has seen the engine count it
            time.sleep(0.01)
        child.communicate(b"")
        return "done"
    """
    release = tmp_path / "release"
    config = make_function(code, memory_mb=512, timeout_s=120)
    results: list = []
    thread = threading.Thread(
        target=lambda: results.append(engine.invoke(config, json.dumps({"release": str(release)}).encode()))
    )
    thread.start()
    try:
        assert wait_for(lambda: any(env.peak_kb >= 150 * 1024 for env in list(engine._all)), within=60)
    finally:
        release.touch()
        thread.join(timeout=120)
    (result,) = results
    assert result.succeeded, result.payload
    assert result.summary.max_memory_used_mb >= 150


SPIN = """
import os, subprocess, sys, threading

def lambda_handler(event, context):
    if event.get("child"):
        with open(f"/proc/{event['child']}/stat") as f:
            return {"child_state": f.read().rsplit(")", 1)[1].split()[0]}
    def burn():
        while True:
            pass
    threading.Thread(target=burn, daemon=True).start()
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    return {"runtime": os.getpid(), "child": child.pid}
"""


def test_an_idle_environment_is_frozen_and_thawed_for_the_next_invocation(engine, make_function):
    config = make_function(SPIN)
    first = engine.invoke(config, b"{}")
    assert first.succeeded, first.payload
    pids = json.loads(first.payload)
    try:
        # Between invocations nothing of the environment runs: a spinning thread and a spinning
        # detached child are both stopped.
        assert wait_for(lambda: proc_state(pids["runtime"]) == "T" and proc_state(pids["child"]) == "T")
        second = engine.invoke(config, json.dumps({"child": pids["child"]}).encode())
        assert second.succeeded and not second.cold_start
        assert json.loads(second.payload)["child_state"] != "T"  # thawed while it serves
        assert wait_for(lambda: proc_state(pids["child"]) == "T")
    finally:
        kill_quietly([pids["child"]])


def test_the_keeper_is_a_subreaper_so_orphans_stay_in_the_environment(engine, make_function):
    code = """
    import os, time
    def lambda_handler(event, context):
        r, w = os.pipe()
        if os.fork() == 0:
            middle = os.getpid()
            if os.fork() == 0:
                while os.getppid() == middle:  # until the middle process has exited
                    time.sleep(0.01)
                os.write(w, str(os.getppid()).encode())
                time.sleep(600)
            os._exit(0)
        return {"keeper": os.getppid(), "orphan_parent": int(os.read(r, 32))}
    """
    value = json.loads(engine.invoke(make_function(code), b"{}").payload)
    assert value["orphan_parent"] == value["keeper"] != 1


def test_detached_children_die_when_serve_shuts_down(tmp_path):
    from serve_process import Serve, make_function as make_served

    folder = make_served(tmp_path / "functions", "escaper", ESCAPE)
    pidfile = tmp_path / "serve-pids"
    server = Serve(folder)
    try:
        status, _, body = server.request(
            "POST", "/2015-03-31/functions/escaper/invocations", json.dumps({"pidfile": str(pidfile)}).encode()
        )
        assert status == 200, body
        pids = read_pids(pidfile, 4)
        assert not gone(pids)
        server.stop(signal.SIGTERM)
        assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
    finally:
        server.proc.kill()
        if pidfile.exists():
            kill_quietly([int(x) for x in pidfile.read_text().split()])


def test_detached_children_die_with_environments_started_without_the_zygote(make_function, tmp_path):
    config = make_function(ESCAPE, timeout_s=30)
    with Engine(use_zygote=False) as engine:
        result, pids = _escapees(tmp_path, engine, config)
        try:
            assert result.succeeded, result.payload
            engine.new_environment(config)
            assert wait_for(lambda: gone(pids)), [proc_state(p) for p in pids]
        finally:
            kill_quietly(pids)
