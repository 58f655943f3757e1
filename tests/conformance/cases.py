"""The handlers the differential conformance test runs through awslambdaric and through our engine."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_HANDLER = "lambda_function.lambda_handler"
HELLO_EVENT = b'{"key1": "value1", "key2": "value2", "key3": "value3"}'


@dataclass(frozen=True)
class Case:
    """One function (files + handler string) and the event it is invoked with."""

    id: str
    files: dict[str, str]
    handler: str = DEFAULT_HANDLER
    event: bytes = HELLO_EVENT
    more_events: tuple[bytes, ...] = ()  # sent to the same (then warm) environment
    runtime: str = "python3.14"
    environment: dict[str, str] = field(default_factory=dict)
    client_context: dict | None = None
    identity: dict | None = None

    @property
    def events(self) -> tuple[bytes, ...]:
        return (self.event, *self.more_events)


def _fn(source: str, **kwargs: object) -> dict[str, str]:
    return {"lambda_function.py": source.lstrip("\n"), **kwargs}  # type: ignore[dict-item]


def _returning(expr: str, imports: str = "") -> dict[str, str]:
    return _fn(f"{imports}\ndef lambda_handler(event, context):\n    return {expr}\n")


_CONTEXT_ATTRIBUTES = """
import re

def lambda_handler(event, context):
    remaining = context.get_remaining_time_in_millis()
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "memory_type": type(context.memory_limit_in_mb).__name__,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_format": bool(re.fullmatch(r"\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32}", context.log_stream_name)),
        "aws_request_id": context.aws_request_id,
        "request_id_is_uuid": bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", context.aws_request_id)),
        "remaining_type": type(remaining).__name__,
        "remaining_in_range": 0 < remaining <= 30000,
        "identity": repr(context.identity),
        "client_context": repr(context.client_context),
        "tenant_id": getattr(context, "tenant_id", "<missing>"),
        "w3c": context.w3c() if hasattr(context, "w3c") else "<missing>",
        "public": sorted(n for n in dir(context) if not n.startswith("_")),
        "repr_has_id": repr(context).startswith("LambdaContext([aws_request_id=" + context.aws_request_id),
    }
"""

_CLIENT_CONTEXT = """
def lambda_handler(event, context):
    cc = context.client_context
    return {
        "custom": cc.custom,
        "env": cc.env,
        "app_title": cc.client.app_title,
        "installation_id": cc.client.installation_id,
        "app_package_name": cc.client.app_package_name,
        "identity_id": context.identity.cognito_identity_id,
        "identity_pool": context.identity.cognito_identity_pool_id,
        "w3c": context.w3c() if hasattr(context, "w3c") else "<missing>",
    }
"""

_ENVIRONMENT = """
import os, re, time

KEYS = [
    "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "MY_SETTING",
    "CONFORMANCE_HOST_SECRET",
]

def lambda_handler(event, context):
    return {
        "vars": {k: os.environ.get(k) for k in KEYS},
        "stream_matches_context": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME") == context.log_stream_name,
        "utc": time.strftime("%z", time.localtime()),
    }
"""

_LOGGING_INFO = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    logger.debug("not shown")
    logger.info("value1 = " + event["key1"])
    logger.info("two\\nlines and %s", "ünïcödé")
    logger.warning("careful")
    logging.getLogger("child.module").error("from a child logger")
    return event["key1"]
"""

_LOGGING_DEFAULT = """
import logging

logger = logging.getLogger()

def lambda_handler(event, context):
    logger.debug("debug hidden")
    logger.info("info hidden below WARNING")
    logger.warning("warning shown")
    logging.error("error shown %d", 42)
    logging.getLogger("mylib").critical("critical shown")
    return "done"
"""

_LOGGER_EXCEPTION = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def divide(a, b):
    return a / b

def lambda_handler(event, context):
    try:
        divide(1, 0)
    except ZeroDivisionError:
        logger.exception("division failed")
    return "handled"
"""

_PRINTS = """
import sys

def lambda_handler(event, context):
    print("value1 = " + event["key1"])
    print("to stderr", file=sys.stderr)
    print("value2 =", event["key2"], "|", 3, sep=" ")
    sys.stdout.write("no newline, ")
    sys.stdout.write("then one\\n")
    print("ünïcödé ✓ 日本")
    print("tab\\tseparated")
    return None
"""

_CONTEXT_LOG = """
def lambda_handler(event, context):
    context.log("via context.log\\n")
    context.log("no newline ")
    print("after context.log")
    context.log(12345)
    print()
    return "ok"
