"""A function's async settings (PutFunctionEventInvokeConfig's shape), read from its state folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from console import jsonfile
from console.jsonfile import JsonError, finite_int

from .errors import InvalidParameterValue

STATE_DIR = ".lambda-console"
EVENT_INVOKE_CONFIG_FILE = "event-invoke-config.json"


@dataclass(frozen=True)
class EventInvokeConfig:
    """A function's async settings, as PutFunctionEventInvokeConfig sets them."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: int = 21600
    on_success: bool = False  # append Success records to destinations/on-success.jsonl
    on_failure: bool = True  # append failure records to destinations/on-failure.jsonl

    def __post_init__(self) -> None:
        if not 0 <= self.maximum_retry_attempts <= 2:
            raise InvalidParameterValue(
                f"MaximumRetryAttempts must be between 0 and 2 (got {self.maximum_retry_attempts})"
            )
        if not 60 <= self.maximum_event_age_s <= 21600:
            raise InvalidParameterValue(
                f"MaximumEventAgeInSeconds must be between 60 and 21600 (got {self.maximum_event_age_s})"
            )

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> EventInvokeConfig:
        """From the API's shape: MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig."""
        if not isinstance(data, dict):
            raise InvalidParameterValue("the event invoke config must be a JSON object")
        destinations = data.get("DestinationConfig") or {}
        if not isinstance(destinations, dict):
            raise InvalidParameterValue("DestinationConfig must be an object with OnSuccess and/or OnFailure")
        try:
            retries = finite_int(data.get("MaximumRetryAttempts"), "MaximumRetryAttempts", default=2)
            age = finite_int(data.get("MaximumEventAgeInSeconds"), "MaximumEventAgeInSeconds", default=21600)
        except JsonError as exc:
            raise InvalidParameterValue(str(exc)) from None
        return cls(
            maximum_retry_attempts=retries,
            maximum_event_age_s=age,
            on_success=bool(destinations.get("OnSuccess")),
            on_failure=bool(destinations.get("OnFailure", True)),
        )

    @classmethod
    def load(cls, code_dir: Path) -> EventInvokeConfig:
        """The function's `.lambda-console/event-invoke-config.json`, defaults when absent;
        InvalidParameterValue (one line naming the file) for anything unusable."""
        path = Path(code_dir) / STATE_DIR / EVENT_INVOKE_CONFIG_FILE
        try:
            data = jsonfile.read(path)
        except FileNotFoundError:
            return cls()
        except JsonError as exc:
            raise InvalidParameterValue(str(exc)) from None
        try:
            return cls.from_api(data)
        except InvalidParameterValue as exc:
            raise InvalidParameterValue(f"{path}: {exc.message}") from None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> EventInvokeConfig:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return cls()  # a journal row from another version: Lambda's defaults
