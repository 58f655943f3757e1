"""Rendering of engine records: log colouring by kind, control characters, payload and Summary."""

from __future__ import annotations

from rich.console import Console

from console.engine import InvocationResult, Summary
from console.tui.render import (
    Palette,
    classify,
    event_problem,
    neutralise,
    pretty_payload,
    render_log,
    render_result,
    split_lines,
    summary_rows,
)

RID = "8f1c0a4e-1111-2222-3333-4444555566e2"


def result(payload: bytes = b'"value1"', status: str = "Succeeded", init: float | None = 21.37) -> InvocationResult:
    return InvocationResult(
        status=status,
        payload=payload,
        function_error=None if status == "Succeeded" else "Unhandled",
        request_id=RID,
        log="",
        summary=Summary("pW3Qsha=", init, 0.84, 23, 128, 19),
        cold_start=init is not None,
    )


def plain(renderable) -> str:
    console = Console(width=100, record=True, no_color=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def test_log_lines_are_classified_by_kind():
    log = (
        "INIT_START Runtime Version: python:3.14.local\tRuntime Version ARN: x\n"
        "Loading function\n"
        f"START RequestId: {RID} Version: $LATEST\n"
        "[INFO]\t2026-01-01T00:00:00.000Z\trid\tinfo message\n"
        "[WARNING]\t2026-01-01T00:00:00.000Z\trid\twarn message\n"
        "[ERROR] Exception: I failed!\rTraceback (most recent call last):\r\u00a0\u00a0File \"x\", line 1\n"
        f"END RequestId: {RID}\n"
        f"REPORT RequestId: {RID}\tDuration: 0.84 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 19 MB\n"
    )
    kinds = [kind for kind, _ in classify(split_lines(log))]
    assert kinds == ["platform", "print", "platform", "info", "warning", "error", "error", "error", "platform", "report"]


def test_report_line_reads_as_labelled_fields():
    line = f"REPORT RequestId: {RID}\tDuration: 0.84 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 19 MB\tInit Duration: 21.37 ms"
    text = render_log(line, Palette())[0]
    assert text.plain.splitlines() == [
        f"REPORT RequestId: {RID}",
        "  Duration:        0.84 ms",
        "  Billed Duration: 1 ms",
        "  Memory Size:     128 MB",
        "  Max Memory Used: 19 MB",
        "  Init Duration:   21.37 ms",
    ]


def test_error_block_is_drawn_in_the_error_colour():
    texts = render_log("[ERROR] Exception: boom\rTraceback (most recent call last):\n", Palette(error="red"))
    assert all("red" in str(t.style) for t in texts)


def test_control_characters_are_made_visible_and_inert():
    assert neutralise("a\x1b[31mb\x07c\td\ne\x9bf\x7f") == "a␛[31mb␇c\td\ne\\x9bf\u2421"
    rendered = render_log("\x1b]0;title\x07 hi\n", Palette())
    assert "\x1b" not in rendered[0].plain and "\x07" not in rendered[0].plain


def test_payload_is_pretty_printed_with_two_spaces_and_text_stays_text():
    assert pretty_payload(b'{"a":[1,2],"b":"\xc3\xa9"}') == ('{\n  "a": [\n    1,\n    2\n  ],\n  "b": "é"\n}', True)
    assert pretty_payload(b"plain \x1b text") == ("plain ␛ text", False)


def test_summary_has_init_duration_only_on_a_cold_start():
    cold = [name for name, _ in summary_rows(result())]
    warm = [name for name, _ in summary_rows(result(init=None))]
    assert cold == ["Code SHA-256", "Request ID", "Init duration", "Duration", "Billed duration",
                    "Resources configured", "Max memory used"]
    assert "Init duration" not in warm and len(warm) == 6


def test_result_body_shows_response_and_summary():
    text = plain(render_result(result(), Palette()))
    assert '"value1"' in text and "Summary" in text and "0.84 ms" in text and "128 MB" in text


def test_failed_result_shows_the_error_object():
    error = b'{"errorMessage": "I failed!", "errorType": "Exception", "requestId": "x", "stackTrace": []}'
    text = plain(render_result(result(error, "Failed"), Palette()))
    assert '"errorType": "Exception"' in text and "Error" in text


def test_event_problem_names_line_and_column():
    assert event_problem('{"a": 1}') is None
    assert event_problem("{}") is None
    assert event_problem('{\n  "a": \n}').endswith("Expecting value at line 3, column 1")
    assert event_problem("  ") is None  # sent as {}, as the Invoke API does


def test_wrapped_log_lines_indent_their_continuations():
    from rich.text import Text

    from console.tui.render import hanging_wrap

    pieces = [t.plain for t in hanging_wrap(Text("word " * 30), 40)]
    assert len(pieces) > 1
    assert not pieces[0].startswith(" ") and all(p.startswith("  ") for p in pieces[1:])
    assert all(len(p) <= 40 for p in pieces)
    report = [t.plain for t in hanging_wrap(Text("REPORT RequestId: abc\n  Duration: 1 ms"), 40)]
    assert report == ["REPORT RequestId: abc", "  Duration: 1 ms"]


def test_a_cancelled_failure_has_no_platform_error_line_and_one_space_before_cancelled():
    from dataclasses import replace

    from fixed_results import FAILURE
    from rich.console import Console

    from console.tui.render import Palette, banner_text, render_result

    result = replace(FAILURE, platform_error="Console.InvocationCancelled", cancelled=True)
    console = Console(width=80, record=True, no_color=True)
    console.print(render_result(result, Palette()))
    assert "Platform error" not in console.export_text()
    assert banner_text(result, Palette()).plain == "Execution result: failed (cancelled)"


def test_the_flood_notice_counts_hidden_lines_and_carries_the_runtimes_cut_note():
    from console.tui.widgets.panes import flood_notice

    assert flood_notice(["a", "b"], 1000) == "… 2 earlier lines not shown here (the last 1000 follow)"
    marker = "[lambda-console: 10,400,000 bytes of log output cut here; each invocation keeps the first 960 KiB and the last 64 KiB]"
    notice = flood_notice(["a", marker, "b"], 1000)
    assert notice.startswith("… 3 earlier lines not shown here") and "10,400,000 bytes of log output cut here" in notice


def test_a_response_highlighted_once_is_reused_for_the_same_answer():
    from console.tui.render import highlighted_json

    payload = b'{"statusCode": 200, "body": "' + b"x" * 500 + b'"}'
    highlighted_json.cache_clear()
    first = plain(render_result(result(payload), Palette()))
    second = plain(render_result(result(payload), Palette()))
    assert first == second and '"statusCode": 200' in first
    info = highlighted_json.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    render_result(result(payload), Palette(dark=False))  # another theme: highlighted anew
    render_result(result(b'{"other": 1}'), Palette())
    assert highlighted_json.cache_info().misses == 3


def test_the_summary_grid_draws_exactly_what_rich_tables_draw_at_every_width():
    import dataclasses

    from console.tui.render import SummaryGrid, _FittingGrid

    class RichOnly(SummaryGrid):
        """The same grid, every table laid out by Rich itself."""

        def _grid(self, rows, max_width):
            return self.rich_grid(rows)

    console = Console(width=200, color_system="truecolor", file=open("/dev/null", "w"))
    records = [
        result(),
        result(status="Failed", init=None),
        dataclasses.replace(result(), request_id="short"),
        dataclasses.replace(result(), request_id="[bold]not markup[/bold] :smile:"),
        dataclasses.replace(result(), summary=Summary("", None, 12345.67, 12346, 10240, 10240)),
    ]
    fast_paths = 0
    for record in records:
        rows = summary_rows(record)
        for palette in (Palette(), Palette(muted="#8a8a8a")):
            for width in range(4, 120):
                options = console.options.update_width(width)
                ours = list(console.render(SummaryGrid(rows, palette), options))
                assert ours == list(console.render(RichOnly(rows, palette), options)), (record.request_id, width)
                parts = SummaryGrid(rows, palette).__rich_console__(console, options)
                fast_paths += sum(isinstance(part, _FittingGrid) for part in parts)
    assert fast_paths > 100  # the comparison covered the fitting grids, not only Rich's own
