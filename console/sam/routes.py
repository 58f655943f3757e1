"""The HTTP routes a template declares: Api (REST) and HttpApi events, and function URLs, with
their APIs' stage, binary media types and CORS settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from .functions import SamProject
from .resolve import Unresolved, apply_globals

Kind = Literal["rest", "http", "url"]
IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
REST_API_TYPE = "AWS::Serverless::Api"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Cors:
    """CORS settings, normalised from the three ways a template spells them."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass
class Api:
    """One API (or one function URL) the server answers for."""

    logical_id: str
    kind: Kind
    stage: str
    stage_variables: dict[str, str] = field(default_factory=dict)
    binary_media_types: list[str] = field(default_factory=list)
    cors: Cors | None = None


@dataclass(frozen=True)
class Route:
    """METHOD path → function, as one event of a function declares it."""

    api_id: str
    kind: Kind
    method: str  # upper case, or ANY
    path: str  # "/users/{id}", "/{proxy+}", or "$default" (HTTP API catch-all)
    function: str  # logical ID
    payload_version: str  # "1.0" or "2.0"
    event: str = ""  # the event's name in the template

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class HttpSetup:
    apis: dict[str, Api]
    routes: list[Route]


def _strip_quotes(value: Any) -> str:
    # REST Cors values are quoted for API Gateway's mapping templates: "'*'" means *.
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.strip() for v in _strip_quotes(value).split(",") if v.strip())


def rest_cors(value: Any) -> Cors | None:
    """AWS::Serverless::Api `Cors`: "'origin'" or {AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials}."""
    if value is None or isinstance(value, Unresolved):
        return None
    if isinstance(value, str):
        return Cors(allow_origins=(_strip_quotes(value),))
    if not isinstance(value, dict):
        return None
    max_age = value.get("MaxAge")
    return Cors(
        allow_origins=(_strip_quotes(value.get("AllowOrigin", "*")),),
        allow_methods=_split(value.get("AllowMethods")),
        allow_headers=_split(value.get("AllowHeaders")),
        max_age=int(_strip_quotes(max_age)) if max_age not in (None, "") else None,
        allow_credentials=bool(value.get("AllowCredentials")),
    )


def list_cors(value: Any) -> Cors | None:
    """HttpApi `CorsConfiguration` (true, or {AllowOrigins: [...], ...}) and FunctionUrlConfig `Cors`."""
    if value is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if not isinstance(value, dict):
        return None
    max_age = value.get("MaxAge")
    return Cors(
        allow_origins=_split(value.get("AllowOrigins")),
        allow_methods=tuple(m.upper() for m in _split(value.get("AllowMethods"))),
        allow_headers=_split(value.get("AllowHeaders")),
        expose_headers=_split(value.get("ExposeHeaders")),
        max_age=int(max_age) if max_age not in (None, "") else None,
        allow_credentials=bool(value.get("AllowCredentials")),
    )


