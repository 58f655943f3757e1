"""CORS as API Gateway applies a template's Cors settings: preflight answers and response headers."""

from __future__ import annotations

from console.sam.routes import Api, Cors

from .http_api import HttpRequest, HttpResponse

def _origin_allowed(cors: Cors, origin: str) -> bool:
    return "*" in cors.allow_origins or origin in cors.allow_origins


def preflight(cors: Cors | None, api: Api, request: HttpRequest, methods: list[str]) -> HttpResponse | None:
    """API Gateway's answer to a CORS preflight OPTIONS request, or None when it is the function's
    to answer (no CORS settings, or not a preflight)."""
    if cors is None or request.method != "OPTIONS":
        return None
    if api.kind == "rest":
        # SAM adds an OPTIONS mock integration answering with the Cors values on every path.
        allowed = cors.allow_methods or tuple(sorted({m for m in methods if m != "ANY"} | {"OPTIONS"}))
        if "ANY" in methods and not cors.allow_methods:
            allowed = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
        headers = [("Access-Control-Allow-Origin", cors.allow_origins[0] if cors.allow_origins else "*"),
                   ("Access-Control-Allow-Methods", ",".join(allowed))]
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
        if cors.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(cors.max_age)))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(200, headers + [("Content-Type", "application/json")], b"")
    origin = request.header("origin")
    requested = request.header("access-control-request-method")
    if not origin or not requested:
        return None  # not a preflight: the route (if any) answers
    headers = []
    if _origin_allowed(cors, origin):
        headers.append(("Access-Control-Allow-Origin", origin if cors.allow_credentials or "*" not in cors.allow_origins else "*"))
        methods_allowed = cors.allow_methods or ("*",)
        headers.append(("Access-Control-Allow-Methods", ",".join(methods_allowed)))
        if cors.allow_headers:
            asked = request.header("access-control-request-headers")
            value = asked if "*" in cors.allow_headers and asked else ",".join(cors.allow_headers)
            headers.append(("Access-Control-Allow-Headers", value))
        if cors.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(cors.max_age)))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
    return HttpResponse(204, headers, b"")


def apply_cors(response: HttpResponse, cors: Cors | None, api: Api, request: HttpRequest) -> HttpResponse:
    """HTTP APIs and function URLs with CORS settings replace the function's CORS headers with their
    own; a REST API leaves the function's response alone (its function must send them)."""
    if cors is None or api.kind == "rest":
        return response
    headers = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    origin = request.header("origin")
    if origin and _origin_allowed(cors, origin):
        headers.append(("Access-Control-Allow-Origin", origin if cors.allow_credentials or "*" not in cors.allow_origins else "*"))
        if cors.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        headers.append(("Vary", "Origin"))
    return HttpResponse(response.status, headers, response.body)
