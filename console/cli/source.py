"""`lambda-console source run`: an SQS, Kinesis or DynamoDB Streams event source mapping, batch by batch."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from console.cli.invoke import positive_float
from console.eventsources.run import record_ranges as ranges

KINDS = ("sqs", "kinesis", "dynamodb")
# Files a function folder (or a blueprint made into one) may carry for its event source demo.
DEFAULT_FILES = {"records": "records.jsonl", "mapping": "mapping.json", "sqs": "queue.json", "stream": "stream.json"}
MAX_FILE_BYTES = 64 * 1024 * 1024


class UsageError(Exception):
    """Exit 2 with this one-line message."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "source",
        help="run a function behind a simulated SQS, Kinesis or DynamoDB Streams event source",
        description="Event source mappings, simulated: the function runs for real for every batch.",
    )
    sub = p.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    r = sub.add_parser(
        "run",
        help="deliver records to a function in batches, with Lambda's retries",
        description=(
            "Put the records into a simulated queue or stream and let Lambda's poller deliver them: "
            "batches, retries, bisection, dead-letter queue and on-failure destination, on a virtual "
            "clock (waits cost nothing unless --time-scale is given). Exit 0 when every record was "
            "processed, 1 otherwise, 2 for usage errors."
        ),
    )
    r.add_argument("kind", choices=KINDS, help="the event source")
    r.add_argument("dir", nargs="?", help="the function's folder (default: the current directory)")
    r.add_argument("--blueprint", metavar="NAME",
                   help="run a blueprint with the records and settings it carries (e.g. kinesis-poison, sqs-batch)")
    r.add_argument("--records", metavar="FILE",
                   help="JSON Lines, one record a line (default: DIR/records.jsonl). SQS: the body, or "
                        '{"body", "messageAttributes", "messageGroupId"}; Kinesis: the data, or {"data", '
                        '"partitionKey"}; DynamoDB: {"eventName", "Keys", "NewImage", "OldImage"}')
    r.add_argument("--mapping", metavar="FILE",
                   help="a CreateEventSourceMapping request body (default: DIR/mapping.json, else Lambda's defaults)")
    r.add_argument("--queue", metavar="FILE",
                   help="SQS: the queue's attributes as GetQueueAttributes returns them (default: DIR/queue.json); "
                        "streams: ShardCount, RetentionPeriodHours, StreamARN (default: DIR/stream.json)")
    r.add_argument("--time-scale", type=positive_float, metavar="N",
                   help="run waits at N times real time (for demos) instead of skipping them")
    r.add_argument("--max-invocations", type=positive_int, default=1000, metavar="N",
                   help="stop after N invocations (default 1000)")
    r.add_argument("--json", action="store_true", help="print one JSON object instead of the timeline")
    from .sam_options import add_template_options

    add_template_options(r, template_help="a SAM template; DIR is then the function's logical ID")
    r.set_defaults(run=run)


