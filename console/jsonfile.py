"""The one defensive JSON reader: every file, body and stdin the console parses goes through it."""

from __future__ import annotations

import json
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for annotations only: a one-shot command starts without it
if TYPE_CHECKING:
    from typing import Any

# A settings or metrics file past this is not one the console wrote.
MAX_FILE_BYTES = 64 * 1024 * 1024


class JsonError(ValueError):
    """JSON that cannot be used; the message is one line, meant for the user as it is."""


def loads(data: str | bytes, *, what: str = "the JSON", **kwargs: Any) -> Any:
    """json.loads that only ever raises JsonError (invalid, not UTF-8, nested too deeply: Python's
    parser stops at the recursion limit, about 1,000 levels, and that is caught here)."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError as exc:
        raise JsonError(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if not isinstance(text, str):
        raise JsonError(f"{what} is not text")
    try:
        return json.loads(text, **kwargs)
    except json.JSONDecodeError as exc:
        raise JsonError(f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise JsonError(f"{what} is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise JsonError(f"{what} is not valid JSON ({exc})") from None


def read(path: Path | str, *, what: str | None = None, max_bytes: int = MAX_FILE_BYTES, **kwargs: Any) -> Any:
    """The JSON value in `path`. FileNotFoundError passes through (callers have defaults);
    everything else (a directory, unreadable, binary, huge, invalid, too deep) is one JsonError."""
    path = Path(path)
    label = what or str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise JsonError(f"{label} is a directory, not a JSON file") from None
    except OSError as exc:
        raise JsonError(f"{label} cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise JsonError(f"{label} is larger than {max_bytes} bytes")
    return loads(raw, what=label, **kwargs)


def finite_int(value: Any, name: str, *, default: int) -> int:
    """A whole number from parsed JSON (not a bool, not 1e400 or 2.5), else JsonError naming it."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise JsonError(f"{name} must be a whole number (got {json.dumps(value)})")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise JsonError(f"{name} must be a whole number (got {value!r})")
        return int(value)
    if isinstance(value, int):
        return value
    raise JsonError(f"{name} must be a whole number (got {type(value).__name__})")
