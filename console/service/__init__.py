"""Invocation types, the async event queue, metrics and the local Lambda Invoke API (no UI imports)."""
