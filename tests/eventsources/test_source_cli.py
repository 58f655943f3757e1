"""`lambda-console source run`: the timeline, the JSON object, and the exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from console.cli import main

POISON = """
    import base64, json
    def lambda_handler(event, context):
        for r in event["Records"]:
            if json.loads(base64.b64decode(r["kinesis"]["data"])).get("poison"):
                raise ValueError("poison record")
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    fn = tmp_path / "consumer"
    fn.mkdir()
    (fn / "lambda_function.py").write_text(textwrap.dedent(POISON))
    (tmp_path / "records.jsonl").write_text("".join(json.dumps({"n": i, "poison": i == 2}) + "\n" for i in range(4)))
    (tmp_path / "mapping.json").write_text(json.dumps({
        "BatchSize": 4, "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}}}))
    return fn


def test_json_output_has_the_documented_shape_and_exit_1_when_a_record_failed(folder, capsys):
    rc = main(["source", "run", "kinesis", str(folder), "--records", str(folder.parent / "records.jsonl"),
               "--mapping", str(folder.parent / "mapping.json"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert out["kind"] == "kinesis" and out["stoppedBecause"] is None
    assert [r["payload"]["n"] for r in out["records"]] == [0, 1, 2, 3]
    ids = [r["id"] for r in out["records"]]
    first = out["invocations"][0]
    assert set(first) >= {"requestId", "time", "shard", "recordIds", "attempt", "status", "errorType",
                          "batchItemFailures", "bisected"}
    assert first["recordIds"] == ids and first["status"] == "Failed" and first["errorType"] == "ValueError"
    assert first["bisected"] is True
    assert out["processed"] == [ids[0], ids[1], ids[3]]
    assert out["unprocessed"] == [ids[2]]
    assert out["deadLetter"] == []
    assert out["onFailure"][0]["KinesisBatchInfo"]["startSequenceNumber"] == ids[2]


def test_the_timeline_has_a_line_per_batch_and_a_summary(folder, capsys):
    rc = main(["source", "run", "kinesis", str(folder), "--records", str(folder.parent / "records.jsonl"),
               "--mapping", str(folder.parent / "mapping.json")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "Kinesis stream my-stream (1 shard, retention 24 h)" in out
    assert "0:00:00.000  shardId-000000000000   attempt 1   #1-#4" in out
    assert "bisected into 2 + 2 records" in out
    assert "MaximumRetryAttempts (1) reached: on-failure record sent to failed" in out
    assert "3 of 4 records processed in" in out and "on-failure: #3" in out


def test_exit_0_when_every_record_is_processed_and_files_default_to_the_folder(folder, capsys):
    (folder / "records.jsonl").write_text('{"n": 1}\n{"n": 2}\n')
    assert main(["source", "run", "kinesis", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unprocessed"] == []


def test_the_invocation_bound_is_reported(folder, capsys):
    rc = main(["source", "run", "kinesis", str(folder), "--records", str(folder.parent / "records.jsonl"),
               "--max-invocations", "2"])
    out = capsys.readouterr().out
    assert rc == 1 and "Stopped: --max-invocations 2 reached" in out


@pytest.mark.parametrize("extra, message", [
    (["--records", "missing.jsonl"], "does not exist"),
    (["--mapping", "bad.json"], "is not valid JSON"),
    (["--mapping", "typo.json"], "unknown parameter BatchSzie"),
    (["--records", "broken.jsonl"], "line 2 is not valid JSON"),
])
def test_usage_errors_exit_2_with_one_line(folder, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(folder.parent)
    (folder.parent / "bad.json").write_text("{nope")
    (folder.parent / "typo.json").write_text('{"BatchSzie": 3}')
    (folder.parent / "broken.jsonl").write_text('{"n": 1}\n{nope\n')
    args = ["source", "run", "kinesis", str(folder)]
    if "--records" not in extra:
        args += ["--records", "records.jsonl"]
    assert main(args + extra) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_bad_option_value_exits_2(folder, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["source", "run", "kinesis", str(folder), "--max-invocations", "0"])
    assert caught.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_no_records_file_is_a_usage_error(folder, capsys):
    assert main(["source", "run", "sqs", str(folder)]) == 2
    assert "give --records FILE" in capsys.readouterr().err


def test_the_event_source_modules_import_no_ui_library():
    code = ("import console.eventsources.run, console.eventsources.sqs, console.eventsources.streams, "
            "console.cli.source\nimport sys\nprint('\\n'.join(sys.modules))")
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments")}


def test_the_event_sources_never_call_the_engine_directly():
    package = Path(__file__).resolve().parents[2] / "console" / "eventsources"
    for path in package.glob("*.py"):
        text = path.read_text()
        assert "console.engine import Engine" not in text and ".engine.invoke(" not in text, path.name


def test_a_deeply_nested_or_oversized_record_is_one_clear_message(folder, capsys, tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["source", "run", "kinesis", str(folder), "--records", str(deep)]) == 2
    assert "nested too deeply" in capsys.readouterr().err
    big = tmp_path / "big.jsonl"
    big.write_text('"' + "x" * 1_100_000 + '"\n')
    assert main(["source", "run", "sqs", str(folder), "--records", str(big)]) == 2
    assert "SQS refuses a message over 1,048,576 bytes" in capsys.readouterr().err
