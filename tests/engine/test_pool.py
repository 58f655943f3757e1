"""How the engine keeps, reuses and retires warm environments."""

from __future__ import annotations

import time

from console.engine import FunctionConfig
from console.engine import engine as engine_module

CODE = "import os\ndef lambda_handler(e, c):\n    return os.getpid()\n"


def test_two_functions_over_one_folder_stay_warm_side_by_side(engine, make_function):
    a = make_function(CODE, function_name="first")
    b = FunctionConfig(code_dir=a.code_dir, function_name="second")
    engine.invoke(a, b"{}")
    engine.invoke(b, b"{}")
    assert not engine.invoke(a, b"{}").cold_start
    assert not engine.invoke(b, b"{}").cold_start


def test_idle_environments_are_recycled_after_their_time(engine, make_function, monkeypatch):
    config = make_function(CODE)
    engine.invoke(config, b"{}")
    monkeypatch.setattr(engine_module, "IDLE_TTL_S", 0.0)
    time.sleep(0.01)
    assert engine.invoke(config, b"{}").cold_start


def test_the_number_of_idle_environments_is_capped(engine, make_function, monkeypatch):
    monkeypatch.setattr(engine_module, "MAX_IDLE_TOTAL", 2)
    configs = [make_function(CODE) for _ in range(4)]
    for config in configs:
        engine.invoke(config, b"{}")
    idle = sum(len(pool) for pool in engine._idle.values())
    assert idle <= 2
    assert not engine.invoke(configs[-1], b"{}").cold_start  # the newest stays warm
