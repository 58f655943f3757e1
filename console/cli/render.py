"""Plain-terminal rendering of an invocation record: the console's two panes, as text."""

from __future__ import annotations

import json
import re
from typing import TextIO

from console.engine.records import InvocationResult

# Everything a function prints reaches the user's terminal through here: C0/C1 controls other
# than newline and tab (escape sequences, bells, carriage returns) are shown, never obeyed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def neutralize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def pretty_payload(result: InvocationResult) -> str:
    """The response as the console shows it: JSON with a 2-space indent, else the raw text."""
    value = result.payload_value()
    if isinstance(value, str) and not result.payload.strip().startswith(b'"'):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def summary_rows(result: InvocationResult) -> list[tuple[str, str]]:
    s = result.summary
    rows = [("Code SHA-256", s.code_sha256), ("Request ID", result.request_id)]
    if s.init_duration_ms is not None:
        rows.append(("Init duration", f"{s.init_duration_ms:.2f} ms"))
    rows += [
        ("Duration", f"{s.duration_ms:.2f} ms"),
        ("Billed duration", f"{s.billed_duration_ms} ms"),
        ("Resources configured", f"{s.memory_size_mb} MB"),
        ("Max memory used", f"{s.max_memory_used_mb} MB"),
    ]
    return rows


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def _log_line_style(line: str) -> str | None:
    if line.startswith(("START ", "END ", "REPORT ", "INIT_START ", "INIT_REPORT ")):
        return "2;36"
    if line.startswith("[ERROR]") or line.startswith(("Traceback", "\u00a0")):
        return "31"
    if line.startswith("[WARNING]"):
        return "33"
    if line.startswith(("[INFO]", "[DEBUG]")):
        return "34"
    return None


def render(result: InvocationResult, out: TextIO, color: bool) -> None:
    style = _Style(color)
    verdict = "succeeded" if result.succeeded else "failed"
    banner = f"Execution result: {verdict}"
    out.write(style(banner, "1;32" if result.succeeded else "1;31") + f"  (RequestId {result.request_id})\n\n")
    out.write(style("Response", "1") + "\n")
    out.write(neutralize(pretty_payload(result)) + "\n\n")
    out.write(style("Summary", "1") + "\n")
    for label, value in summary_rows(result):
        out.write(f"  {label:<22}{value}\n")
    out.write("\n" + style("Log output", "1") + "\n")
    in_error = False
    for line in neutralize(result.log).splitlines():
        code = _log_line_style(line)
        if line.startswith("[ERROR]"):
            in_error = True
        elif code is not None or not line.startswith(("Traceback", "\u00a0", " ")):
            in_error = code == "31"
        if in_error and code is None:
            code = "31"
        out.write((style(line, code) if code else line) + "\n")
