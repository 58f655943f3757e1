"""The event source blueprints demonstrate what their descriptions promise, through the CLI."""

from __future__ import annotations

import json

from console import catalog
from console.cli import main


def run_json(capsys, *args: str) -> tuple[int, dict]:
    rc = main(["source", "run", *args, "--json"])
    return rc, json.loads(capsys.readouterr().out)


def test_sqs_batch_retries_only_the_bad_orders_then_dead_letters_them(capsys):
    rc, out = run_json(capsys, "sqs", "--blueprint", "sqs-batch")
    bad = [r["id"] for r in out["records"] if r["payload"] == "not json at all"
           or (isinstance(r["payload"], dict) and r["payload"].get("quantity") == 0)]
    assert rc == 1 and len(bad) == 2
    assert sorted(m["messageId"] for m in out["deadLetter"]) == sorted(bad)
    assert all(m["attributes"]["ApproximateReceiveCount"] == "3" for m in out["deadLetter"])
    assert sorted(out["unprocessed"]) == sorted(bad)
    retried = [i for inv in out["invocations"] if inv["attempt"] > 1 for i in inv["recordIds"]]
    assert set(retried) == set(bad)  # the good orders were never delivered twice


def test_kinesis_poison_retries_until_the_records_expire(capsys):
    rc, out = run_json(capsys, "kinesis", "--blueprint", "kinesis-poison")
    assert rc == 1 and out["stoppedBecause"] is None
    assert out["virtualSeconds"] >= 24 * 3600
    fates = {r["fate"] for r in out["records"]}
    assert fates == {"processed", "trimmed"}  # the poison's shard lost everything behind it
    assert out["onFailure"] == []


def test_kinesis_poison_with_bisection_sends_only_the_poison_to_the_destination(capsys):
    mapping = catalog.get_blueprint("kinesis-poison").path / "mapping-bisect.json"
    rc, out = run_json(capsys, "kinesis", "--blueprint", "kinesis-poison", "--mapping", str(mapping))
    poison = [r["id"] for r in out["records"] if "temperature" not in r["payload"]["data"]]
    assert rc == 1 and out["unprocessed"] == poison
    [record] = out["onFailure"]
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == poison[0]
    assert record["KinesisBatchInfo"]["streamArn"].endswith(":stream/sensors")
    assert any(inv["bisected"] for inv in out["invocations"])
