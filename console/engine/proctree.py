"""An execution environment's process tree, read from /proc: find it, measure it, freeze it, kill it.

Every environment runs under a keeper process that is a Linux child subreaper (see
runtime/bootstrap.py), so whatever the function starts, however it detaches (setsid, setpgid,
double fork), stays a descendant of the keeper until the keeper reaps it. The engine walks that
tree through /proc/<pid>/task/<tid>/children (or, on kernels without that file, every process's
parent in /proc/<pid>/stat).
"""

from __future__ import annotations

import os
import select
import signal
import time

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
HAS_CHILDREN_FILES = os.path.exists(f"/proc/self/task/{os.getpid()}/children")
# Killing a tree is repeated until nothing in it is left alive, within this long.
KILL_WAIT_S = 2.0


def _children_of(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                kids.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            pass
    return kids


def _parent_table() -> dict[int, list[int]]:
    table: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        table.setdefault(ppid, []).append(int(name))
    return table


def _walk(root: int) -> tuple[list[int], bool]:
    """Every process below `root`, parents first, and whether any of them has several threads
    (a thread of its own can fork while the walk goes on). The root is a keeper: its children
    are all on its main thread's list (re-parented orphans go to a process's first thread)."""
    out: list[int] = []
    threaded = False
    if HAS_CHILDREN_FILES:
        try:
            with open(f"/proc/{root}/task/{root}/children", "rb") as f:
                pending = [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            pending = _children_of(root)
        children = _children_of
    else:
        table = _parent_table()
        pending = table.get(root, [])
        children = lambda pid: table.get(pid, [])  # noqa: E731
    seen = {root}
    while pending:
        pid = pending.pop(0)
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        if HAS_CHILDREN_FILES:
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            threaded = threaded or len(tids) > 1
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                        pending.extend(int(x) for x in f.read().split())
                except (OSError, ValueError):
                    pass
        else:
            pending.extend(children(pid))
            threaded = True  # unknown: be careful
    return out, threaded


def descendants(root: int) -> list[int]:
    """Every process below `root` (not `root` itself), parents before their children."""
    return _walk(root)[0]


def stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat after the command name: [state, ppid, pgrp, ...]; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def state(pid: int) -> str:
    """The process state letter (R, S, D, T, Z...), or "" when the process is gone."""
    fields = stat_fields(pid)
    return fields[0].decode() if fields else ""


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot): tells a process from a reused pid."""
    fields = stat_fields(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def private_kb(pid: int) -> int:
    """Memory only this process holds: a forked child's pages still shared with its parent are
    counted once (in the parent), as the kernel counts a sandbox's memory."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            total = 0
            for line in f:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1])
            return total
    except (OSError, ValueError, IndexError):
        return rss_kb(pid)


def signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def freeze(root: int) -> list[int]:
    """SIGSTOP every process below `root`. Returns the stopped processes, to continue later.

    A process that runs while the tree is walked could fork between the walk and its stop, so
    the walk is repeated until nothing new appears, unless the tree is one single-threaded
    runtime: it has answered and sits in its read loop, where nothing forks."""
    pids, threaded = _walk(root)
    signal_all(pids, signal.SIGSTOP)
    if len(pids) <= 1 and not threaded:
        return pids
    stopped = list(pids)
    done = set(pids)
    for _ in range(100):
        fresh = [pid for pid in descendants(root) if pid not in done]
        if not fresh:
            break
        signal_all(fresh, signal.SIGSTOP)
        stopped.extend(fresh)
        done.update(fresh)
    return stopped


def kill_tree(root: int, extra: dict[int, int] | None = None) -> None:
    """SIGKILL every process below `root`, then `root`. `extra` maps more processes seen in the
    tree earlier to their start times: they are killed too unless their pid was reused (a
    function that kills its keeper must not leave its other processes behind)."""
    for pid, started in (extra or {}).items():
        if start_time(pid) == started:
            signal_all([pid], signal.SIGKILL)
    deadline = time.monotonic() + KILL_WAIT_S
    while True:
        alive = [pid for pid in descendants(root) if state(pid) not in ("Z", "X", "")]
        if not alive or time.monotonic() > deadline:
            break
        signal_all(alive, signal.SIGKILL)
        _await_exits(alive, deadline)  # let them die: their children move up to the keeper
    signal_all([root], signal.SIGKILL)


def _await_exits(pids: list[int], deadline: float) -> None:
    """Wait until these processes have exited (zombies count), on the kernel's word (pidfds),
    or until the deadline; without pidfds (before Linux 5.3), a millisecond."""
    fds = []
    try:
        for pid in pids:
            try:
                fds.append(os.pidfd_open(pid))
            except ProcessLookupError:
                continue  # gone already
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        pending = len(fds)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready = poller.poll(remaining * 1000)
            for fd, _ in ready:
                poller.unregister(fd)
            pending -= len(ready)
    except (AttributeError, OSError):
        time.sleep(0.001)
    finally:
        for fd in fds:
            os.close(fd)
