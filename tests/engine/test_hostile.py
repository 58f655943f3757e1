"""Handlers that misbehave: the engine reports what Lambda reports and the caller stays intact."""

from __future__ import annotations

import json
import os
import threading
import time

from console.engine.logs import HEAD_BYTES

HOSTILE = """
import ctypes, os, signal, subprocess, sys, time

def loop(event, context):
    while True:
        pass

def exit3(event, context):
    os._exit(3)

def sys_exit(event, context):
    sys.exit(2)

def segfault(event, context):
    ctypes.string_at(0)

def abort(event, context):
    os.abort()

def flood(event, context):
    line = "x" * 1023 + "\\n"
    for _ in range(20 * 1024):
        sys.stdout.write(line)
    print("LAST LINE")
    return "done"

def read_stdin(event, context):
    return sys.stdin.read()

def escape_codes(event, context):
    print("\\x1b[2J\\x1b[31mred\\x1b]0;title\\x07")
    return "ok"

def allocate(event, context):
    blocks = [bytearray(1024 * 1024) for _ in range(event.get("mb", 300))]
    return len(blocks)

def spawn_and_sleep(event, context):
    child = subprocess.Popen(["sleep", "300"])
    with open(event["pidfile"], "w") as f:
        f.write(str(child.pid))
    time.sleep(60)

def counter(event, context):
    global calls
    calls = globals().get("calls", 0) + 1
    return calls
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_infinite_loop_times_out_with_lambdas_current_error(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.loop", timeout_s=1)
    r = engine.invoke(config, b"{}")
    assert json.loads(r.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert r.payload.startswith(b'{"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: ')
    assert r.function_error == "Unhandled"
    report = r.log.splitlines()[-1]
    assert "\tDuration: 1000.00 ms\t" in report and report.endswith("\tStatus: timeout")
    assert r.summary.duration_ms == 1000.0


def test_after_a_timeout_the_next_invocation_is_cold(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.loop", timeout_s=1)
    engine.invoke(config, b"{}")
    assert engine.invoke(config, b"{}").cold_start


def test_os_exit_is_a_runtime_exit_error(engine, make_function):
    r = engine.invoke(make_function(HOSTILE, handler="lambda_function.exit3"), b"{}")
    assert json.loads(r.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: exit status 3",
    }
    assert r.log.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")


def test_sys_exit_is_a_runtime_exit_error(engine, make_function):
    r = engine.invoke(make_function(HOSTILE, handler="lambda_function.sys_exit"), b"{}")
    assert json.loads(r.payload)["errorMessage"].endswith("Runtime exited with error: exit status 2")


def test_segfault_and_abort_are_reported_by_signal_name(engine, make_function):
    segv = engine.invoke(make_function(HOSTILE, handler="lambda_function.segfault"), b"{}")
    assert json.loads(segv.payload)["errorMessage"].endswith("Runtime exited with error: signal: segmentation fault")
    abort = engine.invoke(make_function(HOSTILE, handler="lambda_function.abort"), b"{}")
    assert json.loads(abort.payload)["errorMessage"].endswith("Runtime exited with error: signal: aborted")


def test_after_a_crash_the_next_invocation_is_cold(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.exit3")
    engine.invoke(config, b"{}")
    assert engine.invoke(config, b"{}").cold_start


def test_a_log_flood_is_capped_and_says_it_was_cut(engine, make_function):
    r = engine.invoke(make_function(HOSTILE, handler="lambda_function.flood", timeout_s=30), b"{}")
    assert r.succeeded and r.payload == b'"done"'
    assert r.log_truncated
    assert "bytes of log output cut here" in r.log
    assert len(r.log.encode()) < HEAD_BYTES + 200 * 1024
    assert "LAST LINE" in r.log  # the tail is kept
    assert r.log.splitlines()[-1].startswith("REPORT RequestId:")


def test_reading_stdin_gets_end_of_file_at_once(engine, make_function):
    r = engine.invoke(make_function(HOSTILE, handler="lambda_function.read_stdin"), b"{}")
    assert r.payload == b'""'


def test_escape_codes_are_kept_as_text_in_the_log(engine, make_function):
    r = engine.invoke(make_function(HOSTILE, handler="lambda_function.escape_codes"), b"{}")
    assert "\x1b[31mred" in r.log  # captured, not written to our terminal

    from console.display import neutralise

    assert "\x1b" not in neutralise(r.log) and "\u241b[31mred" in neutralise(r.log)


def test_exceeding_memory_is_reported_as_out_of_memory(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.allocate", memory_mb=128)
    r = engine.invoke(config, b'{"mb": 400}')
    assert json.loads(r.payload) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with error: signal: killed",
    }
    assert r.log.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
    assert r.summary.max_memory_used_mb == 128


def test_memory_within_the_limit_is_fine_and_measured(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.allocate", memory_mb=512)
    r = engine.invoke(config, b'{"mb": 200}')
    assert r.succeeded, r.payload
    assert 200 <= r.summary.max_memory_used_mb <= 512


def test_killing_the_environment_kills_what_it_started(engine, make_function, tmp_path):
    pidfile = tmp_path / "child.pid"
    config = make_function(HOSTILE, handler="lambda_function.spawn_and_sleep", timeout_s=2)
    r = engine.invoke(config, json.dumps({"pidfile": str(pidfile)}).encode())
    assert r.platform_error == "Sandbox.Timedout"
    child = int(pidfile.read_text())
    deadline = time.time() + 5
    while _alive(child) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_cancel_stops_a_running_invocation(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.loop", timeout_s=60)
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.perf_counter()
    r = engine.invoke(config, b"{}", cancel=cancel)
    assert time.perf_counter() - started < 10
    assert r.cancelled and r.status == "Failed"


def test_live_log_callback_sees_output_as_it_arrives(engine, make_function):
    code = "import time\ndef lambda_handler(e, c):\n    print('first')\n    time.sleep(0.3)\n    print('second')\n"
    seen: list[tuple[float, str]] = []
    engine.invoke(make_function(code), b"{}", on_log=lambda text: seen.append((time.perf_counter(), text)))
    text = "".join(t for _, t in seen)
    assert "first" in text and "second" in text and "REPORT" in text
    first_at = next(t for t, s in seen if "first" in s)
    second_at = next(t for t, s in seen if "second" in s)
    assert second_at > first_at


def test_warm_environment_keeps_module_state_between_invocations(engine, make_function):
    config = make_function(HOSTILE, handler="lambda_function.counter")
    assert [engine.invoke(config, b"{}").payload for _ in range(3)] == [b"1", b"2", b"3"]


def test_concurrent_invocations_get_environments_of_their_own(engine, make_function):
    code = "import os, time\ndef lambda_handler(e, c):\n    time.sleep(0.3)\n    return os.getpid()\n"
    config = make_function(code)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(engine.invoke(config, b"{}"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.succeeded for r in results)
    assert len({r.payload for r in results}) == 4


CLOSES_OUTPUT = """
import os, time

def lambda_handler(event, context):
    if event.get("close"):
        print("last words")
        os.close(1)
        os.close(2)
    time.sleep(event["sleep"])  # long enough for the engine to look at the log pipe while it waits
    return "still here"
"""


def test_a_function_that_closes_its_output_still_answers_and_stays_warm(engine, make_function):
    config = make_function(CLOSES_OUTPUT)
    first = engine.invoke(config, b'{"close": true, "sleep": 0.05}')
    assert first.payload == b'"still here"', first.payload
    assert "last words" in first.log
    second = engine.invoke(config, b'{"sleep": 0.05}')
    assert second.payload == b'"still here"' and not second.cold_start
    assert second.log.startswith("START RequestId:")
