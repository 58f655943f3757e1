"""The execution history: events numbered and linked the way Step Functions' GetExecutionHistory shows them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

# Events AWS does not count as the predecessor of the next one (seen in recorded histories:
# the first state entered points at 0, and MapStateFailed points past MapIterationFailed).
_NOT_ADVANCING_STRICT = frozenset({"ExecutionStarted", "MapIterationFailed", "MapIterationSucceeded", "MapIterationAborted"})


def details_key(event_type: str) -> str:
    """The name of the details member for an event type, as the API names it."""
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One history event; `details` holds the type's members (input/output as JSON text)."""

    id: int
    previous_event_id: int
    timestamp: datetime
    type: str
    details: dict[str, Any] | None = None
    state_name: str | None = None  # the state the event belongs to (for views; not an API field)

    @property
    def details_key(self) -> str:
        return details_key(self.type)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "previousEventId": self.previous_event_id,
            "timestamp": iso(self.timestamp),
            "type": self.type,
        }
        if self.details is not None:
            out[self.details_key] = self.details
        return out


@dataclass
class Lane:
    """A line of events that follow one another (the main flow, a branch, a map iteration)."""

    last: int = 0

    def fork(self) -> "Lane":
        return Lane(self.last)


@dataclass
class History:
    clock: Callable[[], datetime]
    on_event: Callable[[Event], None] | None = None
    strict_ids: bool = True
    events: list[Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        lane: Lane,
        event_type: str,
        details: dict[str, Any] | None = None,
        state_name: str | None = None,
    ) -> Event:
        with self._lock:
            event = Event(
                id=len(self.events) + 1,
                previous_event_id=lane.last,
                timestamp=self.clock(),
                type=event_type,
                details=details,
                state_name=state_name,
            )
            self.events.append(event)
            if not (self.strict_ids and event_type in _NOT_ADVANCING_STRICT):
                lane.last = event.id
        if self.on_event is not None:
            self.on_event(event)
        return event


def _clip(text: str, width: int = 90) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def event_summary(event: Event, width: int = 90) -> str:
    """One line for tables and the CLI: state name, resource, data and error, clipped to `width`."""
    d = event.details or {}
    parts: list[str] = []
    if "name" in d and "index" not in d:
        parts.append(str(d["name"]))
    if "index" in d:
        parts.append(f"{d.get('name')}[{d['index']}]")
    if "resource" in d and d.get("resourceType") != "lambda":
        parts.append(str(d["resource"]))
    if d.get("resourceType") == "lambda":
        parts.append("lambda:invoke")
    if "length" in d:
        parts.append(f"{d['length']} items")
    if "timeoutInSeconds" in d:
        parts.append(f"timeout {d['timeoutInSeconds']}s")
    for key in ("input", "parameters", "output"):
        if key in d:
            parts.append(f"{key}={d[key]}")
    if "error" in d:
        parts.append(f"error={d['error']}")
    if "cause" in d:
        parts.append(f"cause={d['cause']}")
    return _clip(" ".join(parts), width)
