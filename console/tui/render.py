"""Turn engine records into rich renderables: the result pane, the colour-coded log, event checks.

Pure rich (no Textual) so it can be tested and reused without a running app.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
_RECORD_RE = re.compile(r"^\[(ERROR|WARNING|WARN|INFO|DEBUG|CRITICAL|FATAL|TRACE)\](\t| )")
_PLATFORM_PREFIXES = ("INIT_START ", "START RequestId:", "END RequestId:", "INIT_REPORT ", "RESTORE_START", "RESTORE_REPORT")


@dataclass(frozen=True)
class Palette:
    """The few colours the panes use, taken from the current Textual theme."""

    success: str = "green"
    error: str = "red"
    warning: str = "yellow"
    accent: str = "cyan"
    muted: str = "bright_black"
    background: str = "default"  # the pane's own background, so highlighted JSON sits flush on it
    dark: bool = True


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
        record = _RECORD_RE.match(line)
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


def _report_text(line: str, palette: Palette) -> Text:
    """REPORT as a small table, one field a line, so the figures read at a glance in any width."""
    text = Text()
    fields = [f for f in line.split("\t") if f]
    text.append("REPORT ", style=f"bold {palette.accent}")
    text.append(fields[0].removeprefix("REPORT "), style=palette.muted)
    for field in fields[1:]:
        label, _, value = field.partition(": ")
        bad = label in ("Status", "Error Type") and value != "success"
        text.append("\n  " + (label + ":").ljust(17), style=palette.muted)
        text.append(value, style=f"bold {palette.error}" if bad else "bold")
    return text


def log_line_text(kind: str, line: str, palette: Palette) -> Text:
    """One classified log line rendered as inert Text."""
    line = neutralise(line)
    if kind == "report":
        return _report_text(line, palette)
    if kind == "platform":
        word, _, rest = line.partition(" ")
        text = Text(word, style=f"bold {palette.accent}")
        text.append(" " + rest, style=palette.muted)
        return text
    if kind == "error":
        return Text(line, style=palette.error)
    if kind in ("warning", "info"):
        record = _RECORD_RE.match(line)
        if not record:
            return Text(line, style=palette.warning if kind == "warning" else "")
        tag_style = f"bold {palette.warning}" if kind == "warning" else f"bold {palette.success}"
        text = Text(line[: record.end(1) + 1], style=tag_style)
        rest = line[record.end(1) + 1 :]
        parts = rest.split("\t")
        if len(parts) >= 4:  # [LEVEL]\ttimestamp\trequest-id\tmessage
            text.append("\t" + parts[1] + "\t" + parts[2] + "\t", style=palette.muted)
            text.append("\t".join(parts[3:]), style=palette.warning if kind == "warning" else "")
        else:
            text.append(rest)
        return text
    return Text(line)


def render_log(log: str, palette: Palette) -> list[Text]:
    """The whole log, one Text per line."""
    return [log_line_text(kind, line, palette) for kind, line in classify(split_lines(log))]


def pretty_payload(payload: bytes) -> tuple[str, bool]:
    """The payload as the console shows it: 2-space indented JSON, else the text as it is."""
    text = payload.decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(text)
    except ValueError:
        return neutralise(text), False
    return neutralise(json.dumps(value, indent=2, ensure_ascii=False)), True


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


def banner_text(result: Any, palette: Palette) -> Text:
    """'Execution result: succeeded' or 'failed', coloured."""
    word = "succeeded" if result.succeeded else "failed"
    text = Text("Execution result: ", style="bold")
    text.append(word, style=f"bold {palette.success if result.succeeded else palette.error}")
    if getattr(result, "cancelled", False):
        text.append("  (cancelled)", style=palette.warning)
    return text


HIGHLIGHT_LIMIT = 64 * 1024  # pygments on a bigger response would stall the UI for seconds
SHOW_LIMIT = 256 * 1024  # the pane shows this much of a response; the rest is counted


def render_result(result: Any, palette: Palette) -> RenderableType:
    """The result pane's body: banner, response (or error object), Summary."""
    parts: list[RenderableType] = []
    label = "Response" if result.succeeded else "Error"
    parts.append(Text(label, style="bold"))
    body, is_json = pretty_payload(result.payload)
    cut = ""
    if len(body) > SHOW_LIMIT:
        cut = (
            f"… response shown up to {SHOW_LIMIT // 1024} KB of {len(body) // 1024} KB "
            f"({len(result.payload)} bytes as sent)"
        )
        body = body[:SHOW_LIMIT]
    if is_json and len(body) <= HIGHLIGHT_LIMIT:
        parts.append(
            Syntax(
                body,
                "json",
                theme="monokai" if palette.dark else "default",
                background_color=palette.background,
                word_wrap=True,
            )
        )
    else:
        parts.append(Text(body))
    if cut:
        parts.append(Text(cut, style=palette.warning))
    if getattr(result, "platform_error", None) and result.succeeded is False:
        note = Text(f"Platform error: {result.platform_error}", style=palette.error)
        parts.append(note)
    parts.append(Text(""))
    parts.append(Text("Summary", style="bold"))
    table = Table.grid(padding=(0, 1))
    table.add_column(style=palette.muted, no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in summary_rows(result):
        table.add_row(name, value)
    parts.append(table)
    if getattr(result, "log_truncated", False):
        parts.append(Text("Log output was truncated.", style=palette.warning))
    return Group(*parts)


def event_error_position(text: str) -> tuple[int, int] | None:
    """(line, column), both from 1, where the event text stops being valid JSON; None when valid."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno
    return None


def event_problem(text: str) -> str | None:
    """Why this event text cannot be sent (with line and column), or None when it is valid JSON."""
    if not text.strip():
        return "The event is empty: enter a JSON value, for example {}"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return None
