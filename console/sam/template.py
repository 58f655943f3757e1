"""Reading a SAM/CloudFormation template (YAML with the short intrinsic tags, or JSON) into plain data."""

from __future__ import annotations

import functools
import json
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    import yaml

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
# CloudFormation's own limit for a template uploaded through S3; past it nobody deploys the file.
MAX_TEMPLATE_BYTES = 1_048_576

# Short tags whose long form has no "Fn::" prefix.
_BARE_TAGS = frozenset({"Ref", "Condition"})


class TemplateError(ValueError):
    """A template that cannot be read; the message names the file (and line) for the user."""


def find_template(folder: Path | str) -> Path | None:
    """The SAM template in `folder` (template.yaml, then .yml, then .json), or None."""
    for name in TEMPLATE_NAMES:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def _loader() -> type:
    """The YAML loader, made on first use: finding a template (as every `lambda-console invoke
    DIR` does) must not pay for importing YAML."""
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """Safe YAML loading, with CloudFormation's short tags and dates kept as text."""

    _Loader.add_multi_constructor("!", _intrinsic)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    return _Loader


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    import yaml

    name = tag_suffix
    key = name if name in _BARE_TAGS else f"Fn::{name}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "GetAtt":
            # !GetAtt Resource.Attribute is the short form of [Resource, Attribute]
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # `AWSTemplateFormatVersion: 2010-09-09` is a string to CloudFormation, not a date.
    return loader.construct_scalar(node)


def parse_template_text(text: str, where: str = "template") -> dict[str, Any]:
    """The template as dicts and lists, intrinsic short tags turned into their long forms
    (`!Sub x` -> {"Fn::Sub": "x"}); TemplateError with the line for a broken file."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise TemplateError(
                    f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                ) from None
        else:
            import yaml

            try:
                data = yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader subclass
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
                problem = exc.problem or exc.context or "invalid YAML"
                raise TemplateError(f"{where} is not valid YAML: {problem}{at}") from None
            except yaml.YAMLError as exc:  # e.g. a control character: PyYAML's text spans two lines
                raise TemplateError(f"{where} is not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise TemplateError(f"{where} is nested too deeply to be a template") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{where} is not a template: its top level must be a mapping")
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        raise TemplateError(f"{where} has no Resources section")
    return data


def load_template(path: Path | str) -> dict[str, Any]:
    """Read and parse the template file (see parse_template_text)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateError(
                f"{path} is {size:,} bytes, larger than CloudFormation's {MAX_TEMPLATE_BYTES:,}-byte template limit"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"No template at {path}") from None
    except IsADirectoryError:
        raise TemplateError(f"{path} is a folder, not a template file") from None
    except OSError as exc:
        raise TemplateError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    return parse_template_text(text, str(path))
