"""Turn engine records into rich renderables: the result pane, the colour-coded log, event checks.

Pure rich (no Textual) so it can be tested and reused without a running app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from console.display import (  # noqa: F401  (re-exported for the panes and their tests)
    RECORD_RE as _RECORD_RE,
    classify,
    classify_from,
    neutralise,
    pretty_payload,
    split_lines,
    summary_rows,
)


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
