"""Issue 10, items 5 and 6: what comes back from an environment is checked before anyone sees it.

A frame from another process, a frame without the environment's key, a late answer of an earlier
invocation, a garbled frame or a content type that could inject a header never reaches the caller
as an answer; a broken reply is a platform error for that invocation only, and the environment is
killed, whatever path the failure takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from engine_battery import engine, gone, make_function, proc_state, wait_for  # noqa: F401

from console.engine.isolation import is_dumpable

VICTIM = """
import os, time
def lambda_handler(event, context):
    with open(event["pidfile"], "w") as f:
        f.write(str(os.getpid()))
    while not os.path.exists(event["go"]):
        time.sleep(0.01)
    return "genuine"
"""

# Writes a well-formed frame of the old and the new shape into every descriptor of the victim it
# can open through /proc (it cannot know the victim's key).
FORGER = """
import json, os, struct
def lambda_handler(event, context):
    pid = event["victim"]
    header = json.dumps({"t": "result", "ct": "application/json", "d": 1, "m": 1}).encode()
    body = b'"forged"'
    frame = struct.pack("!II", len(header), len(body)) + header + body
    written = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(out, frame)
            written.append(int(fd))
        except OSError:
            pass
        finally:
            os.close(out)
    open(event["go"], "w").close()
    return written
"""


def test_a_function_cannot_forge_another_functions_answer(engine, make_function, tmp_path):
    victim = make_function(VICTIM, timeout_s=60)
    forger = make_function(FORGER, timeout_s=30)
    pidfile, go = tmp_path / "victim.pid", tmp_path / "go"
    results: list = []
    event = json.dumps({"pidfile": str(pidfile), "go": str(go)}).encode()
    thread = threading.Thread(target=lambda: results.append(engine.invoke(victim, event)))
    thread.start()
    try:
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text() != "")
        forged = engine.invoke(forger, json.dumps({"victim": int(pidfile.read_text()), "go": str(go)}).encode())
        assert forged.succeeded, forged.payload
    finally:
        go.touch()
        thread.join(timeout=90)
    (result,) = results
    assert result.succeeded and result.payload == b'"genuine"'


GARBLE = """
import os
def lambda_handler(event, context):
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            os.write(int(fd), bytes.fromhex(event["hex"]))
    return "after the garbage"
"""


def _frame(header: dict | bytes, body: bytes = b"") -> str:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return (len(raw).to_bytes(4, "big") + len(body).to_bytes(4, "big") + raw + body).hex()


@pytest.mark.parametrize(
    "garbage",
    [
        _frame(b"hello"),  # a header that is not JSON
        "ffffffff00000000",  # a header length no runtime sends
        _frame({"t": "result", "ct": "application/json", "d": 1, "m": 1}, b'"forged"'),  # no key
        _frame(b"[" * 100_000),  # nesting that would exhaust the recursion limit
    ],
    ids=["not-json", "huge-header", "no-key", "deep-nesting"],
)
def test_a_garbled_reply_is_a_platform_error_and_the_environment_is_killed(engine, make_function, garbage):
    config = make_function(GARBLE)
    r = engine.invoke(config, json.dumps({"hex": garbage}).encode())
    assert r.status == "Failed" and r.function_error == "Unhandled"
    assert r.platform_error == "Runtime.ExitError"
    assert json.loads(r.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited without providing a reason",
    }
    assert "[lambda-console] The runtime sent" in r.log
    assert r.log.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert not engine._all  # killed, not pooled and not leaked
    assert engine.invoke(config, json.dumps({"hex": ""}).encode()).cold_start


def _keyed_send(header: str, body: str = "b'x'") -> str:
    """Handler code that sends a frame through the runtime's own channel (so with the key)."""
    return f"""
import gc, threading
def lambda_handler(event, context):
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    channel.send({header}, {body})
    return "ok"
"""


@pytest.mark.parametrize(
    "header",
    [
        '{"t": "result", "id": context.aws_request_id, "ct": "text/plain\\r\\nX-Injected: yes", "d": 1, "m": 1}',
        '{"t": "result", "id": context.aws_request_id, "ct": "text/plain\\nSet-Cookie: a=b", "d": 1, "m": 1}',
        '{"t": "result", "id": context.aws_request_id, "ct": ["application/json"], "d": 1, "m": 1}',
        '{"t": "result", "id": context.aws_request_id, "ct": "application/json", "d": float("inf"), "m": 1}',
        '{"t": "result", "id": context.aws_request_id, "ct": "application/json", "d": 1, "m": "lots"}',
        '{"t": "ready", "id": context.aws_request_id}',
    ],
    ids=[
        "crlf-content-type", "lf-content-type", "list-content-type", "infinite-duration", "memory-not-a-number",
        "wrong-type",
    ],
)
def test_a_malformed_keyed_frame_is_refused(engine, make_function, header):
    r = engine.invoke(make_function(_keyed_send(header)), b"{}")
    assert r.platform_error == "Runtime.ExitError"
    assert r.content_type == "application/json"
    assert json.loads(r.payload)["errorType"] == "Runtime.ExitError"
    assert not engine._all


