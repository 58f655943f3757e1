"""Searchable pickers: test event templates, and blueprints (with description and code preview)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.catalog import CatalogError
from console.workspace import WorkspaceError

from .. import store
from ..widgets.panes import palette_for


def _syntax(code: str, language: str, widget: Any) -> Syntax:
    palette = palette_for(widget)
    return Syntax(
        code,
        language,
        theme="monokai" if palette.dark else "default",
        background_color=palette.background,
        word_wrap=False,
        line_numbers=False,
    )


class _Picker(ModalScreen[Any]):
    """A filter box over an option list with a preview on the right."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
    ]
    TITLE_TEXT = ""

    def __init__(self) -> None:
        super().__init__(classes="modal")
        self.items: list[Any] = []
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.TITLE_TEXT, classes="dialog-title")
            yield Input(placeholder="Type to filter…", id="filter")
            with Horizontal(classes="picker"):
                yield OptionList(id="options")
                with VerticalScroll(classes="preview"):
                    yield Static("", id="preview")
            yield Static("Enter choose · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.items = self.load_items()
        self.refilter("")
        self.query_one("#filter", Input).focus()

    def load_items(self) -> list[Any]:
        raise NotImplementedError

    def label(self, item: Any) -> str:
        raise NotImplementedError

    def haystack(self, item: Any) -> str:
        return self.label(item)

    def preview(self, item: Any) -> Any:
        raise NotImplementedError

    def refilter(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [i for i in self.items if all(w in self.haystack(i).lower() for w in words)]
        options = self.query_one("#options", OptionList)
        options.clear_options()
        options.add_options([Option(self.label(i)) for i in self.shown])
        if self.shown:
            options.highlighted = 0
            self._show_preview(0)
        else:
            self.query_one("#preview", Static).update("Nothing matches.")

    def _show_preview(self, index: int | None) -> None:
        if index is None or not (0 <= index < len(self.shown)):
            return
        self.query_one("#preview", Static).update(self.preview(self.shown[index]))

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    @on(OptionList.OptionHighlighted, "#options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_preview(event.option_index)

    @on(OptionList.OptionSelected, "#options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option_index)

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        index = self.query_one("#options", OptionList).highlighted
        if index is not None:
            self.choose(index)

    def action_cursor_down(self) -> None:
        self.query_one("#options", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#options", OptionList).action_cursor_up()

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class TemplatePicker(_Picker):
    """All sample events, searchable by name, title and group; returns (name, text)."""

    TITLE_TEXT = "Event templates"

    def load_items(self) -> list[Any]:
        try:
            return store.sample_events()
        except (OSError, CatalogError) as exc:
            self.notify(f"Could not load the sample events: {exc}", severity="error")
            return []

    def label(self, item: Any) -> str:
        group = getattr(item, "group", "")
        return f"{item.name}" + (f"  [{group}]" if group else "")

    def haystack(self, item: Any) -> str:
        return f"{item.name} {getattr(item, 'title', '')} {getattr(item, 'group', '')}"

    def preview(self, item: Any) -> Any:
        try:
            text = item.text()
        except (OSError, CatalogError) as exc:
            return Text(f"Cannot read this template: {exc}")
        head = Text(getattr(item, "title", item.name), style="bold")
        return Group(head, Text(""), _syntax(text, "json", self.query_one("#preview")))

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            item = self.shown[index]
            self.dismiss((item.name, item.text()))


class BlueprintPicker(_Picker):
    """Blueprints with their description and handler code; returns the Blueprint."""

    TITLE_TEXT = "New function from a blueprint"

    def load_items(self) -> list[Any]:
        try:
            return store.blueprints()
        except (OSError, CatalogError) as exc:
            self.notify(f"Could not load the blueprints: {exc}", severity="error")
            return []

    def label(self, item: Any) -> str:
        return getattr(item, "title", "") or item.name

    def haystack(self, item: Any) -> str:
        return f"{item.name} {getattr(item, 'title', '')} {getattr(item, 'description', '')}"

    def preview(self, item: Any) -> Any:
        parts: list[Any] = [Text(f"{item.name}", style="bold")]
        parts.append(Text(getattr(item, "description", ""), style=""))
        parts.append(
            Text(
                f"Handler {item.handler} · {item.runtime} · Timeout {item.timeout_s} s · "
                f"Memory {item.memory_mb} MB · Event {item.event_name or 'its own (shown after creating)'}",
                style="italic",
            )
        )
        module = item.handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        path = Path(item.path) / module
        try:
            code = path.read_text(encoding="utf-8")
        except OSError:
            code = ""
        if code:
            parts += [Text(""), Text(module, style="bold"), _syntax(code, "python", self.query_one("#preview"))]
        return Group(*parts)


class FunctionPicker(_Picker):
    """The workspace's functions; returns the chosen function's folder."""

    TITLE_TEXT = "Open function"

    def __init__(self, current: Path | None = None) -> None:
        super().__init__()
        self.current = Path(current).resolve() if current else None

    def load_items(self) -> list[Any]:
        try:
            return store.workspace_functions()
        except (OSError, WorkspaceError) as exc:
            self.notify(f"Could not list the workspace's functions: {exc}", severity="error")
            return []

    def label(self, item: Any) -> str:
        name, folder, _settings = item
        return name + ("  (open now)" if self.current and Path(folder).resolve() == self.current else "")

    def haystack(self, item: Any) -> str:
        name, _folder, settings = item
        return f"{name} {getattr(settings, 'handler', '')} {getattr(settings, 'runtime', '')}"

    def preview(self, item: Any) -> Any:
        name, folder, settings = item
        parts: list[Any] = [Text(name, style="bold"), Text(str(folder), style="italic")]
        if settings is None:
            parts.append(Text("Its configuration cannot be read; opening it starts from defaults.", style="bold"))
            return Group(*parts)
        parts.append(
            Text(
                f"Handler {settings.handler} · {settings.runtime} · Timeout {settings.timeout_s} s · "
                f"Memory {settings.memory_mb} MB",
                style="italic",
            )
        )
        module = settings.handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        try:
            code = (Path(folder) / module).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            code = ""
        if code:
            parts += [Text(""), Text(module, style="bold"), _syntax(code, "python", self.query_one("#preview"))]
        return Group(*parts)

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            self.dismiss(Path(self.shown[index][1]))
