"""The Step Functions view: edit a definition and its input, run it, and follow the path, history and state data."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static, TextArea
from textual.widgets.data_table import ColumnKey
from textual.widgets.option_list import Option

from textual.message import Message

from console.stepfunctions import (
    DefinitionError,
    Event,
    Execution,
    ExecutionResult,
    LambdaClient,
    StateRecord,
    parse_text,
    validate,
)

BLUEPRINT = "sfn-create-account"
EMPTY_DEFINITION = {
    "StartAt": "Hello",
    "States": {"Hello": {"Type": "Pass", "Result": "Hello from Step Functions", "End": True}},
}

STATUS_STYLE = {
    "succeeded": ("✔", "green"),
    "retried": ("↻", "yellow"),
    "caught": ("⤳", "magenta"),
    "failed": ("✘", "red"),
    "running": ("…", "cyan"),
    "aborted": ("■", "yellow"),
}
EXECUTION_STYLE = {"SUCCEEDED": "green", "FAILED": "red", "TIMED_OUT": "red", "ABORTED": "yellow"}

InvokerFactory = Callable[[Mapping[str, Path]], Any]


# The execution runs in a worker thread; it reaches the screen only by posting these messages.


@dataclass
class ExecutionEvent(Message):
    """A history event was recorded (posted from the execution's worker thread)."""

    event: Event


@dataclass
class StateChanged(Message):
    """A state was entered, retried, caught or finished (posted from the worker thread)."""

    record: StateRecord


@dataclass
class ExecutionFinished(Message):
    """The execution ended: succeeded, failed, timed out or aborted (posted from the worker thread)."""

    result: ExecutionResult


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _blueprint_definition() -> Path | None:
    try:
        from console import catalog

        path = catalog.get_blueprint(BLUEPRINT).definition_path
    except Exception:  # the catalog is optional here: fall back to a one-state example
        return None
    return path if path is not None and path.is_file() else None


@dataclass(frozen=True)
class KnownDefinition:
    """A definition offered by the picker: a state-machine blueprint or one saved in the workspace."""

    label: str
    path: Path
    read_only: bool


def known_definitions() -> list[KnownDefinition]:
    found: list[KnownDefinition] = []
    try:
        from console import catalog

        for blueprint in catalog.blueprints():
            if blueprint.kind != "state-machine":
                continue
            path = blueprint.definition_path
            if path is not None and path.is_file():
                found.append(KnownDefinition(f"{blueprint.title}  (blueprint {blueprint.name})", path, True))
    except Exception:  # the catalog is optional here
        pass
    try:
        from console.workspace import workspace_root

        folder = workspace_root() / "state-machines"
        for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*/*.json")):
            if path.name != "blueprint.json" and path.parent.name != "inputs":
                found.append(KnownDefinition(f"{path.relative_to(folder)}  (workspace)", path, False))
    except Exception:
        pass
    return found


class HistoryTable(DataTable):
    """The event history: its Details column takes whatever width the other columns leave (it
    would otherwise sit past the right edge, a few characters of it visible); the whole event is
    shown in the state pane when its row is highlighted. Where the pane is too narrow the State
    column gives way first; below their least widths the table scrolls sideways."""

    def on_resize(self) -> None:
        self.fit_details()

    DETAILS_MIN = 14
    # Where the room is short, these give way first, down to these widths (a state name keeps its
    # start). The event type is never cut: its ending is its meaning.
    SHRINKABLE = {"state": 10}

    def fit_details(self) -> None:
        details = self.columns.get(ColumnKey("details"))
        if details is None or self.size.width == 0:
            return
        room = self.scrollable_content_region.width
        widths = {key.value: c.content_width for key, c in self.columns.items() if key != details.key}
        pad = 2 * self.cell_padding
        excess = sum(widths.values()) + pad * (len(widths) + 1) + self.DETAILS_MIN - room
        for name, least in self.SHRINKABLE.items():
            if excess <= 0:
                break
            if name in widths:
                cut = min(excess, max(0, widths[name] - least))
                widths[name] -= cut
                excess -= cut
        widths["details"] = max(self.DETAILS_MIN, room - sum(widths.values()) - pad * (len(widths) + 1))
        changed = False
        for key, column in self.columns.items():
            width = widths[key.value]
            fixed = key == details.key or width < column.content_width
            if fixed and (column.auto_width or column.width != width):
                column.auto_width, column.width, changed = False, width, True
            elif not fixed and not column.auto_width:
                column.auto_width, changed = True, True
        if changed:
            # Textual's own steps when widths change: drop the rendered rows, re-measure on idle.
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()


class OpenDefinition(ModalScreen["KnownDefinition | None"]):
    """Pick a known definition, or type the path of any definition file."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    OpenDefinition { align: center middle; background: $background 60%; }
    OpenDefinition > Vertical { width: 90; height: auto; max-height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    OpenDefinition #open-known { height: auto; max-height: 12; }
    OpenDefinition #open-problem { color: $error; height: auto; }
    OpenDefinition .hint { color: $text-muted; }
    """

    def __init__(self, value: str = "") -> None:
        super().__init__()
        self.value = value
        self.known = known_definitions()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a state machine definition")
            if self.known:
                yield OptionList(*[Option(k.label) for k in self.known], id="open-known")
            yield Static("…or type the path of a JSON definition and press Enter:", classes="hint")
            yield Input(self.value, id="open-path")
            yield Static("", id="open-problem")

    @on(OptionList.OptionSelected, "#open-known")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.known[event.option_index])

    @on(Input.Submitted, "#open-path")
    def _submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if not path.is_file():
            self.query_one("#open-problem", Static).update(f"No such file: {path}")
            return
        self.dismiss(KnownDefinition(path.name, path, False))

    def action_cancel(self) -> None:
        self.dismiss(None)


class StepFunctionsScreen(Screen[None]):
    """Pick or edit a definition, set the input, run it over local functions (in a worker thread)."""

    CSS_PATH = "stepfunctions.tcss"
    # Below 110 columns the state pane folds away (Enter on a state or event shows it instead).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("f5", "run", "Run", priority=True),
        Binding("ctrl+r", "run", "Run", show=False, priority=True),
        Binding("escape", "back", "Stop/Back", priority=True),
        Binding("ctrl+s", "save", "Save definition", priority=True),
        Binding("ctrl+o", "open", "Open", priority=True),
        Binding("f6", "next_input", "Example input", priority=True),
        Binding("f7", "toggle_detail", "History/State", priority=True),
        Binding("f8", "time_scale", "Speed", priority=True),
    ]
    TIME_SCALES = (1.0, 10.0, 100.0, 1000.0)

    def __init__(
        self,
        functions_dirs: Iterable[Path | str] | None = None,
        definition_path: Path | str | None = None,
        *,
        input_text: str | None = None,
        time_scale: float = 1.0,
        invoker_factory: InvokerFactory | None = None,
    ) -> None:
        super().__init__()
        self.definition_path = Path(definition_path) if definition_path else _blueprint_definition()
        self.explicit_dirs = [Path(p) for p in functions_dirs] if functions_dirs is not None else None
        # A blueprint's definition is a read-only example: Ctrl+S saves a copy in the workspace.
        self.read_only = definition_path is None and self.definition_path is not None
        self.time_scale = time_scale
        self.invoker_factory = invoker_factory
        self._initial_input = input_text
        self._input_index = -1
        self._examples_from: Path | None = None
        self.execution: Execution | None = None
        self.result: ExecutionResult | None = None
        self.records: list[StateRecord] = []
        self.events: list[Event] = []
        self._own_invoker: Any = None  # when the app has no Invoker to lend

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="sfn-title")
        with Horizontal(id="sfn-top"):
            with Vertical(id="sfn-definition-pane", classes="sfn-pane"):
                yield Label("Definition", classes="sfn-pane-title", id="sfn-definition-title")
                yield TextArea.code_editor(self._definition_text(), id="sfn-definition", soft_wrap=False)
            with Vertical(id="sfn-input-pane", classes="sfn-pane"):
                yield Label("Input", classes="sfn-pane-title", id="sfn-input-title")
                yield TextArea.code_editor(self._first_input(), id="sfn-input", soft_wrap=False)
        yield Static("F5 runs the state machine over your local functions.", id="sfn-status")
        with Horizontal(id="sfn-bottom"):
            with Vertical(id="sfn-path-pane", classes="sfn-pane"):
                yield Label("Path taken", classes="sfn-pane-title")
                yield OptionList(id="sfn-path")
            with Vertical(id="sfn-events-pane", classes="sfn-pane"):
                yield Label("Event history", classes="sfn-pane-title")
                yield HistoryTable(id="sfn-events", cursor_type="row", zebra_stripes=True)
            with Vertical(id="sfn-detail-pane", classes="sfn-pane"):
                yield Label("State input / output", classes="sfn-pane-title", id="sfn-detail-title")
                with VerticalScroll(id="sfn-detail-scroll"):
                    yield Static("Select a state or an event.", id="sfn-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sfn-events", DataTable)
        # As the Step Functions console's "Started after": ms since the execution started. The
        # timestamp and previousEventId are in the state pane with the rest of the event.
        for label in ("ID", "Type", "State", "Elapsed"):
            table.add_column(label, key=label.lower())
        table.add_column("Details", key="details")
        try:
            from console.tui.widgets.highlighting import set_language

            set_language(self.query_one("#sfn-definition", TextArea), "json")
            set_language(self.query_one("#sfn-input", TextArea), "json")
        except Exception:  # highlighting is a nicety; plain text still edits fine
            pass
        self.query_one("#sfn-definition", TextArea).focus()

    def _title(self) -> str:
        """The definition's name (its blueprint's, else its file's), never an installed package's path."""
        if self.definition_path is None:
            return "Step Functions ─ (unsaved definition)"
        if self.read_only:
            return f"Step Functions ─ blueprint {self.definition_path.parent.name} · Ctrl+S saves a copy to edit"
        name = self.definition_path.name
        if name == "statemachine.json" or self.definition_path.parent.joinpath("blueprint.json").is_file():
            name = f"{self.definition_path.parent.name}/{name}"
        return f"Step Functions ─ {name}"

    def _definition_text(self) -> str:
        if self.definition_path and self.definition_path.is_file():
            try:
                return self.definition_path.read_text(encoding="utf-8")
            except OSError:
                pass
        return _pretty(EMPTY_DEFINITION) + "\n"

    def _example_inputs(self) -> list[Path]:
        base = self._examples_from or (self.definition_path.parent if self.definition_path else None)
        if base is None:
            return []
        try:
            listed = json.loads((base / "blueprint.json").read_text(encoding="utf-8")).get("inputs")
        except (OSError, ValueError, AttributeError):
            listed = None
        if isinstance(listed, list):  # the blueprint's own order: its first input is the demo one
            paths = [base / str(p) for p in listed]
            return [p for p in paths if p.is_file()]
        folder = base / "inputs"
        return sorted(folder.glob("*.json")) if folder.is_dir() else []

    def _first_input(self) -> str:
        if self._initial_input is not None:
            return self._initial_input
        examples = self._example_inputs()
        if examples:
            self._input_index = 0
            return examples[0].read_text(encoding="utf-8")
        return "{}\n"

    def function_dirs(self) -> dict[str, Path]:
        """The functions the state machine calls, resolved as `sfn run` resolves them
        (workspace.state_machine_functions)."""
        from console import workspace

        return workspace.state_machine_functions(self.definition_path, self.explicit_dirs or ())

    def _invoker(self) -> Any:
        """The app's Invoker (its warm environments and metrics serve the tasks too), else one of
        this screen's own, over the app's engine when it has one."""
        shared = getattr(self.app, "invoker", None)
        if shared is not None:
            return shared
        if self._own_invoker is None:
            from console.service.invoker import Invoker

            self._own_invoker = Invoker(getattr(self.app, "engine", None))
        return self._own_invoker

    # --- actions ----------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.execution is not None:
            self.notify("A run is in progress: Esc stops it.", severity="warning")
            return
        try:
            definition = parse_text(self.query_one("#sfn-definition", TextArea).text)
            problems = validate(definition)
            if problems:
                raise DefinitionError(problems)
        except DefinitionError as exc:
            self._set_status(Text(f"Invalid definition ({len(exc.problems)} problem(s))", style="bold red"))
            self._show_detail("Definition problems", "\n".join(f"• {p}" for p in exc.problems))
            return
        try:
            execution_input = json.loads(self.query_one("#sfn-input", TextArea).text or "{}")
        except ValueError as exc:
            self._set_status(Text(f"The input is not valid JSON: {exc}", style="bold red"))
            return
        self._reset()
        if self.invoker_factory is not None:
            invoker = self.invoker_factory(self.function_dirs())
        else:
            invoker = LambdaClient(self.function_dirs(), self._invoker())
        self.execution = Execution(
            definition,
            invoker,
            time_scale=self.time_scale,
            strict_ids=True,
            on_event=lambda event: self._post(ExecutionEvent(event)),
            on_state=lambda record: self._post(StateChanged(record)),
            state_machine_name=self.definition_path.stem if self.definition_path else "LocalStateMachine",
        )
        self._set_status(Text("Running… (Esc stops the execution)", style="bold cyan"))
        self._execute(self.execution, invoker, execution_input)

    @work(thread=True, exclusive=True, group="sfn-run")
    def _execute(self, execution: Execution, invoker: Any, execution_input: Any) -> None:
        try:
            result = execution.run(execution_input)
        finally:
            close = getattr(invoker, "close", None)
            if close is not None:
                close()  # a LambdaClient leaves a borrowed Invoker running
        self._post(ExecutionFinished(result))

    def _post(self, message: Message) -> None:
        """Queue an update for the UI thread without waiting for it (post_message is thread-safe;
        once the screen is gone it is dropped)."""
        self.post_message(message)

    @on(ExecutionEvent)
    def _on_execution_event(self, message: ExecutionEvent) -> None:
        self._add_event(message.event)

    @on(StateChanged)
    def _on_state_changed(self, message: StateChanged) -> None:
        self._state_changed(message.record)

    @on(ExecutionFinished)
    def _on_execution_finished(self, message: ExecutionFinished) -> None:
        self._finished(message.result)

    def on_unmount(self) -> None:
        if self.execution is not None:
            self.execution.abort()
        if self._own_invoker is not None:
            invoker, self._own_invoker = self._own_invoker, None
            invoker.close(timeout=2.0)

    def action_toggle_detail(self) -> None:
        """On narrow terminals, swap the event history and the state pane."""
        self.toggle_class("-show-detail")

    @on(OptionList.OptionSelected, "#sfn-path")
    @on(DataTable.RowSelected, "#sfn-events")
    def _selected(self) -> None:
        self.add_class("-show-detail")

    def action_back(self) -> None:
        if self.has_class("-narrow") and self.has_class("-show-detail"):
            self.remove_class("-show-detail")
            return
        if self.execution is not None:
            self.execution.abort()
            self._set_status(Text("Stopping…", style="bold yellow"))
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_save(self) -> None:
        target = self.definition_path
        source = self.definition_path if self.read_only else None
        if target is None or self.read_only:
            target = _workspace_copy_path(source)
        if target is None:
            self.notify("Open a definition file first (Ctrl+O).", severity="warning")
            return
        text = self.query_one("#sfn-definition", TextArea).text
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source is not None:
                # The copy brings the example's inputs along; its functions stay the workspace's
                # (blueprint.json names the blueprint, see workspace.state_machine_functions).
                for name in ("inputs", "blueprint.json"):
                    item = source.parent / name
                    if item.is_dir():
                        shutil.copytree(item, target.parent / name, ignore=shutil.ignore_patterns("__pycache__"))
                    elif item.is_file():
                        shutil.copy2(item, target.parent / name)
            _atomic_write(target, text)
        except OSError as exc:
            self.notify(f"Could not save {target}: {exc.strerror or exc}", severity="error")
            return
        if target != self.definition_path:
            self.definition_path, self.read_only, self._examples_from = target, False, None
            self.query_one("#sfn-title", Static).update(self._title())
        self.notify(f"Saved {target}")

    def action_open(self) -> None:
        def opened(choice: KnownDefinition | None) -> None:
            if choice is None:
                return
            self.definition_path, self.read_only, self._examples_from = choice.path, choice.read_only, None
            self.explicit_dirs = None
            self.query_one("#sfn-definition", TextArea).load_text(self._definition_text())
            self.query_one("#sfn-title", Static).update(self._title())
            examples = self._example_inputs()
            if examples:
                self._input_index = 0
                self.query_one("#sfn-input", TextArea).load_text(examples[0].read_text(encoding="utf-8"))

        self.app.push_screen(OpenDefinition(str(self.definition_path or "")), opened)

    def action_next_input(self) -> None:
        examples = self._example_inputs()
        if not examples:
            self.notify("No example inputs beside this definition (inputs/*.json).")
            return
        self._input_index = (self._input_index + 1) % len(examples)
        path = examples[self._input_index]
        self.query_one("#sfn-input", TextArea).load_text(path.read_text(encoding="utf-8"))
        self.query_one("#sfn-input-title", Label).update(f"Input ─ {path.name}")

    def action_time_scale(self) -> None:
        """Cycle how much faster than real time Wait states and retry intervals pass."""
        scales = self.TIME_SCALES
        self.time_scale = scales[(scales.index(self.time_scale) + 1) % len(scales)] if self.time_scale in scales else 1.0
        self.notify(
            f"Waits and retry intervals now run {self.time_scale:g}x faster "
            "(a task's own run time and TimeoutSeconds are never shortened)."
        )

    # --- live updates (on the UI thread) ----------------------------------------------------
    def _reset(self) -> None:
        self.result = None
        self.records = []
        self.events = []
        self.query_one("#sfn-path", OptionList).clear_options()
        self.query_one("#sfn-events", DataTable).clear()  # keeps the columns and their fitted widths
        self._show_detail("State input / output", "Running…")

    def _add_event(self, event: Event) -> None:
        from console.stepfunctions.history import event_summary

        self.events.append(event)
        table = self.query_one("#sfn-events", DataTable)
        style = "red" if event.type.endswith(("Failed", "TimedOut", "Aborted")) else ""
        table.add_row(
            str(event.id),
            Text(event.type, style=style),
            event.state_name or "",
            Text(f"{(event.timestamp - self.events[0].timestamp).total_seconds() * 1000:.0f} ms", justify="right"),
            event_summary(event, 200),
            key=str(event.id),
        )
        table.move_cursor(row=table.row_count - 1)
        table.call_after_refresh(table.fit_details)  # the other columns may have grown

    def _state_changed(self, record: StateRecord) -> None:
        if record not in self.records:
            self.records.append(record)
        path = self.query_one("#sfn-path", OptionList)
        highlighted = path.highlighted
        path.clear_options()
        path.add_options([Option(self._path_label(r)) for r in self.records])
        if highlighted is not None and highlighted < len(self.records):
            path.highlighted = highlighted

    @staticmethod
    def _path_label(record: StateRecord) -> Text:
        icon, style = STATUS_STYLE.get(record.display_status, ("?", ""))
        indent = "  " * record.depth
        label = Text(indent)
        label.append(f"{icon} {record.name}", style=f"bold {style}")
        extra = f"{record.type} · {record.display_status}"
        if record.retries:
            extra += f" · {record.retries} retr{'y' if record.retries == 1 else 'ies'}"
        if record.error and record.display_status in ("caught", "failed"):
            extra += f" · {record.error}"
        label.append(f"\n{indent}  {extra}", style=style)
        return label

    def _finished(self, result: ExecutionResult) -> None:
        self.execution = None
        self.result = result
        style = EXECUTION_STYLE.get(result.status, "")
        status = Text(f"{result.status}", style=f"bold {style}")
        status.append(f"  ·  {len(result.path)} state(s) entered  ·  {len(result.events)} events", style="")
        if result.error is not None:
            status.append(f"  ·  {result.error}", style=style)
        self._set_status(status)
        if result.succeeded:
            self._show_detail("Execution output", _pretty(result.output))
        else:
            body = f"Error: {result.error}\n\nCause:\n{_maybe_pretty(result.cause)}"
            self._show_detail(f"Execution {result.status.lower()}", body)

    # --- selection --------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#sfn-path")
    def _state_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if index is None or index >= len(self.records):
            return
        r = self.records[index]
        lines = [f"{r.name} ({r.type}) ─ {r.display_status}"]
        if r.retries:
            lines.append(f"Retries: {r.retries}")
        if r.error is not None:
            lines.append(f"Error: {r.error}")
            if r.cause:
                lines.append(f"Cause: {_maybe_pretty(r.cause)}")
        if r.next:
            lines.append(f"Next: {r.next}")
        lines += ["", "Input:", _pretty(r.input)]
        if r.outcome in ("succeeded", "caught"):
            lines += ["", "Output:", _pretty(r.output)]
        self._show_detail(f"State ─ {r.name}", "\n".join(lines))

    @on(DataTable.RowHighlighted, "#sfn-events")
    def _event_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        index = int(event.row_key.value) - 1
        if not 0 <= index < len(self.events):
            return
        data = self.events[index].to_json()
        details = data.get(self.events[index].details_key)
        if isinstance(details, dict):
            details = {k: _decode(v) if k in ("input", "output", "parameters", "cause") else v for k, v in details.items()}
            data[self.events[index].details_key] = details
        self._show_detail(f"Event {data['id']} ─ {data['type']}", _pretty(data))

    # --- helpers ----------------------------------------------------------------------------
    def _set_status(self, text: Text | str) -> None:
        self.query_one("#sfn-status", Static).update(text)

    def _show_detail(self, title: str, body: str) -> None:
        self.query_one("#sfn-detail-title", Label).update(title)
        self.query_one("#sfn-detail", Static).update(Text(body))


def _workspace_copy_path(source: Path | None) -> Path | None:
    """Where a copy of an example goes: <workspace>/state-machines/<example>/<file>, never overwriting."""
    try:
        from console.workspace import workspace_root
    except ImportError:
        return None
    folder = workspace_root() / "state-machines"
    base = source.parent.name if source is not None else "state-machine"
    name = source.name if source is not None else "statemachine.json"
    target = folder / base
    n = 2
    while target.exists():
        target = folder / f"{base}-{n}"
        n += 1
    return target / name


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _maybe_pretty(text: str | None) -> str:
    if text is None:
        return "(none)"
    try:
        return _pretty(json.loads(text))
    except ValueError:
        return text


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
