"""Intrinsic functions (`States.Format(...)` and friends) usable in `.$` fields of payload templates."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from console import jsonfile

from . import jsonpath
from .errors import INTRINSIC_FAILURE, StateRuntimeError, StatesError


class IntrinsicSyntaxError(ValueError):
    """The text is not a well-formed intrinsic function call."""


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class PathArg:
    path: str


@dataclass(frozen=True)
class Literal:
    value: Any


def looks_like_call(text: str) -> bool:
    return isinstance(text, str) and text.strip().startswith("States.")


# Calls nested deeper than this are refused when parsed (a States error, or a validation message),
# long before Python's own recursion limit could be reached.
MAX_NESTING = 64
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_NAME_RE = re.compile(r"States\.[A-Za-z0-9]+")


def parse(text: str) -> Call:
    """Parse one call; raises IntrinsicSyntaxError with a readable message."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_ws()
    if parser.pos != len(text):
        raise IntrinsicSyntaxError(f"unexpected text after the call: {text[parser.pos:]!r}")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self) -> Call:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise IntrinsicSyntaxError(f"intrinsic functions are nested more than {MAX_NESTING} levels deep")
        try:
            return self._call()
        finally:
            self.depth -= 1

    def _call(self) -> Call:
        self.skip_ws()
        m = _NAME_RE.match(self.text, self.pos)
        if not m:
            raise IntrinsicSyntaxError(f"expected a States.* function at position {self.pos}")
        name = m.group(0)
        if name not in FUNCTIONS:
            raise IntrinsicSyntaxError(f"unknown intrinsic function {name}")
        self.pos = m.end()
        self.skip_ws()
        if self.pos >= len(self.text) or self.text[self.pos] != "(":
            raise IntrinsicSyntaxError(f"expected '(' after {name}")
        self.pos += 1
        args: list[Any] = []
        self.skip_ws()
        if self.pos < len(self.text) and self.text[self.pos] == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            args.append(self.arg())
            self.skip_ws()
            if self.pos >= len(self.text):
                raise IntrinsicSyntaxError(f"missing ')' to close {name}(")
            ch = self.text[self.pos]
            self.pos += 1
            if ch == ")":
                return Call(name, tuple(args))
            if ch != ",":
                raise IntrinsicSyntaxError(f"expected ',' or ')' in {name}(...), found {ch!r}")

    def arg(self) -> Any:
        self.skip_ws()
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise IntrinsicSyntaxError("missing argument")
        ch = text[pos]
        if ch == "'":
            return Literal(self.string())
        if ch == "$":
            end = pos
            depth = 0
            while end < len(text):
                c = text[end]
                if c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                elif depth == 0 and (c in ",)" or c.isspace()):
                    break
                end += 1
            path = text[pos:end]
            if not jsonpath.valid(path):
                raise IntrinsicSyntaxError(f"invalid path argument {path!r}")
            self.pos = end
            return PathArg(path)
        if text.startswith("States.", pos):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return Literal(value)
        m = _NUMBER_RE.match(text, pos)
        if m:
            self.pos = m.end()
            num = m.group(0)
            return Literal(float(num) if (m.group(1) or m.group(2)) else int(num))
        raise IntrinsicSyntaxError(f"unexpected {ch!r} at position {pos}")

    def string(self) -> str:
        out = []
        self.pos += 1
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos : self.pos + 2])  # kept escaped: Format needs \{ \}
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise IntrinsicSyntaxError("unterminated string literal")


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def evaluate(text: str, data: Any, context: Any) -> Any:
    """Evaluate the call in `text` against the state's data and the context object."""
    try:
        call = parse(text)
    except IntrinsicSyntaxError as exc:
        raise StatesError(INTRINSIC_FAILURE, f"Invalid intrinsic function '{text}': {exc}") from None
    return _eval_call(call, data, context, text)


def _eval_call(call: Call, data: Any, context: Any, text: str) -> Any:
    raw_format = call.name == "States.Format"
    values = []
    for i, arg in enumerate(call.args):
        if isinstance(arg, Call):
            values.append(_eval_call(arg, data, context, text))
        elif isinstance(arg, PathArg):
            try:
                values.append(jsonpath.get(data, arg.path, context))
            except jsonpath.PathNotFound as exc:
                raise StateRuntimeError(
                    f"The JsonPath argument for the field '{text}' could not be found in the input "
                    f"'{_compact(data)}' ({exc})"
                ) from None
        else:
            value = arg.value
            if isinstance(value, str) and not (raw_format and i == 0):
                value = _unescape(value)
            values.append(value)
    try:
        return FUNCTIONS[call.name](*values)
    except StatesError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise StatesError(INTRINSIC_FAILURE, f"{call.name} failed in '{text}': {exc}") from None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())