"""

_DEEP_STACK = """
def parse(record):
    return validate(record["amount"])

def validate(amount):
    if amount < 0:
        raise ValueError(f"negative amount: {amount}")
    return amount

def process(records):
    return [parse(r) for r in records]

def lambda_handler(event, context):
    return process([{"amount": 1}, {"amount": -5}])
"""

_STDLIB_FRAMES = """

def lambda_handler(event, context):
    return json.loads("{not json")
"""

_CHAINED = """
def load(key):
    return {}[key]

def lambda_handler(event, context):
    try:
        load("missing")
    except KeyError as exc:
        raise RuntimeError("could not load configuration") from exc
"""

_IMPLICIT_CHAIN = """
def lambda_handler(event, context):
    try:
        int("x")
    except ValueError:
        raise LookupError("while handling another")
"""

_SEED_CREATE_ACCOUNT = """
class AccountAlreadyExistsException(Exception): pass

def create_account(event, context):
    raise AccountAlreadyExistsException('Account is in use!')
"""

_SEED_ALWAYS_FAILED = """
def always_failed_handler(event, context):
    raise Exception('I failed!')
"""

_INIT_OUTPUT = """
import logging, sys

print("cold start print")
print("cold start stderr", file=sys.stderr)
logging.warning("module-level warning")
logging.getLogger().setLevel(logging.INFO)
logging.info("module-level info after setLevel")

def lambda_handler(event, context):
    logging.info("in handler")
    return "warm"
"""

_IMPORT_TIME_EXCEPTION = """
import os

def _config():
    raise RuntimeError("TABLE_NAME is not configured")

TABLE = _config()

def lambda_handler(event, context):
    return TABLE
"""

_ECHO_EVENT = """
def lambda_handler(event, context):
    print(type(event).__name__, repr(event))
    return {"type": type(event).__name__, "event": event}
"""


_WARM_STATE = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)
CALLS = 0
print("init runs once")

def lambda_handler(event, context):
    global CALLS
    CALLS += 1
    logger.info("call %d", CALLS)
    print("handlers:", [type(h).__name__ for h in logging.getLogger().handlers])
    if event.get("fail"):
        raise RuntimeError(f"failing call {CALLS}")
    return {"calls": CALLS, "event": event}
"""

_BASICCONFIG_REPLACED = """
import logging, sys

root = logging.getLogger()
for h in list(root.handlers):
    root.removeHandler(h)
logging.basicConfig(level=logging.INFO, format="%(levelname)s:%(name)s:%(message)s")

def lambda_handler(event, context):
    logging.info("through basicConfig")
    logging.getLogger("app").warning("also through basicConfig")
    return [type(h).__name__ for h in root.handlers]
"""

_BASICCONFIG_NOOP = """
import logging

logging.basicConfig(level=logging.DEBUG, format="%(message)s")  # a no-op: the runtime set up root

def lambda_handler(event, context):
    root = logging.getLogger()
    logging.info("info after basicConfig")
    logging.warning("warning after basicConfig")
    return {"level": logging.getLevelName(root.level), "handlers": [type(h).__name__ for h in root.handlers]}
"""

_MODULE_GLOBALS = """
import os

def lambda_handler(event, context):
    return {"name": __name__, "file": __file__, "cwd": os.getcwd(), "doc": __doc__}
"""

_PYTHON_SETTINGS = """
import sys, warnings

def lambda_handler(event, context):
    warnings.warn("filtered out by PYTHONWARNINGS")
    return {
        "hash": hash("lambda-console"),
        "hash_randomization": sys.flags.hash_randomization,
        "dont_write_bytecode": sys.flags.dont_write_bytecode,
        "ignore_environment": sys.flags.ignore_environment,
        "warnoptions": sys.warnoptions,
    }
"""

_FD_OUTPUT = """
import os, subprocess, sys

def lambda_handler(event, context):
    print("python print")
    os.write(1, b"raw write to fd 1\\n")
    os.write(2, b"raw write to fd 2\\n")
    subprocess.run(["echo", "from a child process"], check=True)
    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('child stderr\\\\n')"], check=True)
    print("python print again")
    return "ok"
"""

_JSON_LOGS = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    print("plain print stays plain")
    logger.info("structured %s", "ünïcödé")
    logging.getLogger("app.db").warning("slow query", extra={"table": "accounts", "ms": 1234})
    try:
        {}["missing"]
    except KeyError:
        logger.exception("lookup failed")
    raise RuntimeError("json mode failure")
