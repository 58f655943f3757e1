"""The Event source view: records and mapping settings in, a live timeline of batches out."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static, TextArea

from console.eventsources.clock import elapsed
from console.eventsources.mapping import KINDS
from console.eventsources.run import BatchEntry, MoveEntry, Report, record_ranges
from console.eventsources.templates import SETTINGS_FILE, SourceTexts, initial_kind, texts_for

from ..widgets.panes import LogPane, ResultPane

KIND_TITLES = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}
# None: the virtual clock (waits cost nothing); a number paces the waits at that many times real time.
TIME_SCALES: tuple[float | None, ...] = (None, 1000.0, 100.0, 10.0, 1.0)
TIMELINE_TITLE = "Timeline (a batch's result and log: select it; Enter on narrow terminals)"
FATE_STYLES = {"processed": "green", "dead-letter": "magenta", "on-failure": "magenta", "pending": "yellow"}


def short_source(label: str) -> str:
    """'shardId-000000000001/2' -> 'shard 1/2' (the full id is in each record's eventID)."""
    if not label.startswith("shardId-"):
        return label
    shard, _, lane = label.partition("/")
    tail = shard.rsplit("-", 1)[-1]
    name = f"shard {int(tail)}" if tail.isdigit() else f"shard {tail}"
    return f"{name}/{lane}" if lane else name


def _cell(numbers: str, count: int, width: int = 24) -> str:
    """A batch's records for its timeline cell: the ranges, cut with the count when too long."""
    if len(numbers) <= width:
        return numbers
    return numbers[: width - 8].rsplit(" ", 1)[0] + f" … ({count})"


class EventSourcesScreen(Screen[None]):
    """Pick the kind (F6), edit the records and settings, run (F5), and follow each batch."""

    CSS_PATH = ["event_sources.tcss", "../widgets/panes.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("f5", "run", "Run", priority=True),
        Binding("ctrl+r", "run", "Run", show=False, priority=True),
        Binding("escape", "back", "Stop/Back", priority=True),
        Binding("f6", "next_kind", "Kind", priority=True),
        Binding("f7", "toggle_records", "Timeline/Records", priority=True),
        Binding("f8", "time_scale", "Speed", priority=True),
        Binding("ctrl+s", "save", "Save files", priority=True),
    ]

    class Batch(Message):
        """A timeline entry from the run's worker thread (an invocation, or records that moved)."""

        def __init__(self, entry: BatchEntry | MoveEntry) -> None:
            super().__init__()
            self.entry = entry

    class Finished(Message):
        """The run ended: its report, or why it could not start."""

        def __init__(self, report: Report | None, problem: str | None = None) -> None:
            super().__init__()
            self.report = report
            self.problem = problem

    def __init__(self, config: Any, *, blueprint: str | None = None, kind: str | None = None,
                 invoker: Any = None) -> None:
        super().__init__()
        self.config = config
        self.folder = Path(config.code_dir)
        self.kind = kind or initial_kind(self.folder, blueprint)
        self.invoker = invoker
        self.time_scale: float | None = None
        self.edits: dict[str, SourceTexts] = {}  # what was typed for each kind this session
        self.entries: list[BatchEntry | MoveEntry] = []
        self.report: Report | None = None
        self._cancel: threading.Event | None = None

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        texts = self._texts(self.kind)
        yield Static(self._title(texts), id="es-title")
        with Horizontal(id="es-top"):
            with Vertical(classes="es-pane", id="es-records-pane"):
                yield Label("Records (JSON Lines, one record a line)", classes="es-pane-title")
                yield TextArea(texts.records, id="es-records", soft_wrap=False, show_line_numbers=True)
            with Vertical(classes="es-pane", id="es-settings-pane"):
                yield Label("Mapping (CreateEventSourceMapping)", classes="es-pane-title")
                yield TextArea(texts.mapping, id="es-mapping", soft_wrap=False)
                yield Label(self._settings_label(), classes="es-pane-title", id="es-settings-title")
                yield TextArea(texts.settings, id="es-settings", soft_wrap=False)
        yield Static(self._idle_status(), id="es-status")
        with Horizontal(id="es-bottom"):
            with Vertical(classes="es-pane", id="es-timeline-pane"):
                yield Label(TIMELINE_TITLE, classes="es-pane-title", id="es-timeline-title")
                yield DataTable(id="es-timeline", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="es-records-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="es-detail"):
                yield ResultPane(id="es-result")
                yield LogPane(id="es-log")
        yield Footer()

    def on_mount(self) -> None:
        timeline = self.query_one("#es-timeline", DataTable)
        timeline.add_columns("Time", "Source", "Try", "Records", "Result", "What happened")
        records = self.query_one("#es-records-table", DataTable)
        records.add_columns("#", "Id", "Fate", "Payload")
        records.display = False
        for name in ("#es-mapping", "#es-settings"):
            try:
                from console.tui.widgets.highlighting import set_language

                set_language(self.query_one(name, TextArea), "json")
            except Exception:  # highlighting is a nicety; plain text still edits fine
                pass
        self.query_one("#es-result", ResultPane).show_message(
            "Execution result", "Pick a batch in the timeline to see its result and log.")
        self.query_one("#es-records", TextArea).focus()

    def _texts(self, kind: str) -> SourceTexts:
        return self.edits.get(kind) or texts_for(kind, self.folder)

    def _title(self, texts: SourceTexts) -> str:
        return (f"Event source ─ {KIND_TITLES[self.kind]} → function {self.config.function_name}"
                f"  ·  records and settings from {texts.origin}")

    def _settings_label(self) -> str:
        if self.kind == "sqs":
            return "Queue attributes (GetQueueAttributes)"
        return "Stream (ShardCount, RetentionPeriodHours, StreamARN)"

    def _idle_status(self) -> Text:
        clock = "virtual clock" if self.time_scale is None else f"{self.time_scale:g}x real time"
        return Text(f"F5 runs every batch through the function ({clock}; F8 changes it). "
                    "F6 switches SQS / Kinesis / DynamoDB.", style="italic")

    # --- kind and files -----------------------------------------------------------------------
    def _current(self) -> SourceTexts:
        return SourceTexts(self.kind, self.query_one("#es-records", TextArea).text,
                           self.query_one("#es-mapping", TextArea).text,
                           self.query_one("#es-settings", TextArea).text, self._texts(self.kind).origin)

    def action_next_kind(self) -> None:
        if self._cancel is not None:
            self.notify("A run is in progress: Esc stops it.", severity="warning")
            return
        self.edits[self.kind] = self._current()
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        texts = self._texts(self.kind)
        self.query_one("#es-records", TextArea).load_text(texts.records)
        self.query_one("#es-mapping", TextArea).load_text(texts.mapping)
        self.query_one("#es-settings", TextArea).load_text(texts.settings)
        self.query_one("#es-settings-title", Label).update(self._settings_label())
        self.query_one("#es-title", Static).update(self._title(texts))

    def action_save(self) -> None:
        """Write the three editors into the function's folder, where `source run` finds them."""
        from console import workspace

        current = self._current()
        try:
            for name, text in (("records.jsonl", current.records), ("mapping.json", current.mapping),
                               (SETTINGS_FILE[self.kind], current.settings)):
                workspace.atomic_write_text(self.folder / name, text)
        except OSError as exc:
            self.notify(f"Could not save into {self.folder}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Saved records.jsonl, mapping.json and {SETTINGS_FILE[self.kind]} in {self.folder}")

    def action_time_scale(self) -> None:
        index = TIME_SCALES.index(self.time_scale) if self.time_scale in TIME_SCALES else 0
        self.time_scale = TIME_SCALES[(index + 1) % len(TIME_SCALES)]
        if self._cancel is None:
            self._set_status(self._idle_status())
        self.notify("Waits now cost nothing (virtual clock)." if self.time_scale is None
                    else f"Waits now run at {self.time_scale:g}x real time (applies to the next run).")

    def action_toggle_records(self) -> None:
        timeline = self.query_one("#es-timeline", DataTable)
        records = self.query_one("#es-records-table", DataTable)
        timeline.display, records.display = records.display, timeline.display
        self.query_one("#es-timeline-title", Label).update(
            "Records and their fate" if records.display else TIMELINE_TITLE)

    # --- running ------------------------------------------------------------------------------
    def action_run(self) -> None:
        if self._cancel is not None:
            self.notify("A run is in progress: Esc stops it.", severity="warning")
            return
        current = self._current()
        parsed = []
        for what, text in (("mapping", current.mapping), ("queue or stream settings", current.settings)):
            try:
                value = json.loads(text) if text.strip() else {}
            except (ValueError, RecursionError) as exc:
                self._set_status(Text(f"The {what} is not valid JSON: {exc}", style="bold red"))
                return
            parsed.append(value)
        self.entries = []
        self.report = None
        self.query_one("#es-timeline", DataTable).clear()
        self.query_one("#es-records-table", DataTable).clear()
        self._set_status(Text("Running… (Esc stops the run)", style="bold cyan"))
        self._cancel = threading.Event()
        track = getattr(self.app, "track_metrics", None)
        if track is not None:
            track(self.config.function_name, self.folder)
        self._simulate(self.kind, current.records, parsed[0], parsed[1], self.time_scale, self._cancel)

    def _make_invoker(self) -> tuple[Any, bool]:
        """The app's invoker when it has one, else one over the app's engine and metrics (ours to close)."""
        if self.invoker is not None:
            return self.invoker, False
        shared = getattr(self.app, "invoker", None)
        if shared is not None:
            return shared, False
        from console.service.invoker import Invoker

        return Invoker(self.app.engine, metrics=self.app.metrics), True

    @work(thread=True, exclusive=True, group="event-source-run")
    def _simulate(self, kind: str, records: str, mapping: Any, settings: Any, time_scale: float | None,
                  cancel: threading.Event) -> None:
        # Runs in a worker thread; it reaches the UI only by posting messages (post_message is thread-safe).
        from console.eventsources.clock import VirtualClock
        from console.eventsources.run import Inputs, Run, build, simulate

        invoker, owned = self._make_invoker()
        try:
            run = Run(kind, self.config, invoker, VirtualClock(time_scale), cancel=cancel,
                      on_entry=lambda entry: self.post_message(self.Batch(entry)))
            try:
                source = build(kind, run, Inputs(records, mapping, settings or None))
            except ValueError as exc:  # MappingError, RecordsError: Lambda would refuse it
                self.post_message(self.Finished(None, str(exc)))
                return
            report = simulate(run, source)
        except Exception as exc:  # a broken engine or disk: say so instead of killing the worker
            self.post_message(self.Finished(None, f"The run failed: {exc}"))
            return
        finally:
            if owned:
                invoker.close()
        self.post_message(self.Finished(report))

    @on(Batch)
    def _batch(self, message: Batch) -> None:
        entry = message.entry
        self.entries.append(entry)
        table = self.query_one("#es-timeline", DataTable)
        numbers = _cell(record_ranges(entry.numbers), len(entry.numbers))
        if isinstance(entry, BatchEntry):
            result = Text(entry.status, style="green" if entry.status == "Succeeded" else "red")
            if entry.error_type:
                result.append(f" {entry.error_type}")
            elif entry.batch_item_failures:
                result.append(f", {len(entry.batch_item_failures)} failed", style="yellow")
            if entry.bisected:
                result.append(" ⑂", style="bold magenta")
            table.add_row(elapsed(entry.time), short_source(entry.source), str(entry.attempt), numbers, result,
                          entry.outcome,
                          key=str(len(self.entries) - 1))
        else:
            style = FATE_STYLES.get(entry.kind, "yellow")
            table.add_row(elapsed(entry.time), short_source(entry.source), "", numbers,
                          Text(entry.kind, style=f"bold {style}"),
                          entry.text, key=str(len(self.entries) - 1))
        # Follow the run without re-rendering the result pane for every batch; the last batch is
        # selected when the run ends.
        table.scroll_end(animate=False)

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self._cancel = None
        if message.report is None:
            self._set_status(Text(message.problem or "The run did not start.", style="bold red"))
            return
        report = self.report = message.report
        total = len(report.records)
        done = sum(1 for r in report.records if r.fate == "processed")
        status = Text(f"{done} of {total} records processed", style="bold green" if done == total else "bold red")
        status.append(f"  ·  {len(report.invocations)} invocations  ·  virtual time {elapsed(report.end_time)}")
        fates: dict[str, list[int]] = {}
        for info in report.records:
            if info.fate != "processed":
                fates.setdefault(info.fate, []).append(info.number)
        for fate, numbers in fates.items():
            status.append(f"  ·  {fate} {record_ranges(numbers)}", style=FATE_STYLES.get(fate, "yellow"))
        if report.stopped_because == "max-invocations":
            status.append(f"  ·  stopped at {len(report.invocations)} invocations", style="bold yellow")
        elif report.stopped_because:
            status.append(f"  ·  {report.stopped_because}", style="bold yellow")
        self._set_status(status)
        timeline = self.query_one("#es-timeline", DataTable)
        if timeline.row_count:
            timeline.move_cursor(row=timeline.row_count - 1)
        table = self.query_one("#es-records-table", DataTable)
        for info in report.records:
            payload = json.dumps(info.payload, ensure_ascii=False)
            table.add_row(f"#{info.number}", info.id, Text(info.fate, style=FATE_STYLES.get(info.fate, "yellow")),
                          payload if len(payload) <= 80 else payload[:77] + "...")

    @on(DataTable.RowHighlighted, "#es-timeline")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        entry = self.entries[int(event.row_key.value)]
        result_pane = self.query_one("#es-result", ResultPane)
        log_pane = self.query_one("#es-log", LogPane)
        if isinstance(entry, BatchEntry) and entry.result is not None:
            result_pane.show_result(entry.result, note=f"{entry.source}, try {entry.attempt}")
            log_pane.show_log(entry.result.log)
        else:
            ids = "\n".join(f"#{n}  {i}" for n, i in zip(entry.numbers, entry.record_ids))
            body = f"{entry.text}\n\n{ids}"
            if entry.documents:  # what the dead-letter queue or the on-failure destination received
                body += "\n\n" + "\n".join(json.dumps(d, indent=2, ensure_ascii=False) for d in entry.documents)
            result_pane.show_message(f"{elapsed(entry.time)} ─ {entry.kind}", body)
            log_pane.show_log("")

    @on(DataTable.RowSelected, "#es-timeline")
    def _selected(self) -> None:
        self.add_class("-show-detail")  # only changes the layout on narrow terminals

    def action_back(self) -> None:
        if self.has_class("-narrow") and self.has_class("-show-detail"):
            self.remove_class("-show-detail")
            return
        self.remove_class("-show-detail")
        if self._cancel is not None:
            self._cancel.set()
            self._set_status(Text("Stopping…", style="bold yellow"))
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _set_status(self, text: Text | str) -> None:
        self.query_one("#es-status", Static).update(text)


def open_event_sources(app: Any) -> None:
    """Push the view for the main screen's function, with its settings as they are now."""
    from console import workspace

    from .main import MainScreen

    if isinstance(app.screen, EventSourcesScreen):
        return
    main = next((s for s in reversed(app.screen_stack) if isinstance(s, MainScreen)), None)
    if main is None:
        return
    main.code_editor.flush()  # the batches run the code as it is in the editor
    settings = main.settings
    try:
        config = workspace.function_config(main.code_dir, settings=settings)
    except Exception as exc:  # e.g. an invalid handler: say so rather than open a view that cannot run
        app.notify(f"The Event source view needs a valid function: {exc}", severity="error")
        return
    app.push_screen(EventSourcesScreen(config, blueprint=getattr(settings, "blueprint", None)))
