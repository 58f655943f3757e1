"""The result pane (banner, response, Summary) and the colour-coded log pane."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Text
from textual.geometry import Size
from textual.color import Color
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import RichLog, Static

from ..render import Palette, banner_text, classify_from, hanging_wrap, log_line_text, render_result, split_lines


def _solid(value: str | None, background: Color, fallback: str) -> str:
    """A theme colour as an opaque #rrggbb rich understands (theme values may carry alpha)."""
    if not value:
        return fallback
    try:
        colour = Color.parse(value)
    except Exception:
        return fallback
    return (background + colour).hex6 if colour.a < 1 else colour.hex6


def palette_for(widget: Any) -> Palette:
    """Colours of the current theme (NO_COLOR is applied later by Textual itself)."""
    app = widget.app
    variables = app.theme_variables
    theme = app.current_theme
    try:
        background = Color.parse(variables.get("background", "#000000"))
    except Exception:
        background = Color(0, 0, 0)
    return Palette(
        success=_solid(variables.get("success"), background, "green"),
        error=_solid(variables.get("error"), background, "red"),
        warning=_solid(variables.get("warning"), background, "yellow"),
        accent=_solid(variables.get("accent"), background, "cyan"),
        muted=_solid(variables.get("foreground-muted") or variables.get("text-muted"), background, "bright_black"),
        background=widget.background_colors[1].hex6 if widget.is_mounted else "default",
        dark=bool(getattr(theme, "dark", True)),
    )


class DrawnOnce:
    """A renderable drawn once per width and then replayed: the result body measures its height
    (to decide whether a relayout is needed) and the compositor then paints the same lines,
    instead of rendering the Summary tables and the response twice per invocation."""

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable
        self._drawn: dict[tuple, list[Segment]] = {}
        self.draws = 0  # how many times the renderable itself was rendered (tests pin the reuse)

    def segments(self, console: Console, options: ConsoleOptions) -> list[Segment]:
        key = (options.max_width, options.min_width, options.justify, options.overflow, options.no_wrap)
        drawn = self._drawn.get(key)
        if drawn is None:
            if len(self._drawn) >= 2:  # a resize: the old width is not coming back soon
                self._drawn.clear()
            self.draws += 1
            drawn = self._drawn[key] = list(console.render(self.renderable, options))
        return drawn

    def height(self, console: Console, options: ConsoleOptions) -> int:
        """Lines at options' width, counted the way Textual's RichVisual.get_height counts them."""
        return sum(text.count("\n") for text, _, _ in self.segments(console, options))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Any:
        yield from self.segments(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


class ResultBody(Static):
    """The result pane's content: a new result of the same height (the usual repeated test) is
    repainted in place, without relayouting the whole screen."""

    def show(self, renderable: Any) -> bool:
        """Show `renderable`; True when it needed a relayout (its height changed)."""
        if isinstance(renderable, Text):  # notes: Static's own measuring and justification
            self.update(renderable)
            return True
        drawn = DrawnOnce(renderable)
        width = self.size.width
        relayout = True
        if self.is_mounted and self.display and width > 0:
            app = self.app
            options = app.console_options.update_width(width).update(highlight=False)
            relayout = drawn.height(app.console, options) != self.size.height
        self.update(drawn, layout=relayout)
        return relayout


class ResultPane(VerticalScroll):
    """'Execution result: succeeded/failed', the response pretty-printed, and the Summary."""

    ALLOW_MAXIMIZE = True  # Alt+Z zooms it

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: Any = None
        self.border_title = "Execution result"
        self._renderable: Any = Text("Press F5 to run the test event.", style="italic")

    def compose(self):
        yield ResultBody(self._renderable, id="result-body")

    @property
    def body(self) -> ResultBody:
        return self.query_one("#result-body", ResultBody)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_result())

    def show_result(self, result: Any, note: str | None = None) -> None:
        self.result = result
        self._note = note
        self.refresh_result()
        self.scroll_home(animate=False)

    def refresh_result(self) -> None:
        if self.result is None:
            return
        palette = palette_for(self)
        title = banner_text(self.result, palette)
        if getattr(self, "_note", None):  # which test event: more telling than the request id
            title.append(f" ─ {self._note}")
        title.append(f" ─ {self.result.request_id[:8]}", style=palette.muted)
        self.border_title = title
        self.set_class(not self.result.succeeded, "-failed")
        self.set_class(self.result.succeeded, "-succeeded")
        self._set_body(render_result(self.result, palette))

    def plain_text(self) -> str:
        """Title and body as plain text (what a reader sees; used by tests and the tmux check)."""
        console = Console(width=max(self.size.width, 40), no_color=True, record=True, file=io.StringIO())
        console.print(self._renderable)
        return f"{Content.from_markup(str(self.border_title or '')).plain}\n{console.export_text()}"

    def show_message(self, title: str, message: str, error: bool = False) -> None:
        """A note instead of a result (invalid event, configuration problem, running...)."""
        self.result = None
        self.border_title = title
        self.set_class(error, "-failed")
        self.set_class(False, "-succeeded")
        palette = palette_for(self)
        self._set_body(Text(message, style=palette.error if error else ""))

    def _set_body(self, renderable: Any) -> None:
        self._renderable = renderable
        self.body.show(renderable)


