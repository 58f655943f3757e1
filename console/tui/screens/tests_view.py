"""The Tests view: a function's saved events with their expected answers; run one or all, read a failure's diff.

Also "Save as expected" for the result shown in the main screen's panes. Runs go through the
app's invoker (the one invocation path) in a worker thread that reports by posting messages.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from console import workspace
from console.display import neutralise
from console.testing.compare import compare
from console.testing.expectations import ExpectationError
from console.testing.runner import (
    ERROR,
    FAIL,
    PASS,
    UNCHECKED,
    CaseResult,
    Runner,
    TestFunction,
    save_as_expected,
)

# The last outcome of each (function folder, event) this session, kept per app so reopening the
# view shows them.
_OUTCOMES: weakref.WeakKeyDictionary[App, dict[tuple[str, str], CaseResult]] = weakref.WeakKeyDictionary()

_MARKS = {PASS: ("✓", "green"), FAIL: ("✗", "red"), ERROR: ("!", "yellow"), UNCHECKED: ("·", "")}


def session_outcomes(app: App) -> dict[tuple[str, str], CaseResult]:
    return _OUTCOMES.setdefault(app, {})


def app_invoker(app: App) -> Any:
    """The app's invoker: the one invocation path (warm environments and metrics shared with F5)."""
    return app.invoker  # type: ignore[attr-defined]


def _key(code_dir: Path, event: str) -> tuple[str, str]:
    return (str(Path(code_dir).resolve()), event)


def _post(target: Any, message: Message) -> None:
    try:
        target.post_message(message)
    except RuntimeError:  # the app closed while the worker ran: nobody is left to tell
        pass


