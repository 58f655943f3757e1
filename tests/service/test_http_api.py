"""API Gateway's translations as pure functions: routing, request → event (1.0 and 2.0, compared
field by field with the sample events), function answer → HTTP response, CORS."""

from __future__ import annotations

import base64
import json

import pytest

from console import catalog
from console.sam.routes import Api, Cors, Route
from console.service.http_api import (
    HttpRequest,
    MalformedResponse,
    Router,
    build_v1_event,
    build_v2_event,
    failure_response,
    match_path,
    not_found_response,
    v1_response,
    v2_response,
)
from console.service.http_cors import apply_cors, preflight

REST = Api("ServerlessRestApi", "rest", stage="prod", stage_variables={"baz": "qux"}, binary_media_types=["*/*"])
HTTP = Api("ServerlessHttpApi", "http", stage="$default",
           stage_variables={"stageVariable1": "value1", "stageVariable2": "value2"})


def sample(name: str) -> dict:
    return json.loads(catalog.get_sample_event(name).text())


# Maps whose keys are the client's (headers) or the route's (path parameters), not API Gateway's.
CLIENT_MAPS = ("headers", "multiValueHeaders", "pathParameters")


def assert_same_shape(mine, reference, where="event"):
    """Every field of the reference is in ours, with the same JSON type (null in the reference
    matches anything: it is null only when API Gateway has nothing to put there)."""
    for key, value in reference.items():
        assert key in mine, f"{where}.{key} is missing"
        if value is None:
            continue
        if isinstance(value, dict) and key in CLIENT_MAPS:
            assert isinstance(mine[key], dict), f"{where}.{key} is not an object"
        elif isinstance(value, dict):
            assert isinstance(mine[key], dict), f"{where}.{key} is not an object"
            assert_same_shape(mine[key], value, f"{where}.{key}")
        elif isinstance(value, bool):
            assert isinstance(mine[key], bool), f"{where}.{key} is not a boolean"
        elif isinstance(value, (int, float)):
            assert isinstance(mine[key], (int, float)) and not isinstance(mine[key], bool), f"{where}.{key}"
        else:
            assert type(mine[key]) is type(value), f"{where}.{key} is {type(mine[key]).__name__}"


# ---------------------------------------------------------------- routing


def test_paths_match_with_parameters_and_greedy_tails():
    assert match_path("/users/{id}", "/users/42") == {"id": "42"}
    assert match_path("/users/{id}", "/users/42/x") is None
    assert match_path("/files/{proxy+}", "/files/a/b/c.txt") == {"proxy": "a/b/c.txt"}
    assert match_path("/files/{proxy+}", "/files") is None
    assert match_path("/hello", "/hello/") == {}


def test_the_most_specific_route_wins_and_any_is_the_fallback():
    routes = [
        Route("A", "rest", "ANY", "/{proxy+}", "Greedy", "1.0"),
        Route("A", "rest", "GET", "/users/{id}", "User", "1.0"),
        Route("A", "rest", "GET", "/users/me", "Me", "1.0"),
        Route("A", "rest", "ANY", "/users/{id}", "AnyUser", "1.0"),
    ]
    router = Router(routes)
    assert router.match("GET", "/users/me")[0].function == "Me"
    assert router.match("GET", "/users/7")[0].function == "User"
    assert router.match("DELETE", "/users/7")[0].function == "AnyUser"
    assert router.match("POST", "/a/b")[0].function == "Greedy"
    assert Router(routes[1:3]).match("POST", "/users/7") is None


def test_default_route_catches_what_nothing_else_does():
    router = Router([Route("H", "http", "ANY", "$default", "Fallback", "2.0"), Route("H", "http", "GET", "/x", "X", "2.0")])
    assert router.match("GET", "/x")[0].function == "X"
    assert router.match("PUT", "/anything/else")[0].function == "Fallback"


