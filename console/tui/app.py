"""The Textual application: owns the engine and the session history, hosts the main screen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from .commands import LambdaCommands
from .screens.history import HistoryEntry


class LambdaConsoleApp(App[int]):
    """lambda-console: one function's Lambda test cycle in the terminal."""

    TITLE = "lambda-console"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LambdaCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, code_dir: Path, theme: str | None = None, engine: Any = None) -> None:
        super().__init__()
        self.code_dir = Path(code_dir)
        self._engine = engine
        self._owns_engine = engine is None
        self.history: list[HistoryEntry] = []
        if theme:
            self.theme = theme

    @property
    def engine(self) -> Any:
        """The engine, created on first use (keeps start-up fast)."""
        if self._engine is None:
            from console.engine import Engine

            self._engine = Engine()
        return self._engine

    def on_mount(self) -> None:
        from .screens.main import MainScreen

        self.push_screen(MainScreen(self.code_dir))

    def main_screen(self) -> Any:
        from .screens.main import MainScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def record(self, function_name: str, event_name: str, event_text: str, result: Any) -> HistoryEntry:
        entry = HistoryEntry(len(self.history) + 1, datetime.now(), function_name, event_name, event_text, result)
        self.history.append(entry)
        return entry

    def open_function(self, code_dir: Path) -> None:
        """Switch the main screen to another function (pending edits are saved first)."""
        from .screens.main import MainScreen

        current = self.main_screen()
        if current is not None:
            current.flush()
        self.code_dir = Path(code_dir)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(MainScreen(self.code_dir))

    def flush(self) -> None:
        screen = self.main_screen()
        if screen is not None:
            screen.flush()

    async def action_quit(self) -> None:
        self.flush()
        self.exit(0)

    def on_unmount(self) -> None:
        self.flush()
        if self._owns_engine and self._engine is not None:
            self._engine.close()
