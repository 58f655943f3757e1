"""The session's invocation history: pick one to show it again in the result and log panes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class HistoryEntry:
    """One invocation of this session and what it was run with."""

    number: int
    when: datetime
    function_name: str
    event_name: str
    event_text: str
    result: Any
    kind: str = ""  # "Event attempt 2" for an Event invocation's attempt, "" for a test

    @property
    def note(self) -> str:
        """What the Result pane's title adds: which test event (and attempt) produced it."""
        event = f"event {self.event_name}" if self.event_name else "event (unknown)"
        return f"{event} ─ {self.kind}" if self.kind else event

    def detail(self) -> str:
        r = self.result
        rows = [
            ("Invocation", f"#{self.number} at {self.when:%H:%M:%S} ─ {self.function_name}"),
            ("Test event", self.event_name or "(unknown)"),
            ("Kind", self.kind or "Test (RequestResponse)"),
            ("Status", ("succeeded" if r.succeeded else "failed") + (" (cancelled)" if getattr(r, "cancelled", False) else "")),
            ("Error type", r.error_type or "" if not r.succeeded else ""),
            ("Request ID", r.request_id),
            ("Duration", f"{r.summary.duration_ms:.2f} ms" + (" (cold start)" if r.cold_start else "")),
        ]
        return "\n".join(f"{name:<11} {value}" for name, value in rows if value)

    def line(self) -> str:
        r = self.result
        status = "succeeded" if r.succeeded else "failed"
        cold = " cold" if r.cold_start else ""
        error = f"  {r.error_type}" if not r.succeeded and r.error_type else ""
        if len(error) > 34:  # one row per invocation: a long error type is cut, not wrapped
            error = error[:33] + "…"
        return (
            f"#{self.number:<3} {self.when:%H:%M:%S}  {self.function_name:<20.20} "
            f"{(self.event_name + (' (Event)' if self.kind else '')):<18.18} "
            f"{status:<9} {r.summary.duration_ms:>9.2f} ms{cold}{error}"
        )


class HistoryModal(ModalScreen[HistoryEntry | None]):
    """Newest first."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, entries: list[HistoryEntry]) -> None:
        super().__init__(classes="modal")
        self.entries = list(reversed(entries))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"History ─ {len(self.entries)} invocation(s) this session", classes="dialog-title")
            if self.entries:
                yield Static(
                    f"{'#':<4} {'time':<8}  {'function':<20} {'event':<18} {'status':<9} {'duration':>12}",
                    id="history-header",
                )
                yield OptionList(
                    *[Option(Text(e.line(), no_wrap=True, overflow="ellipsis")) for e in self.entries],
                    id="history-list",
                )
                yield Static("", id="history-detail")
            else:
                yield Static("No invocations yet: press F5 to run a test.")
            yield Static("↑↓ the whole record below · Enter show in the panes · Esc close", classes="hint")

    def on_mount(self) -> None:
        if self.entries:
            self._show_detail(0)

    @on(OptionList.OptionHighlighted, "#history-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_detail(event.option_index)

    def _show_detail(self, index: int) -> None:
        """The highlighted invocation whole: what a row has to cut (long error types, names)."""
        self.query_one("#history-detail", Static).update(Text(self.entries[index].detail()))

    @on(OptionList.OptionSelected, "#history-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.entries[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
