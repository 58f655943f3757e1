"""API Gateway and function URLs, locally, as pure functions: an HTTP request becomes the event
payload format 1.0 or 2.0 gives the function, and the function's answer becomes the HTTP response
API Gateway would send. No sockets here (see http_server.py)."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote

from console.engine.config import DEFAULT_ACCOUNT
from console.sam.routes import Api, Route

# Headers a function cannot set on the wire: the server frames the message itself.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_REST_KEYS = frozenset({"statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded", "base64Encoded", "cookies"})
# Content types HTTP APIs and function URLs hand over as text; every other body is base64.
_TEXT_TYPES = ("text/*", "application/json", "application/*+json", "application/javascript",
               "application/xml", "application/*+xml", "application/x-yaml", "application/yaml")


@dataclass
class HttpRequest:
    method: str
    target: str  # the request line's path and query, as sent
    headers: list[tuple[str, str]]  # as sent: names keep their case, repeated names repeat
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    port: int = 0  # the port the server listens on (X-Forwarded-Port)
    protocol: str = "HTTP/1.1"

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0] or "/"

    @property
    def raw_query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def path(self) -> str:
        return unquote(self.raw_path)

    def header(self, name: str) -> str | None:
        name = name.lower()
        found = [v for k, v in self.headers if k.lower() == name]
        return found[-1] if found else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        found = [v for k, v in self.headers if k.lower() == name]
        return found[-1] if found else None


class MalformedResponse(ValueError):
    """The function answered something API Gateway cannot turn into an HTTP response."""


def json_response(status: int, data: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(data).encode())


def failure_response(kind: str) -> HttpResponse:
    """What the caller gets when the function failed or answered something malformed."""
    if kind == "http":
        return json_response(500, {"message": "Internal Server Error"})
    return json_response(502, {"message": "Internal server error"})


def not_found_response(kind: str) -> HttpResponse:
    """No route: a REST API answers 403 Missing Authentication Token, an HTTP API 404."""
    if kind == "rest":
        return json_response(403, {"message": "Missing Authentication Token"})
    return json_response(404, {"message": "Not Found"})


def api_id(logical_id: str) -> str:
    """A stable 10-character API id, shaped like API Gateway's, for an API's logical ID."""
    return hashlib.sha1(logical_id.encode()).hexdigest()[:10]


# ---------------------------------------------------------------- routing


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s != ""]


def _specificity(route: Route) -> tuple:
    # Exact segments beat {param}, which beats {proxy+}; a method beats ANY; $default comes last.
    if route.path == "$default":
        return (0,)
    ranks = tuple(1 if s.endswith("+}") else 2 if s.startswith("{") else 3 for s in _segments(route.path))
    return (1, *ranks, 1 if route.method != "ANY" else 0)


def match_path(template: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` matches the route path `template` (None when it does not)."""
    if template == "$default":
        return {}
    wanted, got = _segments(template), _segments(path)
    params: dict[str, str] = {}
    for i, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):
            if i != len(wanted) - 1 or i >= len(got):
                return None
            params[part[1:-2]] = "/".join(got[i:])
            return params
        if i >= len(got):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = got[i]
        elif part != got[i]:
            return None
    return params if len(wanted) == len(got) else None


class Router:
    """Finds the route of a request among the routes of one listener, most specific first."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = sorted(routes, key=_specificity, reverse=True)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        method = method.upper()
        for route in self.routes:
            if route.method not in ("ANY", method):
                continue
            params = match_path(route.path, path)
            if params is not None:
                return route, params
        return None

    def methods_for(self, path: str) -> list[str]:
        """The methods declared on the route paths that match `path` (for a REST CORS preflight)."""
        methods: list[str] = []
        for route in self.routes:
            if route.path != "$default" and match_path(route.path, path) is not None:
                if route.method not in methods:
                    methods.append(route.method)
        return methods


# ---------------------------------------------------------------- request → event


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _matches(media_type: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(media_type, p.lower()) for p in patterns)


def encode_body(request: HttpRequest, api: Api) -> tuple[str | None, bool]:
    """The event's body and isBase64Encoded: a REST API base64-encodes the BinaryMediaTypes it
    declares; HTTP APIs and function URLs encode every body that is not text."""
    if not request.body:
        return None, False
    media = _media_type(request.header("content-type"))
    if api.kind == "rest":
        binary = bool(media) and _matches(media, api.binary_media_types) or "*/*" in api.binary_media_types
    else:
        binary = (bool(media) and not _matches(media, _TEXT_TYPES)) or not _is_utf8(request.body)
    if binary:
        return base64.b64encode(request.body).decode("ascii"), True
    return request.body.decode("utf-8", errors="replace"), False


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _forwarded(request: HttpRequest) -> list[tuple[str, str]]:
    """What API Gateway adds in front of the function: the client's address, port and scheme."""
    existing = request.header("x-forwarded-for")
    chain = f"{existing}, {request.source_ip}" if existing else request.source_ip
    return [("X-Forwarded-For", chain), ("X-Forwarded-Port", str(request.port)), ("X-Forwarded-Proto", "http")]