def _format(template: Any, *args: Any) -> str:
    _need(isinstance(template, str), "the first argument must be a string")
    pieces = re.split(r"(\\.|\{\})", template)
    out, used = [], 0
    for piece in pieces:
        if piece == "{}":
            _need(used < len(args), "more {} placeholders than arguments")
            value = args[used]
            used += 1
            _need(not isinstance(value, (dict, list)), "arguments must be strings, numbers, booleans or null")
            out.append(value if isinstance(value, str) else _compact(value))
        elif piece.startswith("\\") and len(piece) == 2:
            out.append(piece[1])
        else:
            out.append(piece)
    _need(used == len(args), "more arguments than {} placeholders")
    return "".join(out)


def _string_to_json(s: Any) -> Any:
    _need(isinstance(s, str), "the argument must be a string")
    return jsonfile.loads(s, what="the string") if s.strip() else None  # JsonError: too deep, invalid


def _array_partition(arr: Any, size: Any) -> list:
    _need(isinstance(arr, list), "the first argument must be an array")
    _need(_is_int(size) and size > 0, "the chunk size must be a positive integer")
    size = int(size)
    return [arr[i : i + size] for i in range(0, len(arr), size)]


def _array_contains(arr: Any, value: Any) -> bool:
    _need(isinstance(arr, list), "the first argument must be an array")
    return any(_same(item, value) for item in arr)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (_num(a) and _num(b) and a == b)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _array_range(start: Any, end: Any, step: Any) -> list:
    _need(all(_is_int(v) for v in (start, end, step)), "arguments must be integers")
    start, end, step = int(start), int(end), int(step)
    _need(step != 0, "the step must not be 0")
    span = range(start, end + (1 if step > 0 else -1), step)
    _need(len(span) <= 1000, "the range would have more than 1000 items")  # counted, never built
    return list(span)


def _array_get_item(arr: Any, index: Any) -> Any:
    _need(isinstance(arr, list), "the first argument must be an array")
    _need(_is_int(index) and 0 <= index < len(arr), f"index {index} is out of bounds")
    return arr[int(index)]


def _array_length(arr: Any) -> int:
    _need(isinstance(arr, list), "the argument must be an array")
    return len(arr)


def _array_unique(arr: Any) -> list:
    _need(isinstance(arr, list), "the argument must be an array")
    out: list = []
    seen: set[Any] = set()
    for item in arr:
        key = _unique_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _unique_key(item: Any) -> Any:
    """A hashable key equal for items _same() calls equal (1 and 1.0 alike, True apart from 1)."""
    if isinstance(item, bool) or item is None:
        return ("literal", item)
    if _num(item):
        return ("number", item)
    if isinstance(item, str):
        return ("string", item)
    return ("json", json.dumps(item, sort_keys=True, separators=(",", ":")))


def _b64encode(s: Any) -> str:
    _need(isinstance(s, str), "the argument must be a string")
    _need(len(s) <= 10000, "the string is longer than 10000 characters")
    return base64.b64encode(s.encode("utf-8")).decode("ascii")


def _b64decode(s: Any) -> str:
    _need(isinstance(s, str), "the argument must be a string")
    return base64.b64decode(s.encode("ascii"), validate=True).decode("utf-8")


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(data: Any, algorithm: Any) -> str:
    _need(algorithm in _HASHES, f"the algorithm must be one of {', '.join(_HASHES)}")
    text = data if isinstance(data, str) else _compact(data)
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


def _json_merge(a: Any, b: Any, deep: Any) -> dict:
    _need(isinstance(a, dict) and isinstance(b, dict), "the first two arguments must be objects")
    _need(deep is False, "only a shallow merge (false) is supported")
    merged = dict(a)
    merged.update(b)
    return merged


def _math_random(start: Any, end: Any, seed: Any = None) -> int:
    _need(_is_int(start) and _is_int(end), "start and end must be integers")
    rng = random.Random(seed) if seed is not None else random
    return rng.randrange(int(start), int(end)) if int(end) > int(start) else int(start)


def _math_add(a: Any, b: Any) -> int:
    _need(_is_int(a) and _is_int(b), "both arguments must be integers")
    return int(a) + int(b)


def _string_split(s: Any, delimiters: Any) -> list[str]:
    _need(isinstance(s, str) and isinstance(delimiters, str), "both arguments must be strings")
    if not delimiters:
        return [s] if s else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [token for token in re.split(pattern, s) if token]


def _uuid() -> str:
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _compact,
    "States.Array": lambda *items: list(items),
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _b64encode,
    "States.Base64Decode": _b64decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
