"""The Python runtime inside an execution environment: imports the handler, then serves invocations.

This file runs as a script in a separate process (`python -I -S bootstrap.py CHANNEL_FD DATA_MB
LAYOUT`) and must stay self-contained and quick to start: it imports nothing from the `console`
package.
It follows awslambdaric's bootstrap.py (the reference implementation of Lambda's Python runtime,
Apache-2.0): the same error objects, messages, log formats and context object. Instead of the
Runtime API over HTTP it talks to the engine over a Unix socket with length-prefixed frames (a
socket, not pipes: another process cannot open it through /proc/<pid>/fd); stdout and stderr are
the log pipe, read by the engine. The process first splits in two: a keeper that holds the
environment's process tree together (see become_keeper) and the runtime itself.
"""

import decimal
import importlib
import importlib.machinery
import importlib.util
import linecache
import json as _stdlib_json
import logging
import math
import os
import resource
import select
import signal
import struct
import sys
import threading
import time
import traceback



def _import_private(name):
    """Import one of the runtime's own helpers from its private folder (named by `--lib=` on the
    command line), then take the folder off sys.path and forget the module by name: the runtime
    keeps its reference, and the function cannot import it, as on Lambda."""
    lib = next((a[len("--lib="):] for a in sys.argv if a.startswith("--lib=")), "")
    if lib:
        sys.path.insert(0, lib)
    try:
        module = importlib.import_module(name)
    finally:
        if lib:
            sys.path.remove(lib)
            for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
                del sys.modules[key]
    return module


json = _import_private("simplejson")

ERROR_LOG_LINE_TERMINATE = "\n"  # what the production (telemetry) log sink joins lines with
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE U+00A0
_FRAME = struct.Struct("!II")

