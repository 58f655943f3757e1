"""Issue 10, item 9: a response over Lambda's limit is refused from its length, without reading it."""

from __future__ import annotations

import json
import resource

from engine_battery import engine, make_function  # noqa: F401

from console.engine.environment import MAX_RESPONSE_BYTES

TOO_LARGE = {
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}


def test_a_28_mb_response_is_too_large_not_a_timeout(engine, make_function):
    config = make_function("def lambda_handler(e, c):\n    return 'x' * (28 * 1024 * 1024)\n", memory_mb=512, timeout_s=3)
    r = engine.invoke(config, b"{}")
    assert json.loads(r.payload) == TOO_LARGE
    assert r.platform_error != "Sandbox.Timedout"
    # Lambda's runtime cannot post it and exits: the next invocation starts a new environment.
    assert r.log.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert engine.invoke(config, b"{}").cold_start


def test_a_400_mb_response_is_not_read_into_the_engine(engine, make_function):
    config = make_function("def lambda_handler(e, c):\n    return b'x' * (400 * 1024 * 1024)\n", memory_mb=1024, timeout_s=60)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = engine.invoke(config, b"{}")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert json.loads(r.payload) == TOO_LARGE
    assert grown_mb < 64, f"the engine's peak memory grew by {grown_mb:.0f} MB"


def test_a_response_just_under_the_limit_arrives_whole(engine, make_function):
    size = MAX_RESPONSE_BYTES - 2  # the JSON string's quotes
    config = make_function(f"def lambda_handler(e, c):\n    return 'y' * {size}\n", memory_mb=512, timeout_s=30)
    r = engine.invoke(config, b"{}")
    assert r.succeeded and len(r.payload) == MAX_RESPONSE_BYTES
    assert r.payload == b'"' + b"y" * size + b'"'
    assert not engine.invoke(config, b"{}").cold_start


def test_an_error_object_over_the_limit_is_too_large_too(engine, make_function):
    config = make_function("def lambda_handler(e, c):\n    raise ValueError('z' * (7 * 1024 * 1024))\n", memory_mb=512, timeout_s=30)
    r = engine.invoke(config, b"{}")
    assert json.loads(r.payload) == TOO_LARGE