def _times(now: float) -> tuple[str, int]:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), int(now * 1000)


def _host_parts(request: HttpRequest, api: Api) -> tuple[str, str]:
    host = request.header("host") or f"localhost:{request.port}"
    return host, host.split(":", 1)[0].split(".", 1)[0]


def build_v1_event(
    request: HttpRequest, route: Route, params: dict[str, str], api: Api,
    *, request_id: str | None = None, now: float | None = None,
) -> dict[str, Any]:
    """Payload format 1.0: what a REST API (and an HTTP API set to 1.0) hands the function."""
    now = time.time() if now is None else now
    request_id = request_id or str(uuid.uuid4())
    skip = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"}
    pairs = [(k, v) for k, v in request.headers if k.lower() not in skip] + _forwarded(request)
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for key, value in pairs:
        headers[key] = value
        multi_headers.setdefault(key, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    body, is_base64 = encode_body(request, api)
    stamp, epoch = _times(now)
    domain, prefix = _host_parts(request, api)
    resource = "/" if route.path == "$default" else route.path
    event: dict[str, Any] = {}
    if api.kind != "rest":
        event["version"] = "1.0"
    event.update({
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": dict(api.stage_variables) or None,
        "requestContext": {
            "accountId": DEFAULT_ACCOUNT,
            "apiId": api_id(api.logical_id),
            "domainName": domain,
            "domainPrefix": prefix,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode("ascii"),
            "httpMethod": request.method,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "accessKey": None,
                "sourceIp": request.source_ip,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("user-agent") or "",
                "user": None,
            },
            "path": request.path if api.stage == "$default" else f"/{api.stage}{request.path}",
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": stamp,
            "requestTimeEpoch": epoch,
            "resourceId": hashlib.sha1(f"{route.method} {resource}".encode()).hexdigest()[:6],
            "resourcePath": resource,
            "stage": api.stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
    return event


def build_v2_event(
    request: HttpRequest, route: Route, params: dict[str, str], api: Api,
    *, request_id: str | None = None, now: float | None = None,
) -> dict[str, Any]:
    """Payload format 2.0: what an HTTP API (and a function URL) hands the function. Header names
    are lower case, repeated headers and query parameters are joined with commas, and cookies
    leave the headers for their own list."""
    now = time.time() if now is None else now
    request_id = request_id or str(uuid.uuid4())
    headers: dict[str, str] = {}
    cookies: list[str] = []
    skip = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"}
    for key, value in [(k, v) for k, v in request.headers if k.lower() not in skip] + _forwarded(request):
        name = key.lower()
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    body, is_base64 = encode_body(request, api)
    stamp, epoch = _times(now)
    domain, prefix = _host_parts(request, api)
    url = api.kind == "url"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key if not url else "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": "anonymous" if url else DEFAULT_ACCOUNT,
        "apiId": api_id(api.logical_id),
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": route.route_key if not url else "$default",
        "stage": api.stage,
        "time": stamp,
        "timeEpoch": epoch,
    }
    if body is not None:
        event["body"] = body
    if params and not url:
        event["pathParameters"] = params
    event["isBase64Encoded"] = is_base64
    if api.stage_variables and not url:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def build_event(request: HttpRequest, route: Route, params: dict[str, str], api: Api, **kwargs: Any) -> dict[str, Any]:
    if route.payload_version == "1.0":
        return build_v1_event(request, route, params, api, **kwargs)
    return build_v2_event(request, route, params, api, **kwargs)


# ---------------------------------------------------------------- function answer → response


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise MalformedResponse(f"statusCode must be a number, got {json.dumps(value)}")
    try:
        status = int(value)
    except ValueError:
        raise MalformedResponse(f"statusCode must be a number, got {json.dumps(value)}") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _base64_flag(value: Any) -> bool:
    if value in (None, False, "false", "False"):
        return False
    if value in (True, "true", "True"):
        return True
    raise MalformedResponse(f"isBase64Encoded must be true or false, got {json.dumps(value)}")


def _decode(body: str) -> bytes:
    try:
        return base64.b64decode(body, validate=False)
    except (binascii.Error, ValueError):
        raise MalformedResponse("isBase64Encoded is true but the body is not base64") from None


def _finish(status: int, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    headers = [(k, v) for k, v in headers if k.lower() not in _FRAMING]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def v1_response(payload: bytes, api: Api, request: HttpRequest) -> HttpResponse:
    """Payload format 1.0's answer: {statusCode, headers, multiValueHeaders, body, isBase64Encoded}."""
    try:
        value = json.loads(payload)
    except ValueError:
        raise MalformedResponse("the function's answer is not JSON") from None
    except RecursionError:
        raise MalformedResponse("the function's answer is nested too deeply to read") from None
    if not isinstance(value, dict):
        raise MalformedResponse(f"the function returned {type(value).__name__}, not an object with statusCode")
    if api.kind == "rest":
        extra = sorted(set(value) - _REST_KEYS)
        if extra:
            raise MalformedResponse(f"unexpected key(s) {', '.join(extra)}")
    elif "statusCode" not in value:
        raise MalformedResponse("statusCode is missing")
    status = _status(value.get("statusCode", 200))
    single = value.get("headers") or {}
    multi = value.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponse("headers and multiValueHeaders must be objects")
    headers: list[tuple[str, str]] = []
    for key, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders.{key} must be a list")
        headers.extend((key, _header_text(v)) for v in values)
    for key, item in single.items():
        if (key, _header_text(item)) not in headers:  # a pair in both is sent once
            headers.append((key, _header_text(item)))
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
    flag_key = "base64Encoded" if api.kind == "rest" and "base64Encoded" in value else "isBase64Encoded"
    encoded = _base64_flag(value.get(flag_key))
    data = (body or "").encode("utf-8")
    if encoded and body:
        if api.kind != "rest":
            data = _decode(body)
        else:
            # A REST API converts base64 back to bytes only for its binary media types, matched
            # against the response's Content-Type or the client's Accept.
            media = _media_type(next((v for k, v in headers if k.lower() == "content-type"), None))
            accept = [_media_type(a) for a in (request.header("accept") or "").split(",")]
            types = api.binary_media_types
            if (media and _matches(media, types)) or any(a and _matches(a, types) for a in accept) or "*/*" in types:
                data = _decode(body)
    return _finish(status, headers, data)


def v2_response(payload: bytes) -> HttpResponse:
    """Payload format 2.0's answer: a structured response when it has statusCode, otherwise any
    JSON value, sent as a 200 application/json body."""
    try:
        value = json.loads(payload)
    except ValueError:
        raise MalformedResponse("the function's answer is not JSON") from None
    except RecursionError:
        # Too deep to read: an array or string is sent on as the body, as any non-object
        # answer is; an object may hold statusCode, so it cannot be sent on unread.
        if payload.lstrip()[:1] == b"{":
            raise MalformedResponse("the function's answer is nested too deeply to read") from None
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    if not isinstance(value, dict) or "statusCode" not in value:
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    status = _status(value["statusCode"])
    raw_headers = value.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedResponse("headers must be an object")
    headers = [(k, _header_text(v)) for k, v in raw_headers.items()]
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list")
    headers.extend(("Set-Cookie", str(c)) for c in cookies)
    body = value.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = _decode(body) if _base64_flag(value.get("isBase64Encoded")) else body.encode("utf-8")
    else:
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
    return _finish(status, headers, data)


def translate_response(payload: bytes, route: Route, api: Api, request: HttpRequest) -> HttpResponse:
    if route.payload_version == "1.0":
        return v1_response(payload, api, request)
    return v2_response(payload)
