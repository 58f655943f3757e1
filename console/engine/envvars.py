"""The environment variables an execution environment sees: Lambda's reserved ones, the function's, nothing of the host's."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Sequence

from .config import FunctionConfig

RUNTIME_DIR = str(Path(__file__).parent / "runtime")
# There is no HTTP Runtime API here (the runtime talks to the engine over pipes); the variable is
# set as Lambda sets it, to the address the Runtime Interface Emulator uses.
RUNTIME_API = "127.0.0.1:9001"


def _hex(nbytes: int) -> str:
    """secrets.token_hex, without importing secrets (and hmac, base64, random) on every start."""
    return os.urandom(nbytes).hex()


def request_id(random: bytes | None = None) -> str:
    """A new request id: a random (version 4) UUID, as str(uuid.uuid4()) gives, without importing
    uuid (which loads libuuid and platform) on every start. `random`: its 16 random bytes."""
    b = bytearray(random if random is not None and len(random) == 16 else os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def log_stream_name() -> str:
    return time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + _hex(16)


def build_environment(
    config: FunctionConfig,
    python: str | None = None,
    layer_roots: Sequence[str] = (),
    tmp_dir: str | None = None,
) -> dict[str, str]:
    """A fresh environment: no host variable leaks in unless the function configures it.
    `python` is the interpreter (its folder leads PATH as /var/lang/bin does), `layer_roots` the
    folders standing for /opt (their bin/ and lib/), `tmp_dir` the environment's /tmp."""
    python_bin = str(Path(python or sys.executable).parent)
    opt_bin = ":".join(os.path.join(root, "bin") for root in reversed(layer_roots)) or "/opt/bin"
    opt_lib = ":".join(os.path.join(root, "lib") for root in reversed(layer_roots)) or "/opt/lib"
    task = str(config.code_dir)
    env = {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin/:/bin:{opt_bin}",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", "")
        or f"/lib64:/usr/lib64:{RUNTIME_DIR}:{RUNTIME_DIR}/lib:{task}:{task}/lib:{opt_lib}",
        "_HANDLER": config.handler,
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(),
        "AWS_LAMBDA_RUNTIME_API": RUNTIME_API,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        # The real folder, not /var/task, so code that opens files beside itself still works;
        # tracebacks show /var/task as Lambda does.
        "LAMBDA_TASK_ROOT": str(config.code_dir),
        "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
    }
    if tmp_dir:
        env["TMPDIR"] = tmp_dir
    env.update(config.environment)
    return env


def trace_id(random: bytes | None = None) -> str:
    """An X-Ray trace header shaped like the ones Lambda sets per invocation; `random` (24 bytes,
    e.g. a slice of one larger read of os.urandom) supplies its random parts."""
    if random is None or len(random) != TRACE_RANDOM_BYTES:
        random = os.urandom(TRACE_RANDOM_BYTES)
    digits = random.hex()
    return f"Root=1-{int(time.time()):08x}-{digits[:24]};Parent={digits[24:40]};Sampled=0;Lineage=1:{digits[40:]}:0"


# The random bytes of a trace header: 12 of its root, 8 of its parent, 4 of its lineage.
TRACE_RANDOM_BYTES = 24
