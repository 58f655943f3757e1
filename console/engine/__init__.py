"""The invocation engine: execution environments that behave like AWS Lambda's Python runtime.

Nothing here imports the UI; every front (CLI, TUI, Invoke API server, Step Functions runner)
calls this API.

The configuration names are imported at once (they are small); the engine itself, its records,
`deps` and `interpreters` on first use (PEP 562), so a front that only reads or checks a
configuration (the TUI's first screen, the CLI's light commands) does not pay for the whole engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from . import deps, interpreters
    from .engine import Engine
    from .records import InvocationResult, Summary

# name -> (module, attribute or None for the module itself)
_LAZY = {
    "Engine": (".engine", "Engine"),
    "InvocationResult": (".records", "InvocationResult"),
    "Summary": (".records", "Summary"),
    "deps": (".deps", None),
    "interpreters": (".interpreters", None),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


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
