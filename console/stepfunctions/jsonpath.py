"""The JSONPath subset Amazon States Language uses: `$`, `.a`, `['a']`, `[0]`, `[*]`, `..a`, slices."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Union

__all__ = [
    "JsonPathError",
    "PathNotFound",
    "PutError",
    "parse",
    "valid",
    "is_definite",
    "is_reference_path",
    "get",
    "put",
    "bracket_form",
]


class JsonPathError(ValueError):
    """A path that does not parse."""


class PathNotFound(LookupError):
    """A path that parses but selects nothing in the document; the message reads like AWS's."""


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Index:
    index: int


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Descend:
    """`..name`: every `name` field at any depth."""

    name: str


@dataclass(frozen=True)
class Filter:
    """`[?(@.a.b op literal)]`, or `[?(@.a.b)]` for presence."""

    steps: tuple
    op: str | None
    value: Any


Step = Union[Field, Index, Slice, Wildcard, Descend, Filter]

_FILTER_RE = re.compile(r"^\?\(\s*@(?P<path>(?:\.[^.\s\[\]=!<>()]+|\[\d+\])*)\s*(?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.+?))?\s*\)$")

_NAME_RE = re.compile(r"[^.\[\]\s()'\"]+")
_INT_RE = re.compile(r"-?\d+")


def parse(path: str) -> tuple[bool, list[Step]]:
    """Split a path into its steps; returns (is_context_path, steps). `$$.a` is the context object."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise JsonPathError(f"'{path}' is not a valid JSONPath: it must start with '$'")
    context = path.startswith("$$")
    pos = 2 if context else 1
    steps: list[Step] = []
    n = len(path)
    while pos < n:
        ch = path[pos]
        if path.startswith("..", pos):
            m = _NAME_RE.match(path, pos + 2)
            if not m:
                raise JsonPathError(f"'{path}' is not a valid JSONPath: expected a name after '..'")
            steps.append(Descend(m.group(0)))
            pos = m.end()
        elif ch == ".":
            if pos + 1 < n and path[pos + 1] == "*":
                steps.append(Wildcard())
                pos += 2
                continue
            m = _NAME_RE.match(path, pos + 1)
            if not m:
                raise JsonPathError(f"'{path}' is not a valid JSONPath: expected a name after '.'")
            steps.append(Field(m.group(0)))
            pos = m.end()
        elif ch == "[":
            end, step = _parse_bracket(path, pos)
            steps.append(step)
            pos = end
        else:
            raise JsonPathError(f"'{path}' is not a valid JSONPath: unexpected '{ch}' at position {pos}")
    return context, steps


def _parse_bracket(path: str, pos: int) -> tuple[int, Step]:
    close = path.find("]", pos)
    if close < 0:
        raise JsonPathError(f"'{path}' is not a valid JSONPath: unclosed '['")
    inner = path[pos + 1 : close].strip()
    if inner[:1] in ("'", '"'):
        quote = inner[0]
        # A quoted name may itself hold ']': find the closing quote first.
        qend = path.find(quote, pos + 2)
        while qend > 0 and path[qend - 1] == "\\":
            qend = path.find(quote, qend + 1)
        close = path.find("]", qend)
        if qend < 0 or close < 0 or path[qend + 1 : close].strip():
            raise JsonPathError(f"'{path}' is not a valid JSONPath: bad quoted name")
        name = path[path.index(quote, pos) + 1 : qend].replace("\\" + quote, quote)
        return close + 1, Field(name)
    if inner == "*":
        return close + 1, Wildcard()
    if inner.startswith("?("):
        return _parse_filter(path, pos)
    if ":" in inner:
        parts = inner.split(":")
        if len(parts) > 3 or not all(p.strip() == "" or _INT_RE.fullmatch(p.strip()) for p in parts):
            raise JsonPathError(f"'{path}' is not a valid JSONPath: bad slice [{inner}]")
        nums = [int(p) if p.strip() else None for p in parts] + [None] * (3 - len(parts))
        return close + 1, Slice(nums[0], nums[1], nums[2])
    if _INT_RE.fullmatch(inner):
        return close + 1, Index(int(inner))
    raise JsonPathError(f"'{path}' is not a valid JSONPath: unsupported selector [{inner}]")


def _parse_filter(path: str, pos: int) -> tuple[int, Step]:
    depth, end = 0, pos
    while end < len(path):
        if path[end] == "(":
            depth += 1
        elif path[end] == ")":
            depth -= 1
        elif path[end] == "]" and depth == 0:
            break
        end += 1
    if end >= len(path):
        raise JsonPathError(f"'{path}' is not a valid JSONPath: unclosed filter")
    m = _FILTER_RE.match(path[pos + 1 : end].strip())
    if not m:
        raise JsonPathError(f"'{path}' is not a valid JSONPath: unsupported filter {path[pos:end + 1]}")
    _, steps = parse("$" + m["path"])
    value = None
    if m["op"]:
        text = m["value"].strip()
        if text[:1] == "'" and text[-1:] == "'":
            value = text[1:-1]
        else:
            try:
                value = json.loads(text)
            except ValueError:
                raise JsonPathError(f"'{path}' is not a valid JSONPath: bad filter value {text}") from None
    return end + 1, Filter(tuple(steps), m["op"], value)


def _filter_keeps(node: Any, f: Filter) -> bool:
    current = node
    for step in f.steps:
        if isinstance(step, Field) and isinstance(current, dict) and step.name in current:
            current = current[step.name]
        elif isinstance(step, Index) and isinstance(current, list) and -len(current) <= step.index < len(current):
            current = current[step.index]
        else:
            return False
    if f.op is None:
        return True
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (current, f.value))
    if f.op in ("==", "!="):
        same = current == f.value and (numbers or type(current) is type(f.value))
        return same if f.op == "==" else not same
    if not (numbers or (isinstance(current, str) and isinstance(f.value, str))):
        return False
    return {"<": current < f.value, "<=": current <= f.value, ">": current > f.value, ">=": current >= f.value}[f.op]


def is_definite(steps: list[Step]) -> bool:
    return all(isinstance(s, (Field, Index)) for s in steps)


def is_reference_path(path: str) -> bool:
    """A Reference Path (ResultPath, Choice Variable) selects one node: no wildcards or slices."""
    try:
        context, steps = parse(path)
    except JsonPathError:
        return False
    return not context and is_definite(steps)


def valid(path: str) -> bool:
    try:
        parse(path)
    except JsonPathError:
        return False
    return True


def bracket_form(steps: list[Step]) -> str:
    """Jayway's normalised rendering (`$['a']['b'][0]`) that AWS quotes in its error messages."""
    out = "$"
    for s in steps:
        if isinstance(s, Field):
            out += f"['{s.name}']"
        elif isinstance(s, Index):
            out += f"[{s.index}]"
        elif isinstance(s, Wildcard):
            out += "[*]"
        elif isinstance(s, Descend):
            out += f"..['{s.name}']"
        elif isinstance(s, Filter):
            out += "[?]"
        else:
            parts = ["" if v is None else str(v) for v in (s.start, s.stop, s.step)]
            out += "[" + ":".join(parts[:2] if s.step is None else parts) + "]"
    return out


