"""Every sample event template parses, decodes and is internally consistent."""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import re
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest

from console import catalog

EVENTS = catalog.sample_events()
BY_NAME = {e.name: e for e in EVENTS}
ACCOUNT = "123456789012"
REGION = "us-east-1"

REQUIRED = [
    "hello-world", "mobile-backend-echo", "apigateway-aws-proxy", "apigateway-http-api-proxy",
    "apigateway-authorizer", "apigateway-request-authorizer", "alb-request", "s3-put", "s3-delete",
    "sns-notification", "sqs-receive-message", "dynamodb-update", "kinesis-get-records", "cloudwatch-logs",
    "cloudwatch-scheduled-event", "cloudfront-ab-test", "cloudfront-modify-response-header",
    "cognito-user-pool-pre-signup", "cognito-user-pool-post-confirmation", "cognito-user-pool-pre-token-generation",
    "kinesis-kinesis-firehose", "kafka", "ses-email-receiving", "stepfunctions-error", "codepipeline-job",
    "config-periodic-rule", "appsync-resolver", "lex-v2-book-car", "alexa-skills-kit-start-session",
    "s3-batch-invocation", "cloudformation-create-request", "eventbridge-event",
]


def value(name: str) -> Any:
    return BY_NAME[name].value()


def strict_b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def walk(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, child in node.items():
            yield from walk(child, f"{path}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from walk(child, f"{path}[{i}]")


def test_catalog_has_at_least_35_templates_and_every_required_one():
    assert len(EVENTS) >= 35
    missing = [n for n in REQUIRED if n not in BY_NAME]
    assert not missing


def test_no_template_file_is_skipped_as_corrupt():
    _, problems = catalog.load_sample_events()
    assert problems == []


def test_index_lists_every_file_with_a_title_and_a_console_group():
    folder = catalog.data_dir() / "sample_events"
    index = json.loads((folder / "index.json").read_text())
    files = {p.stem for p in folder.glob("*.json")} - {"index"}
    assert set(index) == files
    for name, meta in index.items():
        assert meta["title"].strip(), name
        assert meta["group"] in ("Common", "AWS", "Lex", "Alexa"), name


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.name)
def test_every_template_is_a_json_object_stored_pretty_printed(event):
    text = event.text()
    parsed = json.loads(text)
    assert isinstance(parsed, dict)
    assert text == json.dumps(parsed, indent=2, ensure_ascii=False) + "\n"


def test_hello_world_is_exactly_the_consoles_default():
    assert value("hello-world") == {"key1": "value1", "key2": "value2", "key3": "value3"}
    assert BY_NAME["hello-world"].group == "Common"
    assert EVENTS[0].name == "hello-world"


def test_stepfunctions_error_and_mobile_backend_match_the_console():
    assert value("stepfunctions-error") == {"Error": "ErrorName", "Cause": "This is the cause of the error."}
    assert value("mobile-backend-echo") == {"operation": "echo", "message": "Hello world!"}


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.name)
def test_arns_use_the_example_account_and_region(event):
    for path, node in walk(event.value()):
        if isinstance(node, str) and node.startswith("arn:"):
            parts = node.split(":")
            assert len(parts) >= 6 and parts[1] == "aws", (path, node)
            assert parts[3] in ("", REGION), (path, node)
            assert parts[4] in ("", ACCOUNT), (path, node)


ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.name)
def test_iso_timestamps_are_real_dates(event):
    for path, node in walk(event.value()):
        if isinstance(node, str) and ISO_RE.match(node):
            fixed = node.replace("Z", "+00:00")
            fixed = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", fixed)
            datetime.fromisoformat(fixed)


def test_cloudwatch_logs_data_is_base64_gzip_of_a_subscription_payload():
    raw = strict_b64(value("cloudwatch-logs")["awslogs"]["data"])
    assert raw[:2] == b"\x1f\x8b"
    payload = json.loads(gzip.decompress(raw))
    assert payload["messageType"] == "DATA_MESSAGE"
    assert payload["owner"] == ACCOUNT
    assert payload["logGroup"].startswith("/aws/lambda/")
    assert payload["logEvents"] and all({"id", "timestamp", "message"} <= set(e) for e in payload["logEvents"])


