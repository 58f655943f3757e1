"""The static handler check says what the runtime would say, without running the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.engine.handler_check import check_handler


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    "source, handler, expected",
    [
        ("def lambda_handler(e, c): pass\n", "lambda_function.lambda_handler", None),
        ("def f(e, c): pass\n", "lambda_function.g", ("Runtime.HandlerNotFound", "Handler 'g' missing on module 'lambda_function'")),
        ("", "nodot", ("Runtime.MalformedHandlerName", "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)")),
        ("", "missing.h", ("Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'")),
        ("", "sys.h", ("Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module")),
        ("import requests_not_here\ndef h(e, c): pass\n", "lambda_function.h",
         ("Runtime.ImportModuleError", "Unable to import module 'lambda_function': No module named 'requests_not_here'")),
        ("import json, os.path\nfrom collections import abc\ndef h(e, c): pass\n", "lambda_function.h", None),
        ("try:\n    import maybe_missing\nexcept ImportError:\n    pass\ndef h(e, c): pass\n", "lambda_function.h", None),
        ("def _impl(e, c): pass\nglobals()['dyn'] = _impl\n", "lambda_function.dyn", None),
        ("def h(e, c)\n    pass\n", "lambda_function.h", ("Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function': ")),
        ("def h(e, c): pass\n", ".h", ("ValueError", "Empty module name")),
        ("TAKEN = {'a', 'b'}\ndef h(e, c): pass\n", "lambda_function.TAKEN", ("TypeError", "'set' object is not callable")),
        ("NAME = 'x'\n", "lambda_function.NAME", ("TypeError", "'str' object is not callable")),
        ("LIMIT: int = 3\n", "lambda_function.LIMIT", ("TypeError", "'int' object is not callable")),
        ("h = {}\ndef h(e, c): pass\n", "lambda_function.h", None),
        ("h = make()\n", "lambda_function.h", None),
        ("h = 1\nh, g = make()\n", "lambda_function.h", None),
    ],
)
def test_check_matches_the_runtime(tmp_path, source, handler, expected):
    write(tmp_path, "lambda_function.py", source)
    problem = check_handler(tmp_path, handler)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.error_type == expected[0] and problem.message.startswith(expected[1])


def test_a_missing_package_is_named_as_python_names_it(tmp_path):
    write(tmp_path, "m.py", "def h(e, c): pass\n")
    assert check_handler(tmp_path, "pkg/m.h").message == "Unable to import module 'pkg/m': No module named 'pkg'"


def test_sibling_modules_in_the_function_folder_are_found(tmp_path):
    write(tmp_path, "helpers.py", "X = 1\n")
    write(tmp_path, "lambda_function.py", "import helpers\ndef h(e, c): pass\n")
    assert check_handler(tmp_path, "lambda_function.h") is None


def test_the_check_never_runs_the_code(tmp_path):
    write(tmp_path, "m.py", "open(__file__ + '.ran', 'w').close()\ndef h(e, c): pass\n")
    assert check_handler(tmp_path, "m.h") is None
    assert not (tmp_path / "m.py.ran").exists()


def test_packages_and_slash_paths_resolve(tmp_path):
    write(tmp_path, "src/app/main.py", "handler = lambda e, c: 1\n")
    write(tmp_path, "pkg/__init__.py", "from .impl import handler\n")
    assert check_handler(tmp_path, "src/app/main.handler") is None
    assert check_handler(tmp_path, "src.app.main.handler") is None
    assert check_handler(tmp_path, "pkg.handler") is None


def test_star_imports_and_module_getattr_are_given_the_benefit_of_the_doubt(tmp_path):
    write(tmp_path, "a.py", "from os.path import *\n")
    write(tmp_path, "b.py", "def __getattr__(name):\n    return lambda e, c: name\n")
    assert check_handler(tmp_path, "a.anything") is None
    assert check_handler(tmp_path, "b.anything") is None


def test_conditional_and_imported_definitions_count(tmp_path):
    write(
        tmp_path,
        "lambda_function.py",
        "try:\n    from json import loads as handler\nexcept ImportError:\n    pass\n"
        "if True:\n    def other(e, c):\n        return 1\n",
    )
    assert check_handler(tmp_path, "lambda_function.handler") is None
    assert check_handler(tmp_path, "lambda_function.other") is None
