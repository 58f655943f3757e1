"""The Monitor's totals table fits the dialog at 80x24 and 120x36: whole headers, no cropped values."""

from __future__ import annotations

import pytest
from fixed_results import FAILURE, SUCCESS
from test_snapshots import NoEngine
from tui_helpers import wait_for

from console.service.metrics import MetricsRegistry
from console.tui.app import LambdaConsoleApp


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_monitor_totals_fit_without_cropping(default_dir, size):
    app = LambdaConsoleApp(default_dir, engine=NoEngine())
    app.invoker.metrics = MetricsRegistry()
    for result in (SUCCESS, FAILURE, SUCCESS):
        app.invoker.metrics.record_invocation("hello-world", result)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MonitorScreen" and "hello-world" in str(app.screen.query_one("#metrics-table").render()))
        table = app.screen.query_one("#metrics-table")
        scroll = app.screen.query_one("#monitor-scroll")
        await wait_for(pilot, lambda: table.size.width > 0)
        lines = str(table.render()).splitlines()
        header, row = lines[0], next(line for line in lines if line.startswith("hello-world"))
        assert header.split()[:5] == ["Function", "Invocations", "Errors", "Throttles", "Retries"]
        assert row.split()[1:3] == ["3", "1"]
        widest = max(len(line) for line in lines)
        assert table.size.width >= widest  # the widget shows every character of every line
        assert table.region.right <= scroll.scrollable_content_region.right  # and all of it is in view
        assert scroll.max_scroll_x == 0  # nothing waits sideways
