"""The Textual application: owns the one invoker and the session history, hosts the main screen."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from .commands import LambdaCommands
from .messages import AsyncEventUpdate, post_from_thread
from .screens.history import HistoryEntry


MAX_HISTORY = 200
QUIT_CONFIRM_S = 5.0  # a second Ctrl+Q within this confirms quitting with Event invocations queued


class LambdaConsoleApp(App[int]):
    """lambda-console: one function's Lambda test cycle in the terminal."""

    TITLE = "lambda-console"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LambdaCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # In every screen, dialogs too (an Input would otherwise type an "a").
        Binding("alt+a", "select_all", "Select all", show=False, priority=True),
        Binding("f11", "event_sources", "Event sources", show=False, priority=True),
        Binding("alt+t", "tests", "Tests", show=False, priority=True),
        Binding("alt+s", "save_expected", "Save as expected", show=False, priority=True),
    ]

    def __init__(self, code_dir: Path, theme: str | None = None, engine: Any = None) -> None:
        super().__init__()
        from console.service.invoker import Invoker

        self.code_dir = Path(code_dir)
        # The one invoker of this process: every test, Event invocation and DryRun goes through it
        # (it owns the engine, started after the first paint, the metrics and the Event queue).
        self.invoker = Invoker(engine)
        self._start_lock = threading.Lock()
        self._closing = False
        self.history: list[HistoryEntry] = []
        self._recorded = 0
        self._metric_files: dict[str, Path] = {}  # function name -> its metrics.json
        self._monitor_listening = False
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._signal_handlers: dict[int, Any] = {}
        self._quit_armed_at = -1e9
        self.async_log: deque[str] = deque(maxlen=200)  # recent async-queue happenings, for Monitor
        if theme:
            self.theme = theme

    @property
    def engine(self) -> Any:
        """The invoker's engine (the Step Functions view runs its tasks on it too)."""
        return self.invoker.engine

    @property
    def metrics(self) -> Any:
        """Per-function invocation metrics of this session (console tests count, as in Lambda)."""
        return self.invoker.metrics

    def track_metrics(self, function_name: str, code_dir: Path) -> None:
        """Show the function's saved metrics too (earlier sessions, other fronts) in the Monitor."""
        from console.service.metrics import metrics_path

        path = metrics_path(code_dir)
        if function_name in self._metric_files:
            return
        self._metric_files[function_name] = path
        try:
            self.metrics.load_file(function_name, path)
        except (OSError, ValueError) as exc:  # a damaged metrics file only costs the old figures
            self.notify(f"Could not read saved metrics ({exc}); starting afresh.", severity="warning")

    @property
    def async_queue(self) -> Any:
        """The invoker's Event queue (retries and destinations like Lambda), started on first use;
        the Monitor's log follows it from then on."""
        queue = self.invoker.async_queue
        if not self._monitor_listening:
            self._monitor_listening = True
            queue.add_listener(self._queue_happening)
        return queue

    @property
    def started_async_queue(self) -> Any:
        """The Event queue if an Event invocation started it, else None (never starts it)."""
        return self.invoker.started_async_queue

    def _queue_happening(self, update: Any) -> None:
        """The queue's listener for the Monitor (queue worker threads): log text is not kept."""
        if update.kind != "log":
            post_from_thread(self, AsyncEventUpdate(update))

    def on_async_event_update(self, message: AsyncEventUpdate) -> None:
        update = message.update
        line = update.text or (
            f"attempt {update.attempt}: {'succeeded' if update.result and update.result.succeeded else 'failed'}"
            if update.kind == "attempt"
            else update.kind
        )
        self.async_log.append(
            f"{datetime.now():%H:%M:%S}  {update.function_name:<20.20} {update.request_id[:8]}  {update.kind:<11} {line}"
        )

    def on_mount(self) -> None:
        from .screens.main import MainScreen

        self._main_loop = asyncio.get_running_loop()
        self._install_signal_handlers()
        self.push_screen(MainScreen(self.code_dir))
        # Start the engine (and its zygote) once the screen is up, so the first Test is quick.
        self.call_after_refresh(
            lambda: threading.Thread(target=self._warm_up_engine, name="engine-start", daemon=True).start()
        )

    def _install_signal_handlers(self) -> None:
        """SIGTERM / SIGHUP (kill, the terminal closing) end the console like Ctrl+Q: pending edits
        saved, terminal restored. Handled in the loop, so the handler runs between UI callbacks."""
        loop = self._main_loop
        if loop is None:
            return
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                previous = signal.getsignal(signum)
                loop.add_signal_handler(signum, self._on_terminate_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError, AttributeError):
                continue  # not the main thread, or no such signal here
            self._signal_handlers[signum] = previous

    def _remove_signal_handlers(self) -> None:
        loop = self._main_loop
        for signum, previous in self._signal_handlers.items():
            try:
                if loop is not None:
                    loop.remove_signal_handler(signum)
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            except (RuntimeError, ValueError, TypeError):
                pass
        self._signal_handlers.clear()

    def _on_terminate_signal(self, signum: int) -> None:
        try:
            self.flush(final=True)
        finally:
            self.exit(128 + signum, return_code=128 + signum)

    def _warm_up_engine(self) -> None:
        with self._start_lock:
            if self._closing:
                return  # the console closed before the engine was needed
            self.invoker.engine
        # What the first result's pane needs (JSON highlighting) was kept off the start path.
        import rich.syntax  # noqa: F401

    # Textual saves screenshots to ~/Downloads and fails when that folder does not exist.

    def action_event_sources(self) -> None:
        """The Event source view (F11, palette): SQS, Kinesis or DynamoDB Streams batches and retries."""
        from .screens.event_sources import open_event_sources

        open_event_sources(self)

    async def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        # Earlier screenshots' toasts go first, so they are not in the picture.
        if self._notifications:
            self.clear_notifications()
            await self._toasts_gone()
        self.deliver_screenshot(filename, path)

    async def _toasts_gone(self, timeout: float = 1.0) -> None:
        from textual.widgets._toast import Toast

        deadline = time.monotonic() + timeout
        while self.screen.query(Toast) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen (see _screenshot_folder for where) and say where."""
        folder = Path(path).expanduser() if path else _screenshot_folder(self.code_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = Path(self.save_screenshot(filename, str(folder), time_format)).resolve()
        except OSError as exc:
            self.notify(f"Could not save the screenshot in {folder}: {exc}", title="Screenshot", severity="error")
            return None
        self.notify(f"Saved screenshot to {saved}", title="Screenshot", timeout=15)
        return str(saved)

    def action_tests(self) -> None:
        """The Tests view of the open function: saved events against their expected answers."""
        from .screens.tests_view import open_tests_view

        open_tests_view(self)

    def action_save_expected(self) -> None:
        """Save as expected: the result shown (in the panes, or the Tests view's) for its saved event."""
        from .screens.tests_view import SavedTestsScreen, save_shown_result

        if isinstance(self.screen, SavedTestsScreen):
            self.screen.action_save_expected()
        elif self.screen is self.main_screen():
            save_shown_result(self)

    def main_screen(self) -> Any:
        from .screens.main import MainScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def record(self, function_name: str, event_name: str, event_text: str, result: Any, kind: str = "") -> HistoryEntry:
        self._recorded += 1
        entry = HistoryEntry(self._recorded, datetime.now(), function_name, event_name, event_text, result, kind)
        self.history.append(entry)
        # Each entry holds a whole log (up to 1 MB) and payload: a long session keeps the latest.
        del self.history[:-MAX_HISTORY]
        return entry

    def open_function(self, code_dir: Path) -> None:
        """Switch the main screen to another function (pending edits are saved first)."""
        from .screens.main import MainScreen

        current = self.main_screen()
        if current is not None:
            current.flush(final=True)
        self.code_dir = Path(code_dir)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(MainScreen(self.code_dir))

    def flush(self, final: bool = False) -> None:
        screen = self.main_screen()
        if screen is not None:
            screen.flush(final=final)

    def action_select_all(self) -> None:
        """Select the whole text of the focused editor or input (the code when none is focused)."""
        from textual.widgets import Input, TextArea

        focused = self.focused
        if isinstance(focused, (TextArea, Input)):
            focused.select_all()
        elif isinstance(self.screen, self._main_screen_type()):
            self.screen.action_select_all()

    def _main_screen_type(self) -> type:
        from .screens.main import MainScreen

        return MainScreen

    def action_blueprints(self) -> None:
        from .function_flows import choose_blueprint

        choose_blueprint(self)

    def action_open_function(self) -> None:
        from .function_flows import choose_function

        choose_function(self, self.code_dir)

    async def action_quit(self) -> None:
        queue = self.started_async_queue
        pending = queue.pending() if queue is not None else 0
        now = time.monotonic()
        if pending and now - self._quit_armed_at > QUIT_CONFIRM_S:
            # Queued Event invocations (and their retries) live only in this process.
            self._quit_armed_at = now
            self.notify(
                f"{pending} Event invocation(s) still queued or retrying (F12 shows them). They are kept and "
                "resume when this function is opened again or served; until then they do not run. "
                f"Press Ctrl+Q again within {QUIT_CONFIRM_S:.0f} s to quit.",
                title="Quit?",
                severity="warning",
                timeout=QUIT_CONFIRM_S,
            )
            return
        self.flush(final=True)
        self.exit(0)

    def on_unmount(self) -> None:
        self._remove_signal_handlers()
        self.flush(final=True)
        with self._start_lock:
            self._closing = True
        # Stops the Event queue (1 s for attempts under way), saves the metrics (the invoker keeps
        # each function's metrics.json up to date) and stops the engine this app started.
        self.invoker.close(timeout=1.0)


def _screenshot_folder(code_dir: Path) -> Path:
    """Where screenshots go: the folder the console was started in, unless it is (inside) a
    function folder, where the picture would become part of the function's code (a new Code
    SHA-256, a cold start); then, or when it is not writable, the workspace's screenshots/."""
    from console import workspace

    cwd = Path.cwd().resolve()
    if os.access(cwd, os.W_OK) and not _inside_a_function(cwd, Path(code_dir).resolve()):
        return cwd
    return workspace.workspace_root() / "screenshots"


def _inside_a_function(folder: Path, code_dir: Path) -> bool:
    from console import workspace

    functions = workspace.functions_dir().resolve()
    for candidate in (folder, *folder.parents):
        if candidate == code_dir or candidate.parent == functions:
            return True
        if (candidate / workspace.CONFIG_DIR / "config.json").is_file():
            return True
    return False
