"""The messages worker threads post to reach the UI (the only way they do): one dataclass per happening.

Textual's `post_message` is thread-safe; `post_from_thread` also copes with the app having closed
while a worker was still running, so no handler needs an "is the screen still there" guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump


def post_from_thread(target: MessagePump, message: Message) -> bool:
    """Post `message` to `target` from any thread; False when the target or the app has closed."""
    try:
        return target.post_message(message)
    except RuntimeError:  # the app's event loop is closed: nobody is left to tell
        return False


@dataclass
class InvocationFinished(Message, bubble=False):
    """A test the session started has ended: `result` is the engine's record (never None)."""

    run_id: int
    result: Any
    event_name: str
    event_text: str


@dataclass
class InvocationFailed(Message, bubble=False):
    """A test the session started could not run at all (the engine or the invoker refused)."""

    run_id: int
    title: str
    error: str


@dataclass
class LiveLogChunk(Message, bubble=False):
    """Log text that arrived while an invocation runs, batched (at most one message per 100 ms).

    `source` is the session's run id for a test, or the request id of an Event invocation."""

    source: int | str
    text: str


@dataclass
class AsyncEventUpdate(Message, bubble=False):
    """Something other than log text happened to an Event invocation (queued, attempt start,
    attempt result, retry scheduled, destination written, dropped): see AsyncUpdate's `kind`."""

    update: Any
