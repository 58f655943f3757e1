"""wait_exit: a child's exit is learnt when it happens (pidfd), and a running child is not waited past the timeout."""

from __future__ import annotations

import subprocess
import sys

from console.engine.procwait import wait_exit


def test_returns_the_exit_status_of_a_child_that_exits():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(3)"], stdin=subprocess.PIPE)
    assert wait_exit(child, 0) is None  # still reading its stdin
    child.stdin.close()
    assert wait_exit(child, 30) == 3
    assert child.returncode == 3


def test_a_killed_child_reports_the_signal_and_a_second_wait_is_immediate():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    assert wait_exit(child, 30) == -9
    assert wait_exit(child, 30) == -9


def test_a_popen_look_alike_is_waited_through_its_own_wait():
    class LookAlike:
        returncode = None
        pid = -1

        def __init__(self) -> None:
            self.waited: list[float] = []

        def wait(self, timeout: float) -> int:
            self.waited.append(timeout)
            raise subprocess.TimeoutExpired("x", timeout)

    process = LookAlike()
    assert wait_exit(process, 0.5) is None
    assert process.waited == [0.5]
