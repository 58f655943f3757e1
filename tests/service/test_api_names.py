"""FunctionName and Qualifier validation answers the same every time (accepted names are remembered,
refused ones are checked again on each request)."""

from __future__ import annotations

import pytest

from console.service.api_names import FunctionRef, parse_function_name
from console.service.errors import InvalidParameterValue, ResourceNotFound, ValidationError

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_a_remembered_name_still_checks_the_qualifier_given_with_it():
    assert parse_function_name("hello", None, ARN) == FunctionRef("hello", None)
    assert parse_function_name("hello", None, ARN) == FunctionRef("hello", None)
    assert parse_function_name("hello", "$LATEST", ARN) == FunctionRef("hello", "$LATEST")
    with pytest.raises(ResourceNotFound, match="function:hello:7"):
        parse_function_name("hello", "7", ARN)
    with pytest.raises(InvalidParameterValue):
        parse_function_name("hello:$LATEST", "other", ARN)


@pytest.mark.parametrize("raw", ["", "bad name", "x" * 300, "a/b"])
def test_a_refused_name_is_refused_every_time(raw):
    for _ in range(3):
        with pytest.raises(ValidationError):
            parse_function_name(raw, None, ARN)
