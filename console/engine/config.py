"""A function's configuration (code, handler, runtime, limits, environment) and its validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Mapping

RUNTIMES: tuple[str, ...] = (
    "python3.14",
    "python3.13",
    "python3.12",
    "python3.11",
    "python3.10",
    "python3.9",
    "python3.8",
    "python3.7",
)
DEFAULT_RUNTIME = RUNTIMES[0]
DEFAULT_HANDLER = "lambda_function.lambda_handler"
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1, 900
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240
# Ephemeral storage (/tmp) and layers, as Lambda limits them.
DEFAULT_EPHEMERAL_MB = 512
MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB = 512, 10240
MAX_LAYERS = 5
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

# Lambda refuses these as user-set variables; the credential trio is let through on purpose so a
# user can hand a local function real credentials explicitly (the host's are never inherited).
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_ENV_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")
_FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ENV_BYTES = 4096


class ConfigError(ValueError):
    """A configuration Lambda would refuse; the message is meant for the user as it is."""


@dataclass(frozen=True)
class FunctionConfig:
    """Everything that defines an execution environment: changing any field means a new one."""

    code_dir: Path
    handler: str = DEFAULT_HANDLER
    runtime: str = DEFAULT_RUNTIME
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: int = DEFAULT_TIMEOUT_S
    environment: Mapping[str, str] = field(default_factory=dict)
    function_name: str = ""
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    # Layer folders or .zip files in Lambda's layout (python/...), in the order Lambda adds them.
    layers: tuple[str, ...] = ()
    ephemeral_storage_mb: int = DEFAULT_EPHEMERAL_MB
    # The Python to run on (a path or command); empty: found for the runtime (see interpreters.py).
    interpreter: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code_dir", Path(self.code_dir).resolve())
        object.__setattr__(self, "environment", dict(self.environment))
        object.__setattr__(
            self, "layers", tuple(str(Path(layer).expanduser().resolve()) for layer in self.layers)
        )
        if not self.function_name:
            object.__setattr__(self, "function_name", default_function_name(self.code_dir))
        object.__setattr__(
            self,
            "_key",
            (
                str(self.code_dir),
                self.handler,
                self.runtime,
                self.memory_mb,
                self.timeout_s,
                tuple(sorted(self.environment.items())),
                self.function_name,
                self.region,
                self.account,
                self.layers,
                self.ephemeral_storage_mb,
                self.interpreter,
            ),
        )

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    @property
    def runtime_version(self) -> str:
        """'3.13' for 'python3.13'."""
        return self.runtime.removeprefix("python")

    def key(self) -> tuple:
        """Hashable identity of the environment this configuration needs (computed once)."""
        return self._key  # type: ignore[attr-defined]


def default_function_name(code_dir: Path) -> str:
    """A valid Lambda function name derived from a directory name."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", Path(code_dir).name)[:64].strip("-")
    return name or "my-function"


def validate(config: FunctionConfig) -> list[str]:
    """Every problem Lambda would report for this configuration (empty when it is valid)."""
    problems: list[str] = []
    if config.runtime not in RUNTIMES:
        problems.append(
            f"Unsupported runtime '{config.runtime}': choose one of {', '.join(RUNTIMES)}"
        )
    if not (MIN_TIMEOUT_S <= config.timeout_s <= MAX_TIMEOUT_S):
        problems.append(
            f"Timeout must be between {MIN_TIMEOUT_S} and {MAX_TIMEOUT_S} seconds (got {config.timeout_s})"
        )
    if not (MIN_MEMORY_MB <= config.memory_mb <= MAX_MEMORY_MB):
        problems.append(
            f"Memory must be between {MIN_MEMORY_MB} and {MAX_MEMORY_MB} MB (got {config.memory_mb})"
        )
    if not _FUNCTION_NAME_RE.match(config.function_name):
        problems.append(
            f"Function name '{config.function_name}' must be 1-64 letters, digits, hyphens or underscores"
        )
    if not config.handler or len(config.handler) > 128 or any(c.isspace() for c in config.handler):
        problems.append(
            f"Handler '{config.handler}' must be 1-128 characters without spaces, like lambda_function.lambda_handler"
        )
    if not config.code_dir.is_dir():
        problems.append(f"Code directory {config.code_dir} does not exist")
    if not (MIN_EPHEMERAL_MB <= config.ephemeral_storage_mb <= MAX_EPHEMERAL_MB):
        problems.append(
            f"Ephemeral storage must be between {MIN_EPHEMERAL_MB} and {MAX_EPHEMERAL_MB} MB "
            f"(got {config.ephemeral_storage_mb})"
        )
    if len(config.layers) > MAX_LAYERS:
        problems.append(f"A function can have at most {MAX_LAYERS} layers (got {len(config.layers)})")
    for layer in config.layers:
        path = Path(layer)
        if not (path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip")):
            problems.append(f"Layer {layer} is not a folder or a .zip file")
    reserved = sorted(k for k in config.environment if k in RESERVED_ENV_KEYS)
    if reserved:
        problems.append(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )
    bad = sorted(k for k in config.environment if not _ENV_KEY_RE.match(k))
    if bad:
        problems.append(
            "Environment variable names must start with a letter, be at least 2 characters and "
            f"contain only letters, digits and underscores: {', '.join(bad)}"
        )
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in config.environment.items())
    if size > MAX_ENV_BYTES:
        problems.append(
            f"Environment variables exceed Lambda's 4 KB limit ({size} bytes)"
        )
    return problems


def check(config: FunctionConfig) -> None:
    """Raise ConfigError with every problem, one per line, if the configuration is invalid."""
    problems = validate(config)
    if problems:
        raise ConfigError("\n".join(problems))
