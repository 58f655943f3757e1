"""The invocation engine: execution environments that behave like AWS Lambda's Python runtime.

Nothing here imports the UI; every front (CLI, TUI, Invoke API server, Step Functions runner)
calls this API.
"""

from .config import (
    DEFAULT_HANDLER,
    DEFAULT_MEMORY_MB,
    DEFAULT_RUNTIME,
    DEFAULT_TIMEOUT_S,
    RUNTIMES,
    ConfigError,
    FunctionConfig,
    check,
    validate,
)
from . import deps, interpreters
from .engine import Engine
from .records import InvocationResult, Summary

__all__ = [
    "DEFAULT_HANDLER",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_RUNTIME",
    "DEFAULT_TIMEOUT_S",
    "RUNTIMES",
    "ConfigError",
    "Engine",
    "FunctionConfig",
    "InvocationResult",
    "Summary",
    "check",
    "deps",
    "interpreters",
    "validate",
]
