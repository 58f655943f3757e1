"""Plain-terminal rendering of an invocation record: the console's two panes, as text."""

from __future__ import annotations

from typing import TextIO

from console.display import classify, neutralise, pretty_payload, split_lines, summary_rows
from console.engine.records import InvocationResult

# ANSI styles per log line kind, as the console colours them.
_KIND_STYLES = {"platform": "2;36", "report": "1;36", "error": "31", "warning": "33", "info": "34"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str | None) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text


def render(result: InvocationResult, out: TextIO, color: bool) -> None:
    style = _Style(color)
    verdict = "succeeded" if result.succeeded else "failed"
    banner = f"Execution result: {verdict}"
    if result.cancelled:
        banner += " (cancelled)"
    out.write(style(banner, "1;32" if result.succeeded else "1;31") + f"  (RequestId {result.request_id})\n\n")
    out.write(style("Response", "1") + "\n")
    out.write(pretty_payload(result.payload)[0] + "\n\n")
    out.write(style("Summary", "1") + "\n")
    for label, value in summary_rows(result):
        out.write(f"  {label:<22}{value}\n")
    out.write("\n" + style("Log output", "1") + "\n")
    for kind, line in classify(split_lines(result.log)):
        # Whatever the function printed is shown, never obeyed: control characters become visible.
        out.write(style(neutralise(line), _KIND_STYLES.get(kind)) + "\n")