def test_not_found_answers_as_each_api_does():
    assert not_found_response("rest").status == 403
    assert json.loads(not_found_response("rest").body) == {"message": "Missing Authentication Token"}
    assert not_found_response("http").status == 404
    assert failure_response("rest").status == 502
    assert json.loads(failure_response("rest").body) == {"message": "Internal server error"}


# ---------------------------------------------------------------- events


def rest_request(**kwargs) -> HttpRequest:
    values = dict(
        method="POST",
        target="/path/to/resource?foo=bar",
        headers=[("Host", "localhost:3000"), ("User-Agent", "Custom User Agent String"),
                 ("Content-Type", "application/json"), ("Accept", "*/*")],
        body=b'{"test": "body"}',
        source_ip="127.0.0.1",
        port=3000,
    )
    values.update(kwargs)
    return HttpRequest(**values)


def test_rest_event_has_every_field_of_the_sample_event():
    route = Route("ServerlessRestApi", "rest", "ANY", "/{proxy+}", "Fn", "1.0")
    event = build_v1_event(rest_request(), route, {"proxy": "path/to/resource"}, REST)
    reference = sample("apigateway-aws-proxy")
    assert_same_shape(event, reference)
    assert set(event) == set(reference)  # and nothing API Gateway would not send
    assert event["body"] == reference["body"] and event["isBase64Encoded"] is True
    assert event["resource"] == "/{proxy+}" and event["path"] == "/path/to/resource"
    assert event["queryStringParameters"] == {"foo": "bar"}
    assert event["multiValueQueryStringParameters"] == {"foo": ["bar"]}
    assert event["stageVariables"] == {"baz": "qux"}
    ctx = event["requestContext"]
    assert (ctx["stage"], ctx["path"], ctx["resourcePath"], ctx["httpMethod"]) == ("prod", "/prod/path/to/resource", "/{proxy+}", "POST")
    assert ctx["identity"]["sourceIp"] == "127.0.0.1" and ctx["identity"]["userAgent"] == "Custom User Agent String"
    assert event["headers"]["X-Forwarded-Port"] == "3000" and event["headers"]["X-Forwarded-Proto"] == "http"


def test_rest_event_keeps_repeated_headers_and_query_parameters():
    request = rest_request(
        method="GET", target="/items?tag=a&tag=b&empty=&q=x%20y", body=b"",
        headers=[("Host", "localhost"), ("X-Multi", "1"), ("X-Multi", "2")],
    )
    event = build_v1_event(request, Route("A", "rest", "GET", "/items", "F", "1.0"), {}, REST)
    assert event["queryStringParameters"] == {"tag": "b", "empty": "", "q": "x y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "empty": [""], "q": ["x y"]}
    assert event["headers"]["X-Multi"] == "2" and event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["body"] is None and event["isBase64Encoded"] is False and event["pathParameters"] is None


def test_rest_bodies_are_base64_only_for_binary_media_types():
    api = Api("A", "rest", stage="Prod", binary_media_types=["image/png"])
    route = Route("A", "rest", "POST", "/up", "F", "1.0")
    text = build_v1_event(rest_request(headers=[("Content-Type", "text/plain")], body=b"hi"), route, {}, api)
    assert (text["body"], text["isBase64Encoded"]) == ("hi", False)
    png = build_v1_event(rest_request(headers=[("Content-Type", "image/png")], body=b"\x89PNG\x00"), route, {}, api)
    assert png["isBase64Encoded"] is True and base64.b64decode(png["body"]) == b"\x89PNG\x00"


def test_http_api_1_0_event_says_its_version():
    route = Route("H", "http", "GET", "/x", "F", "1.0")
    event = build_v1_event(rest_request(method="GET", target="/x", body=b""), route, {}, HTTP)
    assert event["version"] == "1.0" and event["requestContext"]["path"] == "/x"


def http_request(**kwargs) -> HttpRequest:
    values = dict(
        method="POST",
        target="/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        headers=[("Host", "localhost:3000"), ("header1", "value1"), ("Header2", "value1"), ("header2", "value2"),
                 ("Cookie", "cookie1; cookie2"), ("Content-Type", "application/json"), ("User-Agent", "agent")],
        body=b'{"message": "Hello from the HTTP API"}',
        source_ip="192.0.2.1",
        port=3000,
    )
    values.update(kwargs)
    return HttpRequest(**values)