lambda_unhandled_exception_warning_message = str(
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

_STDLIB = os.path.dirname(os.__file__)
_SHOWN_TASK_ROOT = "/var/task"
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_SHOWN_RUNTIME_DIR = "/var/runtime"
# Set from the environment by configure(): this module may be imported ahead of time by the
# zygote, before the environment of the function it will serve exists.
_RUNTIME = "3.14"
_MINOR = 14
LEGACY_ERRORS = False  # python3.7 keeps the shape of the seed document
LOG_FORMAT_JSON = False  # AWS_LAMBDA_LOG_FORMAT=JSON (Lambda's advanced logging controls)
TASK_ROOT = ""
_SHOWN_STDLIB = "/var/lang/lib/python3.14"
# Real folder prefix -> what Lambda shows for it, longest first (set by configure()).
_SHOWN_PREFIXES = []


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------- marshalling (as the runtime)


class Encoder(json.JSONEncoder):
    def __init__(self):
        if _MINOR >= 12:
            super().__init__(use_decimal=False, ensure_ascii=False, allow_nan=True)
        else:
            super().__init__(use_decimal=False, allow_nan=True)

    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            return json.raw_json.RawJSON(str(obj))
        return super().default(obj)


_ENCODER = None


def configure(layout=None):
    """Read the function's runtime and task root from the environment Lambda would set, and where
    its dependencies, layers and runtime libraries are (`layout`, from the engine)."""
    global _RUNTIME, _MINOR, LEGACY_ERRORS, TASK_ROOT, _SHOWN_STDLIB, _ENCODER, LOG_FORMAT_JSON
    global _SHOWN_PREFIXES
    _RUNTIME = os.environ.get("AWS_EXECUTION_ENV", "AWS_Lambda_python3.14").rsplit("python", 1)[-1]
    try:
        _MINOR = int(_RUNTIME.split(".")[1])
    except (IndexError, ValueError):
        _MINOR = 14
    LEGACY_ERRORS = _MINOR <= 7
    TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    _SHOWN_STDLIB = "/var/lang/lib/python" + _RUNTIME
    _ENCODER = Encoder()
    LOG_FORMAT_JSON = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    layout = layout or {}
    shown = [(TASK_ROOT, _SHOWN_TASK_ROOT), (_RUNTIME_DIR, _SHOWN_RUNTIME_DIR), (_STDLIB, _SHOWN_STDLIB)]
    # Built dependencies are part of the deployment package: Lambda has them in /var/task.
    shown += [(d, _SHOWN_TASK_ROOT) for d in layout.get("deps", ())]
    shown += [(root, "/opt") for root in layout.get("layers", ())]
    if layout.get("sdk"):
        shown.append((layout["sdk"], _SHOWN_STDLIB + "/site-packages"))
    _SHOWN_PREFIXES = sorted(
        ((os.path.abspath(real), lam) for real, lam in shown if real), key=lambda p: -len(p[0])
    )


def lambda_sys_path(layout, startup_path):
    """sys.path in Lambda's order: the task root (with the built dependencies), the layers'
    /opt/python/lib/python3.X/site-packages and /opt/python (a later layer first: extracted over
    an earlier one, its files win), the runtime-included libraries, then the standard library."""
    task = [TASK_ROOT] + list(layout.get("deps", ()))
    layers = []
    for root in reversed(layout.get("layers", ())):
        python = os.path.join(root, "python")
        layers += [os.path.join(python, "lib", "python" + _RUNTIME, "site-packages"), python]
    sdk = [layout["sdk"]] if layout.get("sdk") else []
    # 3.11 and later keep the SDK in /var/lang/lib/python3.X/site-packages ahead of /var/runtime.
    included = sdk + [_RUNTIME_DIR] if _MINOR >= 11 else [_RUNTIME_DIR] + sdk
    rest = [p for p in startup_path if p and os.path.abspath(p) != _RUNTIME_DIR]
    return task + layers + included + rest


def to_json(obj):
    return _ENCODER.encode(obj)


# Where simplejson runs without its C speedups (an interpreter it was not built for), its parser
# and encoder are pure Python, several times slower than the standard library's C ones. The
# standard library then does the usual cases, and simplejson anything else, so the result is
# simplejson's in every case: see _fast_loads and _fast_dumps.
_PURE_SIMPLEJSON = getattr(json.decoder, "c_scanstring", None) is None or json.encoder.c_make_encoder is None


def _refuse_constant(name):
    raise ValueError(name)


# NaN and Infinity are left to simplejson: whether it accepts them depends on its version.
_stdlib_decoder = _stdlib_json.JSONDecoder(parse_constant=_refuse_constant)
_stdlib_encoder_ascii = _stdlib_json.JSONEncoder(ensure_ascii=True, allow_nan=True)
_stdlib_encoder_utf8 = _stdlib_json.JSONEncoder(ensure_ascii=False, allow_nan=True)
_MISSING = object()


def _fast_loads(body):
    """The event as the standard library parses it, or _MISSING for simplejson to parse it. A
    document both parse (strict UTF-8, no BOM, no NaN/Infinity) is read the same by both."""
    try:
        return _stdlib_decoder.decode(body.decode("utf-8"))
    except Exception:
        return _MISSING


def _plain(value):
    """True when value holds only dicts with str keys, lists, str, int, float, bool and None,
    exactly those types (no subclass): the values both encoders write the same way."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:
            if not _plain(item):
                return False
        return True
    return False


def _fast_dumps(response):
    """The response encoded by the standard library when it is plain (see _plain), else None."""
    try:
        if not _plain(response):
            return None
        encoder = _stdlib_encoder_utf8 if _MINOR >= 12 else _stdlib_encoder_ascii
        return encoder.encode(response)
    except Exception:  # too deep, circular: simplejson says what is wrong
        return None


def unmarshal_request(body):
    if _PURE_SIMPLEJSON:
        event = _fast_loads(body)
        if event is not _MISSING:
            return event
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
        )


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    if _PURE_SIMPLEJSON:
        text = _fast_dumps(response)
        if text is not None:
            return text, "application/json"
    try:
        return _ENCODER.encode(response), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None
        )


# ---------------------------------------------------------------- handler resolution


class TaskRootLoader(importlib.machinery.SourceFileLoader):
    """Compiles the function's modules under the path Lambda shows (/var/task/...), so every
    traceback (the runtime's, logging's, the function's own) names /var/task like Lambda's does.
    __file__ stays the real path, and the source is still found for tracebacks through the loader."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        data = self.get_data(path)
        shown = _shown_path(path)
        # Seed linecache under the shown name (mtime None: never invalidated), so readers that
        # don't go through the loader, such as warnings, still find the source lines.
        lines = importlib.util.decode_source(data).splitlines(True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        linecache.cache[shown] = (len(data), None, lines, shown)
        return compile(data, shown, "exec", dont_inherit=True)


def _add_site_dirs(folders):
    """Lambda calls site.addsitedir() on /var/task and the layers, so their .pth files count."""
    for folder in folders:
        try:
            has_pth = any(name.endswith(".pth") for name in os.listdir(folder))
        except OSError:
            continue
        if has_pth:
            import site

            site.addsitedir(folder)


def _install_task_root_finder():
    loaders = [
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
        (TaskRootLoader, importlib.machinery.SOURCE_SUFFIXES),
        (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
    ]
    prefix = TASK_ROOT + os.sep

    def hook(path):
        if path == TASK_ROOT or path.startswith(prefix):
            return importlib.machinery.FileFinder(path, *loaders)
        raise ImportError("not under the task root")

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        m = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (_shown_path(e.filename), e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, _syntax_error_str(e)),
            trace,
        )

    try:
        request_handler = getattr(m, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )
    return request_handler


def _syntax_error_str(e):
    text = str(e)
    if e.filename:
        text = text.replace(e.filename, _shown_path(e.filename))
    return text


# ---------------------------------------------------------------- error objects


def _shown_path(path):
    """The path as Lambda would show it: the task root is /var/task, the stdlib /var/lang/lib/..."""
    if not path:
        return path
    for real, shown in _SHOWN_PREFIXES:
        if path.startswith(real + os.sep):
            return shown + path[len(real) :]
    return path


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def make_legacy_error(error_message, error_type, tb_tuples):
    return {
        "errorMessage": error_message if error_message else "",
        "stackTrace": [list(t) for t in tb_tuples],
        "errorType": error_type if error_type else "",
    }


def extract_traceback(tb):
    return [
        (_shown_path(frame.filename), frame.lineno, frame.name, frame.line)
        for frame in traceback.extract_tb(tb)
    ]


def _user_frames(tb):
    tb_tuples = extract_traceback(tb)
    for i in range(len(tb_tuples)):
        if "/bootstrap.py" not in tb_tuples[i][0]:
            return tb_tuples[i:]
    return tb_tuples


def build_fault_result(exc_info, msg, invoke_id=None):
    """The error object and the lines the [ERROR] log block shows for an exception."""
    etype, value, tb = exc_info
    tb_tuples = _user_frames(tb)
    formatted = traceback.format_list(tb_tuples)
    message = msg if msg else str(value)
    log_view = make_error(message, etype.__name__, formatted, invoke_id)
    if LEGACY_ERRORS:
        return make_legacy_error(message, etype.__name__, tb_tuples), log_view
    return log_view, log_view


def fault_result(e, invoke_id=None):
    log_view = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    if LEGACY_ERRORS:
        return make_legacy_error(e.msg, e.exception_type, []), log_view
    return log_view, log_view


def replace_line_indentation(line, indent_char, new_indent_char):
    count = 0
    for c in line:
        if c != indent_char:
            break
        count += 1
    return (new_indent_char * count) + line[count:]


def log_error(error_result):
    if LOG_FORMAT_JSON:
        record = {
            "timestamp": time.strftime(_DATETIME_FORMAT, logging.Formatter.converter(time.time())),
            "level": "ERROR",
            **error_result,
        }
        sys.stdout.write(to_json(record) + "\n")
        return
    error_description = "[ERROR]"
    error_result_type = error_result.get("errorType")
    if error_result_type:
        error_description += " " + error_result_type
    error_result_message = error_result.get("errorMessage")
    if error_result_message:
        if error_result_type:
            error_description += ":"
        error_description += " " + error_result_message

    lines = [error_description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines += ["Traceback (most recent call last):"]
        for element in stack_trace:
            if element == "":
                lines += [""]
            else:
                for trace_line in element.splitlines():
                    lines += [replace_line_indentation(trace_line, " ", ERROR_LOG_IDENT)]
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---------------------------------------------------------------- context object


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = self._extract_and_strip_w3c(client_context)

        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)

        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        epoch_now_in_ms = int(time.time() * 1000)
        delta_ms = self._epoch_deadline_time_in_ms - epoch_now_in_ms
        return delta_ms if delta_ms > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    @staticmethod
    def _extract_and_strip_w3c(client_context):
        if not isinstance(client_context, dict) or "w3c" not in client_context:
            return {}
        raw_w3c = client_context.pop("w3c")
        if not isinstance(raw_w3c, dict):
            return {}
        return {
            key: raw_w3c[key]
            for key in ("traceparent", "tracestate", "baggage")
            if isinstance(raw_w3c.get(key), str)
        }

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"custom={self.custom},"
            f"env={self.env},"
            f"client={self.client}"
            "])"
        )


def make_obj_from_dict(_class, _dict):
    if _dict is None:
        return None
    obj = _class()
    for field in obj.__class__.__slots__:
        setattr(obj, field, _dict.get(field, None))
    return obj


def parse_json_header(header, name):
    try:
        return _stdlib_json.loads(header)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


# ---------------------------------------------------------------- logging and output


class Unbuffered(object):
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))


