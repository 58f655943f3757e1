"""Run one handler through the real awslambdaric against the local Runtime API and capture it all."""

from __future__ import annotations

import json
import os
import queue
import secrets
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
class RicResult:
    """What awslambdaric did with one event: its answer, its init error and everything it printed."""

    request_id: str
    response: bytes | None  # body POSTed to /invocation/{id}/response
    response_content_type: str | None
    error: bytes | None  # body POSTed to /invocation/{id}/error
    error_type_header: str | None  # Lambda-Runtime-Function-Error-Type of that POST
    init_error: bytes | None  # body POSTed to /init/error
    init_error_type_header: str | None
    init_output: str  # stdout+stderr written before the first `next` (the INIT phase)
    invoke_output: str  # stdout+stderr written after the event was handed over
    returncode: int | None  # None when we killed it (the normal end: it waits for the next event)
    code_dir: Path

    @property
    def payload(self) -> bytes | None:
        """What Lambda would return to the caller: the response, else the invoke or init error."""
        if self.response is not None:
            return self.response
        if self.error is not None:
            return self.error
        return self.init_error

    @property
    def failed(self) -> bool:
        return self.response is None


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
        event: bytes,
        *,
        runtime: str = "python3.14",
        function_name: str = "conformance",
        memory_mb: int = 128,
        timeout_s: float = 30.0,
        region: str = REGION,
        environment: dict[str, str] | None = None,
        client_context: dict | None = None,
        identity: dict | None = None,
    ) -> RicResult:
        server = self._servers.get()
        try:
            return self._run(
                server, Path(code_dir), handler, event, runtime=runtime, function_name=function_name,
                memory_mb=memory_mb, timeout_s=timeout_s, region=region, environment=environment,
                client_context=client_context, identity=identity,
            )
        finally:
            self._servers.put(server)

    def _run(
        self,
        server: RuntimeApiServer,
        code_dir: Path,
        handler: str,
        event: bytes,
        *,
        runtime: str,
        function_name: str,
        memory_mb: int,
        timeout_s: float,
        region: str,
        environment: dict[str, str] | None,
        client_context: dict | None,
        identity: dict | None,
    ) -> RicResult:
        with tempfile.TemporaryFile() as out:
            init_end: list[int] = []

            def on_next(_: Invocation) -> None:
                # The runtime writes through unbuffered streams, so everything it printed during
                # init is already in the file when it asks for its first event.
                if not init_end:
                    init_end.append(os.fstat(out.fileno()).st_size)

            session = server.session(on_next)
            invocation = session.enqueue(
                Invocation(
                    event=event,
                    function_arn=f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function_name}",
                    timeout_s=timeout_s,
                    client_context=json.dumps(client_context) if client_context is not None else None,
                    cognito_identity=json.dumps(identity) if identity is not None else None,
                )
            )
            env = lambda_env(
                handler=handler, function_name=function_name, runtime=runtime, memory_mb=memory_mb,
                region=region, environment=environment,
            )
            env["AWS_LAMBDA_RUNTIME_API"] = server.address
            env["PYTHONPATH"] = str(code_dir)
            proc = subprocess.Popen(
                [sys.executable, "-m", "awslambdaric", handler],
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
                    if invocation.done.wait(0.05):
                        break
                    if proc.poll() is not None:
                        # Init failed (it posts /init/error and exits 1) or it crashed.
                        returncode = proc.returncode
                        break
                else:
                    raise TimeoutError(f"awslambdaric did not answer within {WAIT_S:.0f}s: {session.requests}")
            finally:
                session.close()
                if proc.poll() is None:
                    proc.kill()
                proc.wait(timeout=WAIT_S)
            out.seek(0)
            raw = out.read()
        split = init_end[0] if init_end else len(raw)
        return RicResult(
            request_id=invocation.request_id,
            response=invocation.response,
            response_content_type=invocation.response_content_type,
            error=invocation.error,
            error_type_header=invocation.error_type,
            init_error=session.init_error,
            init_error_type_header=session.init_error_type,
            init_output=raw[:split].decode("utf-8", "replace"),
            invoke_output=raw[split:].decode("utf-8", "replace"),
            returncode=returncode,
            code_dir=code_dir,
        )
