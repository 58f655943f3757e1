"""The Event source view, driven with the pilot: open it (F11, palette), run a blueprint's stream, read the timeline."""

from __future__ import annotations

from tui_helpers import wait_for

from console import workspace
from console.tui.app import LambdaConsoleApp

SIZE = (140, 40)


def _screen(app):
    return app.screen if type(app.screen).__name__ == "EventSourcesScreen" else None


async def test_f11_runs_the_kinesis_poison_demo_live_and_shows_each_batch(home, engine):
    fn = workspace.create_function_from_blueprint("kinesis-poison", "sensors", root=home)
    app = LambdaConsoleApp(fn.dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen()
        await pilot.press("f11")
        screen = await wait_for(pilot, lambda: _screen(app), timeout=10)
        assert screen.kind == "kinesis"  # the folder carries stream.json
        assert "sensor-1" in screen.query_one("#es-records").text
        # The bisection demo: swap its mapping in, as a user would edit the mapping pane.
        screen.query_one("#es-mapping").load_text((fn.dir / "mapping-bisect.json").read_text())
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.report is not None, timeout=60)
        table = screen.query_one("#es-timeline")
        assert table.row_count == len(screen.entries) >= 8
        outcomes = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert any("bisected into" in o for o in outcomes)
        assert any("on-failure record sent to sensor-failures" in o for o in outcomes)
        status = str(screen.query_one("#es-status").render())
        assert "19 of 20 records processed" in status and "on-failure #14" in status
        # The highlighted batch's result and log show in the usual panes.
        table.move_cursor(row=0)
        first = screen.entries[0].result
        await wait_for(pilot, lambda: screen.query_one("#es-result").result is first)
        assert "Execution result: failed" in screen.query_one("#es-result").plain_text()
        assert "PoisonRecordError" in screen.query_one("#es-log").log_text
        moved = next(i for i, e in enumerate(screen.entries) if getattr(e, "kind", "") == "on-failure")
        table.move_cursor(row=moved)
        await wait_for(pilot, lambda: "KinesisBatchInfo" in screen.query_one("#es-result").plain_text())
        assert '"condition": "RetryAttemptsExhausted"' in screen.query_one("#es-result").plain_text()
        await pilot.press("f7")  # the records and their fate
        records = screen.query_one("#es-records-table")
        assert records.display and records.row_count == 20
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, timeout=5)
    totals = app.metrics.export("sensors")["functions"]["sensors"]["totals"]
    assert totals["OnFailureDestinationDeliveredEventCount"] == 1 and totals["IteratorAge"] is not None


async def test_the_palette_opens_it_and_f6_cycles_the_kinds_keeping_edits(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Event sources")
        await pilot.press("enter")
        screen = await wait_for(pilot, lambda: _screen(app), timeout=10)
        assert screen.kind == "kinesis"
        records = screen.query_one("#es-records")
        records.load_text('{"mine": true}\n')
        await pilot.press("f6")
        assert screen.kind == "dynamodb" and "OrderId" in records.text
        await pilot.press("f6")
        assert screen.kind == "sqs" and "orderId" in records.text
        await pilot.press("f6")
        assert screen.kind == "kinesis" and records.text == '{"mine": true}\n'


async def test_settings_lambda_would_refuse_are_reported_without_running(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f11")
        screen = await wait_for(pilot, lambda: _screen(app), timeout=10)
        screen.query_one("#es-mapping").load_text('{"BatchSize": 0}')
        await pilot.press("f5")
        await wait_for(pilot, lambda: "BatchSize must be between" in str(screen.query_one("#es-status").render()))
        assert screen.entries == [] and app.history == []
        screen.query_one("#es-mapping").load_text("{nope")
        await pilot.press("f5")
        await wait_for(pilot, lambda: "not valid JSON" in str(screen.query_one("#es-status").render()))


async def test_on_a_narrow_terminal_enter_swaps_the_timeline_for_the_batch_and_escape_back(home, engine):
    fn = workspace.create_function_from_blueprint("sqs-batch", "orders", root=home)
    app = LambdaConsoleApp(fn.dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f11")
        screen = await wait_for(pilot, lambda: _screen(app), timeout=10)
        assert screen.kind == "sqs"  # the folder carries queue.json
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.report is not None, timeout=60)
        assert [m["body"] for m in screen.report.dead_letter] == ["not json at all", '{"orderId": "1007", "quantity": 0}']
        detail, timeline = screen.query_one("#es-detail"), screen.query_one("#es-timeline")
        assert not detail.display
        timeline.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: detail.display and not screen.query_one("#es-timeline-pane").display)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not detail.display and screen.query_one("#es-timeline-pane").display)
        assert _screen(app) is screen  # the first Escape only closed the detail


def test_shard_ids_are_shortened_for_the_timeline():
    from console.tui.screens.event_sources import short_source

    assert short_source("shardId-000000000001") == "shard 1"
    assert short_source("shardId-000000000000/2") == "shard 0/2"
    assert short_source("shardId-00000001767225600000-864758bb") == "shard 864758bb"
    assert short_source("orders") == "orders"


async def test_escape_stops_a_run_paced_at_real_time(home, engine):
    fn = workspace.create_function_from_blueprint("sqs-batch", "orders", root=home)
    app = LambdaConsoleApp(fn.dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f11")
        screen = await wait_for(pilot, lambda: _screen(app), timeout=10)
        await pilot.press("f8", "f8", "f8", "f8")  # virtual -> 1000x -> 100x -> 10x -> 1x
        assert screen.time_scale == 1.0
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(screen.entries) >= 3, timeout=30)  # the first batches, at once
        await pilot.press("escape")  # the retries would come 30 real seconds later
        await wait_for(pilot, lambda: screen.report is not None, timeout=10)
        assert screen.report.stopped_because == "cancelled"
        assert "cancelled" in str(screen.query_one("#es-status").render())
        assert _screen(app) is screen  # the first Escape only stopped the run