class LambdaLoggerHandlerWithFrameType(LambdaLoggerHandler):
    """The class awslambdaric installs when a log level or JSON format is configured."""


_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated",
    "thread", "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}
# default=str keeps a record with odd values from being dropped, as in awslambdaric
_json_log_encoder = _stdlib_json.JSONEncoder(ensure_ascii=False, default=str)


def _format_log_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


class JsonFormatter(logging.Formatter):
    """awslambdaric's JSON log record format."""

    def __init__(self):
        super().__init__(datefmt=_DATETIME_FORMAT)

    def format(self, record):
        record.levelno = _format_log_level(record)
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": (
                record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
            ),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED_FIELDS and key not in result
        )
        result = {k: v for k, v in result.items() if v is not None}
        return _json_log_encoder.encode(result) + "\n"


_GLOBAL_AWS_REQUEST_ID = None


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _GLOBAL_AWS_REQUEST_ID or ""
        record.tenant_id = None
        return True


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if LOG_FORMAT_JSON or level:
        handler = LambdaLoggerHandlerWithFrameType()
    else:
        handler = LambdaLoggerHandler()
    if LOG_FORMAT_JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    if level in logging._nameToLevel:
        logger.setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)


# ---------------------------------------------------------------- the channel to the engine


# The channel is the runtime's own transport (in Lambda, C code the function cannot reach), so it
# keeps its own references: a handler that monkeypatches json.dumps, len or os.write must not
# garble the frames that carry its answer.
_os_read = os.read
_os_write = os.write
_dumps = _stdlib_json.dumps
_raw_decode = _stdlib_json.JSONDecoder().raw_decode  # json.loads itself looks up len()
_len = len
_join = b"".join
_memoryview = memoryview
_type = type
_escape = _stdlib_json.encoder.encode_basestring_ascii  # what json.dumps writes a str with
_float_repr = float.__repr__
_int_repr = int.__repr__
_pack = _FRAME.pack
_unpack_from = _FRAME.unpack_from
_HEAD_SIZE = _FRAME.size
_READ_BYTES = 65536


