"""The main screen: function bar, code and event editors, result and log panes, all test actions."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.widgets.text_area import Selection

from console.engine import ConfigError, check

from .. import store
from ..live import LIVE_DELIVERY_S, LiveLog
from ..render import event_error_position, event_problem
from ..store import Settings
from ..widgets.code_editor import CodeEditor
from ..widgets.event_panel import EventPanel
from ..widgets.function_bar import FunctionBar
from ..widgets.panes import LogPane, ResultPane
from ..widgets.running import RunningIndicator
from .history import HistoryEntry

SETTINGS_SAVE_DELAY_S = 0.5


class MainScreen(Screen[None]):
    """One function's test cycle."""

    CSS_PATH = [
        "main.tcss",
        "../widgets/function_bar.tcss",
        "../widgets/editors.tcss",
        "../widgets/panes.tcss",
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("f5", "test", "Test", priority=True),
        Binding("ctrl+r", "test", "Test", show=False, priority=True),
        # Not in the footer: showing/hiding it re-composes the footer on every run (~100 ms);
        # the running indicator says "Esc cancels" instead.
        Binding("escape", "cancel", "Cancel", show=False, priority=True),
        Binding("ctrl+t", "pick_template", "Template", priority=True),
        Binding("ctrl+s", "save_event", "Save event", priority=True),
        Binding("f3", "history", "History", priority=True),
        Binding("f4,ctrl+n", "new_environment", "New env", priority=True),
        Binding("f2,ctrl+o", "config", "Config", priority=True),
        Binding("ctrl+b", "blueprints", "Blueprint", priority=True),
        Binding("ctrl+f", "open_function", "Open fn", show=False, priority=True),
        # Focus and selection keys work the same at every terminal size.
        Binding("alt+c", "focus_code", "Code", show=False, priority=True),
        Binding("alt+e", "focus_event", "Event", show=False, priority=True),
        Binding("alt+h", "focus_handler", "Handler", show=False, priority=True),
        Binding("alt+a", "select_all", "Select all", show=False, priority=True),
        Binding("f6", "switch_top", "Code/Event", priority=True),
        Binding("f7", "switch_bottom", "Result/Log", priority=True),
        Binding("f8", "toggle_run_on_save", "Run on save", show=False, priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("f9", "step_functions", "Step Functions", show=False, priority=True),
        Binding("f10", "cycle_invocation_type", "Invoke as", show=False, priority=True),
        Binding("f12", "monitor", "Monitor", show=False, priority=True),
    ]

    def __init__(self, code_dir: Path) -> None:
        super().__init__()
        self.code_dir = Path(code_dir).resolve()
        self.settings, self._settings_warning = store.load_settings(self.code_dir)
        self.function_name = store.function_name(self.code_dir)
        self.run_on_save = False
        self.invocation_type = "RequestResponse"
        self._followed: set[str] = set()  # request ids of Event invocations the panes follow
        self._cancel: threading.Event | None = None
        self._rerun_pending = False
        self._settings_timer: Timer | None = None
        self._live: LiveLog | None = None
        self._live_timer: Timer | None = None
        self._offered: set[str] = set()  # files whose keep-mine/reload-theirs question is open

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield FunctionBar(self.code_dir, self.function_name, self.settings)
        with Horizontal(id="top"):
            yield CodeEditor(self.code_dir, id="code-pane")
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
        self.code_editor.text_area.focus()

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
    def running(self) -> bool:
        return self._cancel is not None

    def _update_titles(self) -> None:
        dirty = self.code_editor.dirty if self.is_mounted else False
        state = "● unsaved" if dirty else "saved"
        flags = " ─ run on save" if self.run_on_save else ""
        self.sub_title = f"{self.function_name} ─ {self.settings.runtime} ─ {state}{flags}"
        self.title = "lambda-console"
        narrow = self.has_class("-narrow")
        self.code_editor.border_subtitle = "F6 ⇄ Test event" if narrow else ""
        self.event_panel.border_subtitle = "F6 ⇄ Code" if narrow else ""
        self.result_pane.border_subtitle = "F7 ⇄ Log output" if narrow else ""
        self.log_pane.border_subtitle = "F7 ⇄ Result" if narrow else ""

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_titles)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else False
        if action in ("switch_top", "switch_bottom"):
            return self.has_class("-narrow")
        return True

    # -- the test cycle ----------------------------------------------------------------------

    def action_test(self) -> None:
        """Run the event in the editor (saved or not), off the UI thread."""
        if self.running:
            self.notify("A test is already running; Esc cancels it.", severity="warning")
            return
        text = self.event_panel.text
        problem = event_problem(text)
        if problem:
            self.result_pane.show_message(
                "Execution result: not run",
                f"The test event is not valid JSON, so the test did not run.\n\n{problem}\n\n"
                "Fix the event in the Test event editor (your text is kept) and press F5 again.",
                error=True,
            )
            self.notify(problem, title="Test event", severity="error")
            self._show_bottom("result")
            self._point_at_event_error(text)
            return
        self.code_editor.flush()
        for name in self.code_editor.conflicts:
            self.notify(
                f"{name}: testing the version on disk (your edits wait: keep mine or reload theirs).",
                title="Code",
                severity="warning",
            )
        config = store.to_config(self.code_dir, self.settings)
        try:
            check(config)
        except ConfigError as exc:
            self.result_pane.show_message("Execution result: not run", f"Configuration problem:\n\n{exc}", error=True)
            self.notify(str(exc), title="Configuration", severity="error")
            return
        if self.invocation_type != "RequestResponse":
            self._invoke_other(config, text)
            return
        self._cancel = threading.Event()
        self.indicator.start(on_show=self._show_running)
        self.log_pane.start_live()
        self._live = LiveLog()
        if self._live_timer is None:
            self._live_timer = self.set_interval(LIVE_DELIVERY_S, self._drain_live)
        else:
            self._live_timer.resume()
        self._invoke(config, text, self.event_panel.display_name, self._cancel, self._live)

    def _point_at_event_error(self, text: str) -> None:
        """Put the cursor where the JSON breaks, in the event editor (shown if it was hidden)."""
        position = event_error_position(text)
        if position is None:
            return
        self._show_top("event")
        editor = self.event_panel.editor
        editor.focus()
        editor.selection = Selection.cursor((position[0] - 1, max(0, position[1] - 1)))

    @work(thread=True, group="invoke", exit_on_error=False)
    def _invoke(self, config: Any, text: str, event_name: str, cancel: threading.Event, live: LiveLog) -> None:
        engine = self.app.engine
        # Hand the result to the UI without waiting for it; live output goes into `live`, which
        # the UI drains on a timer (one callback per chunk would starve the event loop in a flood).
        to_ui = self.app.call_soon_from_thread
        try:
            result = engine.invoke(config, text.encode("utf-8"), cancel=cancel, on_log=live.add)
        except Exception as exc:  # an engine failure must not take the console down
            to_ui(self._invoke_failed, exc)
            return
        to_ui(self._invoke_done, result, event_name, text)

    # The worker's results can arrive after the screen closed (quit or function switch mid-run).

    def _drain_live(self) -> None:
        if self._live is None or not self.is_attached:
            return
        text = self._live.take()
        if text:
            self.log_pane.append_live(text)

    def _show_running(self) -> None:
        # Only for runs that take a while: a quick run goes straight to its result in one repaint.
        # The previous result goes, so it is not read as this run's.
        self.result_pane.show_message(
            "Execution result: running…", "The test is running; its result appears here. Esc cancels."
        )

    def _finish_run(self) -> None:
        self._cancel = None
        self._live = None
        if self._live_timer is not None:
            self._live_timer.pause()
        self.indicator.stop()
        if self._rerun_pending:
            self._rerun_pending = False
            self.action_test()

    def _invoke_failed(self, exc: Exception) -> None:
        if not self.is_attached:
            return
        self.result_pane.show_message("Execution result: not run", f"The engine could not run the test:\n\n{exc}", error=True)
        self.notify(str(exc), title="Engine", severity="error")
        self._finish_run()

    def _invoke_done(self, result: Any, event_name: str, text: str) -> None:
        if not self.is_attached:
            return
        self._drain_live()  # the tail of what streamed, so an unchanged log is not drawn twice
        self.app.metrics.record_invocation(self.function_name, result)
        entry = self.app.record(self.function_name, event_name, text, result)
        self.show_entry(entry, live=True)
        self._finish_run()

    # -- Event and DryRun invocations (the Invoke API's other types) -----------------------------

    def _invoke_other(self, config: Any, text: str) -> None:
        from console.service.errors import InvokeError
        from console.service.invocation_types import invoke

        kind = self.invocation_type
        try:
            outcome = invoke(
                self.app.engine,
                config,
                text.encode("utf-8"),
                kind,
                async_queue=self.app.async_queue if kind == "Event" else None,
            )
        except ConfigError as exc:
            self.result_pane.show_message(f"{kind}: would fail", f"{exc}", error=True)
            return
        except InvokeError as exc:
            self.result_pane.show_message(f"{kind}: refused", f"{exc}", error=True)
            return
        if kind == "DryRun":
            self.result_pane.show_message(
                "DryRun: 204 No Content",
                "The configuration and the handler check out: the function would run.\n"
                "Nothing was invoked.",
            )
            return
        self._followed.add(outcome.request_id)
        self.log_pane.start_live()
        self.result_pane.show_message(
            f"Event: 202 Accepted ─ {outcome.request_id[:8]}",
            f"Request ID {outcome.request_id}\n\nThe event is queued and runs in the background, "
            "retried twice on errors like Lambda (after 1 and 2 minutes). Each attempt's log appears "
            "in Log output; the last attempt's result replaces this note. F12 opens the Monitor.",
        )

    def on_async_update(self, update: Any) -> None:
        """Follow this screen's Event invocations in the panes (called by the app)."""
        if update.request_id not in self._followed or not self.is_attached:
            return
        if update.kind == "log":
            self.log_pane.append_live(update.text)
        elif update.kind == "start":
            if update.attempt > 1:
                self.log_pane.start_live()
            self.log_pane.append_live(f"── {update.text} (Event {update.request_id[:8]}) ──\n")
        elif update.kind == "attempt" and update.result is not None:
            self.app.record(self.function_name, f"Event attempt {update.attempt}", "", update.result)
            self.result_pane.show_result(update.result, note=f"Event attempt {update.attempt}")
            self.log_pane.show_log(update.result.log)
        elif update.text:
            self.log_pane.append_live(f"── {update.text} ──\n")
            if update.kind in ("destination", "dropped"):
                self._followed.discard(update.request_id)

    def action_cycle_invocation_type(self) -> None:
        from ..widgets.function_bar import INVOCATION_TYPES

        index = INVOCATION_TYPES.index(self.invocation_type)
        self.bar.set_invocation_type(INVOCATION_TYPES[(index + 1) % len(INVOCATION_TYPES)])

    @on(FunctionBar.InvocationTypeChanged)
    def _invocation_type_changed(self, event: FunctionBar.InvocationTypeChanged) -> None:
        if event.invocation_type == self.invocation_type:
            return  # the Select announcing its initial value
        self.invocation_type = event.invocation_type
        self.notify(f"F5 now invokes as {event.invocation_type}.", title="Invoke as")

    def action_monitor(self) -> None:
        from .monitor import MonitorScreen

        self.app.push_screen(MonitorScreen())

    def show_entry(self, entry: HistoryEntry, live: bool = False) -> None:
        """Show an invocation (just finished or from history) in the result and log panes."""
        note = None if live else f"history #{entry.number}"
        self.result_pane.show_result(entry.result, note=note)
        self.log_pane.show_log(entry.result.log)
        self._show_bottom("result")

    def action_cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.indicator.set_label("Cancelling")

    # -- environment, history, configuration --------------------------------------------------

    def action_new_environment(self) -> None:
        config = store.to_config(self.code_dir, self.settings)
        self._new_environment(config)
        self.notify("The next test starts a new execution environment (cold start).", title="New environment")

    @work(thread=True, group="env", exit_on_error=False)
    def _new_environment(self, config: Any) -> None:
        self.app.engine.new_environment(config)

    def action_history(self) -> None:
        from .history import HistoryModal

        def chosen(entry: HistoryEntry | None) -> None:
            if entry is not None:
                self.show_entry(entry)

        self.app.push_screen(HistoryModal(self.app.history), chosen)

    def action_config(self) -> None:
        from .config import ConfigModal

        def done(settings: Settings | None) -> None:
            if settings is not None:
                self._apply_settings(settings, save_now=True)
                self.notify("Configuration saved.", title="Configuration")

        self.app.push_screen(ConfigModal(self.code_dir, self.settings), done)

    def _apply_settings(self, settings: Settings, save_now: bool = False) -> None:
        self.settings = settings
        self.bar.set_settings(settings)
        self._update_titles()
        if self._settings_timer is not None:
            self._settings_timer.stop()
        if save_now:
            self._save_settings()
        else:
            self._settings_timer = self.set_timer(SETTINGS_SAVE_DELAY_S, self._save_settings)

    def _save_settings(self) -> None:
        self._settings_timer = None
        try:
            store.save_settings(self.code_dir, self.settings)
        except Exception as exc:
            self.notify(f"Could not save the configuration: {exc}", severity="error")

    @on(FunctionBar.HandlerChanged)
    def _handler_changed(self, event: FunctionBar.HandlerChanged) -> None:
        if event.handler != self.settings.handler:
            self.settings = store.updated(self.settings, handler=event.handler)
            if self._settings_timer is not None:
                self._settings_timer.stop()
            self._settings_timer = self.set_timer(SETTINGS_SAVE_DELAY_S, self._save_settings)

    @on(FunctionBar.RuntimeChanged)
    def _runtime_changed(self, event: FunctionBar.RuntimeChanged) -> None:
        self._apply_settings(store.updated(self.settings, runtime=event.runtime), save_now=True)

    @on(FunctionBar.ConfigRequested)
    def _config_requested(self) -> None:
        self.action_config()

    # -- code changes ------------------------------------------------------------------------

    @on(CodeEditor.CodeChanged)
    def _code_changed(self, event: CodeEditor.CodeChanged) -> None:
        self.bar.recheck()
        self._update_titles()
        if self.run_on_save and event_problem(self.event_panel.text) is None:
            if self.running:
                self._rerun_pending = True
            else:
                self.action_test()

    @on(CodeEditor.Conflict)
    def _code_conflict(self, event: CodeEditor.Conflict) -> None:
        self.offer_conflict(event.name)

    def offer_conflict(self, name: str | None = None) -> None:
        """Ask whether to keep the editor's text or load the other program's (autosave waits)."""
        from .prompt import Choice

        conflicts = self.code_editor.conflicts
        if name is None:
            if not conflicts:
                self.notify("No file is in conflict with its copy on disk.", title="Code")
                return
            name = conflicts[0]
        if name not in conflicts or name in self._offered:
            return
        self._offered.add(name)

        def answered(answer: str | None) -> None:
            self._offered.discard(name)
            if answer is None:
                self.notify(
                    f"Autosave of {name} stays paused until you choose (palette: Resolve file changed on disk).",
                    title="Code",
                    severity="warning",
                )
                return
            try:
                aside = self.code_editor.resolve(name, keep_mine=answer == "mine")
            except OSError as exc:
                self.notify(f"Could not resolve {name}: {exc}", severity="error")
                return
            if aside is None:
                return
            what = "The other editor's version" if answer == "mine" else "Your version"
            self.notify(f"{what} of {name} was saved as {aside}", title="Code", timeout=15)
            self.bar.recheck()

        self.app.push_screen(
            Choice(
                f"{name} changed on disk",
                f"Another program changed {name} while you had unsaved edits here. Autosave of this file "
                "is paused. Which version do you want? The other one is saved aside in "
                ".lambda-console/conflicts/ in the function folder.",
                [("mine", "Keep mine"), ("theirs", "Reload theirs")],
            ),
            answered,
        )

    def action_resolve_conflict(self) -> None:
        self.offer_conflict()

    @on(CodeEditor.DirtyChanged)
    def _dirty_changed(self) -> None:
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
        if self._settings_timer is not None:
            self._settings_timer.stop()
            self._save_settings()

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    # -- events --------------------------------------------------------------------------------

    def action_pick_template(self) -> None:
        from .pickers import TemplatePicker

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self.event_panel.use_template(*choice)
                self._show_top("event")

        self.app.push_screen(TemplatePicker(), chosen)

    def action_save_event(self) -> None:
        panel = self.event_panel
        problem = event_problem(panel.text)
        if problem:
            self.notify(f"Not saved: {problem}", title="Test event", severity="error")
            return
        if panel.saved_name:
            self._save_event_as(panel.saved_name)
            return
        from .prompt import NamePrompt

        def chosen(name: str | None) -> None:
            if name:
                self._save_event_as(name)

        existing = set(store.saved_events(self.code_dir))
        self.app.push_screen(
            NamePrompt(
                "Save test event as",
                value=_suggest_event_name(panel.template_name, existing),
                check=lambda n: _event_name_problem(n, existing),
                hint="Up to 25 letters, digits, '.', '_' or '-'.",
            ),
            chosen,
        )

    def _save_event_as(self, name: str) -> None:
        try:
            store.save_event(self.code_dir, name, self.event_panel.text)
        except Exception as exc:
            self.notify(f"Could not save the event: {exc}", severity="error")
            return
        self.event_panel.mark_saved(name)
        self.notify(f"The test event {name} was successfully saved.", title="Test event")

    def action_format_event(self) -> None:
        if not self.event_panel.format_json():
            self.notify(event_problem(self.event_panel.text) or "Not JSON", title="Test event", severity="error")

    def action_rename_event(self) -> None:
        panel = self.event_panel
        if not panel.saved_name:
            self.notify("Select a saved event first (unsaved events have no name yet).", severity="warning")
            return
        from .prompt import NamePrompt

        old = panel.saved_name
        existing = set(store.saved_events(self.code_dir)) - {old}

        def chosen(name: str | None) -> None:
            if name and name != old:
                try:
                    store.rename_event(self.code_dir, old, name)
                except Exception as exc:
                    self.notify(f"Could not rename: {exc}", severity="error")
                    return
                panel.mark_saved(name)
                self.notify(f"Renamed {old} to {name}.", title="Test event")

        self.app.push_screen(
            NamePrompt(f"Rename test event {old}", value=old, check=lambda n: _event_name_problem(n, existing)),
            chosen,
        )

    def action_delete_event(self) -> None:
        panel = self.event_panel
        if not panel.saved_name:
            self.notify("Select a saved event to delete.", severity="warning")
            return
        from .prompt import Confirm

        name = panel.saved_name

        def answered(yes: bool | None) -> None:
            if yes:
                try:
                    store.delete_event(self.code_dir, name)
                except Exception as exc:
                    self.notify(f"Could not delete: {exc}", severity="error")
                    return
                panel.saved_name = None
                panel.draft = panel.text
                panel.refresh_saved()
                panel._update_title()
                self.notify(f"Deleted the test event {name}; its text stays in the editor.", title="Test event")

        self.app.push_screen(Confirm(f"Delete the saved test event {name}?", yes="Delete"), answered)

    # -- files -----------------------------------------------------------------------------------

    def action_new_file(self) -> None:
        from .prompt import NamePrompt

        def chosen(name: str | None) -> None:
            if name:
                try:
                    self.code_editor.create_file(name)
                except OSError as exc:
                    self.notify(str(exc), severity="error")

        self.app.push_screen(NamePrompt("New file", value="utils.py", check=self._file_name_problem), chosen)

    def action_rename_file(self) -> None:
        from .prompt import NamePrompt

        current = self.code_editor.current
        if current is None:
            return

        def chosen(name: str | None) -> None:
            if name and name != current:
                try:
                    self.code_editor.rename_file(name)
                except OSError as exc:
                    self.notify(str(exc), severity="error")
                self.bar.recheck()

        self.app.push_screen(NamePrompt(f"Rename {current}", value=current, check=self._file_name_problem), chosen)

    def _file_name_problem(self, name: str) -> str | None:
        if "/" in name or "\\" in name or name.startswith(".") or name in ("..",):
            return "A plain file name in the function folder, like utils.py"
        if (self.code_dir / name).exists():
            return f"{name} already exists"
        return None

    # -- functions -------------------------------------------------------------------------------

    def action_blueprints(self) -> None:
        from .pickers import BlueprintPicker

        self.app.push_screen(BlueprintPicker(), self._blueprint_chosen)

    def _blueprint_chosen(self, blueprint: Any, suggestion: str | None = None) -> None:
        if blueprint is None:
            return
        from .prompt import Choice, NamePrompt

        def named(name: str | None) -> None:
            if not name:
                return
            if store.function_exists(name):

                def answered(answer: str | None) -> None:
                    if answer == "open":
                        self.app.open_function(store.function_dir(name))
                        self.app.notify(f"Opened the existing function {name}.", title="Open function")
                    elif answer == "rename":
                        self._blueprint_chosen(blueprint, _free_name(name))

                self.app.push_screen(
                    Choice(
                        f"{name} already exists",
                        f"A function named {name} already exists in the workspace; it is never overwritten.",
                        [("open", f"Open {name}"), ("rename", "Choose another name")],
                    ),
                    answered,
                )
                return
            try:
                new_dir = store.create_from_blueprint(blueprint, name)
            except Exception as exc:
                self.notify(f"Could not create the function: {exc}", severity="error")
                return
            self.app.open_function(new_dir)
            self.app.notify(f"Created {name} from the {blueprint.name} blueprint.", title="New function")

        self.app.push_screen(
            NamePrompt(
                f"Name of the new function ({blueprint.name} blueprint)",
                value=suggestion or _free_name(blueprint.name),
                check=_function_name_problem,
                hint="An existing function is never overwritten (you can open it instead).",
            ),
            named,
        )

    def action_open_function(self) -> None:
        from .pickers import FunctionPicker

        def chosen(folder: Path | None) -> None:
            if folder is None:
                return
            if Path(folder).resolve() == self.code_dir:
                return
            self.app.open_function(folder)

        self.app.push_screen(FunctionPicker(self.code_dir), chosen)

    # -- panes on narrow terminals ----------------------------------------------------------------

    def _show_top(self, which: str) -> None:
        self.query_one("#top").set_class(which == "event", "-show-event")

    def _show_bottom(self, which: str) -> None:
        self.query_one("#bottom").set_class(which == "log", "-show-log")

    def action_switch_top(self) -> None:
        top = self.query_one("#top")
        showing_event = top.has_class("-show-event")
        self._show_top("code" if showing_event else "event")
        (self.code_editor.text_area if showing_event else self.event_panel.editor).focus()

    def action_switch_bottom(self) -> None:
        bottom = self.query_one("#bottom")
        self._show_bottom("result" if bottom.has_class("-show-log") else "log")

    def action_focus_code(self) -> None:
        self._show_top("code")
        self.code_editor.text_area.focus()

    def action_focus_event(self) -> None:
        self._show_top("event")
        self.event_panel.editor.focus()

    def action_focus_handler(self) -> None:
        self.query_one("#handler").focus()

    def action_select_all(self) -> None:
        """Select the whole text of the focused editor or input (the code editor when none is)."""
        from textual.widgets import Input, TextArea

        focused = self.app.focused
        if isinstance(focused, TextArea):
            focused.select_all()
        elif isinstance(focused, Input):
            focused.select_all()
        else:
            self.action_focus_code()
            self.code_editor.text_area.select_all()

    def action_step_functions(self) -> None:
        """Open the Step Functions view (Escape comes back here)."""
        try:
            from ..stepfunctions_screen import StepFunctionsScreen
        except ImportError as exc:
            self.notify(f"The Step Functions view is not available: {exc}", severity="warning")
            return
        self.code_editor.flush()
        self.app.push_screen(StepFunctionsScreen())

    def action_help(self) -> None:
        from .help import HelpModal

        self.app.push_screen(HelpModal())


def _event_name_problem(name: str, existing: set[str]) -> str | None:
    if not store.valid_event_name(name):
        return "Use up to 25 letters, digits, '.', '_' or '-'"
    if name in existing:
        return f"There is already a saved event named {name}"
    return None


def _suggest_event_name(base: str | None, existing: set[str]) -> str:
    """A valid, free event name from a template's name ('timeout-demo event' -> 'timeout-demo-event')."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", base or "").strip("-.")[:22] or "my-event"
    name, n = stem, 1
    while name in existing or not store.valid_event_name(name):
        n += 1
        name = f"{stem[:22]}-{n}"
        if n > 99:
            return ""
    return name


def _function_name_problem(name: str) -> str | None:
    if not store.valid_function_name(name):
        return "Use 1-64 letters, digits, hyphens or underscores"
    return None  # an existing name is offered to be opened instead


def _free_name(base: str) -> str:
    if not store.function_exists(base):
        return base
    n = 2
    while store.function_exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