def _media_types(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    # SAM writes "/" as "~1" in BinaryMediaTypes (it ends up in a JSON pointer).
    return [str(v).replace("~1", "/") for v in value if isinstance(v, str)]


def _api_settings(project: SamProject, logical_id: str, kind: Kind, properties: Mapping[str, Any]) -> Api:
    globals_section = project.template.get("Globals") if isinstance(project.template.get("Globals"), dict) else {}
    props = apply_globals(globals_section.get("Api" if kind == "rest" else "HttpApi"), properties)
    props = project.resolver.resolve(props)
    if not isinstance(props, dict):
        props = {}
    variables_key = "Variables" if kind == "rest" else "StageVariables"
    variables = props.get(variables_key) if isinstance(props.get(variables_key), dict) else {}
    default_stage = "Prod" if kind == "rest" else "$default"
    stage = props.get("StageName", default_stage)
    api = Api(
        logical_id,
        kind,
        stage=str(stage) if isinstance(stage, (str, int)) else default_stage,
        stage_variables={str(k): str(v) for k, v in variables.items() if not isinstance(v, Unresolved)},
        binary_media_types=_media_types(props.get("BinaryMediaTypes")) if kind == "rest" else [],
    )
    if kind == "rest":
        api.cors = rest_cors(props.get("Cors"))
    else:
        api.cors = list_cors(props.get("CorsConfiguration"))
    return api


def http_setup(project: SamProject) -> HttpSetup:
    """Every API route and function URL of the project's runnable functions."""
    resources = project.template["Resources"]
    apis: dict[str, Api] = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") in (REST_API_TYPE, HTTP_API_TYPE):
            kind: Kind = "rest" if resource["Type"] == REST_API_TYPE else "http"
            props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
            apis[logical_id] = _api_settings(project, logical_id, kind, props)
    routes: list[Route] = []
    for function in project.runnable():
        for event_name, event in function.events.items():
            if not isinstance(event, dict) or event.get("Type") not in ("Api", "HttpApi"):
                continue
            raw_props = event.get("Properties") if isinstance(event.get("Properties"), dict) else {}
            kind = "rest" if event["Type"] == "Api" else "http"
            api_ref = raw_props.get("RestApiId" if kind == "rest" else "ApiId")
            props = {k: project.resolver.resolve(v) for k, v in raw_props.items() if k in ("Path", "Method", "PayloadFormatVersion")}
            bad = [k for k, v in props.items() if isinstance(v, Unresolved)]
            if bad:
                project.note(
                    f"{function.logical_id}: event {event_name} has a {bad[0]} that cannot be resolved locally; it is not served"
                )
                continue
            api_id = _api_id(project, api_ref, kind, function.logical_id, event_name)
            if api_id is None:
                continue
            if api_id not in apis:
                apis[api_id] = _api_settings(project, api_id, kind, {})
            if kind == "http" and "Path" not in props and "Method" not in props:
                path, method = "$default", "ANY"
            else:
                path = str(props.get("Path", "/"))
                method = str(props.get("Method", "ANY")).upper()
                if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD"):
                    method = "ANY"
            if kind == "http":
                version = str(props.get("PayloadFormatVersion", "2.0"))
                if version not in ("1.0", "2.0"):
                    project.note(
                        f"{function.logical_id}: event {event_name} has PayloadFormatVersion {version}; using 2.0"
                    )
                    version = "2.0"
            else:
                version = "1.0"
            routes.append(Route(api_id, kind, method, path, function.logical_id, version, event_name))
        if function.function_url is not None:
            url = function.function_url
            api_id = f"{function.logical_id}Url"
            apis[api_id] = Api(api_id, "url", stage="$default", cors=list_cors(url.get("Cors")))
            if url.get("AuthType") == "AWS_IAM":
                project.note(
                    f"{function.logical_id}: its function URL uses AuthType AWS_IAM; "
                    "requests are not signature-checked locally"
                )
            routes.append(Route(api_id, "url", "ANY", "$default", function.logical_id, "2.0", "FunctionUrlConfig"))
    _note_duplicates(project, routes)
    return HttpSetup(apis, routes)


def _api_id(project: SamProject, ref: Any, kind: Kind, function: str, event: str) -> str | None:
    if ref is None:
        return IMPLICIT_REST_API if kind == "rest" else IMPLICIT_HTTP_API
    raw = ref
    if isinstance(raw, dict) and isinstance(raw.get("Ref"), str):
        raw = raw["Ref"]
    if isinstance(raw, str) and raw in project.template["Resources"]:
        return raw
    project.note(f"{function}: event {event} names an API that is not in the template ({ref}); it is not served")
    return None


def _note_duplicates(project: SamProject, routes: list[Route]) -> None:
    seen: dict[tuple[str, str, str], Route] = {}
    for route in routes:
        key = (route.kind if route.kind == "url" else "api", route.method, route.path)
        if route.kind == "url":
            continue
        earlier = seen.get(key)
        if earlier is not None and earlier.function != route.function:
            project.note(
                f"{route.method} {route.path} is declared by {earlier.function} and {route.function}; "
                f"{earlier.function} answers it"
            )
        seen.setdefault(key, route)