def _read(path: Path, what: str) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{what} {path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _file(flag: str | None, code_dir: Path, default: str) -> Path | None:
    if flag is not None:
        given = Path(flag)
        # A bare name the current folder lacks means the function folder's file (a blueprint's).
        if not given.exists() and not given.is_absolute() and (code_dir / given).is_file():
            return code_dir / given
        return given
    candidate = code_dir / default
    return candidate if candidate.is_file() else None


def _json_file(path: Path | None, what: str) -> Any:
    if path is None:
        return None
    from console.eventsources.run import load_json_file

    return load_json_file(_read(path, what), f"{what} {path}")


def _load_function(args: argparse.Namespace):
    from console import workspace
    from console.engine import ConfigError, check
    from console.engine.handler_check import handler_module_path

    if args.blueprint:
        return _blueprint_config(args)
    if args.template:
        return _template_config(args)
    code_dir = Path(args.dir or os.getcwd())
    if not code_dir.is_dir():
        raise UsageError(f"{code_dir} is not a directory")
    try:
        config = workspace.function_config(code_dir)
        check(config)
    except workspace.CorruptSettingsError as exc:
        raise UsageError(f"{exc} Fix or remove it; nothing was run") from None
    except ConfigError as exc:
        raise UsageError(str(exc).replace("\n", "; ")) from None
    module = config.handler.rsplit(".", 1)[0] if "." in config.handler else ""
    if module and handler_module_path(config.code_dir, module) is None:
        raise UsageError(f"{config.code_dir} has no {module.replace('.', '/')}.py for the handler {config.handler}")
    return config


def _template_config(args: argparse.Namespace):
    """A SAM template's function, by logical ID (records.jsonl and friends are read from its CodeUri)."""
    from .sam_options import TemplateUsageError, load_project_from_args, pick_function, print_project_notes

    try:
        project = load_project_from_args(args)
        function = pick_function(project, args.dir)
    except TemplateUsageError as exc:
        raise UsageError(str(exc)) from None
    print_project_notes(project)
    return function.to_function_config()


def _blueprint_config(args: argparse.Namespace):
    from console import catalog, workspace

    if args.dir:
        raise UsageError("give either a function folder or --blueprint, not both")
    try:
        bp = catalog.get_blueprint(args.blueprint)
    except catalog.CatalogError as exc:
        raise UsageError(str(exc)) from None
    if bp.kind != "function":
        raise UsageError(f"blueprint '{bp.name}' is a {bp.kind}, not a function")
    settings = workspace.FunctionSettings.from_blueprint(bp)
    return workspace.function_config(bp.path, bp.name, settings=settings)


def run(args: argparse.Namespace) -> int:
    from console.eventsources.mapping import MappingError
    from console.eventsources.records import RecordsError
    from console.eventsources.run import Inputs

    try:
        config = _load_function(args)
        records_path = _file(args.records, config.code_dir, DEFAULT_FILES["records"])
        if records_path is None:
            raise UsageError(f"give --records FILE (JSON Lines); {config.code_dir} has no records.jsonl")
        mapping_path = _file(args.mapping, config.code_dir, DEFAULT_FILES["mapping"])
        queue_default = DEFAULT_FILES["sqs" if args.kind == "sqs" else "stream"]
        queue_path = _file(args.queue, config.code_dir, queue_default)
        inputs = Inputs(
            records_text=_read(records_path, "records file"),
            mapping=_json_file(mapping_path, "mapping file") or {},
            queue=_json_file(queue_path, "queue file" if args.kind == "sqs" else "stream file"),
        )
        return _simulate(args, config, inputs, records_path)
    except (UsageError, MappingError, RecordsError) as exc:
        print(f"lambda-console source run: {exc}", file=sys.stderr)
        return 2


def _simulate(args: argparse.Namespace, config, inputs, records_path: Path) -> int:
    from console.engine import ConfigError
    from console.eventsources.clock import VirtualClock
    from console.eventsources.run import Run, build, simulate
    from console.service.errors import InvokeError
    from console.service.invoker import Invoker
    from console.service.metrics import MetricsRegistry

    color = not args.json and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    out = sys.stdout
    invoker = Invoker(metrics=MetricsRegistry())
    try:
        clock = VirtualClock(args.time_scale)
        timeline = None if args.json else Timeline(out, color)
        runner = Run(args.kind, config, invoker, clock, max_invocations=args.max_invocations,
                     on_entry=timeline.entry if timeline else None)
        source = build(args.kind, runner, inputs)  # MappingError / RecordsError: nothing ran yet
        if timeline is not None:
            timeline.header(args.kind, config, source, records_path)
        started = time.monotonic()
        try:
            report = simulate(runner, source)
        except (ConfigError, InvokeError) as exc:  # the function itself cannot be invoked
            raise UsageError(str(exc).splitlines()[0]) from None
        real_s = time.monotonic() - started
    finally:
        invoker.close()
    _save_metrics(invoker.metrics, config)
    if args.json:
        json.dump(report.to_json(), out, ensure_ascii=False)
        out.write("\n")
    else:
        assert timeline is not None
        timeline.summary(report, real_s, args.max_invocations)
    return 0 if report.all_processed else 1


def _save_metrics(registry, config) -> None:
    from console.service.metrics import metrics_path

    if config.function_name not in registry.dirty():
        return
    try:
        registry.save_file(config.function_name, metrics_path(config.code_dir, config.function_name))
    except OSError as exc:  # a read-only folder must not fail the run
        print(f"lambda-console: metrics not saved ({exc.strerror or exc})", file=sys.stderr)


# ---------------------------------------------------------------- the timeline


class Timeline:
    """One line per batch (time, queue or shard, attempt, records, outcome), and the moves between."""

    _STYLES = {"Succeeded": "32", "Failed": "31", "dead-letter": "35", "on-failure": "35", "note": "33"}

    def __init__(self, out: TextIO, color: bool) -> None:
        self.out = out
        self.color = color

    def _style(self, text: str, key: str) -> str:
        code = self._STYLES.get(key)
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    def header(self, kind: str, config, source, records_path: Path) -> None:
        from console.eventsources.sqs import SqsSource

        if isinstance(source, SqsSource):
            q, m = source.queue, source.mapping
            redrive = (f"maxReceiveCount {q.redrive.max_receive_count} → {q.redrive.dead_letter_arn.rsplit(':', 1)[-1]}"
                       if q.redrive else "no redrive policy")
            what = (f"SQS {'FIFO' if q.fifo else 'standard'} queue {q.name} (VisibilityTimeout {q.visibility_timeout_s} s, "
                    f"{redrive}); BatchSize {m.batch_size}, window {m.window_s} s"
                    f"{', ReportBatchItemFailures' if m.report_failures else ''}")
        else:
            s, m = source.stream, source.mapping
            name = "DynamoDB stream" if kind == "dynamodb" else "Kinesis stream"
            what = (f"{name} {s.name} ({s.shard_count} shard{'s' if s.shard_count > 1 else ''}, retention "
                    f"{s.retention_s // 3600} h); BatchSize {m.batch_size}, MaximumRetryAttempts {m.max_retry_attempts}, "
                    f"MaximumRecordAgeInSeconds {m.max_record_age_s}, bisect {'on' if m.bisect else 'off'}"
                    f"{', ParallelizationFactor ' + str(m.parallelization) if m.parallelization > 1 else ''}"
                    f"{', ReportBatchItemFailures' if m.report_failures else ''}"
                    f"{', on failure → ' + m.on_failure_arn.rsplit(':', 1)[-1] if m.on_failure_arn else ''}")
        count = len(source.run.report.records)
        self.out.write(f"{what}\nFunction {config.function_name}; {count} records from {records_path} "
                       f"(#n is the n-th line)\n\n")
        self.out.flush()

    def entry(self, entry) -> None:
        from console.eventsources.clock import elapsed
        from console.eventsources.run import BatchEntry

        when = elapsed(entry.time)
        if isinstance(entry, BatchEntry):
            status = entry.status
            if entry.error_type:
                status += f" {entry.error_type}"
            elif entry.batch_item_failures:
                status += f", {len(entry.batch_item_failures)} failed item{'s' if len(entry.batch_item_failures) > 1 else ''}"
            message = _error_message(entry)
            line = (f"{when}  {entry.source:<22} attempt {entry.attempt:<3} {ranges(entry.numbers):<14} "
                    f"{self._style(status, entry.status)}  {entry.outcome}")
            if message:
                line += f"  — {message}"
        else:
            line = f"{when}  {entry.source:<22} {'':<11} {ranges(entry.numbers):<14} " \
                   f"{self._style(entry.text, entry.kind)}"
        self.out.write(line + "\n")
        self.out.flush()

    def summary(self, report, real_s: float, bound: int) -> None:
        from console.eventsources.clock import elapsed

        total = len(report.records)
        fates: dict[str, list[int]] = {}
        for info in report.records:
            fates.setdefault(info.fate, []).append(info.number)
        self.out.write("\n")
        if report.stopped_because == "max-invocations":
            self.out.write(self._style(f"Stopped: --max-invocations {bound} reached; the rest was not delivered", "note")
                           + "\n")
        elif report.stopped_because:
            self.out.write(f"Stopped: {report.stopped_because}\n")
        processed = len(fates.get("processed", []))
        self.out.write(f"{processed} of {total} records processed in {len(report.invocations)} invocations; "
                       f"virtual time {elapsed(report.end_time)}, real time {real_s:.1f} s\n")
        for fate, numbers in fates.items():
            if fate != "processed":
                self.out.write(f"  {fate}: {ranges(numbers)}\n")
        if report.dead_letter:
            self.out.write(f"  dead-letter queue: {len(report.dead_letter)} messages (see --json)\n")
        if report.on_failure:
            self.out.write(f"  on-failure destination: {len(report.on_failure)} records (see --json)\n")


def _error_message(entry) -> str:
    if entry.result is None or entry.result.succeeded:
        return ""
    value = entry.result.payload_value()
    message = value.get("errorMessage") if isinstance(value, dict) else None
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= 60 else message[:57] + "..."
