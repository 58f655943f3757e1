"""SVG snapshot of the Event source view after a run (a fake invoker with fixed results: no live engine)."""

from __future__ import annotations

import base64
import itertools
import json

from fixed_results import CODE_SHA
from textual.widgets import TextArea

from console.engine import FunctionConfig, InvocationResult, Summary
from console.engine.logs import TextPlatformLog
from console.service.invocation_types import InvokeOutcome
from console.service.metrics import MetricsRegistry
from console.tui.app import LambdaConsoleApp
from console.tui.screens.event_sources import EventSourcesScreen


class NoEngine:
    def invoke(self, *args, **kwargs):  # pragma: no cover - the view goes through its invoker
        raise AssertionError("the Event source view must invoke through the Invoker")

    def new_environment(self, config) -> None:
        pass

    def close(self) -> None:
        pass


class FixedInvoker:
    """Answers like the kinesis-poison blueprint would, with fixed ids and durations."""

    def __init__(self) -> None:
        self.metrics = MetricsRegistry()
        self._ids = itertools.count(1)

    def invoke(self, config, event, invocation_type="RequestResponse", **kwargs):
        request_id = f"00000000-0000-4000-8000-{next(self._ids):012d}"
        readings = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in json.loads(event)["Records"]]
        poison = [r for r in readings if "temperature" not in r]
        platform = TextPlatformLog()
        log = platform.start(request_id)
        if poison:
            payload = json.dumps({"errorMessage": f"reading without a temperature: {json.dumps(poison[0])}",
                                  "errorType": "PoisonRecordError", "requestId": request_id, "stackTrace": []})
            log += f"[ERROR] PoisonRecordError: reading without a temperature\n"
        else:
            payload = json.dumps({"stored": len(readings)})
            log += f"Stored {len(readings)} readings\n"
        log += platform.end(request_id) + platform.report(request_id, 1.5, 2, 128, 40, None)
        result = InvocationResult(
            status="Failed" if poison else "Succeeded", payload=payload.encode(),
            function_error="Unhandled" if poison else None, request_id=request_id, log=log,
            summary=Summary(CODE_SHA, None, 1.5, 2, 128, 40), function_name=config.function_name)
        return InvokeOutcome(200, "RequestResponse", request_id, result)


def test_event_source_view_after_the_bisection_demo(snap_compare, home, tmp_path):
    folder = tmp_path / "sensors"
    folder.mkdir()
    (folder / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return None\n")
    app = LambdaConsoleApp(folder, engine=NoEngine())

    async def run_before(pilot) -> None:
        config = FunctionConfig(code_dir=folder, function_name="sensors")
        screen = EventSourcesScreen(config, kind="kinesis", invoker=FixedInvoker())
        await app.push_screen(screen)
        for area in screen.query(TextArea):
            area.cursor_blink = False
        from console import catalog

        bisect = (catalog.get_blueprint("kinesis-poison").path / "mapping-bisect.json").read_text()
        screen.query_one("#es-mapping", TextArea).load_text(bisect)
        await pilot.press("f5")
        for _ in range(400):
            if screen.report is not None:
                break
            await pilot.pause(0.05)
        assert screen.report is not None
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
