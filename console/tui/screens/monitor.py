"""The Monitor view: a function's graphs for the last hour, as the Lambda console's Monitor tab
draws them (Invocations, Duration, Errors and success rate, Throttles and async events), then the
per-function table and the async event queue."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static
from textual_plotext import PlotextPlot

from .. import monitor_series
from ..monitor_series import WINDOW_MINUTES, Series, series

CHARTS = (
    ("invocations", "Invocations / min"),
    ("duration", "Duration ms (p50, max)"),
    ("errors", "Errors / min and success rate %"),
    ("throttles", "Throttles and async events / min"),
)


class MonitorScreen(ModalScreen[None]):
    """Refreshes every second while open; Escape closes."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape,f12", "close", "Close")]

    def __init__(self, function_name: str | None = None) -> None:
        super().__init__(classes="modal")
        self.function_name = function_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="monitor"):
            yield Label("Monitor ─ the last hour, per minute", classes="dialog-title")
            yield Select([], prompt="function", allow_blank=True, compact=True, id="monitor-function")
            with VerticalScroll(id="monitor-scroll"):
                with Grid(id="monitor-charts"):
                    for chart_id, _title in CHARTS:
                        yield PlotextPlot(id=f"chart-{chart_id}", classes="chart")
                yield Static("", id="metrics-table")
                yield Label("Async events (Event invocations)", classes="dialog-title", id="async-title")
                yield Static("", id="async-log")
            yield Static("Esc close · counts include this session and what earlier sessions saved", classes="hint")

    def on_mount(self) -> None:
        self.refresh_figures()
        self.set_interval(1.0, self.refresh_figures)

    @on(Select.Changed, "#monitor-function")
    def _function_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.function_name:
            self.function_name = event.value
            self.refresh_figures()

    def refresh_figures(self) -> None:
        from console.service.metrics import render_totals

        app = self.app
        export = app.metrics.export()
        now = monitor_series.wall_clock()
        names = sorted(export.get("functions", {}))
        chooser = self.query_one("#monitor-function", Select)
        if self.function_name not in names and names:
            self.function_name = self.function_name if self.function_name else names[0]
        options = sorted(set(names) | ({self.function_name} if self.function_name else set()))
        if [str(v) for _, v in chooser._options if v is not Select.BLANK] != options:
            chooser.set_options([(n, n) for n in options])
        if self.function_name and chooser.value != self.function_name:
            chooser.value = self.function_name
        if self.function_name:
            self._draw(series(export, self.function_name, now=now))
        table = render_totals(export)  # the charts above draw the minutes; this fits 80 columns
        self.query_one("#metrics-table", Static).update(Text(table, no_wrap=True, overflow="crop"))
        queue = app.started_async_queue
        pending = queue.pending() if queue is not None else 0
        lines = list(app.async_log)[-30:]
        body = f"{pending} event(s) queued or running\n" + ("\n".join(reversed(lines)) if lines else "(none yet: choose Invoke as Event and press F5)")
        self.query_one("#async-log", Static).update(Text(body, no_wrap=True, overflow="crop"))

    def _draw(self, s: Series) -> None:
        x = s.minutes_ago

        def points(values: list) -> tuple[list[int], list[float]]:
            """The minutes that have a value (durations and rates exist only where something ran)."""
            kept = [(m, v) for m, v in zip(x, values) if v is not None]
            return [m for m, _ in kept], [v for _, v in kept]

        for chart_id, title in CHARTS:
            plot = self.query_one(f"#chart-{chart_id}", PlotextPlot)
            plt = plot.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            plt.xlim(-(WINDOW_MINUTES - 1), 0)
            if chart_id == "invocations":
                # Lines over every minute, as CloudWatch draws them (a quiet minute is a 0, not a gap).
                plt.plot(x, s.counts["Invocations"], label=f"Invocations ({s.total('Invocations')})")
                plt.ylim(0, max(s.counts["Invocations"], default=0) + 1)
            elif chart_id == "duration":
                for name, values in (("p50", s.duration_p50), ("max", s.duration_max)):
                    xs, ys = points(values)
                    if xs:
                        plt.scatter(xs, ys, label=name)
            elif chart_id == "errors":
                plt.plot(x, s.counts["Errors"], label=f"Errors ({s.total('Errors')})")
                plt.ylim(0, max(s.counts["Errors"], default=0) + 1)
                xs, ys = points(s.success_rate)
                if xs:
                    plt.scatter(xs, ys, label="success %", yside="right")
            else:
                for name in ("Throttles", "AsyncEventsReceived", "AsyncRetries", "AsyncEventsDropped"):
                    if s.total(name) or name == "Throttles":
                        plt.plot(x, s.counts[name], label=f"{name} ({s.total(name)})")
            plt.xlabel("minutes ago")
            plot.refresh()

    def action_close(self) -> None:
        self.dismiss(None)