_CUT_MARKER = re.compile(r"^\[lambda-console: ([\d,]+) bytes of log output cut here")


def flood_notice(hidden: list[str], shown: int) -> str:
    """The line above a long log's tail: how many lines are not shown here, and the runtime's own
    note when its log buffer cut output among them (otherwise that note could not be reached)."""
    notice = f"… {len(hidden)} earlier lines not shown here (the last {shown} follow)"
    for line in hidden:
        if _CUT_MARKER.match(line):
            return f"{notice}; among them: {line.strip().strip('[]')}"
    return notice


MAX_SHOWN_LINES = 400  # Lambda's console shows the log's last 4 KB; drawing more stalls the UI after a flood
LIVE_BATCH_LINES = 300  # a flood's batch draws only its tail: the whole log is drawn when the run ends
LIVE_FLUSH_S = 0.05


class LogPane(RichLog):
    """The invocation log, coloured by kind; live while running, whole once finished."""

    ALLOW_MAXIMIZE = True  # Alt+Z zooms it
    _painting_style: RichStyle | None = None  # see rich_style

    def __init__(self, id: str | None = None) -> None:
        # min_width=1: RichLog would otherwise render every line at least 78 cells wide.
        super().__init__(
            id=id,
            wrap=True,
            markup=False,
            highlight=False,
            auto_scroll=True,
            min_width=1,
            max_lines=MAX_SHOWN_LINES * 4,  # counts screen lines: wrapped log lines take several
        )
        self._live_chunks: list[str] = []
        self._flush_scheduled = False
        self.border_title = "Log output"
        self._log_text = ""
        self._partial = ""
        self._clear_pending = False
        self._in_error = False
        self._skipped_live = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._rerender())

    def on_resize(self) -> None:
        # Lines are wrapped when written: wrap them again for the new width.
        if self._log_text and not self._partial:
            self.call_after_refresh(self._rerender)

    @property
    def rich_style(self) -> RichStyle:
        """RichLog asks for this twice per line it paints, and Textual computes it anew each time
        from every ancestor's styles (44 times, ~0.7 ms, per repaint of this pane). Kept, like Textual's own
        style caches, until the next refresh or style update."""
        style = self._painting_style
        if style is None:
            style = self._painting_style = super().rich_style
        return style

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, recompose: bool = False) -> LogPane:
        self._painting_style = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._painting_style = None
        super().notify_style_update()

    def clear(self) -> LogPane:
        """RichLog.clear keeping the virtual size for the lines written next: a log as long as the
        last one (the usual repeated test) then repaints in place instead of relayouting the whole
        screen twice (cleared, then written). Callers write right after, then _settle_size()."""
        kept = self.virtual_size
        self.set_reactive(Widget.virtual_size, Size(0, 0))  # so RichLog's own reset is a no-op
        super().clear()
        self.set_reactive(Widget.virtual_size, kept)
        return self

    def _settle_size(self) -> None:
        """After a clear that wrote nothing: the log is empty (writes set the size themselves)."""
        if not self.lines and self._size_known:
            self.virtual_size = Size(0, 0)

    def _rerender(self) -> None:
        log, self._log_text = self._log_text, ""
        self.show_log(log)

    @property
    def log_text(self) -> str:
        return self._log_text

    def show_log(self, log: str) -> None:
        streamed = (
            log == self._log_text
            and (self.lines or self._live_chunks)
            and not self._skipped_live
            and log.count("\n") < MAX_SHOWN_LINES
        )
        if streamed and not (self._clear_pending and not self._live_chunks):
            # Already streamed live: draw what is pending (all of it: the run is over) instead of
            # rendering the whole log again.
            self._flush_live(final=True)
            if self._partial:  # the last line had no newline
                classified, self._in_error = classify_from([self._partial], self._in_error)
                self._partial = ""
                self._write_classified(classified, palette_for(self))
            return
        self._in_error = False
        self._skipped_live = False
        self._log_text = log
        self._partial = ""
        self._live_chunks.clear()
        self._clear_pending = False
        self.clear()
        palette = palette_for(self)
        lines = split_lines(log)
        if len(lines) > MAX_SHOWN_LINES:
            hidden = len(lines) - MAX_SHOWN_LINES
            self.write(Text(flood_notice(lines[:hidden], MAX_SHOWN_LINES), style=palette.warning))
            # Classify from the start so an [ERROR] block cut in half keeps its colour.
            classified = classify_from(lines, False)[0][hidden:]
        else:
            classified = classify_from(lines, False)[0]
        self._write_classified(classified, palette)
        self._settle_size()

    def show_note(self, note: str) -> None:
        """Nothing ran for what the Result pane shows (a test that did not run, a DryRun): say so,
        instead of leaving another invocation's log under it."""
        self._in_error = False
        self._skipped_live = False
        self._log_text = ""
        self._partial = ""
        self._live_chunks.clear()
        self._clear_pending = False
        self.clear()
        self.write(Text(note, style=f"italic {palette_for(self).muted}"))

    def _write_classified(self, classified: list[tuple[str, str]], palette: Palette) -> None:
        """Write log lines wrapped here (continuations indented), as one block: one render per
        batch instead of one per line keeps a flood cheap."""
        if not classified:
            return
        width = self.scrollable_content_region.width
        if not self._size_known or width < 12:
            for kind, line in classified:  # not laid out yet: RichLog defers and wraps these itself
                self.write(log_line_text(kind, line, palette))
            return
        block = Text("\n").join(
            piece for kind, line in classified for piece in hanging_wrap(log_line_text(kind, line, palette), width)
        )
        block.no_wrap = True
        self.write(block, width=width)

    def plain_text(self) -> str:
        return "\n".join(strip.text.rstrip() for strip in self.lines)

    def start_live(self) -> None:
        """A run started: the old log goes when the first new output (or the result) arrives."""
        self._log_text = ""
        self._partial = ""
        self._in_error = False
        self._clear_pending = True
        self._skipped_live = False

    def append_live(self, chunk: str) -> None:
        """Log text as it arrives, drawn in batches (a flood of prints must not flood the UI)."""
        self._log_text += chunk
        self._live_chunks.append(chunk)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(LIVE_FLUSH_S, self._flush_live)

    def _flush_live(self, final: bool = False) -> None:
        """Draw the text that arrived; a big batch draws only its tail unless the run is over."""
        self._flush_scheduled = False
        if not self._live_chunks:
            return
        chunk = "".join(self._live_chunks)
        self._live_chunks.clear()
        if self._clear_pending:
            self._clear_pending = False
            self.clear()
        data = self._partial + chunk
        lines = split_lines(data)
        if data and not data.endswith(("\n", "\r")):
            self._partial = lines.pop() if lines else data
        else:
            self._partial = ""
        classified, self._in_error = classify_from(lines, self._in_error)
        palette = palette_for(self)
        if len(classified) > LIVE_BATCH_LINES and not final:
            skipped = len(classified) - LIVE_BATCH_LINES
            classified = classified[skipped:]
            self._skipped_live = True  # so the finished log is drawn again in full
            self.write(Text(f"… {skipped} lines skipped while streaming (the log appears in full when the run ends)", style=palette.muted))
        self._write_classified(classified, palette)
        self._settle_size()