class Channel:
    """Length-prefixed frames over the socket the engine handed over. The engine's first frame
    carries this environment's key; every frame back carries it, so the engine can tell the
    runtime's answers from bytes anything else managed to write."""

    def __init__(self, fd):
        self.fd = fd
        self.key = ""
        self._pending = b""  # bytes read past the end of the last frame

    def _read_exact(self, n):
        chunks = []
        while n:
            chunk = _os_read(self.fd, n)
            if not chunk:
                return None
            chunks.append(chunk)
            n -= _len(chunk)
        return _join(chunks)

    def receive(self):
        # One read takes a usual event whole (length, header and body): a read per part would
        # be a syscall more per invocation. A longer frame's rest is read to its exact size.
        data = self._pending
        while _len(data) < _HEAD_SIZE:
            chunk = _os_read(self.fd, _READ_BYTES)
            if not chunk:
                return None, None
            data += chunk
        hlen, blen = _unpack_from(data)
        end = _HEAD_SIZE + hlen + blen
        if _len(data) < end:
            rest = self._read_exact(end - _len(data))
            if rest is None:
                return None, None
            data = _join((data, rest))
        self._pending = data[end:]
        header = _raw_decode(data[_HEAD_SIZE : _HEAD_SIZE + hlen].decode())[0]
        return header, data[_HEAD_SIZE + hlen : end]

    def answer(self, kind, invoke_id, duration, memory, body, content_type=None):
        """An invocation's answer: its header written directly, as json.dumps would write it
        (for a str id, a float duration and an int memory figure), at a third of the cost."""
        if _type(invoke_id) is not str or _type(duration) is not float or _type(memory) is not int:
            header = {"t": kind, "id": invoke_id}
            if content_type is not None:
                header["ct"] = content_type
            header["d"] = duration
            header["m"] = memory
            return self.send(header, body)
        ct = "" if content_type is None else ', "ct": ' + _escape(content_type)
        h = (
            '{"t": "' + kind + '", "id": ' + _escape(invoke_id) + ct + ', "d": ' + _float_repr(duration)
            + ', "m": ' + _int_repr(memory) + ', "k": ' + _escape(self.key) + "}"
        ).encode()
        self._write(h, body)

    def send(self, header, body=b""):
        header["k"] = self.key
        self._write(_dumps(header).encode(), body)

    def _write(self, h, body):
        if _len(body) <= 65536:
            parts = (_join((_pack(_len(h), _len(body)), h, body)),)
        else:
            parts = (_pack(_len(h), _len(body)) + h, body)  # a large body is not copied
        for part in parts:
            view = _memoryview(part)
            while view:
                view = view[_os_write(self.fd, view) :]


