"""The Textual application: owns the engine and the session history, hosts the main screen."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import threading
import time
from collections import deque
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from .commands import LambdaCommands
from .screens.history import HistoryEntry


MAX_HISTORY = 200
LOG_BATCH_S = 0.1  # Event invocations' live log reaches the panes at most this often
QUIT_CONFIRM_S = 5.0  # a second Ctrl+Q within this confirms quitting with Event invocations queued


class LambdaConsoleApp(App[int]):
    """lambda-console: one function's Lambda test cycle in the terminal."""

    TITLE = "lambda-console"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LambdaCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f11", "event_sources", "Event sources", show=False, priority=True),
        Binding("alt+t", "tests", "Tests", show=False, priority=True),
        Binding("alt+s", "save_expected", "Save as expected", show=False, priority=True),
    ]

    def __init__(self, code_dir: Path, theme: str | None = None, engine: Any = None) -> None:
        super().__init__()
        self.code_dir = Path(code_dir)
        self._engine = engine
        self._engine_lock = threading.Lock()
        self._closing = False
        self._owns_engine = engine is None
        self.history: list[HistoryEntry] = []
        self._recorded = 0
        self._metrics: Any = None
        self._metric_files: dict[str, Path] = {}  # function name -> its metrics.json
        self._async_queue: Any = None
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._main_context: contextvars.Context | None = None
        self._signal_handlers: dict[int, Any] = {}
        self._async_chunks: list[Any] = []
        self._async_chunks_lock = threading.Lock()
        self._async_drain_scheduled = False
        self._quit_armed_at = -1e9
        self.async_log: deque[str] = deque(maxlen=200)  # recent async-queue happenings, for Monitor
        if theme:
            self.theme = theme

    @property
    def engine(self) -> Any:
        """The engine, created after the first paint (keeps start-up fast) or on first use."""
        with self._engine_lock:
            if self._engine is None:
                from console.engine import Engine

                self._engine = Engine()
        return self._engine

    @property
    def metrics(self) -> Any:
        """Per-function invocation metrics of this session (console tests count, as in Lambda)."""
        if self._metrics is None:
            from console.service.metrics import MetricsRegistry

            self._metrics = MetricsRegistry()
        return self._metrics

    def track_metrics(self, function_name: str, code_dir: Path) -> None:
        """Show the function's saved metrics too, and save ours there when the console closes."""
        from console.service.metrics import metrics_path

        path = metrics_path(code_dir)
        if function_name in self._metric_files:
            return
        self._metric_files[function_name] = path
        try:
            self.metrics.load_file(function_name, path)
        except Exception as exc:  # a damaged metrics file only costs the old figures
            self.notify(f"Could not read saved metrics ({exc}); starting afresh.", severity="warning")

    @property
    def async_queue(self) -> Any:
        """The Event invocation queue (retries and destinations like Lambda), started on first use."""
        if self._async_queue is None:
            from console.service.async_queue import AsyncQueue

            self._async_queue = AsyncQueue(self.engine, metrics=self.metrics)
            self._async_queue.add_listener(self._async_update_from_thread)
        return self._async_queue

    @property
    def started_async_queue(self) -> Any:
        """The async queue if an Event invocation started it, else None (never starts it)."""
        return self._async_queue

    def call_soon_from_thread(self, callback: Any, *args: Any) -> None:
        """Schedule callback on the UI thread without waiting (unlike call_from_thread)."""
        loop = self._main_loop
        if loop is None:
            return
        try:
            # In the app's context: Textual finds the active app through a context variable.
            loop.call_soon_threadsafe(callback, *args, context=self._main_context)
        except RuntimeError:
            pass  # the app has closed

    def _async_update_from_thread(self, update: Any) -> None:
        if update.kind == "log":
            # Log chunks are collected and handed over in batches (a printing flood in an Event
            # invocation must not queue one UI callback per chunk).
            with self._async_chunks_lock:
                self._async_chunks.append(update)
                if self._async_drain_scheduled:
                    return
                self._async_drain_scheduled = True
            self.call_soon_from_thread(self.set_timer, LOG_BATCH_S, self._drain_async_chunks)
            return
        self.call_soon_from_thread(self._async_update, update)

    def _drain_async_chunks(self) -> None:
        with self._async_chunks_lock:
            chunks, self._async_chunks = self._async_chunks, []
            self._async_drain_scheduled = False
        merged: list[Any] = []
        for update in chunks:
            if merged and merged[-1].request_id == update.request_id and merged[-1].attempt == update.attempt:
                merged[-1] = replace(merged[-1], text=merged[-1].text + update.text)
            else:
                merged.append(update)
        for update in merged:
            self._dispatch_async(update)

    def _async_update(self, update: Any) -> None:
        self._drain_async_chunks()  # log text that came before this happening is shown first
        self._dispatch_async(update)

    def _dispatch_async(self, update: Any) -> None:
        if update.kind != "log":
            line = update.text or (
                f"attempt {update.attempt}: {'succeeded' if update.result and update.result.succeeded else 'failed'}"
                if update.kind == "attempt"
                else update.kind
            )
            self.async_log.append(
                f"{datetime.now():%H:%M:%S}  {update.function_name:<20.20} {update.request_id[:8]}  {update.kind:<11} {line}"
            )
        for screen in self.screen_stack:
            handler = getattr(screen, "on_async_update", None)
            if handler is not None:
                handler(update)

    def on_mount(self) -> None:
        from .screens.main import MainScreen

        self._main_loop = asyncio.get_running_loop()
        self._main_context = contextvars.copy_context()
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
        with self._engine_lock:
            if self._closing:
                return  # the console closed before the engine was needed
        self.engine

    # Textual saves screenshots to ~/Downloads and fails when that folder does not exist.

    def action_event_sources(self) -> None:
        """The Event source view (F11, palette): SQS, Kinesis or DynamoDB Streams batches and retries."""
        from .screens.event_sources import open_event_sources

        open_event_sources(self)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.deliver_screenshot(filename, path)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen in the current folder (else the workspace) and say where."""
        folder = Path(path).expanduser() if path else _screenshot_folder()
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

    def record(self, function_name: str, event_name: str, event_text: str, result: Any) -> HistoryEntry:
        self._recorded += 1
        entry = HistoryEntry(self._recorded, datetime.now(), function_name, event_name, event_text, result)
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

    async def action_quit(self) -> None:
        pending = self._async_queue.pending() if self._async_queue is not None else 0
        now = time.monotonic()
        if pending and now - self._quit_armed_at > QUIT_CONFIRM_S:
            # Queued Event invocations (and their retries) live only in this process.
            self._quit_armed_at = now
            self.notify(
                f"{pending} Event invocation(s) still queued or retrying (F12 shows them); quitting drops "
                f"them. Press Ctrl+Q again within {QUIT_CONFIRM_S:.0f} s to quit anyway.",
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
        if self._async_queue is not None:
            self._async_queue.close(timeout=1.0)
        self.save_metrics()
        with self._engine_lock:
            self._closing = True
            engine = self._engine
        if self._owns_engine and engine is not None:
            engine.close()

    def save_metrics(self) -> None:
        if self._metrics is None:
            return
        for name in self._metrics.dirty():
            path = self._metric_files.get(name)
            if path is None:
                continue
            try:
                self._metrics.save_file(name, path)
            except Exception:
                pass  # metrics are a convenience: never block quitting on them


def _screenshot_folder() -> Path:
    """Where screenshots go: the folder the console was started in, if writable, else the workspace."""
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd
    from console import workspace

    return workspace.workspace_root()