def test_firehose_cloudwatch_processor_records_are_gzip_log_payloads():
    for record in value("kinesis-cloudwatch-logs-processor")["records"]:
        payload = json.loads(gzip.decompress(strict_b64(record["data"])))
        assert payload["messageType"] == "DATA_MESSAGE"
        json.loads(payload["logEvents"][0]["message"])


def test_kinesis_records_decode_to_json_and_ids_match_sequence_numbers():
    for record in value("kinesis-get-records")["Records"]:
        k = record["kinesis"]
        json.loads(strict_b64(k["data"]))
        assert k["sequenceNumber"].isdigit()
        assert record["eventID"].endswith(":" + k["sequenceNumber"])
        assert record["eventSource"] == "aws:kinesis"


def test_firehose_records_are_base64():
    event = value("kinesis-kinesis-firehose")
    assert event["records"]
    for record in event["records"]:
        strict_b64(record["data"]).decode("utf-8")
        assert isinstance(record["approximateArrivalTimestamp"], int)


def test_kafka_keys_values_and_headers_decode():
    event = value("kafka")
    assert event["eventSource"] == "aws:kafka"
    for topic_partition, records in event["records"].items():
        for record in records:
            assert topic_partition == f"{record['topic']}-{record['partition']}"
            strict_b64(record["key"]).decode()
            json.loads(strict_b64(record["value"]))
            for header in record["headers"]:
                for byte_values in header.values():
                    bytes(byte_values).decode()


def test_sqs_md5_of_body_matches_and_binary_attributes_decode():
    for record in value("sqs-receive-message")["Records"]:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
        strict_b64(record["receiptHandle"])
        for attribute in record["messageAttributes"].values():
            if attribute["dataType"] == "Binary":
                strict_b64(attribute["binaryValue"])


def test_s3_keys_are_url_encoded_like_s3_sends_them():
    keys = [r["s3"]["object"]["key"] for r in value("s3-put")["Records"]]
    decoded = [urllib.parse.unquote_plus(k) for k in keys]
    assert decoded == ["test/key", "reports/2026/Q4 summary (draft).csv"]
    # re-encoding gives back what S3 sent: the keys are encoded, not merely ASCII
    assert [urllib.parse.quote_plus(d, safe="/") for d in decoded][1] == keys[1]
    for record in value("s3-put")["Records"]:
        assert record["eventName"].startswith("ObjectCreated:")
        assert re.fullmatch(r"[0-9a-f]{32}", record["s3"]["object"]["eTag"])
    assert value("s3-delete")["Records"][0]["eventName"].startswith("ObjectRemoved:")


def test_s3_batch_ids_are_base64_and_key_is_url_encoded():
    event = value("s3-batch-invocation")
    strict_b64(event["invocationId"])
    for task in event["tasks"]:
        strict_b64(task["taskId"])
        assert urllib.parse.unquote(task["s3Key"]) == "images/customer image 1.jpg"


def test_api_gateway_proxy_body_is_base64_when_flagged():
    event = value("apigateway-aws-proxy")
    assert event["isBase64Encoded"] is True
    assert json.loads(strict_b64(event["body"])) == {"test": "body"}
    assert event["requestContext"]["httpMethod"] == event["httpMethod"]
    http = value("apigateway-http-api-proxy")
    assert http["version"] == "2.0"
    assert http["requestContext"]["http"]["path"] == http["rawPath"]
    json.loads(http["body"])


def test_token_authorizer_carries_a_decodable_jwt():
    token = value("apigateway-authorizer")["authorizationToken"].removeprefix("Bearer ")
    header, claims, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    assert json.loads(base64.urlsafe_b64decode(pad(header)))["typ"] == "JWT"
    assert "sub" in json.loads(base64.urlsafe_b64decode(pad(claims)))
    base64.urlsafe_b64decode(pad(signature))


def test_sns_signature_and_binary_attribute_decode():
    sns = value("sns-notification")["Records"][0]["Sns"]
    strict_b64(sns["Signature"])
    assert strict_b64(sns["MessageAttributes"]["TestBinary"]["Value"]) == b"TestBinary"
    assert value("sns-notification")["Records"][0]["EventSubscriptionArn"].startswith(sns["TopicArn"] + ":")


