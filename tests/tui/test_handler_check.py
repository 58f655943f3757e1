"""The static handler check: what it reports before any run, without importing user code."""

from __future__ import annotations

from pathlib import Path

from console.tui.handler_check import check_handler


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_defined_handler_has_no_problem(tmp_path):
    write(tmp_path, "lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    assert check_handler(tmp_path, "lambda_function.lambda_handler") is None


def test_missing_function_is_reported_with_the_runtime_message(tmp_path):
    write(tmp_path, "lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    problem = check_handler(tmp_path, "lambda_function.other")
    assert problem.error_type == "Runtime.HandlerNotFound"
    assert problem.message == "Handler 'other' missing on module 'lambda_function'"


def test_missing_module_file_is_an_import_error(tmp_path):
    problem = check_handler(tmp_path, "app.handler")
    assert problem.error_type == "Runtime.ImportModuleError" and "app.py" in problem.message


def test_handler_without_a_dot_is_malformed(tmp_path):
    assert check_handler(tmp_path, "handler").error_type == "Runtime.MalformedHandlerName"


def test_syntax_error_is_reported_with_its_line(tmp_path):
    write(tmp_path, "lambda_function.py", "def lambda_handler(event, context)\n    return 1\n")
    problem = check_handler(tmp_path, "lambda_function.lambda_handler")
    assert problem.error_type == "Runtime.UserCodeSyntaxError" and "line 1" in problem.message


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


def test_builtin_module_names_conflict(tmp_path):
    assert check_handler(tmp_path, "sys.handler").error_type == "Runtime.BuiltInModuleConflict"


def test_check_never_imports_the_module(tmp_path):
    marker = tmp_path / "imported"
    write(tmp_path, "lambda_function.py", f"open({str(marker)!r}, 'w').close()\ndef lambda_handler(e, c):\n    pass\n")
    assert check_handler(tmp_path, "lambda_function.lambda_handler") is None
    assert not marker.exists()
