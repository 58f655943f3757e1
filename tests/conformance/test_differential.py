"""Differential conformance: every case runs through the real awslambdaric and through our engine.

awslambdaric (AWS's own Python runtime interface client) is driven by a local Runtime API
(`runtime_api.py`); our engine is driven through its public API. Payloads, error objects, status,
content type and the runtime-produced log text must be the same once the differences that are
*not* the runtime's are normalised away:

- timestamps and request ids (each side has its own);
- directories: Lambda runs the code from /var/task and the standard library from
  /var/lang/lib/python3.X, while here each side runs its own copy of the code from a temporary
  directory on the host's Python; each side's code directory is read as /var/task and any
  `.../lib/python3.X/` as `<stdlib>/`, so frames still compare file, line, function and code;
- the [ERROR] block's line joiner: awslambdaric's StandardLogSink (used without a telemetry fd, as
  here) joins with "\\r", the production telemetry sink with "\\n";
- the runtime's own frames (kept when the handler cannot be called) and the recursion depth: they
  depend on where the runtime is installed and how it is launched;
- platform lines (INIT_START, START, END, REPORT, INIT_REPORT) come from Lambda's platform, not
  from the runtime, so only the text between them is compared, and a line break the platform puts
  before its own line (after output that did not end with one) is not a difference.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from .cases import CASES, Case
from .ric_install import RicUnavailable, ric_for
from .ric_runner import RicResult, RicRunner

FUNCTION_NAME = "conformance"
TIMEOUT_S = 30  # generous: only the 'remaining time' range depends on it, never a measured time
HOST_SECRET = "CONFORMANCE_HOST_SECRET"

# Text logs carry milliseconds; JSON logs ("timestamp": ...) do not.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z")
# A frame of the runtime itself (the handler could not even be called: wrong arity, not callable).
# awslambdaric keeps it in the trace; where that file lives and its line number belong to the
# runtime's build (here the venv's awslambdaric, in Lambda /var/runtime), so only the function and
# the code line are compared. test_runtime_frames_do_not_show_host_paths checks our path.
_RUNTIME_FRAME = re.compile(r'File (\\?)"[^"]*/bootstrap\.py\\?", line \d+, in ')
# The recursion limit counts the runtime's own frames below the handler, which depend on how the
# runtime process was started (python -m awslambdaric here, /var/runtime/bootstrap in Lambda).
_REPEATED = re.compile(r"\[Previous line repeated \d+ more times\]")
_STREAM = re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}")
_ERROR_BLOCK_START = re.compile(r"^\[ERROR\](?: |\r|$)", re.MULTILINE)
_TRACEBACK_MARKER = "\rTraceback (most recent call last):"
# The standard library's directory on this host (/root/.pyenv/.../lib/python3.11) or in Lambda
# (/var/lang/lib/python3.14): it shows up in messages such as "cannot import name ... (<path>)".
_STDLIB_DIR = re.compile(r"/[^\s\"'()]*?/lib/python3\.\d+/")


@dataclass
class EngineInvocation:
    payload: bytes
    status: str
    function_error: str | None
    content_type: str
    request_id: str
    log: str
    platform_error: str | None
    cold_start: bool


@dataclass
class EngineRun:
    invocations: list[EngineInvocation]
    code_dir: Path


@dataclass
class Outcome:
    case: Case
    ric: RicResult | None
    engine: EngineRun | None
    ric_failure: str = ""
    engine_failure: str = ""


# ------------------------------------------------------------------ normalisation


def normalise_text(text: str, request_id: str, code_dir: Path | None = None) -> str:
    """Replace what legitimately differs between the two runs (ids, times, directories)."""
    if request_id:
        text = text.replace(request_id, "<request-id>")
    if code_dir is not None:
        # Each side runs its copy of the code from its own directory; Lambda's is /var/task.
        text = text.replace(str(code_dir), "/var/task")
    text = _RUNTIME_FRAME.sub(lambda m: f'File {m[1]}"<runtime>/bootstrap.py{m[1]}", line <n>, in ', text)
    text = _REPEATED.sub("[Previous line repeated <n> more times]", text)
    text = _STDLIB_DIR.sub("<stdlib>/", text)
    text = _TIMESTAMP.sub("<timestamp>", text)
    return _STREAM.sub("<log-stream>", text)


def normalise_error_blocks(text: str) -> str:
    """Split awslambdaric's "\\r"-joined [ERROR] block into lines, as the telemetry sink does.

    The block is `[ERROR] <type>: <message>` + "\\rTraceback (most recent call last):" + one "\\r"
    per frame line, ended by "\\n" (the message itself may hold "\\n"). Only that block is touched;
    a `logging` record at ERROR level (`[ERROR]\\t...`) keeps any "\\r" it has.
    """
    out = []
    pos = 0
    for match in _ERROR_BLOCK_START.finditer(text):
        if match.start() < pos:
            continue
        marker = text.find(_TRACEBACK_MARKER, match.start())
        if marker < 0:
            continue
        end = text.find("\n", marker)
        end = len(text) if end < 0 else end
        out.append(text[pos : match.start()])
        out.append(text[match.start() : end].replace("\r", "\n"))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def normalise_log(text: str, request_id: str, code_dir: Path | None = None) -> str:
    return normalise_error_blocks(normalise_text(text, request_id, code_dir))


def before_platform_line(section: str, expected: str) -> str:
    """The section as the runtime wrote it: a line break the platform put before its own line
    (END, INIT_REPORT) after output that did not end with one is not the runtime's."""
    if section.endswith("\n") and not expected.endswith("\n") and section[:-1] == expected:
        return expected
    return section


