"""The Monitor view: per-function metrics (as Lambda names them) and the async event queue."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class MonitorScreen(ModalScreen[None]):
    """Refreshes every second while open; Escape closes."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape,f12", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="modal")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="monitor"):
            yield Label("Monitor ─ metrics of this workspace's functions", classes="dialog-title")
            with VerticalScroll(id="monitor-scroll"):
                yield Static("", id="metrics-table")
                yield Label("Async events (Event invocations)", classes="dialog-title", id="async-title")
                yield Static("", id="async-log")
            yield Static("Esc close · counts include this session and what earlier sessions saved", classes="hint")

    def on_mount(self) -> None:
        self.refresh_figures()
        self.set_interval(1.0, self.refresh_figures)

    def refresh_figures(self) -> None:
        from console.service.metrics import render_table

        app = self.app
        table = render_table(app.metrics.export(), minutes=30)
        self.query_one("#metrics-table", Static).update(Text(table, no_wrap=True, overflow="crop"))
        queue = app.started_async_queue
        pending = queue.pending() if queue is not None else 0
        lines = list(app.async_log)[-30:]
        body = f"{pending} event(s) queued or running\n" + ("\n".join(reversed(lines)) if lines else "(none yet: choose Invoke as Event and press F5)")
        self.query_one("#async-log", Static).update(Text(body, no_wrap=True, overflow="crop"))

    def action_close(self) -> None:
        self.dismiss(None)
