"""metrics.json: one bad field never wipes the history; an unreadable file is moved aside, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from console.service.metrics import MetricsRegistry

NOW = 60 * 100_000.0


class _Result:
    succeeded = True
    summary = None


def _saved(minute_counts: dict[int, dict]) -> str:
    return json.dumps({"version": 1, "function": "fn", "buckets": {
        str(m): {"counts": c, "durations": [], "durationCount": 0, "durationMax": 0, "concurrencyMax": 1}
        for m, c in minute_counts.items()}})


def _totals(path: Path) -> dict[str, int]:
    data = json.loads(path.read_text())
    out: dict[str, int] = {}
    for bucket in data["buckets"].values():
        for k, v in bucket["counts"].items():
            out[k] = out.get(k, 0) + v
    return out


def _record_and_save(path: Path) -> MetricsRegistry:
    metrics = MetricsRegistry(clock=lambda: NOW)
    metrics.record_invocation("fn", _Result())
    metrics.save_file("fn", path)
    return metrics


def test_one_bad_field_keeps_every_other_count_and_the_original_aside(tmp_path):
    path = tmp_path / ".lambda-console" / "metrics.json"
    path.parent.mkdir()
    original = _saved({1000: {"Invocations": 40, "Errors": 2}, 1001: {"Invocations": "lots", "Throttles": 3}})
    path.write_text(original)
    metrics = _record_and_save(path)
    assert _totals(path) == {"Invocations": 41, "Errors": 2, "Throttles": 3}
    [aside] = path.parent.glob("metrics.json.corrupt-*")
    assert aside.read_text() == original  # the unreadable count is not lost, only set aside
    assert any("buckets.1001.counts.Invocations" in p for p in metrics.problems)


@pytest.mark.parametrize("content", [
    b"{not json",
    b"\xff\xfe\x00binary",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"buckets": {"1000": {"counts": {"Invocations": 1e400}}}}',
    b'{"buckets": "x"}',
], ids=["invalid", "binary", "nested-100000", "1e400", "wrong-type"])
def test_an_unreadable_metrics_file_is_moved_aside_and_counting_goes_on(tmp_path, content):
    path = tmp_path / "metrics.json"
    path.write_bytes(content)
    metrics = _record_and_save(path)
    assert _totals(path)["Invocations"] == 1
    [aside] = tmp_path.glob("metrics.json.corrupt-*")
    assert aside.read_bytes() == content
    assert metrics.problems and all("\n" not in p for p in metrics.problems)


def test_a_directory_where_metrics_json_should_be_is_moved_aside(tmp_path):
    path = tmp_path / "metrics.json"
    (path / "inside").mkdir(parents=True)
    _record_and_save(path)
    assert _totals(path)["Invocations"] == 1
    [aside] = tmp_path.glob("metrics.json.corrupt-*")
    assert (aside / "inside").is_dir()


def test_the_metrics_command_shows_what_reads_and_names_what_does_not(tmp_path, capsys):
    folder = tmp_path / "fn"
    (folder / ".lambda-console").mkdir(parents=True)
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c): pass\n")
    (folder / ".lambda-console" / "metrics.json").write_text(
        _saved({int(NOW // 60): {"Invocations": 7}, int(NOW // 60) + 1: {"Errors": None}}))
    assert main(["metrics", "--json", str(folder)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["functions"]["fn"]["totals"]["Invocations"] == 7
    assert "Errors" in captured.err and "Traceback" not in captured.err
