"""One function's test session without any widget: what runs, its cancel, a pending re-run, the
invocation type, the live log, and which invocation the panes describe.

The main screen drives it and renders the messages it posts; fast tests drive it directly.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from console.engine import ConfigError, FunctionConfig, check, validate
from console.engine.handler_check import check_handler
from console.service.errors import InvokeError

from .live import AsyncFollower, LiveLog
from .messages import AsyncEventUpdate, InvocationFailed, InvocationFinished, LiveLogChunk
from .render import event_problem

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")  # the Invoke API's, the console's first


def handler_problem(config: FunctionConfig) -> str | None:
    """The one handler check (the function bar's live warning): what F5 would answer before the
    handler runs. Lambda's refusal of the configuration first (then the test does not run), else
    the runtime's own error loading the handler (the same check DryRun makes); None when neither."""
    problems = validate(config)
    if problems:
        return f"{problems[0]} (the test will not run)"
    problem = check_handler(config.code_dir, config.handler)
    return None if problem is None else f"{problem.message} ({problem.error_type})"


@dataclass(frozen=True)
class NotRun:
    """The test was not run: why, for the Result pane (`what`: event, config or refused)."""

    what: str
    title: str
    message: str
    detail: str = ""  # the problem alone, for a notification


@dataclass(frozen=True)
class Started:
    """A RequestResponse test is running; InvocationFinished or InvocationFailed follows."""

    run_id: int


@dataclass(frozen=True)
class Accepted:
    """An Event invocation was queued (202); its attempts arrive as AsyncEventUpdate messages."""

    request_id: str


@dataclass(frozen=True)
class DryRunPassed:
    """DryRun: the configuration and the handler check out (204); nothing ran."""

    request_id: str


Outcome = NotRun | Started | Accepted | DryRunPassed


class _Runner:
    """The session's one invocation thread, fed by a queue: a test hands it a run instead of
    starting a thread (Thread.start() blocks the UI until the new thread has been scheduled).
    Tests run one at a time anyway, and each run's messages keep their order."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"tests-{name}", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        self._jobs.put(None)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()  # run() turns every invocation failure into InvocationFailed itself
            except Exception:  # noqa: BLE001 - the next test must still find a live thread
                continue


class TestSession:
    """Runs tests through the app's invoker and posts what happens with `post` (thread-safe).

    `latest` names the invocation the panes describe: the run id of the newest test, the request
    id of the newest Event invocation, or None after a test that did not run or a DryRun. Older
    invocations (an Event's background retry, say) go to the history, never over a newer result.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        function_name: str,
        invoker: Callable[[], Any],
        post: Callable[[Any], Any],
        events: Callable[[], Any] | None = None,
    ) -> None:
        self.function_name = function_name
        self._invoker = invoker
        self._events = events or (lambda: invoker().async_queue)
        self._post = post
        self.invocation_type = "RequestResponse"
        self.latest: int | str | None = None
        self.last_event_name: str | None = None
        self.force_cold_next = False
        self.event_names: dict[str, str] = {}  # Event invocations' request id -> test event name  # New environment (F4): the next test starts cold
        self._ids = itertools.count(1)
        self._cancel: threading.Event | None = None
        self._run_id: int | None = None
        self._live: LiveLog | None = None
        self._rerun_pending = False
        self._follower: AsyncFollower | None = None
        self._queue: Any = None
        self._closed = False
        self._runner: _Runner | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._run_id is not None

    @property
    def live(self) -> LiveLog | None:
        return self._live

    def cycle_invocation_type(self) -> str:
        index = INVOCATION_TYPES.index(self.invocation_type)
        self.invocation_type = INVOCATION_TYPES[(index + 1) % len(INVOCATION_TYPES)]
        return self.invocation_type

    # -- starting --------------------------------------------------------------------------

    def check(self, config: FunctionConfig, event_text: str) -> NotRun | None:
        """Why this test would not run (the event, then the configuration), or None."""
        problem = event_problem(event_text, self.invocation_type)  # Lambda's rules, one definition
        if problem is not None:
            return NotRun(
                "event",
                "Execution result: not run",
                f"Lambda would refuse this test event, so the test did not run.\n\n{problem}\n\n"
                "Fix the event in the Test event editor (your text is kept) and press F5 again.",
                problem,
            )
        try:
            check(config)
        except ConfigError as exc:
            return NotRun("config", "Execution result: not run", f"Configuration problem:\n\n{exc}", str(exc))
        return None

    def test(self, config: FunctionConfig, event_text: str, event_name: str) -> Outcome:
        """Run the test as the current invocation type (RequestResponse runs in a thread)."""
        if self.running:
            raise RuntimeError("a test is already running")
        not_run = self.check(config, event_text)
        if not_run is not None:
            self.latest = None
            return not_run
        self.last_event_name = event_name
        kind = self.invocation_type
        if kind == "RequestResponse":
            return self._start(config, event_text, event_name)
        if kind == "Event":
            self.follow_events()
        try:
            outcome = self._invoker().invoke(config, event_text, kind)
        except ConfigError as exc:
            self.latest = None
            return NotRun("config", f"{kind}: would fail", str(exc))
        except InvokeError as exc:
            self.latest = None
            return NotRun("refused", f"{kind}: refused", str(exc))
        if kind == "DryRun":
            self.latest = None
            return DryRunPassed(outcome.request_id)
        self.latest = outcome.request_id
        self.event_names[outcome.request_id] = event_name
        return Accepted(outcome.request_id)

    def follow_events(self) -> None:
        """Listen to the Event queue for this function's invocations (before the first is queued
        or resumed, so none of its happenings is missed)."""
        if self._follower is not None or self._closed:
            return
        self._follower = AsyncFollower(
            self.function_name,
            lambda request_id, text: self._post(LiveLogChunk(request_id, text)),
            lambda update: self._post(AsyncEventUpdate(update)),
        )
        self._queue = self._events()
        self._queue.add_listener(self._follower)

    def _start(self, config: FunctionConfig, event_text: str, event_name: str) -> Started:
        run_id = next(self._ids)
        cancel = threading.Event()
        live = LiveLog(lambda text: self._post(LiveLogChunk(run_id, text)))
        self._run_id, self._cancel, self._live, self.latest = run_id, cancel, live, run_id
        invoker = self._invoker()
        cold, self.force_cold_next = self.force_cold_next, False

        def run() -> None:
            try:
                outcome = invoker.invoke(
                    config, event_text, "RequestResponse", cancel=cancel, on_log=live.add, force_cold=cold
                )
            except ConfigError as exc:
                live.close()
                self._post(InvocationFailed(run_id, "Configuration problem", str(exc)))
            except InvokeError as exc:
                live.close()
                self._post(InvocationFailed(run_id, "Refused", str(exc)))
            except Exception as exc:  # an engine failure must not take the console down
                live.close()
                self._post(InvocationFailed(run_id, "The engine could not run the test", f"{type(exc).__name__}: {exc}"))
            else:
                live.close()  # the streamed tail reaches the UI before the result
                self._post(InvocationFinished(run_id, outcome.result, event_name, event_text))

        if self._runner is None:
            self._runner = _Runner(self.function_name)
        self._runner.submit(run)
        return Started(run_id)

    def resume_events(self, config: FunctionConfig) -> int:
        """Take over the Event invocations an earlier console or server left queued for this
        function (they are journalled); returns how many. Starts nothing when there are none."""
        from console.service.async_queue import JOURNAL_FILE, function_state_dir

        if not (function_state_dir(config) / JOURNAL_FILE).exists():
            return 0
        self.follow_events()
        return self._events().resume([config])

    # -- running ---------------------------------------------------------------------------

    def cancel(self) -> bool:
        if self._cancel is None:
            return False
        self._cancel.set()
        return True

    def request_rerun(self) -> bool:
        """Run again once the current test ends (run on save while running); False when idle."""
        if not self.running:
            return False
        self._rerun_pending = True
        return True

    def finished(self, run_id: int) -> bool:
        """The UI got the run's last message; True when a re-run was asked for meanwhile."""
        if run_id != self._run_id:
            return False
        self._run_id = self._cancel = self._live = None
        rerun, self._rerun_pending = self._rerun_pending, False
        return rerun

    @property
    def event_log_batches(self) -> int:
        """How many batches of Event invocations' log text were posted (a flood's cost to the UI)."""
        return self._follower.deliveries if self._follower is not None else 0

    def is_current(self, source: int | str) -> bool:
        """Whether the panes should show what `source` (a run id or request id) produced."""
        return source == self.latest

    def close(self) -> None:
        """The screen went: stop the running test and stop following Event invocations."""
        self._closed = True
        self.cancel()
        if self._runner is not None:
            self._runner.stop()  # after the cancelled test has posted its end
        if self._follower is not None:
            self._follower.close()
            if self._queue is not None:
                self._queue.remove_listener(self._follower)