def get(document: Any, path: str, context: Any = None) -> Any:
    """The value `path` selects; a list for indefinite paths. Raises PathNotFound or JsonPathError."""
    is_context, steps = parse(path)
    root = context if is_context else document
    if is_definite(steps):
        current = root
        for i, step in enumerate(steps):
            current = _step_definite(current, step, steps[: i + 1])
        return current
    nodes = [root]
    for step in steps:
        nodes = [child for node in nodes for child in _step_many(node, step)]
    return nodes


def _step_definite(current: Any, step: Step, so_far: list[Step]) -> Any:
    if isinstance(step, Field):
        if isinstance(current, dict) and step.name in current:
            return current[step.name]
        raise PathNotFound(f"Missing property in path {bracket_form(so_far)}")
    assert isinstance(step, Index)
    if isinstance(current, list):
        i = step.index + len(current) if step.index < 0 else step.index
        if 0 <= i < len(current):
            return current[i]
        raise PathNotFound(f"Index out of bounds when evaluating path {bracket_form(so_far)}")
    raise PathNotFound(f"Filter: {bracket_form(so_far)} can only be applied to arrays")


def _step_many(node: Any, step: Step) -> list[Any]:
    if isinstance(step, Field):
        return [node[step.name]] if isinstance(node, dict) and step.name in node else []
    if isinstance(step, Index):
        if isinstance(node, list) and -len(node) <= step.index < len(node):
            return [node[step.index]]
        return []
    if isinstance(step, Wildcard):
        if isinstance(node, dict):
            return list(node.values())
        return list(node) if isinstance(node, list) else []
    if isinstance(step, Slice):
        return list(node[step.start : step.stop : step.step]) if isinstance(node, list) else []
    if isinstance(step, Filter):
        children = node if isinstance(node, list) else list(node.values()) if isinstance(node, dict) else []
        return [child for child in children if _filter_keeps(child, step)]
    found: list[Any] = []
    _descend(node, step.name, found)
    return found


def _descend(node: Any, name: str, found: list[Any]) -> None:
    if isinstance(node, dict):
        if name in node:
            found.append(node[name])
        for value in node.values():
            _descend(value, name, found)
    elif isinstance(node, list):
        for value in node:
            _descend(value, name, found)


class PutError(ValueError):
    """ResultPath cannot be applied: an intermediate node is not an object."""


def put(document: Any, path: str, value: Any) -> Any:
    """A copy of `document` with `value` placed at the reference path (ResultPath semantics)."""
    _, steps = parse(path)
    if not steps:
        return value
    if not is_definite(steps):
        raise JsonPathError(f"'{path}' is not a reference path")
    return _put(document, steps, value, path)


def _put(node: Any, steps: list[Step], value: Any, path: str) -> Any:
    step, rest = steps[0], steps[1:]
    if isinstance(step, Field):
        if node is None or not isinstance(node, dict):
            raise PutError(
                f"Unable to apply ResultPath \"{path}\" to input {json.dumps(node, separators=(',', ':'))}"
            )
        copy = dict(node)
        copy[step.name] = value if not rest else _put(copy.get(step.name, {}), rest, value, path)
        return copy
    assert isinstance(step, Index)
    if not isinstance(node, list) or not (-len(node) <= step.index < len(node)):
        raise PutError(
            f"Unable to apply ResultPath \"{path}\" to input {json.dumps(node, separators=(',', ':'))}"
        )
    copy_list = list(node)
    copy_list[step.index] = value if not rest else _put(copy_list[step.index], rest, value, path)
    return copy_list
