"""Run one handler through the real awslambdaric against the local Runtime API and capture it all."""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .runtime_api import Invocation, RuntimeApiServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
# Generous: the suite must pass on a loaded 2-core machine; nothing here asserts on timing.
WAIT_S = 60.0


@dataclass(frozen=True)
class RicInvocation:
    """What awslambdaric answered for one event and what it printed while handling it."""

    request_id: str
    response: bytes | None  # body POSTed to /invocation/{id}/response
    response_content_type: str | None
    error: bytes | None  # body POSTed to /invocation/{id}/error
    error_type_header: str | None  # Lambda-Runtime-Function-Error-Type of that POST (4.x sends none)
    output: str  # stdout+stderr from handing the event over until the next `next` (or the end)


@dataclass(frozen=True)
class RicResult:
    """What awslambdaric did with the events: its answers, its init error and everything it printed."""

    invocations: list[RicInvocation]  # the events it handled, in order (none when init failed)
    init_error: bytes | None  # body POSTed to /init/error
    init_error_type_header: str | None
    init_output: str  # stdout+stderr written before the first `next` (the INIT phase)
    returncode: int | None  # None when we killed it (the normal end: it waits for the next event)
    code_dir: Path
    # When the runtime process died while handling an event (sys.exit, or awslambdaric itself
    # failing): that event's request id and what was printed while handling it.
    crashed_request_id: str | None = None
    crash_output: str = ""

    def exit_reason(self) -> str:
        """How Lambda's platform words the runtime's death: 'exit status N' / 'signal: N'."""
        assert self.returncode is not None
        if self.returncode >= 0:
            return f"exit status {self.returncode}"
        return f"signal: {-self.returncode}"

    def payload_of(self, index: int = 0) -> bytes | None:
        """What Lambda returns for the index-th event: the response, else the invoke or init error."""
        if index < len(self.invocations):
            inv = self.invocations[index]
            return inv.response if inv.response is not None else inv.error
        return self.init_error

    def failed(self, index: int = 0) -> bool:
        return index >= len(self.invocations) or self.invocations[index].response is None

    # The single-event view most callers want.
    @property
    def request_id(self) -> str:
        return self.invocations[0].request_id if self.invocations else ""

    @property
    def payload(self) -> bytes | None:
        return self.payload_of(0)

    @property
    def response(self) -> bytes | None:
        return self.invocations[0].response if self.invocations else None

    @property
    def response_content_type(self) -> str | None:
        return self.invocations[0].response_content_type if self.invocations else None

    @property
    def error(self) -> bytes | None:
        return self.invocations[0].error if self.invocations else None

    @property
    def invoke_output(self) -> str:
        return self.invocations[0].output if self.invocations else ""


def lambda_env(
    *,
    handler: str,
    function_name: str,
    runtime: str,
    memory_mb: int,
    region: str,
    environment: dict[str, str] | None = None,
) -> dict[str, str]:
    """Lambda's reserved variables, as the engine sets them for an environment."""
    today = time.strftime("%Y/%m/%d", time.gmtime())
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": handler,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{today}/[$LATEST]{secrets.token_hex(16)}",
    }
    env.update(environment or {})
    return env