def test_http_api_event_has_every_field_of_the_sample_event():
    route = Route("ServerlessHttpApi", "http", "POST", "/my/{parameter1}", "Fn", "2.0")
    event = build_v2_event(http_request(), route, {"parameter1": "path"}, HTTP)
    reference = sample("apigateway-http-api-proxy")
    reference["requestContext"].pop("authentication")  # only there with mutual TLS
    assert_same_shape(event, reference)
    assert set(event) == set(reference)
    assert event["rawQueryString"] == reference["rawQueryString"]
    assert event["queryStringParameters"] == reference["queryStringParameters"]
    assert event["cookies"] == reference["cookies"]
    assert {k: event["headers"][k] for k in ("header1", "header2", "content-type")} == reference["headers"]
    assert "cookie" not in event["headers"]
    assert event["body"] == reference["body"] and event["isBase64Encoded"] is False
    assert event["stageVariables"] == reference["stageVariables"]
    http = event["requestContext"]["http"]
    assert http == {**reference["requestContext"]["http"], "sourceIp": "192.0.2.1"}
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /my/{parameter1}"


def test_http_api_encodes_bodies_that_are_not_text():
    route = Route("H", "http", "POST", "/up", "F", "2.0")
    form = build_v2_event(http_request(headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"a=1"), route, {}, HTTP)
    assert form["isBase64Encoded"] is True and base64.b64decode(form["body"]) == b"a=1"
    js = build_v2_event(http_request(headers=[("Content-Type", "application/vnd.api+json")], body=b"{}"), route, {}, HTTP)
    assert js["isBase64Encoded"] is False
    empty = build_v2_event(http_request(method="GET", body=b""), route, {}, HTTP)
    assert "body" not in empty and empty["isBase64Encoded"] is False


def test_function_url_event_has_no_route_or_stage_of_its_own():
    api = Api("FnUrl", "url", stage="$default")
    route = Route("FnUrl", "url", "ANY", "$default", "Fn", "2.0")
    event = build_v2_event(http_request(), route, {}, api)
    assert event["routeKey"] == "$default" and event["requestContext"]["accountId"] == "anonymous"
    assert "pathParameters" not in event and "stageVariables" not in event


# ---------------------------------------------------------------- responses


def test_rest_response_merges_headers_and_multi_value_headers():
    payload = json.dumps({
        "statusCode": 201,
        "headers": {"X-One": "a", "X-Both": "1"},
        "multiValueHeaders": {"X-Both": ["1", "2"], "Set-Cookie": ["a=1", "b=2"]},
        "body": "created",
    }).encode()
    response = v1_response(payload, REST, rest_request())
    assert response.status == 201 and response.body == b"created"
    assert [v for k, v in response.headers if k == "X-Both"] == ["1", "2"]
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.header("content-type") == "application/json"


@pytest.mark.parametrize(
    "payload",
    [
        b'"just a string"',
        b"not json",
        json.dumps({"statusCode": 200, "body": {"an": "object"}}).encode(),
        json.dumps({"statusCode": 200, "extra": 1}).encode(),
        json.dumps({"statusCode": "abc"}).encode(),
        json.dumps({"statusCode": 200, "headers": ["x"]}).encode(),
    ],
)
def test_rest_refuses_what_api_gateway_calls_malformed(payload):
    with pytest.raises(MalformedResponse):
        v1_response(payload, REST, rest_request())


