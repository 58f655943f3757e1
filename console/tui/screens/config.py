"""The configuration modal: timeout, memory, runtime, environment variables, /tmp size and layers."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from console.engine import RUNTIMES, validate

from .. import store
from ..store import Settings


def parse_environment(text: str) -> tuple[dict[str, str], list[str]]:
    """KEY=VALUE lines (blank lines and # comments ignored) and the lines that are not."""
    env: dict[str, str] = {}
    bad: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            bad.append(f"line {number}: expected KEY=VALUE")
            continue
        env[key.strip()] = value.strip()
    return env, bad


class ConfigModal(ModalScreen[Settings | None]):
    """Edits a copy of the settings; returns them only when Lambda would accept them."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, code_dir: Path, settings: Settings) -> None:
        super().__init__(classes="modal")
        self.code_dir = code_dir
        self.settings = settings

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(classes="dialog", id="config-dialog"):
            yield Label("Configuration", classes="dialog-title")
            with VerticalScroll(id="config-form"):
                with Horizontal(classes="field"):
                    yield Label("Runtime")
                    yield Select(
                        [(r, r) for r in RUNTIMES],
                        value=s.runtime if s.runtime in RUNTIMES else RUNTIMES[0],
                        allow_blank=False,
                        id="cfg-runtime",
                    )
                yield Static(
                    "Each runtime runs on its own Python when one is installed, else on the nearest "
                    "(INIT_START says which; `lambda-console runtimes` lists them).",
                    classes="hint",
                )
                with Horizontal(classes="field"):
                    yield Label("Timeout (s)")
                    yield Input(str(s.timeout_s), id="cfg-timeout", type="integer")
                with Horizontal(classes="field"):
                    yield Label("Memory (MB)")
                    yield Input(str(s.memory_mb), id="cfg-memory", type="integer")
                yield Label("Environment variables (KEY=VALUE, one a line)")
                yield TextArea("\n".join(f"{k}={v}" for k, v in s.environment.items()), id="env")
                with Horizontal(classes="field"):
                    yield Label("Ephemeral storage (MB)")
                    yield Input(str(s.ephemeral_storage_mb), id="cfg-ephemeral", type="integer")
                yield Label("Layers (folders or .zip files, one a line, in order, up to 5)")
                yield TextArea("\n".join(s.layers), id="cfg-layers")
                yield Static("", id="config-problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # Focus the first field (the form's scroll container would take it, invisibly).
        self.query_one("#cfg-runtime", Select).focus()

    def _collect(self) -> tuple[Settings | None, list[str]]:
        problems: list[str] = []
        try:
            timeout = int(self.query_one("#cfg-timeout", Input).value)
        except ValueError:
            problems.append("Timeout must be a whole number of seconds")
            timeout = self.settings.timeout_s
        try:
            memory = int(self.query_one("#cfg-memory", Input).value)
        except ValueError:
            problems.append("Memory must be a whole number of MB")
            memory = self.settings.memory_mb
        try:
            ephemeral = int(self.query_one("#cfg-ephemeral", Input).value)
        except ValueError:
            problems.append("Ephemeral storage must be a whole number of MB")
            ephemeral = self.settings.ephemeral_storage_mb
        layers = [line.strip() for line in self.query_one("#cfg-layers", TextArea).text.splitlines() if line.strip()]
        env, bad = parse_environment(self.query_one("#env", TextArea).text)
        problems += [f"Environment variables, {b}" for b in bad]
        runtime = self.query_one("#cfg-runtime", Select).value
        settings = store.updated(self.settings, 
            timeout_s=timeout,
            memory_mb=memory,
            environment=env,
            runtime=runtime if isinstance(runtime, str) else self.settings.runtime,
            ephemeral_storage_mb=ephemeral,
            layers=layers,
        )
        problems += [
            p for p in validate(store.to_config(self.code_dir, settings)) if not p.startswith("Handler")
        ]
        return (None if problems else settings), problems

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        settings, problems = self._collect()
        if settings is None:
            self.query_one("#config-problem", Static).update("\n".join(problems))
            return
        self.dismiss(settings)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