class RicRunner:
    """A small pool of Runtime API servers so several runtimes can run side by side."""

    def __init__(self, size: int = 1) -> None:
        self._servers: queue.Queue[RuntimeApiServer] = queue.Queue()
        self._all = [RuntimeApiServer() for _ in range(size)]
        for server in self._all:
            self._servers.put(server)

    def close(self) -> None:
        for server in self._all:
            server.close()

    def __enter__(self) -> "RicRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(
        self,
        code_dir: Path,
        handler: str,
        event: bytes | list[bytes],
        *,
        runtime: str = "python3.14",
        function_name: str = "conformance",
        memory_mb: int = 128,
        timeout_s: float = 30.0,
        region: str = REGION,
        environment: dict[str, str] | None = None,
        client_context: dict | None = None,
        identity: dict | None = None,
        python: str = sys.executable,
        extra_path: str = "",
    ) -> RicResult:
        """`python` runs awslambdaric (found on `extra_path` when it is not its own install)."""
        server = self._servers.get()
        try:
            return self._run(
                server, Path(code_dir), handler, event, runtime=runtime, function_name=function_name,
                memory_mb=memory_mb, timeout_s=timeout_s, region=region, environment=environment,
                client_context=client_context, identity=identity, python=python, extra_path=extra_path,
            )
        finally:
            self._servers.put(server)

    def _run(
        self,
        server: RuntimeApiServer,
        code_dir: Path,
        handler: str,
        event: bytes | list[bytes],
        *,
        runtime: str,
        function_name: str,
        memory_mb: int,
        timeout_s: float,
        region: str,
        environment: dict[str, str] | None,
        client_context: dict | None,
        identity: dict | None,
        python: str = sys.executable,
        extra_path: str = "",
    ) -> RicResult:
        events = [event] if isinstance(event, bytes) else list(event)
        with tempfile.TemporaryFile() as out:
            # File offsets at each `next`: the runtime writes through unbuffered streams and answers
            # an event before asking for the next one, so they split init and each invocation.
            marks: list[int] = []

            def on_next(_: Invocation) -> None:
                marks.append(os.fstat(out.fileno()).st_size)

            session = server.session(on_next)
            invocations = [
                session.enqueue(
                    Invocation(
                        event=body,
                        function_arn=f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function_name}",
                        timeout_s=timeout_s,
                        client_context=json.dumps(client_context) if client_context is not None else None,
                        cognito_identity=json.dumps(identity) if identity is not None else None,
                    )
                )
                for body in events
            ]
            env = lambda_env(
                handler=handler, function_name=function_name, runtime=runtime, memory_mb=memory_mb,
                region=region, environment=environment,
            )
            env["AWS_LAMBDA_RUNTIME_API"] = server.address
            env["PYTHONPATH"] = str(code_dir) + (os.pathsep + extra_path if extra_path else "")
            proc = subprocess.Popen(
                [python, "-m", "awslambdaric", handler],
                cwd=code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            returncode = None
            try:
                deadline = time.monotonic() + WAIT_S
                while time.monotonic() < deadline:
                    if invocations[-1].done.wait(0.05):
                        break
                    if proc.poll() is not None:
                        # Init failed (it posts /init/error and exits 1) or it crashed.
                        returncode = proc.returncode
                        break
                else:
                    raise TimeoutError(f"awslambdaric did not answer within {WAIT_S:.0f}s: {session.requests}")
            finally:
                session.close()
                # The runtime and anything its handler left running (its own process group).
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=WAIT_S)
            out.seek(0)
            raw = out.read()
        bounds = marks[: len(invocations) + 1] + [len(raw)]
        answered = [inv for inv in invocations if inv.done.is_set()]
        # An event handed over (it has a deadline) but never answered: the runtime died on it.
        crashed = next((inv for inv in invocations if inv.deadline_ms and not inv.done.is_set()), None)
        crash_start = bounds[len(answered)] if crashed is not None and len(answered) < len(bounds) else len(raw)
        return RicResult(
            invocations=[
                RicInvocation(
                    request_id=inv.request_id,
                    response=inv.response,
                    response_content_type=inv.response_content_type,
                    error=inv.error,
                    error_type_header=inv.error_type,
                    output=raw[bounds[i] : bounds[i + 1]].decode("utf-8", "replace"),
                )
                for i, inv in enumerate(answered)
            ],
            init_error=session.init_error,
            init_error_type_header=session.init_error_type,
            init_output=raw[: bounds[0]].decode("utf-8", "replace"),
            returncode=returncode,
            code_dir=code_dir,
            crashed_request_id=crashed.request_id if crashed is not None else None,
            crash_output=raw[crash_start:].decode("utf-8", "replace") if crashed is not None else "",
        )