"""

_STDIO = """
import sys

def lambda_handler(event, context):
    written = sys.stdout.write("written\\n")
    return {
        "stdout": type(sys.stdout).__name__,
        "stderr": type(sys.stderr).__name__,
        "write_returns": written,
        "isatty": [sys.stdout.isatty(), sys.stderr.isatty()],
        "encoding": [sys.stdout.encoding, sys.stderr.encoding],
        "stdin_eof": sys.stdin.read() if sys.stdin is not None else None,
    }
"""

_PKG_ERROR = """
def helper(x):
    raise ValueError(f"bad value {x!r}")

def lambda_handler(event, context):
    return helper(event["key1"])
"""


def _event_case(id_: str, event: bytes) -> Case:
    return Case(id_, _fn(_ECHO_EVENT), event=event)


CASES: list[Case] = [
    # ---- results and marshalling
    Case("return_str", _returning('"Hello from Lambda!"')),
    Case("return_int", _returning("42")),
    Case("return_float", _returning('[3.14, 1e100, -0.0, 1/3, float("nan"), float("inf"), -float("inf")]')),
    Case("return_list", _returning('[1, "two", None, True, 2.5, []]')),
    Case("return_dict", _returning('{"statusCode": 200, "body": "ok", "z": 1, "a": {"b": [1, 2]}}')),
    Case("return_none", _returning("None")),
    Case("return_bool", _returning("False")),
    Case(
        "return_decimal",
        _returning(
            '{"price": Decimal("19.90"), "big": Decimal("12345678901234567890.000000001"), '
            '"exp": Decimal("1E+3"), "nan": Decimal("NaN"), "neg": Decimal("-0.5")}',
            "from decimal import Decimal",
        ),
    ),
    Case("return_nested", _returning('{"a": [{"b": (1, 2)}, {"c": {"d": None}}], "e": {}, 7: "int key"}')),
    Case("return_unicode", _returning('{"msg": "héllo wörld ✓ 日本 😀", "quote": "\\"", "ctl": "\\u0001\\n"}')),
    Case(
        "return_unicode_python311",
        _returning('{"msg": "héllo wörld ✓ 日本 😀"}'),
        runtime="python3.11",
    ),
    Case("return_bytes", _returning('b"\\x00\\xffraw bytes"')),
    Case("return_event_key", _returning('event["key1"]')),
    Case("return_namedtuple",
         _returning('{"p": P(1, 2), "items": [P(3, P(4, 5))]}',
                    'import collections\nP = collections.namedtuple("P", "x y")')),
    Case("return_lone_surrogate_python311", _returning('"bad \\ud800"'), runtime="python3.11"),
    # subclasses of str, int and float: written by the runtime's own encoder (see _fast_dumps)
    Case("return_str_int_float_subclasses",
         _returning('{"s": S("sub"), "e": E.A, "f": F(2.5), "b": True}',
                    'import enum\nclass S(str):\n    pass\nclass E(enum.IntEnum):\n    A = 1\n'
                    'class F(float):\n    pass\n')),
    # ---- logs
    Case("print_stdout_stderr", _fn(_PRINTS)),
    Case("logging_info_with_setlevel", _fn(_LOGGING_INFO)),
    Case("logging_default_level", _fn(_LOGGING_DEFAULT)),
    Case("logger_exception", _fn(_LOGGER_EXCEPTION)),
    Case("context_log", _fn(_CONTEXT_LOG)),
    Case("output_from_file_descriptors_and_children", _fn(_FD_OUTPUT)),
    Case("stdio_objects", _fn(_STDIO)),
    Case("large_output", _fn('def lambda_handler(event, context):\n    for i in range(4000):\n'
                             '        print(f"line {i:05d} " + "x" * 40)\n    print("y" * 100000)\n    return "done"\n')),
    Case("init_phase_output", _fn(_INIT_OUTPUT), more_events=(b"{}",)),
    Case("log_level_from_environment",
         _fn('import logging\ndef lambda_handler(event, context):\n    logging.debug("debug shown")\n'
             '    logging.getLogger("x").info("info shown")\n    return logging.getLevelName(logging.getLogger().level)\n'),
         environment={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}),
    # awslambdaric reads AWS_LAMBDA_LOG_FORMAT (set by Lambda's LoggingConfig, or by the user as a
    # variable): JSON turns every logging record and the unhandled-error block into JSON lines.
    Case("log_format_json_from_environment", _fn(_JSON_LOGS), environment={"AWS_LAMBDA_LOG_FORMAT": "JSON"}),
    Case("logging_basicconfig_replacing_handlers", _fn(_BASICCONFIG_REPLACED)),
    Case("logging_basicconfig_is_noop", _fn(_BASICCONFIG_NOOP)),
    Case("print_without_trailing_newline",
         _fn('def lambda_handler(event, context):\n    print("no newline at the end", end="")\n    return 1\n'),
         more_events=(b"{}",)),
    # ---- warm environments: module state survives, the runtime's set-up is not repeated
    Case("warm_state_three_events", _fn(_WARM_STATE), event=b'{"n": 1}', more_events=(b'{"n": 2}', b'{"n": 3}')),
    Case("warm_after_unhandled_error", _fn(_WARM_STATE), event=b'{"fail": true}',
         more_events=(b'{"n": 2}', b'{"fail": true}', b'{"n": 4}')),
    # ---- unhandled exceptions
    Case("exception_plain_seed", {"lambda_function.py": _SEED_ALWAYS_FAILED.lstrip()},
         handler="lambda_function.always_failed_handler"),
    Case("exception_custom_class_seed", {"lambda_function.py": _SEED_CREATE_ACCOUNT.lstrip()},
         handler="lambda_function.create_account"),
    Case("exception_no_message", _fn("def lambda_handler(event, context):\n    raise ValueError()\n")),
    Case("exception_non_ascii_message",
         _fn('def lambda_handler(event, context):\n    raise RuntimeError("échec — ошибка ✗ 😀")\n')),
    Case("exception_non_ascii_python311",
         _fn('def lambda_handler(event, context):\n    raise RuntimeError("échec — ошибка ✗")\n'),
         runtime="python3.11"),
    Case("exception_multiline_message",
         _fn('def lambda_handler(event, context):\n    raise Exception("first line\\n  second line")\n')),
    Case("exception_non_string_args", _fn('def lambda_handler(event, context):\n    raise Exception(1, "two", None)\n')),
    Case("exception_in_package_module",
         {"pkg/__init__.py": "", "pkg/handlers.py": _PKG_ERROR.lstrip()}, handler="pkg/handlers.lambda_handler"),
    Case("exception_keyerror", _fn('def lambda_handler(event, context):\n    return event["nope"]\n')),
    Case("exception_chained", _fn(_CHAINED)),
    Case("exception_implicit_chain", _fn(_IMPLICIT_CHAIN)),
    Case("exception_deep_stack", _fn(_DEEP_STACK)),
    Case("exception_in_stdlib", _fn(_STDLIB_FRAMES)),
    Case("exception_after_logs",
         _fn('import logging\nlogging.getLogger().setLevel(logging.INFO)\n'
             'def lambda_handler(event, context):\n    print("before")\n    logging.info("logged")\n'
             '    raise TypeError("bad type")\n')),
    Case("marshal_error_set", _returning("{1, 2, 3}")),
    Case("marshal_error_tuple_key", _returning('{(1, 2): "tuple key"}')),
    Case("marshal_error_after_output",
         _fn('def lambda_handler(event, context):\n    print("computed")\n    return {"gen": (i for i in range(3))}\n')),
    Case("marshal_error_object", _returning("object()")),
    Case("marshal_error_nested_datetime", _returning('{"when": datetime.datetime(2020, 1, 1)}', "import datetime")),
    Case("exception_recursion",
         _fn('def recurse(n):\n    return recurse(n + 1)\n\ndef lambda_handler(event, context):\n    return recurse(0)\n')),
    Case("handler_with_wrong_arity", _fn('def lambda_handler(event):\n    return event\n')),
    Case("handler_not_callable", _fn('lambda_handler = {"not": "callable"}\n')),
    Case("handler_async_def", _fn('async def lambda_handler(event, context):\n    return 1\n')),
    Case("warnings_module",
         _fn('import warnings\n\ndef lambda_handler(event, context):\n    warnings.warn("careful with that")\n'
             '    warnings.warn("deprecated thing", DeprecationWarning)\n    return 1\n')),
    # ---- the runtime process dies while handling the event (the platform answers for it)
    Case("sys_exit_in_handler",
         _fn('import sys\ndef lambda_handler(event, context):\n    print("about to exit")\n    sys.exit(3)\n')),
    # awslambdaric >= 3.12 encodes the response with ensure_ascii=False, then .encode("utf-8") in
    # post_invocation_result outside the marshaller's try: a lone surrogate kills the runtime.
    Case("return_lone_surrogate", _returning('"bad \\ud800"')),
    # ---- init errors
    Case("handler_not_found", _fn(_ECHO_EVENT), handler="lambda_function.missing_handler"),
    Case("import_error_missing_module", _fn(_ECHO_EVENT), handler="no_such_module.lambda_handler"),
    Case("import_error_missing_package",
         _fn("import requests_not_installed_anywhere\n\ndef lambda_handler(event, context):\n    return 1\n")),
    Case("import_error_from_name",
         _fn("from json import no_such_name\n\ndef lambda_handler(event, context):\n    return 1\n")),
    Case("syntax_error", _fn("def lambda_handler(event, context)\n    return 1\n")),
    Case("syntax_error_indentation", _fn("def lambda_handler(event, context):\nreturn 1\n")),
    Case("malformed_handler_name", _fn(_ECHO_EVENT), handler="nodot"),
    Case("builtin_module_conflict", _fn(_ECHO_EVENT), handler="sys.handler"),
    Case("exception_at_import_time", _fn(_IMPORT_TIME_EXCEPTION)),
    # ---- handler strings, context, environment, events
    Case("handler_in_package_slash",
         {"pkg/__init__.py": "", "pkg/mod.py": _returning('"from pkg/mod"')["lambda_function.py"]},
         handler="pkg/mod.lambda_handler"),
    Case("handler_in_package_dot",
         {"pkg/__init__.py": "", "pkg/mod.py": _returning('"from pkg.mod"')["lambda_function.py"]},
         handler="pkg.mod.lambda_handler"),
    Case("handler_in_namespace_package",
         {"src/app/handlers.py": _returning('__name__')["lambda_function.py"]},
         handler="src/app/handlers.lambda_handler"),
    Case("handler_is_a_stdlib_function", _fn(""), handler="json.loads"),
    Case("context_attributes", _fn(_CONTEXT_ATTRIBUTES)),
    Case("module_globals", _fn('"""Module docstring."""\n' + _MODULE_GLOBALS.lstrip())),
    Case(
        "context_client_context_identity",
        _fn(_CLIENT_CONTEXT),
        client_context={
            "client": {"installation_id": "inst-1", "app_title": "My App", "app_package_name": "com.example"},
            "custom": {"k": "v"},
            "env": {"platform": "Android"},
            "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x": "dropped"},
        },
        identity={"cognitoIdentityId": "us-east-1:1234", "cognitoIdentityPoolId": "us-east-1:pool"},
    ),
    Case("environment_variables", _fn(_ENVIRONMENT), environment={"MY_SETTING": "configured"}),
    # Lambda starts the runtime's interpreter with the function's variables, so PYTHON* settings
    # a user configures (hash seed, warning filters...) take effect.
    Case("python_settings_from_environment", _fn(_PYTHON_SETTINGS),
         environment={"PYTHONHASHSEED": "0", "PYTHONWARNINGS": "ignore::UserWarning", "PYTHONDONTWRITEBYTECODE": "1"}),
    _event_case("event_object", b'{"a": 1, "b": [true, null], "c": "\\u00e9"}'),
    _event_case("event_list", b'[1, "two", {"three": 3}]'),
    _event_case("event_string", b'"just a string"'),
    _event_case("event_number", b"12.5e3"),
    _event_case("event_integer", b"-7"),
    _event_case("event_null", b"null"),
    _event_case("event_bool", b"true"),
    _event_case("event_number_edge_cases", b'{"a": 1.10, "b": 1e400, "c": 12345678901234567890123, "d": -0}'),
    _event_case("event_invalid_json_unmarshal_error", b'{"key1": '),
    _event_case("event_empty_unmarshal_error", b""),
    # documents the standard library reads differently from simplejson (see _fast_loads)
    _event_case("event_nan_and_infinity", b'{"a": NaN, "b": Infinity, "c": -Infinity}'),
    _event_case("event_utf8_bom", b'\xef\xbb\xbf{"a": 1}'),
    _event_case("event_invalid_utf8", b'{"a": "\xff"}'),
    _event_case("event_lone_surrogate_escape", b'{"a": "\\ud800"}'),
    _event_case("event_unicode_raw_utf8", '{"text": "ünïcödé ✓ 😀"}'.encode("utf-8")),
]

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
