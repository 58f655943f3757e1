"""The help modal: every key binding of the console."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..store import HOST_PYTHON

KEYS: list[tuple[str, str]] = [
    ("F5 / Ctrl+R", "Test: run the event in the editor (saved or not)"),
    ("Esc", "Cancel the running test (kills the execution environment); else leave the editor"),
    ("F2 / Ctrl+O", "Configuration: timeout, memory, runtime, environment variables"),
    ("F3", "History of this session's invocations"),
    ("F4 / Ctrl+N", "New environment: the next test is a cold start"),
    ("F6", "Switch Code / Test event pane (narrow terminals)"),
    ("F7", "Switch Result / Log pane (narrow terminals)"),
    ("F8", "Run on save: re-run the test whenever the code changes"),
    ("F9", "Step Functions view (Esc returns)"),
    ("F10", "Invoke as: RequestResponse → Event → DryRun"),
    ("F11", "Event source view: SQS, Kinesis, DynamoDB Streams batches and retries"),
    ("F12", "Monitor: metrics and the async event queue"),
    ("Alt+T", "Tests: saved events against their expected answers (run one or all, see a diff)"),
    ("Alt+S", "Save as expected: the result shown becomes its saved event's expected answer"),
    ("Ctrl+T", "Event templates (searchable)"),
    ("Ctrl+S", "Save the test event (asks for a name when unsaved)"),
    ("Ctrl+B", "New function from a blueprint"),
    ("Ctrl+F", "Find in the focused editor; elsewhere: open another function of the workspace"),
    ("Ctrl+G", "Go to a line of the focused editor"),
    ("Ctrl+Home / Ctrl+End", "Start / end of the text (with Shift: select to it)"),
    ("Alt+Z", "Zoom: maximise the pane with the focus, Alt+Z again to come back"),
    ("Alt+F", "File tree of the function (sub-folders too); palette: New / Open / Rename / Delete file"),
    ("Alt+C / Alt+E / Alt+H", "Focus the code editor / the test event editor / the handler"),
    ("Tab / Shift+Tab", "Move between fields; in an editor Tab indents (Esc leaves the editor)"),
    ("Alt+A", "Select all in the focused editor or field"),
    ("Ctrl+PgUp / Ctrl+PgDn", "Previous / next code file"),
    ("Ctrl+P", "Command palette (every action, plus theme and screenshot)"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit (pending edits are saved first)"),
]


class HelpModal(ModalScreen[None]):
    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="modal")

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        for key, action in KEYS:
            table.add_row(key, action)
        with Vertical(classes="dialog"):
            yield Label("lambda-console ─ keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(table)
                yield Static(
                    "\nEdits to code are saved automatically; files changed by another editor are "
                    "reloaded (when you have unsaved edits too, you choose whose version to keep). "
                    "Your code runs on the runtime's own Python when one is installed, else on the nearest "
                    f"(this console runs on Python {HOST_PYTHON}; `lambda-console runtimes` lists them). "
                    "Every action is also in the command palette (Ctrl+P); if Alt keys do not reach the "
                    "console in your terminal, use the palette.",
                    classes="hint",
                )

    def action_close(self) -> None:
        self.dismiss(None)
