"""The Lambda Invoke REST API (Invoke, ListFunctions, GetFunction) as request → response, no sockets."""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from .api_names import parse_function_name
from console.engine import ConfigError
from console.engine.config import DEFAULT_ACCOUNT, DEFAULT_REGION

from .errors import AccessDenied, InvalidParameterValue, InvalidRequestContent, InvokeError, ResourceNotFound, ServiceError, TooManyRequests, UnknownOperation
from .invocation_types import EXECUTED_VERSION, normalise_invocation_type
from .masking import masked_environment

if TYPE_CHECKING:
    from console.engine import FunctionConfig

    from .invocation_types import InvokeOutcome
    from .invoker import Invoker, StartedInvocation
    from .registry import FunctionRegistry

PREFIX = "/2015-03-31/functions"
_ARN_PREFIX = f"arn:aws:lambda:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:function:"
LOG_TAIL_BYTES = 4096
MAX_CLIENT_CONTEXT = 3583
# A media type as RFC 9110 8.3.1 has it (type/subtype, token parameters); nothing else reaches a header.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf'{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|"[^"\\\x00-\x1f\x7f]*"))*')
MAX_CONTENT_TYPE = 256
LIST_PAGE_MAX = 50


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json"
    request_id: str = ""


def error_response(error: InvokeError) -> Response:
    """Lambda's error: the type in `x-amzn-ErrorType` (botocore picks the class from it) and a JSON body."""
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-ErrorType", error.error_type)]
    if isinstance(error, TooManyRequests):
        headers.append(("Retry-After", "1"))
    return Response(error.status, json.dumps(error.body()).encode(), headers, request_id=request_id)


def log_tail(log: str, limit: int = LOG_TAIL_BYTES) -> str:
    """Base64 of the last `limit` bytes of the log, cut on a UTF-8 character boundary."""
    data = log.encode("utf-8")
    if len(data) > limit:
        data = data[-limit:]
        start = 0
        while start < len(data) and (data[start] & 0xC0) == 0x80:
            start += 1
        data = data[start:]
    return base64.b64encode(data).decode("ascii")