def normalise_payload(payload: bytes, request_id: str, code_dir: Path | None = None) -> str:
    return normalise_text(payload.decode("utf-8", "surrogateescape"), request_id, code_dir)


def error_object(payload: bytes) -> list[tuple[str, Any]]:
    """The error object with its key order kept."""
    return json.loads(payload, object_pairs_hook=list)


# ------------------------------------------------------------------ engine log sections


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end + 1


def platform_records_as_text(log: str) -> str:
    """With AWS_LAMBDA_LOG_FORMAT=JSON the platform's lines are JSON records (platform.start,
    platform.report...); turn them back into the text markers the sections are cut by."""
    out = []
    for line in log.splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        kind = record.get("type", "") if isinstance(record, dict) else ""
        body = record.get("record", {}) if isinstance(record, dict) else {}
        if kind == "platform.initStart":
            out.append("INIT_START Runtime Version: json\n")
        elif kind == "platform.start":
            out.append(f"START RequestId: {body['requestId']} Version: $LATEST\n")
        elif kind == "platform.initReport":
            out.append(f"INIT_REPORT Phase: {body.get('phase')}\n")
        elif kind == "platform.report":
            out.append(f"END RequestId: {body['requestId']}\nREPORT RequestId: {body['requestId']}\n")
        else:
            out.append(line)
    return "".join(out)


def engine_invoke_section(log: str, request_id: str) -> str:
    """What was logged between START and END of the invocation."""
    log = platform_records_as_text(log)
    start_marker = f"START RequestId: {request_id} Version: $LATEST"
    start = log.find(start_marker)
    assert start >= 0, f"no START line for {request_id} in:\n{log}"
    body_start = _line_end(log, start)
    end = log.find(f"END RequestId: {request_id}", body_start)
    assert end >= 0, f"no END line for {request_id} in:\n{log}"
    return log[body_start:end]


def engine_init_sections(log: str) -> tuple[list[str], str]:
    """What the runtime logged during each failed init attempt, and during the init that led to START.

    A failed init ends with an INIT_REPORT line (Lambda retries it inside the invoke phase, so there
    are two); the last section runs up to START.
    """
    log = platform_records_as_text(log)
    init_start = log.find("INIT_START")
    pos = _line_end(log, init_start) if init_start >= 0 else 0
    failed: list[str] = []
    while True:
        report = log.find("INIT_REPORT", pos)
        start = log.find("START RequestId:", pos)
        if report >= 0 and (start < 0 or report < start):
            failed.append(log[pos:report])
            pos = _line_end(log, report)
            continue
        return failed, log[pos : start if start >= 0 else len(log)]


# ------------------------------------------------------------------ running both sides


def _write_case(root: Path, case: Case, side: str) -> Path:
    code_dir = root / side / case.id
    for name, source in case.files.items():
        path = code_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    code_dir.mkdir(parents=True, exist_ok=True)
    return code_dir


