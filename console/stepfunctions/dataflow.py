"""A state's input and output processing: InputPath, Parameters, ResultSelector, ResultPath, OutputPath."""

from __future__ import annotations

import json
from typing import Any

from . import intrinsics, jsonpath
from .errors import RESULT_PATH_MATCH_FAILURE, StateRuntimeError, StatesError

_MISSING = object()


def compact(value: Any) -> str:
    """JSON text the way Step Functions writes it in histories and causes (no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def select(data: Any, path: Any, field: str, context: Any = None) -> Any:
    """InputPath / OutputPath / ItemsPath: null gives {}, a missing path is States.Runtime."""
    if path is None:
        return {}
    if path == "$":
        return data
    try:
        return jsonpath.get(data, path, context)
    except jsonpath.PathNotFound as exc:
        raise StateRuntimeError(f"Invalid path '{path}' : {exc}") from None


def apply_template(template: Any, data: Any, context: Any, field: str = "Parameters") -> Any:
    """Parameters / ResultSelector / ItemSelector: copy the template, resolving `key.$` entries."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = _resolve(key, value, data, context)
            else:
                out[key] = apply_template(value, data, context, field)
        return out
    if isinstance(template, list):
        return [apply_template(item, data, context, field) for item in template]
    return template


def _resolve(key: str, expr: str, data: Any, context: Any) -> Any:
    if intrinsics.looks_like_call(expr):
        return intrinsics.evaluate(expr, data, context)
    try:
        return jsonpath.get(data, expr, context)
    except jsonpath.PathNotFound:
        source = context if expr.startswith("$$") else data
        raise StateRuntimeError(
            f"The JSONPath '{expr}' specified for the field '{key}' could not be found in the input "
            f"'{compact(source)}'"
        ) from None


def apply_result_path(state_input: Any, result: Any, path: Any) -> Any:
    """ResultPath: `$` replaces, null discards the result, `$.a.b` nests it into a copy of the input."""
    if path is _MISSING or path == "$":
        return result
    if path is None:
        return state_input
    try:
        return jsonpath.put(state_input, path, result)
    except jsonpath.PutError as exc:
        raise StatesError(RESULT_PATH_MATCH_FAILURE, str(exc)) from None


def effective_input(state: dict, raw_input: Any, context: Any) -> Any:
    """InputPath, then Parameters (Pass, Task, Parallel, Map take Parameters)."""
    value = select(raw_input, state.get("InputPath", "$"), "InputPath")
    if "Parameters" in state:
        value = apply_template(state["Parameters"], value, context, "Parameters")
    return value


def finish(state: dict, raw_input: Any, result: Any, context: Any) -> Any:
    """ResultSelector, ResultPath, OutputPath applied to a successful result."""
    if "ResultSelector" in state:
        result = apply_template(state["ResultSelector"], result, context, "ResultSelector")
    combined = apply_result_path(raw_input, result, state.get("ResultPath", "$"))
    return select(combined, state.get("OutputPath", "$"), "OutputPath")