def test_cloudfront_events_have_lambda_edge_shape():
    for name in [n for n in BY_NAME if n.startswith("cloudfront-")]:
        cf = value(name)["Records"][0]["cf"]
        assert cf["config"]["eventType"] in ("viewer-request", "origin-request", "origin-response", "viewer-response")
        base64.urlsafe_b64decode(cf["config"]["requestId"])
        for key, entries in cf["request"]["headers"].items():
            assert all(entry["key"].lower() == key for entry in entries), name


def test_config_rules_and_codepipeline_carry_json_strings():
    for name in ("config-periodic-rule", "config-item-change-notification"):
        event = value(name)
        assert isinstance(json.loads(event["invokingEvent"]), dict)
        assert isinstance(json.loads(event["ruleParameters"]), dict)
    job = value("codepipeline-job")["CodePipeline.job"]
    json.loads(job["data"]["actionConfiguration"]["configuration"]["UserParameters"])
    strict_b64(job["data"]["artifactCredentials"]["sessionToken"])


def test_cloudformation_response_url_names_the_stack_and_request():
    event = value("cloudformation-create-request")
    url = urllib.parse.urlsplit(event["ResponseURL"])
    assert url.scheme == "https"
    stack, logical, request = urllib.parse.unquote(url.path.lstrip("/")).split("|")
    assert (stack, logical, request) == (event["StackId"], event["LogicalResourceId"], event["RequestId"])
    assert event["ResourceProperties"]["ServiceToken"] == event["ServiceToken"]


def test_cognito_triggers_have_their_trigger_sources():
    assert value("cognito-user-pool-pre-signup")["triggerSource"] == "PreSignUp_SignUp"
    assert value("cognito-user-pool-post-confirmation")["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert value("cognito-user-pool-pre-token-generation")["triggerSource"].startswith("TokenGeneration_")


def test_scheduled_and_eventbridge_events_have_the_envelope():
    for name in ("cloudwatch-scheduled-event", "eventbridge-event"):
        event = value(name)
        assert {"id", "detail-type", "source", "account", "time", "region", "resources", "detail"} <= set(event)
    assert value("cloudwatch-scheduled-event")["detail-type"] == "Scheduled Event"


def test_dynamodb_records_use_typed_attribute_values():
    names = []
    for record in value("dynamodb-update")["Records"]:
        names.append(record["eventName"])
        for image in ("Keys", "NewImage", "OldImage"):
            for attr in record["dynamodb"].get(image, {}).values():
                assert len(attr) == 1 and next(iter(attr)) in ("S", "N", "B", "BOOL", "M", "L", "NULL", "SS", "NS")
    assert names == ["INSERT", "MODIFY", "REMOVE"]


def test_get_sample_event_rejects_unknown_and_path_like_names():
    with pytest.raises(KeyError) as info:
        catalog.get_sample_event("no-such-event")
    assert "hello-world" in str(info.value)
    for bad in ("../README", "index", "", "/etc/passwd"):
        with pytest.raises(catalog.UnknownSampleEventError):
            catalog.get_sample_event(bad)


def test_event_files_decode_as_strict_base64_helper_rejects_garbage():
    # guards the helper the other tests rely on
    with pytest.raises(binascii.Error):
        strict_b64("not base64!")


def test_every_template_is_small_enough_for_a_synchronous_invoke():
    for event in EVENTS:
        assert len(event.event_bytes()) < 6_291_456
        assert Path(event.path).name == f"{event.name}.json"


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.name)
def test_every_data_field_is_strict_base64(event):
    for path, node in walk(event.value()):
        if path.endswith(".data") and isinstance(node, str):
            assert strict_b64(node), path


def test_firehose_stream_source_metadata_matches_the_records():
    event = value("kinesis-streams-as-source")
    assert event["sourceKinesisStreamArn"].startswith("arn:aws:kinesis:")
    for record in event["records"]:
        meta = record["kinesisRecordMetadata"]
        assert meta["approximateArrivalTimestamp"] == record["approximateArrivalTimestamp"]
        json.loads(strict_b64(record["data"]))
    for line in (strict_b64(r["data"]).decode() for r in value("kinesis-apachelog")["records"]):
        assert re.match(r'^\S+ - - \[[^\]]+\] "(GET|POST) ', line)
