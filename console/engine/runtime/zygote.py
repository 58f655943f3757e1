"""A pre-started runtime that forks execution environments, so a cold start skips Python's own start-up.

Runs as a script (`python -I -S zygote.py SOCKET_FD --lib=DIR`) with the runtime's modules already
imported, on the interpreter of the runtime it serves (one zygote per interpreter); it runs on
CPython 3.7 and later.
For each request on the socket (a JSON message carrying the environment, the folder, the
environment's channel and its log pipe) it forks a child that becomes a fresh execution
environment: its own session, the function's environment variables only, and `bootstrap.main`
(whose first act is to split into the environment's keeper and its runtime). The zygote reaps its
children and reports their exit statuses, since the engine is not their parent. It is a child
subreaper too: if a function kills its own keeper, what that keeper held is re-parented here and
killed at once.
"""

import atexit
import gc
import json
import os
import select
import signal
import socket
import sys
import time

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, RUNTIME_DIR)

import bootstrap  # noqa: E402  (the point of the zygote: pay for these imports once)

try:
    import ctypes  # noqa: F401,E402  (the private /tmp is mounted and each keeper calls prctl through it)
except ImportError:
    pass


def _recv_fds(sock, bufsize, maxfds):
    """socket.recv_fds (Python 3.9+), written out for older interpreters."""
    import array

    fds = array.array("i")
    msg, ancdata, flags, addr = sock.recvmsg(bufsize, socket.CMSG_LEN(maxfds * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds), flags, addr


def _exit_status(status):
    """os.waitstatus_to_exitcode (Python 3.9+), written out for older interpreters."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _exit_code(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    # What the interpreter does with sys.exit("message"): print it, exit status 1.
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _child(request, fds, sock, wake_r, wake_w):
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sock.close()
        os.close(wake_r)
        os.close(wake_w)
        os.setsid()
        chan_fd, log_fd = fds
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(devnull)
        os.close(log_fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        code = 0
        # As in a started environment, the runtime's bootstrap script is __main__.
        bootstrap.__name__ = "__main__"
        sys.modules["__main__"] = bootstrap
        sys.argv[:] = [bootstrap.__file__]
        try:
            layout = json.dumps(request.get("layout") or {})
            bootstrap.main(["bootstrap.py", str(chan_fd), str(request["data_mb"]), layout])
        except SystemExit as exc:
            code = _exit_code(exc)
        except BaseException:
            code = 1
            try:
                sys.excepthook(*sys.exc_info())
            except BaseException:
                pass
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _send(sock, message):
    try:
        sock.send(json.dumps(message).encode())
    except OSError:
        pass


def _kill_environment(pid):
    """Kill a keeper and everything below it (its own clean-up may be stopped by its function)."""
    bootstrap.kill_descendants(pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def main(argv):
    sock = socket.socket(fileno=int(argv[1]))
    # The modules are imported; the runtime folder must not stay importable for user code.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != RUNTIME_DIR]
    try:
        bootstrap._prctl(bootstrap._PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        pass
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    children = set()
    # What the zygote imported is shared with every environment it forks: keep the collector off
    # it, so a child's first collections do not walk (and copy, page by page) the whole heap.
    gc.collect()
    gc.freeze()
    _send(sock, {"ready": True})
    while True:
        try:
            ready, _, _ = select.select([sock, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
            reaped = False
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                reaped = True
                if pid in children:
                    children.discard(pid)
                    _send(sock, {"exit": pid, "code": _exit_status(status)})
            if reaped:
                # A process that is not one of our environments was re-parented here: its keeper
                # died before it. It belongs to no environment any more.
                for pid in bootstrap._children(os.getpid()):
                    if pid not in children:
                        _kill_environment(pid)
        if sock not in ready:
            continue
        try:
            data, fds, _flags, _addr = _recv_fds(sock, 1 << 20, 2)
        except OSError:
            data, fds = b"", []
        if not data:
            # The engine is gone: take every environment down with it.
            for pid in children:
                _kill_environment(pid)
            return
        request = json.loads(data)
        pid = os.fork()
        if pid == 0:
            _child(request, fds, sock, wake_r, wake_w)
        for fd in fds:
            os.close(fd)
        children.add(pid)
        _send(sock, {"pid": pid})


if __name__ == "__main__":
    main(sys.argv)
