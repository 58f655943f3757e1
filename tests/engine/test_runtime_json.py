"""The runtime's standard-library shortcut for events and answers gives simplejson's result exactly.

Where simplejson has no C speed-ups (an interpreter it was not built for), the runtime parses
events and encodes answers with the standard library when both libraries agree, and leaves the
rest to simplejson. These tests load the runtime module in that interpreter and compare the two
on the documents where they could differ."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from console.engine import interpreters
from console.engine.config import DEFAULT_RUNTIME
from console.engine.envvars import RUNTIME_DIR
from console.engine.runtime_dirs import private_lib

# Runs in the runtime's interpreter: prints one verdict per document, "fast" (the shortcut gave
# simplejson's own result), "simplejson" (the shortcut stood aside) or what went wrong.
CHECK = r"""
import importlib.util, json, math, os, sys
runtime_dir, lib, minor = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv = ["bootstrap.py", "--lib=" + lib]
os.environ["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3." + minor
spec = importlib.util.spec_from_file_location("lc_bootstrap", os.path.join(runtime_dir, "bootstrap.py"))
boot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boot)
boot.configure({})
sj = boot.json

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

out = {"pure": boot._PURE_SIMPLEJSON, "events": [], "answers": []}
for body in json.loads(sys.stdin.readline())["events"]:
    body = body.encode("utf-8", "surrogatepass")
    fast = boot._fast_loads(body)
    try:
        slow = sj.loads(body)
    except Exception as exc:
        slow = exc
    if fast is boot._MISSING:
        out["events"].append("simplejson")
    elif isinstance(slow, Exception):
        out["events"].append("shortcut accepted what simplejson refuses: %r" % slow)
    else:
        out["events"].append("fast" if same(fast, slow) else "differs: %r != %r" % (fast, slow))
import collections, decimal, enum
P = collections.namedtuple("P", "x y")
class S(str):
    pass
class E(enum.IntEnum):
    A = 1
class F(float):
    def __repr__(self):
        return "custom"
loop = []
loop.append(loop)
answers = [
    "plain", "", 'quote " and \\ backslash', "ctl \x00\x01\x1f \b\f\n\r\t \x7f", "héllo ✓ 日本 😀",
    "\u2028\u2029", "lone \ud800 surrogate", 0, -7, 2 ** 80, True, False, None, 3.14, -0.0, 1e100,
    1 / 3, float("nan"), float("inf"), -float("inf"), [], {}, [1, "two", None, True, 2.5, []],
    {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok", "z": 1, "a": {"b": [1, 2]}},
    {"p": P(1, 2)}, [P(3, 4)], (1, 2), {"t": (1, 2)}, {1: "int key"}, {None: 1}, {True: 1}, {1.5: "x"},
    S("sub"), {"s": S("sub")}, E.A, [E.A], F(1.0), {"d": decimal.Decimal("1.10")}, decimal.Decimal("NaN"),
    {"k": {1, 2}}, loop, collections.OrderedDict(a=1),
]
for value in answers:
    fast = boot._fast_dumps(value)
    try:
        slow = boot._ENCODER.encode(value)
    except Exception as exc:
        slow = exc
    if fast is None:
        out["answers"].append("simplejson")
    elif isinstance(slow, Exception):
        out["answers"].append("shortcut encoded what simplejson refuses: %r" % slow)
    else:
        out["answers"].append("fast" if fast == slow else "differs: %r != %r" % (fast, slow))
print(json.dumps(out))
"""

EVENTS = [
    '{"key1": "value1", "key2": "value2", "key3": "value3"}',
    '{"a": 1, "b": [true, null], "c": "\\u00e9"}',
    '[1, "two", {"three": 3}]',
    '"just a string"',
    "12.5e3",
    "-7",
    "-0",
    "-0.0",
    "null",
    "  \t\n{}\r\n ",
    '{"a": 1.10, "b": 1e400, "c": 12345678901234567890123, "d": -0}',
    '{"dup": 1, "dup": 2}',
    '{"text": "ünïcödé ✓ 😀", "pair": "\\ud83d\\ude00", "lone": "\\ud800", "escapes": "\\n\\t\\/\\b"}',
    "NaN",
    '{"a": NaN, "b": Infinity, "c": -Infinity}',
    "\ufeff{}",  # a byte order mark
    "ï»¿{}",  # one decoded as Latin-1
    '{"key1": ',
    "",
    "{} extra",
    '{"ctl": "a\x01b"}',
    "\ud800",  # not UTF-8 once encoded (surrogatepass)
    "[" * 100_000 + "]" * 100_000,
    "1" * 5000,  # past the interpreter's limit on digits
    "[1,]",
    "{'single': 'quotes'}",
]


def _run(python: str, minor: int) -> dict:
    done = subprocess.run(
        [python, "-I", "-S", "-c", CHECK, RUNTIME_DIR, private_lib(), str(minor)],
        input=json.dumps({"events": EVENTS}) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _interpreters() -> list[tuple[str, int]]:
    default = interpreters.resolve(DEFAULT_RUNTIME).interpreter
    minor = int(default.version.split(".")[1])
    found = [(default.path, minor)]
    if sys.executable != default.path:
        found.append((sys.executable, sys.version_info[1]))
    return found


@pytest.mark.parametrize("python, minor", _interpreters())
@pytest.mark.parametrize("encode_minor", [11, 14], ids=["escaped-before-312", "raw-utf8-from-312"])
def test_the_shortcut_gives_simplejsons_result_or_stands_aside(python, minor, encode_minor):
    out = _run(python, encode_minor)
    assert [v for v in out["events"] if v not in ("fast", "simplejson")] == []
    assert [v for v in out["answers"] if v not in ("fast", "simplejson")] == []
    # the usual documents do take the shortcut; the ones simplejson alone decides do not
    events = dict(zip(EVENTS, out["events"]))
    assert events[EVENTS[0]] == "fast" and events["\ufeff{}"] == "simplejson" and events["NaN"] == "simplejson"
    assert out["answers"][0] == "fast"
    assert out["answers"].count("simplejson") >= 14  # namedtuples, subclasses, Decimal, sets, loops...