def _run_ric(runner: RicRunner, root: Path, case: Case) -> RicResult:
    # Both sides run the interpreter the engine picks for the runtime.
    python, extra_path = ric_for(case.runtime)
    return runner.run(
        _write_case(root, case, "ric"),
        case.handler,
        list(case.events),
        runtime=case.runtime,
        function_name=FUNCTION_NAME,
        timeout_s=TIMEOUT_S,
        environment=case.environment,
        client_context=case.client_context,
        identity=case.identity,
        python=python,
        extra_path=extra_path,
    )


def _run_engine(engine: Any, root: Path, case: Case) -> EngineRun:
    from console.engine import FunctionConfig

    cfg = FunctionConfig(
        code_dir=_write_case(root, case, "engine"),
        handler=case.handler,
        runtime=case.runtime,
        timeout_s=TIMEOUT_S,
        environment=case.environment,
        function_name=FUNCTION_NAME,
    )
    invocations = []
    for event in case.events:  # one environment: the second event on is a warm invocation
        r = engine.invoke(cfg, event, client_context=case.client_context, identity=case.identity)
        invocations.append(
            EngineInvocation(
                payload=r.payload,
                status=r.status,
                function_error=r.function_error,
                content_type=r.content_type,
                request_id=r.request_id,
                log=r.log,
                platform_error=r.platform_error,
                cold_start=r.cold_start,
            )
        )
    return EngineRun(invocations, cfg.code_dir)


# Every case runs as written (python3.14 on the newest interpreter found, the python3.11 cases on
# 3.11), then again with the newest runtime's cases moved to other interpreters: the runtime must
# behave like awslambdaric on each Python it runs on.
INTERPRETER_RUNS = ("as-written", "python3.12", "python3.10")