STRAY = """
import gc, threading
state = {}
def lambda_handler(event, context):
    if event["op"] == "first":
        channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
        first_id = context.aws_request_id
        state["go"], state["done"] = threading.Event(), threading.Event()
        def late():
            state["go"].wait()
            channel.send({"t": "result", "id": first_id, "ct": "application/json", "d": 1, "m": 1}, b'"stale"')
            state["done"].set()
        threading.Thread(target=late, daemon=True).start()
        return "first"
    state["go"].set()
    state["done"].wait()
    return "second"
"""


def test_a_late_answer_of_an_earlier_invocation_is_not_given_to_the_next(engine, make_function):
    config = make_function(STRAY, timeout_s=30)
    assert engine.invoke(config, b'{"op": "first"}').payload == b'"first"'
    second = engine.invoke(config, b'{"op": "second"}')
    assert second.succeeded and second.payload == b'"second"' and not second.cold_start


PATCHER = """
import builtins, json, os
def lambda_handler(event, context):
    json.dumps = lambda *args, **kwargs: "garbage"
    os.write = lambda fd, data: 0
    if event.get("len"):
        builtins.len = lambda obj: 0
    print("patched")
    return {"n": event["n"], "text": "x" * 100000}
"""


def test_a_handler_that_monkeypatches_json_dumps_and_os_write_still_gets_its_answer_through(engine, make_function):
    config = make_function(PATCHER)
    for n in (1, 2):
        r = engine.invoke(config, json.dumps({"n": n}).encode())
        assert r.succeeded, r.payload
        assert json.loads(r.payload) == {"n": n, "text": "x" * 100000}
        assert "patched" in r.log


def test_a_handler_that_breaks_len_gets_its_answer_through_and_the_next_is_the_runtimes_error(engine, make_function):
    config = make_function(PATCHER)
    first = engine.invoke(config, b'{"n": 1, "len": true}')
    assert first.succeeded and json.loads(first.payload)["n"] == 1
    # The runtime's own JSON decoder (simplejson, as in awslambdaric) now fails on every event:
    # that is the function's doing and the runtime's answer, not a broken channel.
    second = engine.invoke(config, b'{"n": 2}')
    assert second.platform_error is None and not second.cold_start
    assert json.loads(second.payload)["errorType"] == "Runtime.UnmarshalError"


def test_the_cli_survives_a_monkeypatching_handler(make_function):
    config = make_function(PATCHER)
    proc = subprocess.run(
        [sys.executable, "-m", "console", "invoke", str(config.code_dir), "--json", "--event", "-"],
        input=b'{"n": 3, "len": true}', capture_output=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["payload"]["n"] == 3


def test_an_error_in_the_callers_path_kills_the_environment_it_took(engine, make_function):
    config = make_function("def lambda_handler(event, context):\n    return 1\n")
    assert engine.invoke(config, b"{}").succeeded
    (warm,) = engine._all
    with pytest.raises(TypeError):
        engine.invoke(config, b"{}", client_context={"not json": object()})
    assert not engine._all
    assert wait_for(lambda: gone([warm.pid]))
    with pytest.raises(TypeError):
        engine.invoke(config, b"{}", client_context={"not json": object()}, force_cold=True)
    assert not engine._all


def test_the_engine_process_cannot_be_read_through_proc(engine):
    # PR_SET_DUMPABLE 0: /proc/<engine>/environ, mem and fd/ are root's only.
    assert is_dumpable() is False


def test_an_environment_is_not_given_its_key_in_argv_or_environment(engine, make_function):
    code = """
import os
def lambda_handler(event, context):
    keeper = os.getppid()
    with open(f"/proc/{keeper}/cmdline", "rb") as f:
        cmdline = f.read()
    return {"cmdline": cmdline.decode(errors="replace"), "environ": dict(os.environ)}
"""
    r = engine.invoke(make_function(code), b"{}")
    (env,) = engine._all
    assert env.key not in r.payload.decode()
    assert proc_state(env.pid) != ""