class InvokeApi:
    """Routes requests to Invoke / ListFunctions / GetFunction over a registry of functions; every
    invocation goes through the Invoker (payload rules, concurrency, metrics)."""

    def __init__(self, registry: FunctionRegistry, invoker: Invoker) -> None:
        self.registry = registry
        self.invoker = invoker
        # Host names a request may carry (lower case, without the port); None accepts any (a
        # server bound with --allow-remote). The server sets it to the loopback names it answers on.
        self.allowed_hosts: frozenset[str] | None = None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Never raises: every failure becomes one of Lambda's error responses."""
        try:
            self._check_client(headers)
            return self._route(method, target, headers, body)
        except Exception as exc:  # the server must survive anything a function or request does
            return self.failure(exc)

    def start(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | PendingResponse | None:
        """handle() for an event loop, which must not block: a RequestResponse invocation of a
        function with a warm environment idle is started and returned as a PendingResponse; a
        request refused before anything runs gets its Response now; anything else (another
        operation or invocation type, a cold start) is None: answer it with handle() on a
        thread. Never raises."""
        try:
            self._check_client(headers)
            if method != "POST" or headers.get("x-amz-invocation-type", "RequestResponse") != "RequestResponse":
                return None
            path, _, query = target.partition("?")
            if not path.startswith(PREFIX + "/") or not path.endswith("/invocations"):
                return None
            raw_name = path[len(PREFIX) + 1 : -len("/invocations")]
            if not raw_name or "/" in raw_name:
                return None
            qualifier = None
            if query:
                params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
                qualifier = params.get("Qualifier")
            config, qualifier = self._resolve(unquote(raw_name), qualifier)
            client_context = _client_context(headers.get("x-amz-client-context"))
            started = self.invoker.start(config, body, client_context=client_context, qualifier=qualifier)
            if started is None:
                return None
            return PendingResponse(self, started, headers.get("x-amz-log-type") == "Tail")
        except Exception as exc:  # noqa: BLE001 - the same answers handle() gives
            return self.failure(exc)

    def failure(self, exc: Exception) -> Response:
        """The Response for what an invocation raised (handle()'s rules)."""
        if isinstance(exc, InvokeError):
            return error_response(exc)
        if isinstance(exc, ConfigError):
            return error_response(InvalidParameterValue(str(exc)))
        # The caller gets Lambda's ServiceException without internals; the console's own terminal
        # gets the details (one line).
        print(f"lambda-console serve: internal error: {type(exc).__name__}: {exc}"[:2000], file=sys.stderr)
        return error_response(ServiceError("An internal error occurred in lambda-console; see its output"))

    def _check_client(self, headers: dict[str, str]) -> None:
        """Refuse what a web page could send: another site's Host (DNS rebinding), any browser
        request (Origin or Sec-Fetch-* headers), and Authorization that is not SigV4. SDKs and
        the AWS CLI sign with SigV4 and send none of the browser headers; curl sends neither."""
        if self.allowed_hosts is not None and "host" in headers:
            if host_name(headers["host"]) not in self.allowed_hosts:
                raise AccessDenied("Requests must be addressed to the local server (Host header refused)")
        if "origin" in headers:
            raise AccessDenied("Requests from web browsers are refused")
        for name in headers:
            if name.startswith("sec-fetch-"):
                raise AccessDenied("Requests from web browsers are refused")
        auth = headers.get("authorization")
        if auth is not None and not auth.startswith("AWS4-HMAC-SHA256 "):
            raise AccessDenied("Only AWS Signature Version 4 authorization is accepted")

    def _route(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        path, _, query = target.partition("?")
        if not path.startswith(PREFIX):
            raise UnknownOperation("Unknown operation")
        rest = path[len(PREFIX):]
        if rest and not rest.startswith("/"):
            raise UnknownOperation("Unknown operation")
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()} if query else {}
        if rest in ("", "/"):
            if method == "GET":
                return self._list_functions(params)
            raise UnknownOperation("Unknown operation")
        parts = rest[1:].split("/")
        name = unquote(parts[0])
        tail = "/".join(parts[1:])
        if method == "POST" and tail == "invocations":
            return self._invoke(name, params.get("Qualifier"), headers, body)
        if method == "GET" and tail in ("", "configuration"):
            config = self._config(name, params.get("Qualifier"))
            conf = self.function_configuration(config)
            if tail == "configuration":
                return Response(200, json.dumps(conf).encode())
            data = {"Configuration": conf, "Code": {"RepositoryType": "S3"}, "Tags": {}}
            return Response(200, json.dumps(data).encode())
        raise UnknownOperation("Unknown operation")

    def _arn_prefix(self) -> str:
        return _ARN_PREFIX

    def _config(self, raw_name: str, qualifier: str | None) -> FunctionConfig:
        return self._resolve(raw_name, qualifier)[0]

    def _resolve(self, raw_name: str, qualifier: str | None) -> tuple[FunctionConfig, str | None]:
        ref = parse_function_name(raw_name, qualifier, self._arn_prefix())
        config = self.registry.get(ref.name)
        if config is None:
            suffix = f":{ref.qualifier}" if ref.qualifier else ""
            raise ResourceNotFound(f"Function not found: {self._arn_prefix()}{ref.name}{suffix}")
        return config, ref.qualifier

    def _invoke(self, raw_name: str, qualifier: str | None, headers: dict[str, str], body: bytes) -> Response:
        config, qualifier = self._resolve(raw_name, qualifier)
        invocation_type = normalise_invocation_type(headers.get("x-amz-invocation-type"))
        client_context = _client_context(headers.get("x-amz-client-context"))
        outcome = self.invoker.invoke(config, body, invocation_type, client_context=client_context, qualifier=qualifier)
        if invocation_type != "RequestResponse":
            return Response(outcome.status_code, request_id=outcome.request_id, content_type="")
        return sync_response(outcome, headers.get("x-amz-log-type") == "Tail")

    def _list_functions(self, params: dict[str, str]) -> Response:
        configs = self.registry.all()
        try:
            start = int(params.get("Marker") or 0)
            size = min(LIST_PAGE_MAX, max(1, int(params.get("MaxItems") or LIST_PAGE_MAX)))
        except ValueError:
            raise InvalidRequestContent("Invalid Marker or MaxItems") from None
        page = configs[start:start + size]
        data: dict[str, Any] = {"Functions": [self.function_configuration(c) for c in page]}
        if start + size < len(configs):
            data["NextMarker"] = str(start + size)
        return Response(200, json.dumps(data).encode())

    def function_configuration(self, config: FunctionConfig) -> dict[str, Any]:
        """FunctionConfiguration as GetFunction/ListFunctions return it (the fields that exist locally)."""
        code = self.invoker.code_snapshot(config)  # every file of the folder, current
        modified = code.last_modified_ns / 1e9
        stamp = datetime.fromtimestamp(modified, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
        return {
            "FunctionName": config.function_name,
            "FunctionArn": config.function_arn,
            "Runtime": config.runtime,
            "Role": f"arn:aws:iam::{config.account}:role/lambda-console",
            "Handler": config.handler,
            "CodeSize": code.size,
            "Description": "",
            "Timeout": config.timeout_s,
            "MemorySize": config.memory_mb,
            "LastModified": stamp,
            "CodeSha256": code.sha256,
            "Version": EXECUTED_VERSION,
            # Never hand credentials to whoever asks: values of secret-looking names are masked.
            "Environment": {"Variables": masked_environment(config.environment)},
            "TracingConfig": {"Mode": "PassThrough"},
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "State": "Active",
            "LastUpdateStatus": "Successful",
        }


def sync_response(outcome: InvokeOutcome, tail: bool) -> Response:
    """The Invoke API's answer to a RequestResponse invocation (with the log's tail if asked)."""
    result = outcome.result
    assert result is not None
    out_headers = [("X-Amz-Executed-Version", EXECUTED_VERSION)]
    if result.function_error:
        out_headers.append(("X-Amz-Function-Error", result.function_error))
    if tail:
        out_headers.append(("X-Amz-Log-Result", log_tail(result.log)))
    return Response(200, result.payload, out_headers, safe_content_type(result.content_type),
                    request_id=result.request_id)


class PendingResponse:
    """The answer to a started invocation (InvokeApi.start): `fileno()` becomes readable when it
    may be ready, `poll()` gives the Response then or None, `wait()` blocks for it (on a thread,
    once it is `stalled` or has run longer than a glance). Neither raises."""

    def __init__(self, api: InvokeApi, started: StartedInvocation, tail: bool) -> None:
        self._api = api
        self._started = started
        self._tail = tail
        self.started = started.started

    def fileno(self) -> int:
        return self._started.fileno()

    @property
    def stalled(self) -> bool:
        return self._started.stalled

    def poll(self) -> Response | None:
        try:
            outcome = self._started.poll()
            return None if outcome is None else sync_response(outcome, self._tail)
        except Exception as exc:  # noqa: BLE001
            return self._api.failure(exc)

    def wait(self) -> Response:
        try:
            return sync_response(self._started.wait(), self._tail)
        except Exception as exc:  # noqa: BLE001
            return self._api.failure(exc)


def safe_content_type(value: str | None) -> str:
    """The payload's content type if it is a plain media type, else application/unknown (what
    Lambda calls a payload of unknown type): a forged one never reaches the response headers."""
    if not value:
        return "application/json"
    if len(value) <= MAX_CONTENT_TYPE and _MEDIA_TYPE.fullmatch(value):
        return value
    return "application/unknown"


def host_name(value: str) -> str:
    """The host of a Host header, lower case, without the port ("[::1]:3001" → "::1")."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _client_context(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    if len(value) > MAX_CLIENT_CONTEXT:
        raise InvalidRequestContent("Client context must be less than 3583 bytes (base64 encoded).")
    try:
        data = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidRequestContent("Client context must be a valid Base64-encoded JSON object.") from None
    if not isinstance(data, dict):
        raise InvalidRequestContent("Client context must be a valid Base64-encoded JSON object.")
    return data
