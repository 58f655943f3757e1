"""Every front invokes through the Invoker: serve runs fresh code, counts in `lambda-console metrics`
and answers a bad event with the same words as the CLI and the console."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

HANDLER = "from lib.deep import helper\ndef lambda_handler(event, context):\n    return helper.VALUE\n"


def metrics_json(*dirs: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "console", "metrics", "--json", *map(str, dirs)], capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return {name: f["totals"] for name, f in json.loads(proc.stdout)["functions"].items()}


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_serve_runs_an_edited_imported_module_at_once_in_a_folder_of_thousands_of_files(
    make_function, start_server, make_client
):
    files = {"lib/__init__.py": "", "lib/deep/__init__.py": "", "lib/deep/helper.py": "VALUE = 'old'\n"}
    for n in range(20):
        for i in range(300):
            files[f"vendor/pkg{n:02d}/mod{i}.py"] = f"X = {i}\n"
    folder = make_function("big", HANDLER, files)
    client = make_client(start_server([folder]).url)
    assert client.invoke(FunctionName="big")["Payload"].read() == b'"old"'
    (folder / "lib" / "deep" / "helper.py").write_text("VALUE = 'new'\n")
    assert client.invoke(FunctionName="big")["Payload"].read() == b'"new"'
    conf = client.get_function_configuration(FunctionName="big")
    assert conf["CodeSize"] == sum((folder / rel).stat().st_size for rel in [*files, "lambda_function.py"])


def test_serve_invocations_show_in_lambda_console_metrics_while_it_runs(function_dirs, start_server, make_client):
    server = start_server([function_dirs["hello"], function_dirs["failer"]], persist_metrics=True)
    client = make_client(server.url)
    client.invoke(FunctionName="hello")
    client.invoke(FunctionName="failer", InvocationType="Event")
    totals = wait_for(
        lambda: (t := metrics_json(function_dirs["hello"], function_dirs["failer"]))["failer"]["Invocations"] == 3
        and t
    )
    assert totals, "the server's metrics never reached the files"
    assert totals["hello"]["Invocations"] == 1
    assert totals["failer"]["AsyncEventsReceived"] == 1 and totals["failer"]["AsyncRetries"] == 2
    assert server._thread is not None and server._thread.is_alive()  # still serving


BAD_EVENTS = [
    pytest.param(b'{\n  "key1": "value1",\n}', "InvalidRequestContentException", id="invalid-json"),
    pytest.param(b"\x87{}", "InvalidRequestContentException", id="invalid-utf8"),
    pytest.param(b'"' + b"x" * 6_291_456 + b'"', "RequestTooLargeException", id="over-the-sync-limit"),
]


@pytest.mark.parametrize(("event", "error_type"), BAD_EVENTS)
def test_a_bad_event_gets_the_same_words_from_serve_the_cli_and_the_console(
    event, error_type, function_dirs, start_server, tmp_path
):
    import urllib.request

    from console.tui.render import event_problem

    server = start_server([function_dirs["hello"]])
    request = urllib.request.Request(f"{server.url}/2015-03-31/functions/hello/invocations", data=event, method="POST")
    try:
        urllib.request.urlopen(request, timeout=60)
        raise AssertionError("serve accepted a bad event")
    except urllib.error.HTTPError as exc:
        assert exc.headers["x-amzn-ErrorType"] == error_type
        served = json.loads(exc.read())["message"]

    event_file = tmp_path / "event.json"
    event_file.write_bytes(event)
    proc = subprocess.run(
        [sys.executable, "-m", "console", "invoke", str(function_dirs["hello"]), "--event", str(event_file)],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 2 and served in proc.stderr.decode()

    if event.startswith(b"\x87"):
        return  # the console's editor holds text: it cannot hold this byte
    assert event_problem(event.decode()) == served


def test_an_empty_event_is_the_invoke_apis_empty_payload_everywhere(function_dirs, start_server, make_client):
    from console.tui.render import event_problem

    client = make_client(start_server([function_dirs["echo"]]).url)
    assert json.loads(client.invoke(FunctionName="echo", Payload=b"")["Payload"].read())["event"] == {}
    proc = subprocess.run(
        [sys.executable, "-m", "console", "invoke", str(function_dirs["echo"]), "--event", "-", "--json"],
        input=b"", capture_output=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["payload"]["event"] == {}
    assert event_problem("") is None and event_problem("   \n") is None


def test_the_event_limit_follows_the_invocation_type(function_dirs):
    from console.tui.render import event_problem

    big = '"' + "x" * 1_048_576 + '"'
    assert event_problem(big) is None
    assert "limit 1048576 bytes" in event_problem(big, "Event")
    proc = subprocess.run(
        [sys.executable, "-m", "console", "invoke", str(function_dirs["hello"]), "--event", "-",
         "--invocation-type", "Event"],
        input=big.encode(), capture_output=True, timeout=60,
    )
    assert proc.returncode == 2 and event_problem(big, "Event") in proc.stderr.decode()
