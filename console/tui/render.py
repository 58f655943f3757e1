"""Turn engine records into rich renderables: the result pane, the colour-coded log, event checks.

Pure rich (no Textual) so it can be tested and reused without a running app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
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
        text.append(" (cancelled)", style=palette.warning)
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
        parts.append(HangingLines(list(highlighted_json(body, palette.dark, palette.background))))
    else:
        parts.append(HangingLines(Text(body.rstrip("\n")).split("\n", allow_blank=True)))
    if cut:
        parts.append(Text(cut, style=palette.warning))
    parts.append(Text("Summary", style="bold"))
    parts.append(SummaryGrid(summary_rows(result), palette))
    if getattr(result, "log_truncated", False):
        parts.append(Text("Log output was truncated.", style=palette.warning))
    return Group(*parts)


@lru_cache(maxsize=8)
def highlighted_json(body: str, dark: bool, background: str) -> tuple[Text, ...]:
    """The response's lines highlighted by pygments, kept for the next test: a function tested
    again usually answers the same, and highlighting is the costly part of a big response.
    (Rendering never changes a Text, so the cached lines are shared safely.)"""
    from rich.syntax import Syntax  # pygments: off the start-up path (the app warms it after the first paint)

    syntax = Syntax(body, "json", theme="monokai" if dark else "default", background_color=background)
    return tuple(syntax.highlight(body.rstrip("\n")).split("\n", allow_blank=True))


class HangingLines:
    """Lines wrapped at the pane's width with each continuation indented past the line's own
    indentation, so a long JSON string never continues at column 0 (where it reads as broken JSON)."""

    def __init__(self, lines: list[Text]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Any, options: Any) -> Any:
        width = options.max_width
        for line in self.lines:
            if line.cell_len <= width:
                yield line
                continue
            lead = len(line.plain) - len(line.plain.lstrip(" "))
            indent = min(lead + HANG_INDENT, max(0, width // 2))
            for piece in hanging_wrap(line, width, indent):
                if piece is line:  # the lines may be shared (highlighted_json's cache): never altered
                    piece = piece.copy()
                piece.no_wrap = True
                piece.overflow = "crop"
                yield piece


class SummaryGrid:
    """The Summary as the Lambda console lays it out: the hash and request id on rows of their own,
    the figures two to a row when the pane is wide enough (one to a row otherwise)."""

    WIDE = ("Code SHA-256", "Request ID")

    def __init__(self, rows: list[tuple[str, str]], palette: Palette) -> None:
        self.rows = rows
        self.palette = palette

    def _grid(self, rows: list[tuple[str, ...]], max_width: int) -> Any:
        """Rows as a Rich grid: label columns muted and never wrapped, values folded."""
        columns = len(rows[0]) if rows else 2
        widths = [max((cell_len(row[i]) for row in rows), default=0) for i in range(columns)]
        plain = not any("[" in cell or ":" in cell for row in rows for cell in row)  # Rich reads markup, emoji
        if rows and plain and sum(widths) + columns - 1 <= max_width and all(widths):
            return _FittingGrid(rows, widths, Style.parse(self.palette.muted))
        return self.rich_grid(rows)

    def rich_grid(self, rows: list[tuple[str, ...]]) -> Table:
        table = Table.grid(padding=(0, 1))
        for i in range(len(rows[0]) if rows else 2):
            table.add_column(style=self.palette.muted if i % 2 == 0 else "", no_wrap=i % 2 == 0, overflow="fold")
        for row in rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        wide = [row for row in self.rows if row[0] in self.WIDE]
        figures = [row for row in self.rows if row[0] not in self.WIDE]
        label_width = max((len(name) for name, _ in self.rows), default=0)
        left, right = figures[0::2], figures[1::2]

        def widest(rows: list[tuple[str, str]], i: int) -> int:
            return max((len(row[i]) for row in rows), default=0)

        needed = widest(left, 0) + widest(left, 1) + widest(right, 0) + widest(right, 1) + 3
        fits_two = needed <= options.max_width
        yield self._grid(wide, options.max_width)
        if not fits_two:
            yield self._grid([(name.ljust(label_width), value) for name, value in figures], options.max_width)
            return
        pairs = zip(left, [*right, ("", "")])
        yield self._grid([(name, value, name2, value2) for (name, value), (name2, value2) in pairs], options.max_width)


class _FittingGrid:
    """SummaryGrid's grid when every cell fits at its natural width: the very segments Rich's
    Table.grid(padding=(0, 1)) yields then (each cell padded to its column, one space between
    columns in the column's style), without Rich measuring and rendering each cell (most of the
    result pane's render time on every test). tests/tui/test_render.py holds them equal."""

    def __init__(self, rows: list[tuple[str, ...]], widths: list[int], muted: Style) -> None:
        self.rows = rows
        self.widths = widths
        self.muted = muted

    def __rich_console__(self, console: Any, options: Any) -> Any:
        muted, plain, last = self.muted, Style(), len(self.widths) - 1
        new_line = Segment.line()
        for row in self.rows:
            for i, (cell, width) in enumerate(zip(row, self.widths)):
                label = i % 2 == 0
                yield Segment(cell + " " * (width - cell_len(cell)), muted if label else None)
                if i != last:
                    yield Segment(" ", muted if label else plain)
            yield new_line


def event_error_position(text: str) -> tuple[int, int] | None:
    """(line, column), both from 1, where the event text stops being valid JSON; None when valid."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno
    return None


def event_problem(text: str, invocation_type: str = "RequestResponse") -> str | None:
    """Why Lambda would refuse this event (its words, with line and column, or the size limit of
    the invocation type), or None when it is accepted. The rules are console.service.events', the
    same for every front; an empty event is sent as `{}`, as the Invoke API does."""
    from console.service.events import event_problem as lambda_event_problem

    return lambda_event_problem(text, invocation_type)


HANG_INDENT = 2  # continuation lines of a wrapped log line start this far in, so they don't read as new lines


def hanging_wrap(text: Text, width: int, indent: int = HANG_INDENT) -> list[Text]:
    """Screen lines of one log line (or a multi-line REPORT) at `width` cells, continuations indented."""
    from rich._wrap import divide_line

    out: list[Text] = []
    width = max(width, indent + 8)
    plain = text.plain
    if not text.spans and "\t" not in plain and "\n" not in plain and plain.isascii():
        # The common case (a print): plain strings are sliced without Text's span bookkeeping.
        if len(plain) <= width:
            return [text]
        style = text.style
        from rich._wrap import divide_line as _divide

        cut = (_divide(plain, width, fold=True) or [len(plain)])[0]
        pieces = [plain[:cut].rstrip()]
        rest = plain[cut:]
        starts = [0, *_divide(rest, width - indent, fold=True), len(rest)]
        pieces += [" " * indent + rest[a:b].rstrip() for a, b in zip(starts, starts[1:]) if a < b]
        return [Text(piece, style=style) for piece in pieces]
    text = text.copy()
    text.expand_tabs(8)  # tabs would widen the line after we measured it
    for paragraph in text.split("\n", allow_blank=True):
        plain = paragraph.plain
        if paragraph.cell_len <= width:
            out.append(paragraph)
            continue
        first = divide_line(plain, width, fold=True)
        cut = first[0] if first else len(plain)
        head = paragraph[:cut]
        head.rstrip()
        out.append(head)
        rest = paragraph[cut:]
        offsets = divide_line(rest.plain, width - indent, fold=True)
        for piece in rest.divide(offsets):
            piece.rstrip()
            out.append(Text(" " * indent) + piece)
    return out