def print_uncaught(etype, value, tb):
    """Python's report of an exception that ends the runtime, with paths as Lambda shows them."""
    te = traceback.TracebackException(etype, value, tb)
    seen = set()
    pending = [te]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for frame in current.stack:
            frame.filename = _shown_path(frame.filename)
        pending.extend(x for x in (current.__cause__, current.__context__) if x is not None)
    sys.stderr.write("".join(te.format()))


def _peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------- the keeper


_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option, value):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0)


def _children(pid):
    kids = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return kids
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as f:
                kids.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            pass
    return kids


def _parent_table():
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            table.setdefault(ppid, []).append(int(name))
    return table


def descendants(root):
    """Every process below root, from /proc (the kernel's children lists, else every parent)."""
    if os.path.exists("/proc/%d/task/%d/children" % (root, root)):
        children = _children
    else:
        table = _parent_table()
        children = lambda pid: table.get(pid, [])  # noqa: E731
    out, seen, pending = [], {root}, [root]
    while pending:
        for kid in children(pending.pop()):
            if kid not in seen:
                seen.add(kid)
                out.append(kid)
                pending.append(kid)
    return out


def _is_alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _reap(runtime):
    """Reap every child that has ended; the runtime's wait status if it was one of them."""
    status = None
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == runtime:
            status = st
    return status


def kill_descendants(root, reap_as=None):
    """SIGKILL everything below root until nothing is left alive. The root, when it is this
    process, reaps as it goes (reap_as is then the runtime's pid, whose status is returned)."""
    status = None
    deadline = time.monotonic() + 2.0
    while True:
        alive = [pid for pid in descendants(root) if _is_alive(pid)]
        if not alive or time.monotonic() > deadline:
            break
        for pid in alive:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        time.sleep(0.001)
        if reap_as is not None:
            status = _reap(reap_as) or status
    if reap_as is not None:
        status = _reap(reap_as) or status
    return status


def _exit_as(status):
    """End this process the way the runtime ended: same exit status, or killed by the same signal."""
    if os.WIFEXITED(status):
        os._exit(os.WEXITSTATUS(status))
    sig = os.WTERMSIG(status)
    try:
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(os.getpid(), sig)
    except (OSError, ValueError, RuntimeError):
        pass
    os._exit(128 + sig)


def _wait_for_runtime(runtime, wake_w, ended):
    """The keeper's waiting thread: reap children as they exit until the runtime does. A blocking
    wait for exits only: the engine stopping and continuing the runtime wakes nothing here."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        if pid == runtime:
            ended.append(status)
            os.write(wake_w, b"x")
            return


def become_keeper(chan_fd):
    """Split in two: the child goes on as the runtime; this process stays behind as the keeper.

    The keeper is a child subreaper: anything the function starts, however it detaches (setsid,
    setpgid, double fork), is re-parented to it rather than to init, so the environment's whole
    process tree stays below it where the engine can measure, freeze and kill it. It sleeps until
    the runtime ends (then it kills what is left and exits the same way) or the engine closes the
    channel (then it kills everything)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a segfault must not litter the code folder
    try:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        pass  # the engine still finds what stays in the tree
    runtime = os.fork()
    if runtime == 0:
        os.setpgid(0, 0)  # the runtime's own process group, as a started process has
        return
    ended = []
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)  # the log pipe must end when the runtime's processes do
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        signal.set_wakeup_fd(wake_w)
        waiter = threading.Thread(target=_wait_for_runtime, args=(runtime, wake_w, ended), daemon=True)
        waiter.start()
        poller = select.poll()
        # POLLRDHUP alone: the engine's requests to the runtime do not wake the keeper.
        poller.register(chan_fd, select.POLLRDHUP)
        poller.register(wake_r, select.POLLIN)
        while not ended:
            events = poller.poll()
            if any(fd == chan_fd for fd, _ in events):
                break  # the engine is gone or retired the environment
            if ended:
                break
            if os.read(wake_r, 4096):
                break  # asked to stop (SIGTERM, SIGHUP, SIGINT)
    except BaseException:
        pass  # whatever went wrong, the tree goes down with the keeper
    status = ended[0] if ended else None
    try:
        status = kill_descendants(os.getpid(), reap_as=runtime) or status
        if status is None and ended:
            status = ended[0]  # the waiting thread reaped the runtime meanwhile
    finally:
        if status is None:
            os._exit(137)
        _exit_as(status)