def test_rest_decodes_base64_only_for_binary_media_types():
    body = base64.b64encode(b"\x89PNG").decode()
    payload = json.dumps({"statusCode": 200, "headers": {"Content-Type": "image/png"}, "body": body, "isBase64Encoded": True}).encode()
    binary_api = Api("A", "rest", stage="Prod", binary_media_types=["image/png"])
    assert v1_response(payload, binary_api, rest_request(headers=[])).body == b"\x89PNG"
    plain_api = Api("A", "rest", stage="Prod")
    assert v1_response(payload, plain_api, rest_request(headers=[])).body == body.encode()


def test_http_api_plain_values_become_200_json():
    response = v2_response(b'{"hello": "world"}')
    assert response.status == 200 and response.body == b'{"hello": "world"}'
    assert response.header("content-type") == "application/json"
    assert v2_response(b'"text"').body == b'"text"'


def test_http_api_structured_responses_send_cookies_and_binary_bodies():
    payload = json.dumps({
        "statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "headers": {"x-n": 3},
        "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True,
    }).encode()
    response = v2_response(payload)
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2"]
    assert response.header("x-n") == "3" and response.body == b"\x00\x01"
    with pytest.raises(MalformedResponse):
        v2_response(json.dumps({"statusCode": 700}).encode())


def test_framing_headers_from_the_function_are_dropped():
    response = v2_response(json.dumps({"statusCode": 200, "headers": {"Content-Length": "999", "Connection": "close"}, "body": "x"}).encode())
    assert response.header("content-length") is None and response.header("connection") is None


# ---------------------------------------------------------------- CORS


def test_http_api_preflight_and_response_headers_follow_the_configuration():
    cors = Cors(allow_origins=("https://app.example",), allow_methods=("GET", "POST"), allow_headers=("x-token",),
                expose_headers=("x-total",), max_age=600, allow_credentials=True)
    api = Api("H", "http", stage="$default", cors=cors)
    request = http_request(method="OPTIONS", headers=[("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
    answer = preflight(cors, api, request, ["POST"])
    assert answer.status == 204
    assert answer.header("access-control-allow-origin") == "https://app.example"
    assert answer.header("access-control-allow-methods") == "GET,POST"
    assert answer.header("access-control-max-age") == "600"
    stranger = http_request(method="OPTIONS", headers=[("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
    assert preflight(cors, api, stranger, ["POST"]).header("access-control-allow-origin") is None
    plain = v2_response(json.dumps({"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}}).encode())
    sent = apply_cors(plain, cors, api, http_request(headers=[("Origin", "https://app.example")]))
    assert [v for k, v in sent.headers if k.lower() == "access-control-allow-origin"] == ["https://app.example"]
    assert sent.header("access-control-expose-headers") == "x-total"


def test_rest_cors_answers_options_from_the_template_and_leaves_responses_alone():
    cors = Cors(allow_origins=("*",), allow_headers=("Content-Type",))
    api = Api("A", "rest", stage="Prod", cors=cors)
    answer = preflight(cors, api, rest_request(method="OPTIONS", body=b""), ["GET", "POST"])
    assert answer.status == 200
    assert answer.header("access-control-allow-methods") == "GET,OPTIONS,POST"
    assert answer.header("access-control-allow-origin") == "*"
    response = v1_response(json.dumps({"statusCode": 200, "body": "x"}).encode(), api, rest_request())
    assert apply_cors(response, cors, api, rest_request(headers=[("Origin", "https://a")])).header("access-control-allow-origin") is None


def test_host_checks_are_the_invoke_apis():
    from console.service.host_check import allowed_hosts, host_allowed

    local = allowed_hosts("127.0.0.1", allow_remote=False)
    assert all(host_allowed(h, local) for h in ("localhost:3000", "127.0.0.1", "[::1]:3000", "LOCALHOST."))
    assert not host_allowed("attacker.example", local) and not host_allowed("127.0.0.1.nip.io", local)
    assert host_allowed("anything.example", allowed_hosts("0.0.0.0", allow_remote=True))
