"""Issue 10, item 12: a function that stops or kills the zygote, or signals another function's
environment, breaks neither later cold starts nor shutdown."""

from __future__ import annotations

import json
import os
import signal
import threading

from engine_battery import engine, make_function, parent_of, proc_state, wait_for  # noqa: F401

from console.engine import Engine

# The zygote is found by its command line among the function's ancestors, however many levels up.
FIND_ZYGOTE = """
import os, signal
def zygote_pid():
    pid = os.getppid()
    while pid > 1:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"zygote.py" in f.read():
                return pid
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    raise RuntimeError("no zygote above this environment")
"""

STOPPER = FIND_ZYGOTE + """
def lambda_handler(event, context):
    pid = zygote_pid()
    os.kill(pid, getattr(signal, event["signal"]))
    return pid
"""

HELLO = "def lambda_handler(event, context):\n    return 'hello'\n"


def live_zygote(engine: Engine):
    """The engine's zygote for the default runtime's interpreter, if one is alive now."""
    return next((z for z in engine._zygotes.values() if z.alive), None)


def test_a_stopped_zygote_does_not_break_cold_starts_or_shutdown(make_function):
    engine = Engine()
    closed = threading.Event()
    try:
        zygote = json.loads(engine.invoke(make_function(STOPPER), b'{"signal": "SIGSTOP"}').payload)
        assert wait_for(lambda: proc_state(zygote) in ("T", ""))
        for _ in range(3):  # every function's next cold start works
            r = engine.invoke(make_function(HELLO), b"{}")
            assert r.succeeded and r.cold_start, r.payload
    finally:
        threading.Thread(target=lambda: (engine.close(), closed.set()), daemon=True).start()
        assert closed.wait(60)
    assert proc_state(zygote) == ""


def test_a_killed_zygote_is_replaced(engine, make_function):
    zygote = json.loads(engine.invoke(make_function(STOPPER), b'{"signal": "SIGKILL"}').payload)
    assert wait_for(lambda: proc_state(zygote) == "")
    assert wait_for(lambda: engine.invoke(make_function(HELLO), b"{}").succeeded and live_zygote(engine) is not None)
    replacement = live_zygote(engine)
    assert replacement is not None and replacement.pid != zygote
    r = engine.invoke(make_function("import os\ndef lambda_handler(e, c):\n    return os.getppid()\n"), b"{}")
    assert parent_of(json.loads(r.payload)) == replacement.pid  # forked by the new zygote again


SIGNALLER = """
import os, signal
def lambda_handler(event, context):
    for pid in event["pids"]:
        os.kill(pid, signal.SIGSTOP)
    return "stopped"
"""
IDENTIFY = "import os\ndef lambda_handler(e, c):\n    return {'runtime': os.getpid(), 'keeper': os.getppid()}\n"


def test_a_function_that_stops_another_functions_environment_breaks_neither_it_nor_shutdown(make_function):
    engine = Engine()
    closed = threading.Event()
    try:
        victim = make_function(IDENTIFY)
        pids = json.loads(engine.invoke(victim, b"{}").payload)
        r = engine.invoke(make_function(SIGNALLER), json.dumps({"pids": [pids["keeper"], pids["runtime"]]}).encode())
        assert r.succeeded
        again = engine.invoke(victim, b"{}")  # thawed by the engine whoever stopped it
        assert again.succeeded and not again.cold_start
    finally:
        threading.Thread(target=lambda: (engine.close(), closed.set()), daemon=True).start()
        assert closed.wait(60)
    assert wait_for(lambda: proc_state(pids["keeper"]) == "" and proc_state(pids["runtime"]) == "")


IDENTIFY_OR_EXIT = """
import os
def lambda_handler(event, context):
    if event.get("exit"):
        os._exit(3)
    return {"runtime": os.getpid(), "keeper": os.getppid()}
"""


def test_a_stopped_environment_is_continued_even_when_idle_ones_are_never_frozen(make_function):
    # Without the freezer no thaw ever sends a signal: the engine continues a runtime that does
    # not answer, and a keeper before it waits for it to exit.
    with Engine(freeze_idle=False) as engine:
        victim = make_function(IDENTIFY_OR_EXIT, timeout_s=60)
        signaller = make_function(SIGNALLER)
        pids = json.loads(engine.invoke(victim, b"{}").payload)
        stopped = engine.invoke(signaller, json.dumps({"pids": [pids["keeper"], pids["runtime"]]}).encode())
        assert stopped.succeeded, stopped.payload
        again = engine.invoke(victim, b"{}")
        assert again.succeeded and not again.cold_start, again.payload
        assert json.loads(again.payload) == pids
        assert engine.invoke(signaller, json.dumps({"pids": [pids["keeper"]]}).encode()).succeeded
        exited = engine.invoke(victim, b'{"exit": true}')
        assert exited.platform_error == "Runtime.ExitError", exited.payload
        assert "Runtime exited with error: exit status 3" in json.loads(exited.payload)["errorMessage"]


def test_a_function_cannot_keep_its_processes_by_killing_its_keeper(engine, make_function, tmp_path):
    code = """
import os, signal, subprocess, time
def lambda_handler(event, context):
    child = subprocess.Popen(["sleep", "600"], start_new_session=True)
    with open(event["pidfile"], "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(600)
"""
    pidfile = tmp_path / "pids"
    r = engine.invoke(make_function(code, timeout_s=30), json.dumps({"pidfile": str(pidfile)}).encode())
    runtime, child = (int(x) for x in pidfile.read_text().split())
    try:
        assert r.status == "Failed"
        assert wait_for(lambda: proc_state(runtime) == "" and proc_state(child) == "")
    finally:
        for pid in (runtime, child):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_a_zygote_that_takes_a_request_but_never_answers_is_retired(engine, make_function, monkeypatch):
    from console.engine.zygote import Zygote, ZygoteUnavailable

    silent = live_zygote(engine)
    assert silent is not None

    def no_answer(self, *args, **kwargs):
        raise ZygoteUnavailable("the zygote did not answer", maybe_forked=True)

    monkeypatch.setattr(Zygote, "spawn", no_answer)
    r = engine.invoke(make_function(HELLO), b"{}")
    assert r.succeeded and r.cold_start  # started on descriptors of its own
    assert silent not in engine._zygotes.values()
