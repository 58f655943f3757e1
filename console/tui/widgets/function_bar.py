"""The function bar: name, runtime, handler (checked as typed), limits, running indicator; it keeps
the function's settings and saves them (a typed handler after a short pause, the rest at once)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from console.engine import RUNTIMES

from console.workspace import WorkspaceError

from .. import store
from ..store import HOST_PYTHON, Settings
from .compact_button import CompactButton
from .running import RunningIndicator


from ..session import INVOCATION_TYPES, handler_problem

SETTINGS_SAVE_DELAY_S = 0.5


class FunctionBar(Vertical):
    """Top strip of the main screen; posts HandlerChanged / RuntimeChanged as the user edits."""

    class HandlerChanged(Message):
        def __init__(self, handler: str) -> None:
            super().__init__()
            self.handler = handler

    class RuntimeChanged(Message):
        def __init__(self, runtime: str) -> None:
            super().__init__()
            self.runtime = runtime

    class ConfigRequested(Message):
        """The Config button was pressed."""

    class InvocationTypeChanged(Message):
        def __init__(self, invocation_type: str) -> None:
            super().__init__()
            self.invocation_type = invocation_type

    def __init__(self, code_dir: Path, function_name: str, settings: Settings) -> None:
        super().__init__(id="function-bar")
        self.code_dir = code_dir
        self.function_name = function_name
        self.settings = settings
        self._save_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="bar-row"):
            yield Label(self.function_name, id="function-name")
            yield Select(
                [(r, r) for r in RUNTIMES],
                value=self.settings.runtime if self.settings.runtime in RUNTIMES else RUNTIMES[0],
                allow_blank=False,
                compact=True,
                id="runtime",
                tooltip="Your code runs on the runtime's own Python when one is installed, else on the "
                "nearest (INIT_START says which; `lambda-console runtimes` lists them)",
            )
            yield Label("Handler", id="handler-label")
            yield Input(self.settings.handler, id="handler", compact=True, placeholder="module.function")
            yield Static("", id="handler-ok")
        with Horizontal(id="bar-row-2"):
            yield Static(self._limits_text(), id="limits")
            yield CompactButton("Config", id="config-button")
            yield Label("Invoke as", id="invoke-as-label")
            yield Select(
                [(t, t) for t in INVOCATION_TYPES],
                value="RequestResponse",
                allow_blank=False,
                compact=True,
                id="invoke-as",
                tooltip="RequestResponse is the console's Test; Event queues it (retries, destinations); "
                "DryRun only validates",
            )
            yield RunningIndicator(id="running")
            text = self._stand_in_text()
            stand_in = Static(text, id="stand-in")
            stand_in.display = bool(text)  # nothing to say: no room taken either
            yield stand_in
        # The handler check's whole message, on a line of its own, only when there is a problem.
        yield Static("", id="handler-problem")

    def on_mount(self) -> None:
        self.recheck()

    def _limits_text(self) -> str:
        s = self.settings
        return f"Timeout {s.timeout_s} s · Memory {s.memory_mb} MB · Env {len(s.environment)}"

    def _stand_in_text(self) -> str:
        """Said when the runtime has no Python of its own here and the nearest runs the code."""
        s = self.settings
        stand_in = store.stand_in_python(s.runtime, s.interpreter)
        return f"runs on Python {stand_in}" if stand_in else ""

    def apply(self, settings: Settings) -> None:
        """New settings (the Config dialog's): shown and saved now."""
        self.set_settings(settings)
        self.save_soon(0)

    def save_soon(self, delay: float = SETTINGS_SAVE_DELAY_S) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if delay <= 0:
            self._save()
        else:
            self._save_timer = self.set_timer(delay, self._save)

    def remember_event(self, saved_name: str | None, template_name: str, text: str) -> None:
        """The test event just used is shown again when the function is reopened."""
        settings = store.remember_event(self.settings, saved_name, template_name, text)
        if settings is not self.settings:
            self.settings = settings
            self.save_soon(0)

    def flush(self) -> None:
        """Save a pending change now (quitting, switching function)."""
        if self._save_timer is not None:
            self.save_soon(0)

    def _save(self) -> None:
        self._save_timer = None
        try:
            store.save_settings(self.code_dir, self.settings)
        except (OSError, WorkspaceError) as exc:
            self.notify(f"Could not save the configuration: {exc}", severity="error")

    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.query_one("#limits", Static).update(self._limits_text())
        stand_in = self.query_one("#stand-in", Static)
        text = self._stand_in_text()
        stand_in.update(text)
        stand_in.display = bool(text)
        handler_input = self.query_one("#handler", Input)
        if handler_input.value != settings.handler:
            handler_input.value = settings.handler
        runtime = self.query_one("#runtime", Select)
        if settings.runtime in RUNTIMES and runtime.value != settings.runtime:
            runtime.value = settings.runtime
        self.recheck()

    _checked_handler: str | None = None  # the handler string the shown check is about

    def recheck(self) -> None:
        """Run the static handler check again (after edits to the handler or the code)."""
        handler = self.query_one("#handler", Input).value
        self._checked_handler = handler
        problem = handler_problem(store.to_config(self.code_dir, store.updated(self.settings, handler=handler)))
        ok = self.query_one("#handler-ok", Static)
        line = self.query_one("#handler-problem", Static)
        if problem is None:
            ok.update("✔")
            ok.set_class(False, "-bad")
            line.update("")
            line.display = False
        else:
            ok.update("✖")
            ok.set_class(True, "-bad")
            line.update(f"⚠ {problem}")
            line.display = True

    @property
    def handler_problem(self) -> str:
        return str(self.query_one("#handler-problem", Static).render())

    @on(Input.Changed, "#handler")
    def _handler_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self._checked_handler:  # the Input announces its first value on mount too
            self.recheck()
        if event.value != self.settings.handler:
            self.settings = store.updated(self.settings, handler=event.value)
            self.save_soon()
        self.post_message(self.HandlerChanged(event.value))

    @on(Select.Changed, "#runtime")
    def _runtime_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.settings.runtime:
            self.settings = store.updated(self.settings, runtime=event.value)
            self.save_soon(0)
            self.post_message(self.RuntimeChanged(event.value))

    @on(Select.Changed, "#invoke-as")
    def _invocation_type_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.InvocationTypeChanged(event.value))

    def set_invocation_type(self, invocation_type: str) -> None:
        self.query_one("#invoke-as", Select).value = invocation_type

    @on(Button.Pressed, "#config-button")
    def _config(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.ConfigRequested())