@pytest.fixture(scope="module", params=INTERPRETER_RUNS)
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Run every case on both sides once, in parallel, and keep the results for the tests."""
    try:
        from console.engine import Engine
    except ImportError as exc:  # pragma: no cover - only while the engine is being written
        pytest.fail(f"console.engine is not importable: {exc}")
    if importlib.util.find_spec("awslambdaric") is None:  # pragma: no cover
        pytest.fail("awslambdaric is not installed: install the test extras (pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("conformance")
    cases = list(CASES)
    if request.param != "as-written":
        from console.engine import interpreters

        if not interpreters.resolve(request.param).exact:
            pytest.skip(f"no Python {request.param.removeprefix('python')} on this machine")
        cases = [replace(c, runtime=request.param) if c.runtime == "python3.14" else c for c in CASES]
    try:
        for runtime in {c.runtime for c in cases}:
            ric_for(runtime)
    except RicUnavailable as exc:
        pytest.skip(str(exc))
    results = {c.id: Outcome(c, None, None) for c in cases}

    def ric(case: Case) -> None:
        try:
            results[case.id].ric = _run_ric(runner, root, case)
        except Exception as exc:  # reported by the test of that case
            results[case.id].ric_failure = repr(exc)

    def eng(case: Case) -> None:
        try:
            results[case.id].engine = _run_engine(engine, root, case)
        except Exception as exc:
            results[case.id].engine_failure = repr(exc)

    # A host variable no function configured: Lambda functions never see the caller's environment.
    os.environ[HOST_SECRET] = "leaked-from-host"
    engine = Engine()
    try:
        with RicRunner(size=3) as runner, ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(ric, c) for c in cases] + [pool.submit(eng, c) for c in cases]
            for f in futures:
                f.result()
    finally:
        engine.close()
        del os.environ[HOST_SECRET]
    return results


def _both(outcomes: dict[str, Outcome], case: Case) -> tuple[RicResult, EngineRun]:
    o = outcomes[case.id]
    assert o.ric is not None, f"awslambdaric run failed: {o.ric_failure}"
    assert o.engine is not None, f"engine run failed: {o.engine_failure}"
    return o.ric, o.engine


IDS = [c.id for c in CASES]


# ------------------------------------------------------------------ the comparisons


def _pairs(outcomes: dict[str, Outcome], case: Case) -> list[tuple[int, RicResult, EngineRun]]:
    ric, eng = _both(outcomes, case)
    assert len(eng.invocations) == len(case.events)
    if ric.init_error is None:
        handled = len(ric.invocations) + (ric.crashed_request_id is not None)
        assert handled == len(case.events), f"awslambdaric exited {ric.returncode}:\n{ric.init_output}"
    return [(i, ric, eng) for i in range(len(case.events))]


def _crashed_on(ric: RicResult, index: int) -> bool:
    return ric.crashed_request_id is not None and index == len(ric.invocations)


def _expected_answer(ric: RicResult, index: int) -> tuple[bytes, str, bool, str | None]:
    """(payload, its request id, failed?, content type) Lambda returns for the index-th event."""
    if _crashed_on(ric, index):
        # The runtime process died on this event. The answer is then the platform's, not the
        # runtime's (lambda-behaviour.md 3.2, "Platform-generated"): errorType first.
        rid = ric.crashed_request_id or ""
        message = f"RequestId: {rid} Error: Runtime exited with error: {ric.exit_reason()}"
        body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()
        return body, rid, True, None
    if index < len(ric.invocations):
        inv = ric.invocations[index]
        payload = inv.response if inv.response is not None else inv.error
        assert payload is not None
        return payload, inv.request_id, inv.response is None, inv.response_content_type
    assert ric.init_error is not None, f"awslambdaric gave no answer (exit {ric.returncode}):\n{ric.init_output}"
    return ric.init_error, "", True, None


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_outcome_and_payload(outcomes: dict[str, Outcome], case: Case) -> None:
    for i, ric, eng in _pairs(outcomes, case):
        ours = eng.invocations[i]
        reference, ric_request_id, ric_failed, content_type = _expected_answer(ric, i)

        expected_status = ("Failed", "Unhandled") if ric_failed else ("Succeeded", None)
        assert (ours.status, ours.function_error) == expected_status, f"event #{i}"

        expected = normalise_payload(reference, ric_request_id, ric.code_dir)
        actual = normalise_payload(ours.payload, ours.request_id, eng.code_dir)
        if not ric_failed:
            assert actual == expected, f"event #{i}"
            assert ours.content_type == content_type, f"event #{i}"
            continue
        # Error objects: same keys in the same order and the same values...
        assert error_object(actual.encode("utf-8", "surrogateescape")) == error_object(
            expected.encode("utf-8", "surrogateescape")
        ), f"event #{i}"
        # ...and byte for byte too (separators, escaping of non-ASCII text).
        assert actual == expected, f"event #{i}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_log_lines(outcomes: dict[str, Outcome], case: Case) -> None:
    for i, ric, eng in _pairs(outcomes, case):
        ours = eng.invocations[i]
        failed_inits, last_init = engine_init_sections(ours.log)
        if ric.init_error is not None:
            # Lambda runs a failed init again inside the invoke phase; each attempt must log what
            # the runtime logs for a failed init (module output, the WARNING line, the [ERROR]
            # block). What the platform prints between START and END for it is not the runtime's,
            # so it is not compared here.
            expected_init = normalise_log(ric.init_output, "", ric.code_dir)
            assert len(failed_inits) == 2, f"expected the init and its retry in:\n{ours.log}"
            for section in failed_inits:
                actual_init = before_platform_line(normalise_log(section, "", eng.code_dir), expected_init)
                assert actual_init == expected_init, f"event #{i}"
            assert last_init == "", f"event #{i}"
            # The platform names the error from the Lambda-Runtime-Function-Error-Type header the
            # runtime sent with /init/error.
            reported = re.findall(r"^INIT_REPORT .*\tError Type: (.*)$", ours.log, re.MULTILINE)
            assert reported == [ric.init_error_type_header] * 2, f"event #{i}"
            continue
        # Only the first event runs the init; later ones reuse the warm environment.
        expected_init = normalise_log(ric.init_output if i == 0 else "", "", ric.code_dir)
        assert failed_inits == [], f"unexpected init failure in:\n{ours.log}"
        assert before_platform_line(normalise_log(last_init, "", eng.code_dir), expected_init) == expected_init, f"event #{i}"
        assert ours.cold_start == (i == 0), f"event #{i}"
        if _crashed_on(ric, i):
            # A dying runtime prints its own internals (awslambdaric's traceback) and the platform
            # then reports the exit; neither is the handler's output, so only what the handler
            # printed before it is compared.
            handler_output = normalise_log(ric.crash_output.split("Traceback (most recent call last):")[0], "", ric.code_dir)
            section = normalise_log(engine_invoke_section(ours.log, ours.request_id), ours.request_id, eng.code_dir)
            assert section.startswith(handler_output), f"event #{i}"
            continue
        reference = ric.invocations[i]
        expected = normalise_log(reference.output, reference.request_id, ric.code_dir)
        actual = normalise_log(engine_invoke_section(ours.log, ours.request_id), ours.request_id, eng.code_dir)
        assert before_platform_line(actual, expected) == expected, f"event #{i}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_runtime_frames_do_not_show_host_paths(outcomes: dict[str, Outcome], case: Case) -> None:
    """Where the runtime's own frame shows in a trace, it is where Lambda keeps its runtime.

    LAMBDA_RUNTIME_DIR is /var/runtime in Lambda; a frame from our runtime must not reveal where
    lambda-console is installed on the host.
    """
    _, eng = _both(outcomes, case)
    for ours in eng.invocations:
        text = ours.payload.decode("utf-8", "replace") + ours.log
        for path in re.findall(r'File \\?"([^"\\]*/bootstrap\.py)\\?"', text):
            assert path.startswith("/var/runtime/"), path


def test_covers_at_least_twenty_two_cases() -> None:
    assert len(CASES) >= 22


def test_normalisation_keeps_what_matters() -> None:
    """The normalisation hides ids, times and directories, not content."""
    rid = "11111111-2222-3333-4444-555555555555"
    ric_line = (
        f"[ERROR] ValueError: bad\rTraceback (most recent call last):\r\xa0\xa0File \"/tmp/x/y/lambda_function.py\", "
        f"line 3, in h\r\xa0\xa0\xa0\xa0raise ValueError('bad')\n[INFO]\t2026-01-01T00:00:00.123Z\t{rid}\tmsg\n"
    )
    ours = (
        "[ERROR] ValueError: bad\nTraceback (most recent call last):\n\xa0\xa0File \"/var/task/lambda_function.py\", "
        "line 3, in h\n\xa0\xa0\xa0\xa0raise ValueError('bad')\n[INFO]\t2027-05-05T11:11:11.999Z\tother-id\tmsg\n"
    )
    expected = normalise_log(ric_line, rid, Path("/tmp/x/y"))
    assert expected == normalise_log(ours, "other-id")
    assert expected != normalise_log(ours.replace("line 3", "line 4"), "other-id")
    assert expected != normalise_log(ours.replace("\xa0\xa0File", "  File"), "other-id")
    assert expected != normalise_log(ours.replace("/var/task/", "/var/task/pkg/"), "other-id")
    # the standard library's location is not compared, the file inside it is
    host = 'File "/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", line 3'
    lam = 'File "/var/lang/lib/python3.14/json/decoder.py", line 3'
    assert normalise_text(host, "") == normalise_text(lam, "")
    assert normalise_text(host, "") != normalise_text(lam.replace("decoder", "scanner"), "")
    # the runtime's own frame: its location and line are the build's, the function and code are not
    ric_frame = '  File "/venv/site-packages/awslambdaric/bootstrap.py", line 178, in handle_event_request\n'
    our_frame = '  File "/var/runtime/bootstrap.py", line 9, in handle_event_request\n'
    assert normalise_text(ric_frame, "") == normalise_text(our_frame, "")
    assert normalise_text(json.dumps(ric_frame), "") == normalise_text(json.dumps(our_frame), "")
    assert normalise_text(ric_frame, "") != normalise_text(our_frame.replace("handle_event", "other"), "")
    # a logging record at ERROR level keeps its "\r" (only the runtime's block is split)
    assert normalise_error_blocks("[ERROR]\tts\tid\ta\rb") == "[ERROR]\tts\tid\ta\rb"


def test_runtime_api_serves_awslambdaric(tmp_path: Path) -> None:
    """The harness itself: awslambdaric fetches the event, answers, and gets its headers right."""
    (tmp_path / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n"
        "    return [event, context.aws_request_id, context.invoked_function_arn]\n"
    )
    with RicRunner() as runner:
        r = runner.run(tmp_path, "lambda_function.lambda_handler", b'{"k": 1}', function_name="fn")
    assert json.loads(r.response) == [{"k": 1}, r.request_id, "arn:aws:lambda:us-east-1:123456789012:function:fn"]
    assert r.response_content_type == "application/json"
    assert r.error is None and r.init_error is None and r.returncode is None
