"""End to end: the installed `lambda-console` in a real terminal (tmux), driven by key presses."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux


def _script() -> str | None:
    beside_python = Path(sys.executable).with_name("lambda-console")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("lambda-console")


@pytest.fixture
def tmux_session(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    script = _script()
    if script is None:
        pytest.skip("the lambda-console script is not installed")
    # Its own tmux server (-L): a session killed by a parallel run cannot take this one's server down.
    name = f"lc-test-{uuid.uuid4().hex[:8]}"
    env_home = tmp_path / "home"
    # COLUMNS/LINES leak in from the test process (80x24) and would pin the app to that size.
    command = f"env -u COLUMNS -u LINES LAMBDA_CONSOLE_HOME={env_home} TERM=xterm-256color {script}"
    # Create the 160x48 window first and start the console in it afterwards: a command given to
    # new-session can start while the pane still has tmux's default 80x24 size.
    subprocess.run(["tmux", "-L", name, "new-session", "-d", "-s", name, "-x", "160", "-y", "48", "sleep 600"], check=True)
    subprocess.run(["tmux", "-L", name, "respawn-pane", "-k", "-t", name, command], check=True)
    try:
        yield name
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "-L", session, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def wait_for_screen(session: str, *needles: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needles} not on screen after {timeout} s:\n{screen}")


def test_installed_console_runs_hello_world_on_f5(tmux_session):
    wait_for_screen(tmux_session, "lambda_function.py", "f5 Test")
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "F5"], check=True)
    screen = wait_for_screen(tmux_session, "Execution result: succeeded", '"value1"')
    assert "REPORT RequestId:" in screen
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "C-q"], check=True)


def _function_file(tmp_path: Path) -> Path:
    return tmp_path / "home" / "functions" / "hello-world" / "lambda_function.py"


def test_installed_console_cancels_a_print_flood_with_escape_at_once(tmux_session, tmp_path):
    wait_for_screen(tmux_session, "lambda_function.py", "f5 Test")
    _function_file(tmp_path).write_text("def lambda_handler(event, context):\n    while True:\n        print('x' * 99)\n")
    wait_for_screen(tmux_session, "while True:", timeout=10)  # the editor picked the change up
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "F5"], check=True)
    wait_for_screen(tmux_session, "Running", "Esc cancels", timeout=10)
    wait_for_screen(tmux_session, "x" * 60, timeout=10)  # the flood is on screen
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "Escape"], check=True)
    # "(cancelled)" proves Esc ended it (the function's own 3 s timeout would say "failed" alone).
    wait_for_screen(tmux_session, "failed (cancelled)", timeout=15)
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "C-q"], check=True)


def test_installed_console_saves_the_last_edit_on_sigterm(tmux_session, tmp_path):
    import os
    import signal

    wait_for_screen(tmux_session, "lambda_function.py", "f5 Test")
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "M-c"], check=True)  # into the code (focus starts outside it)
    wait_for_screen(tmux_session, "esc Leave")
    subprocess.run(["tmux", "-L", tmux_session, "send-keys", "-t", tmux_session, "-l", "# typed then killed"], check=True)
    wait_for_screen(tmux_session, "# typed then killed")
    pid = int(subprocess.run(
        ["tmux", "-L", tmux_session, "display-message", "-p", "-t", tmux_session, "#{pane_pid}"], capture_output=True, text=True, check=True
    ).stdout.strip())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30  # a deadline, not a pause: a loaded machine may need it
    while time.monotonic() < deadline and "# typed then killed" not in _function_file(tmp_path).read_text():
        time.sleep(0.1)
    assert "# typed then killed" in _function_file(tmp_path).read_text()
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the console did not exit on SIGTERM")


def _keys(session: str, *keys: str) -> None:
    subprocess.run(["tmux", "-L", session, "send-keys", "-t", session, *keys], check=True)


def test_installed_console_names_the_event_leaves_the_editor_on_escape_and_zooms_a_pane(tmux_session):
    wait_for_screen(tmux_session, "lambda_function.py", "f5 Test")
    _keys(tmux_session, "F5")
    wait_for_screen(tmux_session, "Execution result: succeeded", "event hello-world")
    _keys(tmux_session, "M-c")
    wait_for_screen(tmux_session, "esc Leave")  # the footer shows the way out of the editor
    _keys(tmux_session, "M-z")
    deadline = time.monotonic() + 15
    while "Execution result" in capture(tmux_session) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Execution result" not in capture(tmux_session), "Alt+Z shows the code pane alone"
    _keys(tmux_session, "M-z")
    wait_for_screen(tmux_session, "Execution result")
    _keys(tmux_session, "Escape")
    deadline = time.monotonic() + 15
    while "esc Leave" in capture(tmux_session) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "esc Leave" not in capture(tmux_session), "Esc left the editor"
    _keys(tmux_session, "C-q")
