"""The main screen: function bar, code and event editors, result and log panes, and the keys
that drive one function's test cycle (the cycle itself is a TestSession, see session.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets.text_area import Selection

from console.engine import ConfigError

from .. import store
from ..messages import AsyncEventUpdate, InvocationFailed, InvocationFinished, LiveLogChunk, post_from_thread
from ..render import event_error_position, event_problem
from ..session import Accepted, DryRunPassed, NotRun, Started, TestSession
from ..store import Settings
from ..widgets.code_editor import CodeEditor
from ..widgets.event_panel import EventPanel
from ..widgets.function_bar import FunctionBar
from ..widgets.panes import LogPane, ResultPane
from ..widgets.running import RunningIndicator
from .history import HistoryEntry
from .layout import PaneLayout


class MainScreen(PaneLayout, Screen[None]):
    """One function's test cycle."""

    CSS_PATH = [
        "main.tcss",
        "../widgets/function_bar.tcss",
        "../widgets/editors.tcss",
        "../widgets/panes.tcss",
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # Not in the code: a newcomer's Tab or Enter meant to move around must not edit it. Focused
    # as the screen composes (not moved there once mounted, which re-composed the footer).
    AUTO_FOCUS = "#result-pane"
    BINDINGS = [
        Binding("f5", "test", "Test", priority=True),
        Binding("ctrl+r", "test", "Test", show=False, priority=True),
        # Not in the footer: showing/hiding it re-composes the footer on every run (~100 ms);
        # the running indicator says "Esc cancels" instead.
        Binding("escape", "cancel", "Cancel", show=False, priority=True),
        # The footer keeps the keys of the test cycle (F1 lists them all): it must fit 80 columns.
        Binding("ctrl+t", "pick_template", "Template", show=False, priority=True),
        Binding("ctrl+s", "save_event", "Save event", priority=True),
        Binding("f3", "history", "History", show=False, priority=True),
        Binding("f4,ctrl+n", "new_environment", "New env", show=False, priority=True),
        Binding("f2,ctrl+o", "config", "Config", priority=True),
        Binding("ctrl+b", "app.blueprints", "Blueprint", show=False, priority=True),
        # Not priority: in an editor Ctrl+F finds (as in VS Code); elsewhere it opens a function.
        Binding("ctrl+f", "app.open_function", "Open fn", show=False),
        Binding("alt+z", "zoom", "Zoom", show=False, priority=True),
        Binding("alt+f", "toggle_files", "Files", show=False, priority=True),
        # Focus and selection keys work the same at every terminal size.
        Binding("alt+c", "focus_code", "Code", show=False, priority=True),
        Binding("alt+e", "focus_event", "Event", show=False, priority=True),
        Binding("alt+h", "focus_handler", "Handler", show=False, priority=True),
        # On a narrow terminal the panes' borders name F6 and F7 (the footer must fit 80 columns).
        Binding("f6", "switch_top", "Code/Event", show=False, priority=True),
        Binding("f7", "switch_bottom", "Result/Log", show=False, priority=True),
        Binding("f8", "toggle_run_on_save", "Run on save", show=False, priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("f9", "step_functions", "Step Functions", show=False, priority=True),
        Binding("f10", "cycle_invocation_type", "Invoke as", show=False, priority=True),
        Binding("f12", "monitor", "Monitor", show=False, priority=True),
    ]

    def __init__(self, code_dir: Path) -> None:
        super().__init__()
        self.code_dir = Path(code_dir).resolve()
        self._settings, self._settings_warning = store.load_settings(self.code_dir)
        self.function_name = store.function_name(self.code_dir)
        self.run_on_save = False
        self.session = TestSession(
            self.function_name,
            invoker=lambda: self.app.invoker,
            post=lambda message: post_from_thread(self, message),
            events=lambda: self.app.async_queue,
        )

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._set_breakpoint_class()
        yield FunctionBar(self.code_dir, self.function_name, self._settings)
        with Horizontal(id="top"):
            yield CodeEditor(self.code_dir, on_disk_change=self._code_on_disk_changed, id="code-pane")
            yield EventPanel(self.code_dir, id="event-pane")
        with Horizontal(id="bottom"):
            yield ResultPane(id="result-pane")
            yield LogPane(id="log-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.app.track_metrics(self.function_name, self.code_dir)
        self._update_titles()
        if self._settings_warning:
            self.notify(self._settings_warning, title="Configuration", severity="error", timeout=12)
        self.result_pane.focus()  # AUTO_FOCUS did; kept for a screen whose focus moved meanwhile
        # Work the first screen does not show waits until it is painted.
        self.call_after_refresh(self._resume_events)
        self.set_timer(0.25, self._paint_if_never_painted)  # a safety net: see _compositor_refresh

    # -- the first paint ---------------------------------------------------------------------

    _painted = False

    def _compositor_refresh(self) -> None:
        """Textual 8.2 starts the app inside a batch update, and a screen refreshed during a batch
        renders a whole frame that App._display then drops: ~15 ms of the console's start went to
        a frame nobody saw. Until the first frame is shown, a refresh inside a batch only marks the
        screen for repainting; the start's resize event (or _paint_if_never_painted) paints it."""
        app = self.app
        if not self._painted and app._batch_count and self is app.screen and not app.is_inline:
            self._repaint_required = True
            return
        if not app._batch_count:
            self._painted = True
        super()._compositor_refresh()

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first resume follows the mount, where every widget was just styled with the
        # screen's final classes: restyling the whole tree again (~12 ms) changes nothing.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        super()._on_screen_resume(event)

    def _paint_if_never_painted(self) -> None:
        if not self._painted:
            self.refresh()

    def _set_breakpoint_class(self) -> None:
        """Give the screen its width class (-narrow / -wide) before the panes mount, as Textual
        would on the first resize: the panes are styled once, not styled and then restyled."""
        width = self.app.size.width
        breakpoints = sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True)
        chosen = next((name for threshold, name in breakpoints if width >= threshold), None)
        self.update_classes({name: name == chosen for _, name in breakpoints}, animate=False)

    def _resume_events(self) -> None:
        """Take over the Event invocations an earlier console left queued for this function."""
        if not self.is_attached:
            return
        try:
            resumed = self.session.resume_events(self.config())
        except (OSError, ConfigError) as exc:
            self.notify(f"Queued Event invocations could not be resumed: {exc}", severity="warning")
        else:
            if resumed:
                self.notify(
                    f"Resumed {resumed} queued Event invocation(s) of {self.function_name} (F12 shows them).",
                    title="Event invocations",
                )

    @property
    def bar(self) -> FunctionBar:
        return self.query_one(FunctionBar)

    @property
    def code_editor(self) -> CodeEditor:
        return self.query_one(CodeEditor)

    @property
    def event_panel(self) -> EventPanel:
        return self.query_one(EventPanel)

    @property
    def result_pane(self) -> ResultPane:
        return self.query_one(ResultPane)

    @property
    def log_pane(self) -> LogPane:
        return self.query_one(LogPane)

    @property
    def indicator(self) -> RunningIndicator:
        return self.query_one(RunningIndicator)

    @property
    def settings(self) -> Settings:
        """The function's settings as the function bar holds them (it saves them)."""
        return self.bar.settings if self.is_mounted else self._settings

    @property
    def running(self) -> bool:
        return self.session.running

    @property
    def invocation_type(self) -> str:
        return self.session.invocation_type

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else False
        if action in ("switch_top", "switch_bottom"):
            return self.has_class("-narrow")
        return True

    # -- the test cycle ----------------------------------------------------------------------

    def config(self) -> Any:
        return store.to_config(self.code_dir, self.settings)

    def action_test(self) -> None:
        """Run the event in the editor (saved or not) as the chosen invocation type."""
        if self.running:
            self.notify("A test is already running; Esc cancels it.", severity="warning")
            return
        self.code_editor.flush()
        text = self.event_panel.text
        panel = self.event_panel
        outcome = self.session.test(self.config(), text, panel.display_name)
        if isinstance(outcome, NotRun):
            self._not_run(outcome, text)
            return
        self.bar.remember_event(panel.saved_name, panel.template_name, text)
        for name in self.code_editor.conflicts:
            self.notify(
                f"{name}: testing the version on disk (your edits wait: keep mine or reload theirs).",
                title="Code",
                severity="warning",
            )
        if isinstance(outcome, Started):
            # The result panes take the room when the result (or, for a slow run, the running
            # note) is painted: a quick run is one repaint, not a relayout now and the result
            # a frame or two later (Textual paints at most once per 1/60 s after a paint).
            self.indicator.start(on_show=self._show_running)
            self.log_pane.start_live()
            return
        self._show_bottom("result")  # what comes back takes the room
        if isinstance(outcome, DryRunPassed):
            self.result_pane.show_message(
                "DryRun: 204 No Content",
                "The configuration and the handler check out: the function would run.\nNothing was invoked.",
            )
            self.log_pane.show_note("DryRun: nothing ran, so there is no log.")
        elif isinstance(outcome, Accepted):
            self.log_pane.start_live()
            self.result_pane.show_message(
                f"Event: 202 Accepted ─ {outcome.request_id[:8]} ─ event {panel.display_name}",
                f"Request ID {outcome.request_id}\n\nThe event is queued and runs in the background, "
                "retried twice on errors like Lambda (after 1 and 2 minutes). Each attempt's log appears "
                "in Log output; the last attempt's result replaces this note. F12 opens the Monitor.",
            )

    def _not_run(self, outcome: NotRun, text: str) -> None:
        self.result_pane.show_message(outcome.title, outcome.message, error=True)
        self.log_pane.show_note("The test did not run: no log.")
        self._show_bottom("result")
        if outcome.what == "event":
            self.notify(outcome.detail, title="Test event", severity="error")
            self._point_at_event_error(text)
        elif outcome.what == "config":
            self.notify(outcome.detail, title="Configuration", severity="error")

    def _point_at_event_error(self, text: str) -> None:
        """Put the cursor where the JSON breaks, in the event editor (shown if it was hidden)."""
        position = event_error_position(text)
        if position is None:
            return
        self._show_top("event")
        editor = self.event_panel.editor
        editor.focus()
        editor.selection = Selection.cursor((position[0] - 1, max(0, position[1] - 1)))

    def _show_running(self) -> None:
        # Only for runs that take a while: a quick run goes straight to its result in one repaint.
        # The previous result goes, so it is not read as this run's.
        if self.running:
            self.result_pane.show_message(
                "Execution result: running…", "The test is running; its result appears here. Esc cancels."
            )
            self._show_bottom("result")

    @on(LiveLogChunk)
    def _live_log(self, message: LiveLogChunk) -> None:
        if self.session.is_current(message.source):
            self.log_pane.append_live(message.text)

    @on(InvocationFinished)
    def _finished(self, message: InvocationFinished) -> None:
        entry = self.app.record(self.function_name, message.event_name, message.event_text, message.result)
        if self.session.is_current(message.run_id):
            self.show_entry(entry, live=True)
        self._end_run(message.run_id)

    @on(InvocationFailed)
    def _failed(self, message: InvocationFailed) -> None:
        if self.session.is_current(message.run_id):
            self.result_pane.show_message("Execution result: not run", f"{message.title}:\n\n{message.error}", error=True)
            self.log_pane.show_note("The test did not run: no log.")
            self._show_bottom("result")
        self.notify(message.error, title=message.title, severity="error")
        self._end_run(message.run_id)

    def _end_run(self, run_id: int) -> None:
        self.indicator.stop()
        if self.session.finished(run_id):
            self.action_test()

    @on(AsyncEventUpdate)
    def _async_update(self, message: AsyncEventUpdate) -> None:
        """An Event invocation's happening: in the panes while it is the newest invocation,
        else only in the history (a background retry never replaces a newer result)."""
        update = message.update
        current = self.session.is_current(update.request_id)
        if update.kind == "attempt" and update.result is not None:
            event_name = self.session.event_names.get(update.request_id, "")
            entry = self.app.record(self.function_name, event_name, "", update.result, f"Event attempt {update.attempt}")
            if current:
                self.result_pane.show_result(update.result, note=entry.note)
                self.log_pane.show_log(update.result.log)
            else:
                word = "succeeded" if update.result.succeeded else "failed"
                self.notify(
                    f"Event {update.request_id[:8]} attempt {update.attempt} {word} (History #{entry.number}, F3).",
                    title="Event invocation",
                    severity="information" if update.result.succeeded else "warning",
                )
        elif not current:
            return
        elif update.kind == "start":
            if update.attempt > 1:
                self.log_pane.start_live()
            self.log_pane.append_live(f"── {update.text} (Event {update.request_id[:8]}) ──\n")
        elif update.text:
            self.log_pane.append_live(f"── {update.text} ──\n")

    def action_cycle_invocation_type(self) -> None:
        from ..session import INVOCATION_TYPES

        index = INVOCATION_TYPES.index(self.invocation_type)
        self.bar.set_invocation_type(INVOCATION_TYPES[(index + 1) % len(INVOCATION_TYPES)])

    @on(FunctionBar.InvocationTypeChanged)
    def _invocation_type_changed(self, event: FunctionBar.InvocationTypeChanged) -> None:
        if event.invocation_type == self.session.invocation_type:
            return  # the Select announcing its initial value
        self.session.invocation_type = event.invocation_type
        self.notify(f"F5 now invokes as {event.invocation_type}.", title="Invoke as")

    def show_entry(self, entry: HistoryEntry, live: bool = False) -> None:
        """Show an invocation (just finished or from history) in the result and log panes."""
        note = entry.note if live else f"{entry.note} ─ history #{entry.number}"
        self.result_pane.show_result(entry.result, note=note)
        self.log_pane.show_log(entry.result.log)
        self._show_bottom("result")

    def action_cancel(self) -> None:
        if self.session.cancel():
            self.indicator.set_label("Cancelling")

    def on_unmount(self) -> None:
        self.session.close()

    # -- environment, history, configuration, monitor ------------------------------------------

    def action_new_environment(self) -> None:
        self.session.force_cold_next = True
        self.notify("The next test starts a new execution environment (cold start).", title="New environment")

    def action_history(self) -> None:
        from .history import HistoryModal

        def chosen(entry: HistoryEntry | None) -> None:
            if entry is not None:
                self.session.latest = None  # the panes now describe a past invocation
                self.show_entry(entry)

        self.app.push_screen(HistoryModal(self.app.history), chosen)

    def action_monitor(self) -> None:
        from .monitor import MonitorScreen

        self.app.push_screen(MonitorScreen(self.function_name))

    def action_config(self) -> None:
        from .config import ConfigModal

        def done(settings: Settings | None) -> None:
            if settings is not None:
                self.bar.apply(settings)
                self._update_titles()
                self.notify("Configuration saved.", title="Configuration")

        self.app.push_screen(ConfigModal(self.code_dir, self.settings), done)

    @on(FunctionBar.RuntimeChanged)
    def _runtime_changed(self) -> None:
        self._update_titles()

    @on(FunctionBar.ConfigRequested)
    def _config_requested(self) -> None:
        self.action_config()

    # -- code ------------------------------------------------------------------------------------

    def _code_on_disk_changed(self) -> None:
        """The editor wrote the function's files, or found another program's change: the next
        invocation must run what is on disk (called before any message, so F5 right after sees it)."""
        self.app.invoker.code_changed(self.code_dir)

    @on(CodeEditor.CodeChanged)
    def _code_changed(self, event: CodeEditor.CodeChanged) -> None:
        self.bar.recheck()
        self._update_titles()
        if self.run_on_save and event_problem(self.event_panel.text) is None:
            if not self.session.request_rerun():
                self.action_test()

    @on(CodeEditor.DirtyChanged)
    def _dirty_changed(self, event: CodeEditor.DirtyChanged) -> None:
        if event.dirty:
            self._set_editing(True)
        self._update_titles()

    def action_toggle_run_on_save(self) -> None:
        self.run_on_save = not self.run_on_save
        self._update_titles()
        self.notify(
            "Run on save is on: the test re-runs whenever the code changes."
            if self.run_on_save
            else "Run on save is off.",
            title="Run on save",
        )

    def flush(self, final: bool = False) -> None:
        """Write pending code and settings (final: the editor closes, as on quit or switching function)."""
        if self.is_mounted:
            self.code_editor.flush(final=final)
        if self.is_mounted:
            self.bar.flush()

    def action_new_file(self) -> None:
        self.code_editor.new_file()

    def action_open_file(self) -> None:
        self.code_editor.ask_open()

    def action_toggle_files(self) -> None:
        self._show_top("code")
        self.code_editor.toggle_tree()

    def action_delete_file(self) -> None:
        self.code_editor.delete_file()

    def action_rename_file(self) -> None:
        self.code_editor.ask_rename()

    def action_resolve_conflict(self) -> None:
        self.code_editor.offer_conflict()

    # -- the test event (the panel does the work) ------------------------------------------------

    def action_pick_template(self) -> None:
        self.event_panel.pick_template()

    @on(EventPanel.Shown)
    def _event_shown(self) -> None:
        self._show_top("event")

    def action_save_event(self) -> None:
        self.event_panel.save_event()

    def action_format_event(self) -> None:
        self.event_panel.format_event()

    def action_rename_event(self) -> None:
        self.event_panel.rename_event()

    def action_delete_event(self) -> None:
        self.event_panel.delete_event()

    def action_step_functions(self) -> None:
        """Open the Step Functions view (Escape comes back here)."""
        from ..stepfunctions_screen import StepFunctionsScreen

        self.code_editor.flush()
        self.app.push_screen(StepFunctionsScreen())

    def action_help(self) -> None:
        from .help import HelpModal

        self.app.push_screen(HelpModal())