class SavedTestsScreen(ModalScreen[None]):
    """The function's saved events, each with its last outcome; a failure shows its diff."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("a", "run_all", "Run all"),
        Binding("s,u", "save_expected", "Save as expected"),
        Binding("r", "run_one", "Run", show=False),
    ]

    @dataclass
    class CaseFinished(Message, bubble=False):
        """One saved event's run ended (posted by the worker)."""

        case: CaseResult

    @dataclass
    class RunFinished(Message, bubble=False):
        """The worker ran every event it was given."""

        names: list[str]

    def __init__(self, code_dir: Path, function_name: str) -> None:
        super().__init__(classes="modal")
        self.code_dir = Path(code_dir)
        self.function_name = function_name
        self.events: list[str] = []
        self.expected: set[str] = set()
        self.running: set[str] = set()
        self.shown_detail: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Tests ─ {self.function_name}", classes="dialog-title")
            with Horizontal(classes="picker"):
                yield OptionList(id="tests-list")
                with VerticalScroll(classes="preview"):
                    yield Static("", id="tests-detail")
            yield Static("Enter run · A run all · S save the answer as expected · Esc close", classes="hint")

    def on_mount(self) -> None:
        # Wider than a picker's list: a row holds the event and its outcome on one line.
        self.query_one("#tests-list", OptionList).styles.width = "50%"
        self.query_one(".preview").styles.width = "50%"
        self.reload()
        self.query_one("#tests-list", OptionList).focus()

    @property
    def outcomes(self) -> dict[tuple[str, str], CaseResult]:
        return session_outcomes(self.app)

    def outcome(self, event: str) -> CaseResult | None:
        return self.outcomes.get(_key(self.code_dir, event))

    # -- the list ---------------------------------------------------------------------------

    def reload(self) -> None:
        """List the saved events again (names, expectations and outcomes), keeping the cursor."""
        self.events = workspace.list_saved_events(self.code_dir)
        self.expected = set(workspace.list_expectations(self.code_dir))
        options = self.query_one("#tests-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(self.row(name)) for name in self.events])
        if self.events:
            options.highlighted = min(highlighted or 0, len(self.events) - 1)
            self.show_detail(self.events[options.highlighted])
        else:
            self.query_one("#tests-detail", Static).update(
                "This function has no saved test events. Save one with Ctrl+S in the Test event "
                "panel, run it here, and press S to keep its answer as the expected one."
            )

    def row(self, event: str) -> Text:
        case = self.outcome(event)
        width = max(map(len, self.events), default=0)
        text = Text(no_wrap=True, overflow="ellipsis")
        if event in self.running:
            return text.append(f"… {event:<{width}}  running")
        if case is None:
            state = "not run" if event in self.expected else "no expectation"
            return text.append("· ", style="dim").append(f"{event:<{width}}  ").append(state, style="dim")
        mark, style = _MARKS[case.outcome]
        text.append(f"{mark} ", style=style).append(f"{event:<{width}}  ")
        if case.outcome == PASS:
            text.append(f"passed {case.duration_ms:.2f} ms", style=style)
        elif case.outcome == FAIL:
            what = case.comparison.differences[0].what if case.comparison and case.comparison.differences else ""
            text.append(f"failed: {what}" if what else "failed", style=style)
        elif case.outcome == ERROR:
            text.append("error", style=style)
        else:
            text.append("ran; no expectation", style="dim")
        return text

    def _refresh_row(self, event: str) -> None:
        if event not in self.events:
            return
        options = self.query_one("#tests-list", OptionList)
        options.replace_option_prompt_at_index(self.events.index(event), self.row(event))
        if self.highlighted() == event:
            self.show_detail(event)

    def highlighted(self) -> str | None:
        index = self.query_one("#tests-list", OptionList).highlighted
        return self.events[index] if index is not None and 0 <= index < len(self.events) else None

    def show_detail(self, event: str) -> None:
        """The highlighted event's last outcome: a failure's diff, an error, or the expectation."""
        self.shown_detail = self.detail(event)
        self.query_one("#tests-detail", Static).update(self.shown_detail)

    def detail(self, event: str) -> Any:
        case = self.outcome(event)
        parts: list[Any] = [Text(event, style="bold")]
        if event in self.running:
            parts.append(Text("Running…"))
        elif case is not None and case.outcome == FAIL:
            parts.append(Text(f"Failed: {case.message}", style="bold red"))
            parts.append(Text(""))
            for line in neutralise(case.diff).splitlines():
                style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
                parts.append(Text(line, style=style, no_wrap=True, overflow="ellipsis"))
            parts += [Text(""), Text("S keeps this answer as the expected one.", style="dim")]
        elif case is not None and case.outcome == ERROR:
            parts.append(Text(f"Could not be checked:\n{neutralise(case.message)}", style="yellow"))
        elif case is not None and case.result is not None:
            result = case.result
            verdict = "Passed" if case.outcome == PASS else f"Ran ({result.status}); no expected answer yet"
            parts.append(Text(f"{verdict} · Duration {result.summary.duration_ms:.2f} ms", style="green" if case.outcome == PASS else ""))
            parts.append(Text(""))
            parts.append(Text(neutralise(_answer_text(result))))
            if case.outcome == UNCHECKED:
                parts += [Text(""), Text("S keeps this answer as the expected one.", style="dim")]
        if case is None or case.outcome in (PASS, UNCHECKED):
            parts += [Text(""), self._expectation_text(event)]
        return Group(*parts)

    def _expectation_text(self, event: str) -> Text:
        try:
            text = workspace.read_expectation(self.code_dir, event)
        except workspace.WorkspaceError as exc:
            return Text(str(exc), style="yellow")
        if text is None:
            return Text("No expected answer saved: run it (Enter), then press S to keep the answer.", style="dim")
        path = workspace.expectation_path(self.code_dir, event)
        return Text(f"Expected ({path.name}):\n{neutralise(text.rstrip())}", style="dim")

    @on(OptionList.OptionHighlighted, "#tests-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = self.highlighted()
        if name is not None:
            self.show_detail(name)

    @on(OptionList.OptionSelected, "#tests-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_run_one()

    # -- running ----------------------------------------------------------------------------

    def action_run_one(self) -> None:
        name = self.highlighted()
        if name is not None:
            self.start([name])

    def action_run_all(self) -> None:
        names = [n for n in self.events if n in self.expected]
        if not names:
            self.notify("No saved event has an expected answer yet: run one (Enter) and press S.", title="Tests")
            return
        self.start(names)

    def start(self, names: list[str], update: bool = False) -> None:
        if self.running:
            self.notify("Tests are running; wait for them to finish.", title="Tests", severity="warning")
            return
        flush = getattr(self.app, "flush", None)
        if callable(flush):
            flush()  # run the code the editor shows: pending edits are saved first
        self.running = set(names)
        for name in names:
            self._refresh_row(name)
        self._run(list(names), update)

    @work(thread=True, group="tests", exit_on_error=False)
    def _run(self, names: list[str], update: bool) -> None:
        runner = Runner(app_invoker(self.app))
        function = TestFunction(self.function_name, self.code_dir)
        config = problem = None
        try:
            config = runner.config_for(function)
        except workspace.WorkspaceError as exc:
            problem = f"settings: {exc}"
        for name in names:
            if problem is not None:
                case = CaseResult(function.name, function.dir, name, ERROR, problem)
            else:
                try:
                    case = runner.run_case(function, name, config=config, update=update, unchecked_ok=True)
                except Exception as exc:  # an engine failure must not take the console down
                    case = CaseResult(function.name, function.dir, name, ERROR, f"could not run: {exc}")
            _post(self, self.CaseFinished(case))
        _post(self, self.RunFinished(names))

    @on(CaseFinished)
    def _case_finished(self, message: CaseFinished) -> None:
        case = message.case
        self.outcomes[_key(self.code_dir, case.event)] = case
        self.running.discard(case.event)
        if case.result is not None:
            text = _saved_text(self.code_dir, case.event)
            self.app.record(self.function_name, case.event, text, case.result)  # type: ignore[attr-defined]
        if case.updated:
            self.expected.add(case.event)
        self._refresh_row(case.event)

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        self.running.clear()
        cases = [self.outcome(n) for n in message.names]
        failed = sum(1 for c in cases if c is not None and c.outcome in (FAIL, ERROR))
        if len(message.names) > 1:
            passed = sum(1 for c in cases if c is not None and c.outcome == PASS)
            self.notify(
                f"{passed} passed, {failed} failed" if failed else f"All {passed} passed",
                title="Tests",
                severity="error" if failed else "information",
            )
        self.reload()

    # -- expected answers -------------------------------------------------------------------

    def action_save_expected(self) -> None:
        """Keep the highlighted event's last answer as its expected one (run it first if needed)."""
        name = self.highlighted()
        if name is None or name in self.running:
            return
        case = self.outcome(name)
        if case is None or case.result is None:
            self.start([name], update=True)
            return
        try:
            path, expectation = save_as_expected(self.code_dir, name, case.result)
        except (ExpectationError, workspace.WorkspaceError, OSError) as exc:
            self.notify(f"Not saved: {exc}", title="Save as expected", severity="error", timeout=10)
            return
        case.comparison = compare(expectation, case.result)
        case.outcome = PASS if case.comparison.passed else FAIL
        case.message = case.comparison.headline()
        self.expected.add(name)
        self.notify(f"Saved {name}'s answer as expected ({path.name}).", title="Save as expected")
        self._refresh_row(name)

    def action_close(self) -> None:
        self.dismiss(None)


_ANSWER_CHARS = 20_000  # the detail pane shows the start of a huge answer; Log output has it all


def _answer_text(result: Any) -> str:
    value = result.payload_value()
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = str(value)
    if len(text) > _ANSWER_CHARS:
        text = text[:_ANSWER_CHARS] + f"\n… ({len(text) - _ANSWER_CHARS:,} more characters)"
    return text


def _saved_text(code_dir: Path, event: str) -> str:
    try:
        return workspace.load_saved_event(code_dir, event)
    except workspace.WorkspaceError:
        return ""


def open_tests_view(app: Any) -> None:
    """Open the Tests view over the main screen; its event list marks new expectations after."""
    main = app.main_screen()
    if main is None or app.screen is not main:
        return

    def closed(_: None) -> None:
        if main.is_attached:
            main.event_panel.refresh_saved()

    app.push_screen(SavedTestsScreen(main.code_dir, main.function_name), closed)


def save_shown_result(app: Any) -> None:
    """Save as expected: the result in the main screen's panes becomes its saved event's expected
    answer. Refused, with a note saying why, for a draft event or one edited since that run."""
    main = app.main_screen()
    result = main.result_pane.result if main is not None else None
    if result is None:
        app.notify("No result to save: run a test first (F5).", title="Save as expected", severity="warning")
        return
    entry = next((e for e in reversed(app.history) if e.result is result), None)
    name = entry.event_name if entry is not None else ""
    if name not in workspace.list_saved_events(main.code_dir):
        app.notify(
            "Expected answers are kept beside saved events: save this test event first (Ctrl+S) and run it.",
            title="Save as expected",
            severity="warning",
        )
        return
    if not _same_json(entry.event_text, _saved_text(main.code_dir, name)):
        app.notify(
            f"The saved event {name!r} differs from the event this result ran with: run it again (F5) first.",
            title="Save as expected",
            severity="warning",
        )
        return
    try:
        path, expectation = save_as_expected(main.code_dir, name, result)
    except (ExpectationError, workspace.WorkspaceError, OSError) as exc:
        app.notify(f"Not saved: {exc}", title="Save as expected", severity="error", timeout=10)
        return
    comparison = compare(expectation, result)
    session_outcomes(app)[_key(main.code_dir, name)] = CaseResult(
        main.function_name, main.code_dir, name, PASS if comparison.passed else FAIL,
        comparison.headline(), comparison, result,
    )
    main.event_panel.refresh_saved()  # the event list marks it
    app.notify(f"Saved as the expected answer of {name!r} ({path}).", title="Save as expected")


def _same_json(a: str, b: str) -> bool:
    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return a == b