def _die_of_memory(channel):
    """Python ran out of memory: report it and go the way Lambda's sandbox goes (killed)."""
    try:
        channel.send({"t": "oom"})
    finally:
        os.kill(os.getpid(), 9)


_HELD = []


def _keep_until_next_event(fault):
    """A marshalling fault keeps what could not be marshalled alive through a reference cycle
    (the raising frame holds the exception), as in awslambdaric, where only a later garbage
    collection frees it. Freeing it here instead (at any collection the error path triggers) would
    print e.g. "coroutine ... was never awaited" inside this invocation's log: hold it until the
    next event, whatever the interpreter's collection thresholds."""
    _HELD.append(fault)


def handle_event_request(channel, request_handler, header, body):
    global _GLOBAL_AWS_REQUEST_ID
    del _HELD[:]
    invoke_id = header["id"]
    _GLOBAL_AWS_REQUEST_ID = invoke_id
    trace_id = header.get("trace")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    started = time.perf_counter()
    error_result = log_view = None
    try:
        client_context = header.get("cc")
        cognito_identity = header.get("ci")
        lambda_context = LambdaContext(
            invoke_id,
            parse_json_header(client_context, "Client Context") if client_context else None,
            parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            header["deadline"],
            header.get("arn"),
            header.get("tenant"),
        )
        event = unmarshal_request(body)
        response = request_handler(event, lambda_context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        error_result, log_view = fault_result(e, invoke_id)
        _keep_until_next_event(e)
    except MemoryError:
        _die_of_memory(channel)
    except Exception:
        error_result, log_view = build_fault_result(sys.exc_info(), None, invoke_id)

    if error_result is not None:
        log_error(log_view)
        payload = to_json(error_result).encode("utf-8")
        duration = (time.perf_counter() - started) * 1000.0
        channel.answer("error", invoke_id, duration, _peak_rss_kb(), payload)
    else:
        # Outside the try, as in awslambdaric: a lone surrogate (raw UTF-8 from 3.12 on) cannot be
        # encoded and the runtime dies of it, which the platform reports as Runtime.ExitError.
        if isinstance(result, str):
            result = result.encode("utf-8")
        duration = (time.perf_counter() - started) * 1000.0
        channel.answer("result", invoke_id, duration, _peak_rss_kb(), result, content_type)


def _private_tmp(path, size_mb):
    """Make `path` a tmpfs of `size_mb` seen by this process and its children only, so a full /tmp
    fails writes with ENOSPC as Lambda's does. Needs a mount namespace of its own: as root one is
    made directly, otherwise through a user namespace. False when the system allows neither (the
    folder is then used as it is). Must run while the process has a single thread."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        clone_newns, clone_newuser = 0x00020000, 0x10000000
        ms_nosuid, ms_nodev, ms_rec, ms_private = 2, 4, 1 << 14, 1 << 18
        if libc.unshare(clone_newns) != 0:
            uid, gid = os.geteuid(), os.getegid()
            if uid == 0 or libc.unshare(clone_newuser | clone_newns) != 0:
                return False
            for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (uid, uid)), ("gid_map", "%d %d 1" % (gid, gid))):
                with open("/proc/self/" + name, "w") as f:
                    f.write(text)
        # Nothing mounted here may reach the host's namespace.
        if libc.mount(b"none", b"/", None, ms_rec | ms_private, None) != 0:
            return False
        options = ("size=%dm,mode=0700" % size_mb).encode()
        return libc.mount(b"tmpfs", path.encode(), b"tmpfs", ms_nosuid | ms_nodev, options) == 0
    except Exception:
        return False


_SETUP_CHANNEL = None


def _await_setup(argv):
    """A preboot runtime (`--preboot`, see console/engine/preboot.py) was started before its
    function was known: wait for what it would have been started with (environment, folder,
    memory, layout), take it on, and return the command line it would have had. Nothing of the
    function has run yet; the interpreter's start read only what the engine checked was the same."""
    # Meanwhile, what every start imports before the function's code runs whatever the function
    # (ctypes for the private /tmp and the keeper, tokenize to read the handler's source).
    for name in ("ctypes", "tokenize"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    # main() goes on reading from this channel: what one read took past the setup frame (the
    # engine's next frame) is in it.
    global _SETUP_CHANNEL
    _SETUP_CHANNEL = Channel(int(argv[1]))
    setup, _ = _SETUP_CHANNEL.receive()
    if not isinstance(setup, dict):
        os._exit(0)  # the engine ended (or used another interpreter) without needing this one
    # What the interpreter's own start changed in the variables it was started with (the locale
    # coercion of PEP 538 sets LC_CTYPE) stays changed, as it would in a started runtime.
    started = setup.get("start") or {}
    own = [(k, v) for k, v in os.environ.items() if started.get(k) != v]
    os.environ.clear()
    os.environ.update(setup["env"])
    os.environ.update(own)
    time.tzset()
    os.chdir(setup["cwd"])
    lib = [a for a in argv if a.startswith("--lib=")]
    return [argv[0], argv[1], str(setup["data_mb"]), _stdlib_json.dumps(setup["layout"])] + lib


def main(argv):
    if "--preboot" in argv:
        argv = _await_setup(argv)
    startup_path = list(sys.path)
    layout = {}
    if len(argv) > 3 and not argv[3].startswith("--"):
        layout = _stdlib_json.loads(argv[3])
    tmp = layout.get("tmp")
    tmp_private = bool(tmp) and _private_tmp(tmp["dir"], int(tmp["mb"]))
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # imported before TMPDIR was this environment's
    configure(layout)
    sys.excepthook = print_uncaught
    chan_fd = int(argv[1])
    os.set_inheritable(chan_fd, False)  # the function's own processes must not hold the channel
    become_keeper(chan_fd)
    channel = _SETUP_CHANNEL if _SETUP_CHANNEL is not None else Channel(chan_fd)
    hello, _ = channel.receive()  # the engine's first frame: this environment's key
    if not isinstance(hello, dict):
        return
    channel.key = hello.get("k", "")
    if len(argv) > 2:
        # A backstop only: the engine enforces the function's memory on the real resident size.
        data_limit = int(argv[2]) * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_DATA, (data_limit, data_limit))
        except (ValueError, OSError):
            pass
    sys.dont_write_bytecode = True  # nor should imports (Lambda's /var/task is read-only)
    del sys.argv[1:]  # Lambda's runtime sees only its script's path

    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    sys.path[:] = lambda_sys_path(layout, startup_path)
    _add_site_dirs(sys.path[: sys.path.index(_RUNTIME_DIR)])
    # As Lambda's bootstrap.py does: Python processes the function starts find the runtime.
    os.environ.setdefault("PYTHONPATH", _RUNTIME_DIR)
    _install_task_root_finder()
    os.chdir(TASK_ROOT)

    error_result = log_view = None
    try:
        _setup_logging()
        request_handler = _get_handler(os.environ["_HANDLER"])
    except FaultException as e:
        error_result, log_view = fault_result(e)
    except MemoryError:
        _die_of_memory(channel)
    except Exception:
        error_result, log_view = build_fault_result(sys.exc_info(), None)

    if error_result is not None:
        logging.warning(lambda_unhandled_exception_warning_message)
        log_error(log_view)
        channel.send({"t": "init_error", "m": _peak_rss_kb()}, to_json(error_result).encode("utf-8"))
        sys.exit(1)

    channel.send({"t": "ready", "m": _peak_rss_kb(), "tmp": tmp_private, "p": os.getpid()})
    while True:
        header, body = channel.receive()
        if header is None:
            return  # the engine closed the channel: this environment is retired
        handle_event_request(channel, request_handler, header, body)


if __name__ == "__main__":
    main(sys.argv)
