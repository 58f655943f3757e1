"""Parsing the FunctionName path parameter and Qualifier the way the Invoke API validates them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidParameterValue, ResourceNotFound, ValidationError

# NamespacedFunctionName's pattern from botocore's lambda service-2.json, anchored; the groups
# that matter are the account, the name and the qualifier.
_NAME_RE = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?"
    r"(?P<region>(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(?P<account>\d{12}:)?"
    r"(function:)?"
    r"(?P<name>[a-zA-Z0-9-_\.]+)"
    r"(:(?P<qualifier>\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
_QUALIFIER_RE = re.compile(r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+")
# What a function name can be once resolved (CreateFunction's FunctionName).
_PLAIN_NAME_RE = re.compile(r"[a-zA-Z0-9-_]{1,64}")
MAX_NAME = 256
LATEST = "$LATEST"


@dataclass(frozen=True)
class FunctionRef:
    name: str
    qualifier: str | None


_PARSED: dict[tuple[str, str | None, str], FunctionRef] = {}  # names already validated (a server sees few)
_PARSED_MAX = 1024


def parse_function_name(raw: str, qualifier: str | None, arn_prefix: str) -> FunctionRef:
    """parse_function_name_uncached, remembering the names it accepted (the checks are pure)."""
    key = (raw, qualifier, arn_prefix)
    ref = _PARSED.get(key)
    if ref is None:
        ref = parse_function_name_uncached(raw, qualifier, arn_prefix)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = ref
    return ref


def parse_function_name_uncached(raw: str, qualifier: str | None, arn_prefix: str) -> FunctionRef:
    """Validate FunctionName (name, name:qualifier, partial or full ARN) and the Qualifier.

    Only $LATEST exists locally: another qualifier is ResourceNotFound with Lambda's message.
    `arn_prefix` is `arn:aws:lambda:<region>:<account>:function:` for the messages.
    """
    if not raw or len(raw) > MAX_NAME or not _NAME_RE.fullmatch(raw):
        raise ValidationError(
            f"1 validation error detected: Value '{raw[:300]}' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
            r"([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
        )
    match = _NAME_RE.fullmatch(raw)
    assert match is not None
    name = match.group("name")
    in_name = match.group("qualifier")
    if qualifier is not None and qualifier != "":
        if len(qualifier) > 128 or not _QUALIFIER_RE.fullmatch(qualifier):
            raise ValidationError(
                f"1 validation error detected: Value '{qualifier[:300]}' at 'qualifier' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
            )
        if in_name and in_name != qualifier:
            raise InvalidParameterValue("The derived qualifier from the function name does not match the specified qualifier.")
        in_name = qualifier
    if not _PLAIN_NAME_RE.fullmatch(name) or (in_name not in (None, LATEST)):
        suffix = f":{in_name}" if in_name else ""
        raise ResourceNotFound(f"Function not found: {arn_prefix}{name}{suffix}")
    return FunctionRef(name, in_name)
