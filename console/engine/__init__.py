"""The invocation engine: execution environments that behave like AWS Lambda's Python runtime.

Nothing here imports the UI; every front (CLI, TUI, Invoke API server, Step Functions runner)
calls this API.
"""

# The names below are imported on first use (PEP 562): `import console.engine.preboot`, the first
# thing a one-shot `lambda-console invoke` does, must not import the whole engine.
_FROM = {
    "DEFAULT_HANDLER": ".config",
    "DEFAULT_MEMORY_MB": ".config",
    "DEFAULT_RUNTIME": ".config",
    "DEFAULT_TIMEOUT_S": ".config",
    "RUNTIMES": ".config",
    "ConfigError": ".config",
    "FunctionConfig": ".config",
    "check": ".config",
    "validate": ".config",
    "Engine": ".engine",
    "InvocationResult": ".records",
    "Summary": ".records",
}
_SUBMODULES = ("deps", "interpreters")

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


def __getattr__(name: str):
    from importlib import import_module

    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    where = _FROM.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
