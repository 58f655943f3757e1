"""Per-function metrics: counting, percentiles, persistence, sparklines and `lambda-console metrics`."""

from __future__ import annotations

import json
from types import SimpleNamespace

from console.cli import main
from console.service.metrics import MetricsRegistry, percentile, render_table, sparkline


def _result(ms: float, ok: bool = True):
    return SimpleNamespace(succeeded=ok, summary=SimpleNamespace(duration_ms=ms))


def test_invocations_errors_and_durations_fall_into_minute_buckets():
    now = [600.0]
    metrics = MetricsRegistry(clock=lambda: now[0])
    for ms in range(1, 101):
        metrics.record_invocation("f", _result(float(ms), ok=ms % 10 != 0))
    now[0] += 60
    metrics.record_throttle("f")
    metrics.count("f", "AsyncRetries", 2)
    data = metrics.export("f")["functions"]["f"]
    first, second = data["buckets"]
    assert (first["Invocations"], first["Errors"], first["Throttles"]) == (100, 10, 0)
    assert (first["Duration"]["p50"], first["Duration"]["p99"], first["Duration"]["max"]) == (50.0, 99.0, 100.0)
    assert (second["Invocations"], second["Throttles"], second["AsyncRetries"]) == (0, 1, 2)
    assert first["timestamp"] == "1970-01-01T00:10:00Z"
    assert data["totals"]["Invocations"] == 100 and data["totals"]["Throttles"] == 1


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 1001)], 99) == 990.0


def test_saved_metrics_merge_with_a_later_run(tmp_path):
    path = tmp_path / "metrics.json"
    first = MetricsRegistry(clock=lambda: 120.0)
    first.record_invocation("f", _result(5.0))
    first.save_file("f", path)
    second = MetricsRegistry(clock=lambda: 120.0)
    second.load_file("f", path)
    second.record_invocation("f", _result(7.0, ok=False))
    totals = second.export()["functions"]["f"]["totals"]
    assert (totals["Invocations"], totals["Errors"], totals["Duration"]["count"]) == (2, 1, 2)


def test_sparkline_scales_from_zero_to_the_largest_value():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    line = sparkline([0, 4, 8, None])
    assert line[0] == "▁" and line[2] == "█" and line[3] == " "
    assert sparkline([0, 0]) == "▁▁"


def test_render_table_shows_totals_and_sparklines():
    metrics = MetricsRegistry(clock=lambda: 6000.0)
    metrics.record_invocation("my-fn", _result(2.5))
    table = render_table(metrics.export(), minutes=5, now=6000.0)
    assert "my-fn" in table and "2.50" in table
    assert "█" in table.splitlines()[-1]


def test_metrics_command_prints_saved_metrics_as_json_and_as_a_table(tmp_path, capsys):
    folder = tmp_path / "fn"
    (folder / ".lambda-console").mkdir(parents=True)
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c): pass\n")
    metrics = MetricsRegistry()
    metrics.record_invocation("fn", _result(3.0))
    metrics.save_file("fn", folder / ".lambda-console" / "metrics.json")
    assert main(["metrics", "--json", str(folder)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["functions"]["fn"]["totals"]["Invocations"] == 1
    assert main(["metrics", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Invocations" in out and "fn" in out
    assert main(["metrics", str(tmp_path / "missing")]) == 2


def test_the_server_saves_metrics_in_the_function_folder(function_dirs, start_server, make_client):
    server = start_server([function_dirs["hello"]])
    make_client(server.url).invoke(FunctionName="hello")
    server.close()
    saved = json.loads((function_dirs["hello"] / ".lambda-console" / "metrics.json").read_text())
    assert saved["function"] == "hello"
    assert sum(b["counts"]["Invocations"] for b in saved["buckets"].values()) == 1


def test_two_writers_of_one_metrics_file_both_keep_their_counts(tmp_path):
    # e.g. `lambda-console serve` and the console recording the same function at the same time
    path = tmp_path / "metrics.json"
    server, console_ = MetricsRegistry(clock=lambda: 600.0), MetricsRegistry(clock=lambda: 600.0)
    server.load_file("f", path)
    console_.load_file("f", path)
    for _ in range(3):
        server.record_invocation("f", _result(1.0))
    console_.record_invocation("f", _result(2.0, ok=False))
    server.save_file("f", path)
    console_.save_file("f", path)
    server.save_file("f", path)  # nothing new: must not count anything twice
    assert server.dirty() == set() and console_.dirty() == set()
    reader = MetricsRegistry()
    reader.load_file("f", path)
    totals = reader.export()["functions"]["f"]["totals"]
    assert (totals["Invocations"], totals["Errors"], totals["Duration"]["count"]) == (4, 1, 4)
    # after saving, each writer shows the file's combined view
    assert console_.export()["functions"]["f"]["totals"]["Invocations"] == 4


def test_render_totals_sizes_columns_to_content_and_fits_80_columns():
    from console.service.metrics import render_totals

    metrics = MetricsRegistry(clock=lambda: 6000.0)
    metrics.record_invocation("hello-world", _result(2.5))
    table = render_totals(metrics.export())
    header, rule, row = table.splitlines()
    assert header.split() == ["Function", "Invocations", "Errors", "Throttles", "Retries", "p50", "ms", "p99", "ms"]
    assert row.split() == ["hello-world", "1", "0", "0", "0", "2.50", "2.50"]
    assert max(len(line) for line in table.splitlines()) <= 66  # an 80-column terminal's Monitor dialog
    assert len(rule) == len(header) == len(row)


def test_a_burst_of_invocations_is_saved_in_one_write_not_one_per_invocation(function_dirs, shared_engine, monkeypatch):
    """Each invocation asks for a save; the flusher waits out FLUSH_DELAY_S whatever wakes it, so
    the burst costs one write (made here by close(), the delay being long) and loses nothing."""
    from console.service import invoker as invoker_module
    from console.service.invoker import Invoker
    from console.service.registry import FunctionRegistry

    monkeypatch.setattr(invoker_module, "FLUSH_DELAY_S", 3600.0)
    saves = []
    original = MetricsRegistry.save_file
    monkeypatch.setattr(MetricsRegistry, "save_file", lambda self, *a, **k: (saves.append(a), original(self, *a, **k))[1])
    config = FunctionRegistry([function_dirs["hello"]]).get("hello")
    invoker = Invoker(shared_engine)
    for _ in range(30):
        invoker.invoke(config, b"{}")
    assert saves == []  # the flusher is still waiting out its delay, not saving per invocation
    invoker.close()
    assert len(saves) == 1
    saved = json.loads((function_dirs["hello"] / ".lambda-console" / "metrics.json").read_text())
    assert sum(b["counts"]["Invocations"] for b in saved["buckets"].values()) == 30
