"""How an invocation record reads on any screen: inert text, log line kinds, the payload, the Summary.

Shared by the CLI and the TUI, and free of any UI library, so both show the same thing.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
RECORD_RE = re.compile(r"^\[(ERROR|WARNING|WARN|INFO|DEBUG|CRITICAL|FATAL|TRACE)\](\t| )")
_PLATFORM_PREFIXES = ("INIT_START ", "START RequestId:", "END RequestId:", "INIT_REPORT ", "RESTORE_START", "RESTORE_REPORT")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␀ for NUL...: visible, inert
    if code == 0x7F:
        return "\u2421"
    return f"\\x{code:02x}"


def neutralise(text: str) -> str:
    """User output with terminal control characters made visible and harmless (keeps \\n and \\t)."""
    return _CONTROL_RE.sub(_control_picture, text)


def split_lines(log: str) -> list[str]:
    """Log text as lines; a bare \\r counts as a line break (the runtime joins error lines with it)."""
    if not log:
        return []
    lines = _LINE_SPLIT_RE.split(log)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def classify(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Each line with its kind: platform, report, error, warning, info, print."""
    return classify_from(lines, False)[0]


def classify_from(lines: Iterable[str], in_error: bool) -> tuple[list[tuple[str, str]], bool]:
    """classify() for log text arriving in pieces: takes and returns the inside-an-[ERROR]-block state."""
    out: list[tuple[str, str]] = []
    for line in lines:
        record = RECORD_RE.match(line)
        if line.startswith("REPORT RequestId:"):
            kind, in_error = "report", False
        elif line.startswith(_PLATFORM_PREFIXES):
            kind, in_error = "platform", False
            if line.startswith("INIT_REPORT") and "Status: error" in line:
                kind = "error"
        elif record:
            level = record.group(1)
            if level in ("ERROR", "CRITICAL", "FATAL"):
                kind, in_error = "error", True
            elif level in ("WARNING", "WARN"):
                kind, in_error = "warning", False
            else:
                kind, in_error = "info", False
        elif in_error:
            kind = "error"
        elif "Task timed out after" in line or re.match(r"^RequestId: \S+ Error: ", line):
            kind = "error"
        elif line.startswith("LAMBDA_WARNING"):
            kind = "warning"
        else:
            kind = "print"
        out.append((kind, line))
    return out, in_error


def pretty_payload(payload: bytes) -> tuple[str, bool]:
    """The payload as the console shows it: 2-space indented JSON, else the text as it is."""
    text = payload.decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(text)
        pretty = json.dumps(value, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to indent: as it is
        return neutralise(text), False
    return neutralise(pretty), True


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def summary_rows(result: Any) -> list[tuple[str, str]]:
    """The Summary section's rows; Init duration only on a cold start."""
    s = result.summary
    rows = [("Code SHA-256", s.code_sha256), ("Request ID", result.request_id)]
    if s.init_duration_ms is not None:
        rows.append(("Init duration", _ms(s.init_duration_ms)))
    rows += [
        ("Duration", _ms(s.duration_ms)),
        ("Billed duration", f"{s.billed_duration_ms} ms"),
        ("Resources configured", f"{s.memory_size_mb} MB"),
        ("Max memory used", f"{s.max_memory_used_mb} MB"),
    ]
    return rows


