"""The executor: runs a validated state machine over local Lambda functions and records its history."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from . import dataflow, definition as asl, jsonpath
from .clock import ScaledClock
from .dataflow import compact
from .errors import (
    DATA_LIMIT_EXCEEDED,
    EXCEED_TOLERATED_FAILURE,
    NO_CHOICE_MATCHED,
    RUNTIME,
    TIMEOUT,
    StateRuntimeError,
    StatesError,
    is_recoverable,
    matches,
)
from .history import Event, History, Lane, iso

# Threads one execution's Parallel and Map states may add, all nesting levels together.
MAX_EXTRA_THREADS = 64
_TOO_DEEP = "The state machine's data or states are nested too deeply to process"
_TOO_DEEP_TEXT = '"(nested too deeply to show)"'
# Data deeper than this is refused at the start (Python's JSON stops near 1,000 levels anyway).
MAX_INPUT_DEPTH = 256
# Step Functions' quota for one Standard execution's history.
MAX_HISTORY_EVENTS = 25_000
from .lambda_tasks import MAX_PAYLOAD_BYTES, Aborted, ExecutionDeadline, Invoker, TaskContext, run_lambda_task

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/lambda-console-local"

SUCCEEDED, FAILED, TIMED_OUT, ABORTED = "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"
INLINE_MAP_LIMIT = 40


class _ExecutionTimedOut(Exception):
    """The machine-level TimeoutSeconds passed."""


class _Scope:
    """A stop signal for one line of work: set by abort(), or for siblings when a branch fails."""

    def __init__(self, parent: Optional["_Scope"] = None) -> None:
        self.event = threading.Event()
        self.parent = parent

    def is_set(self) -> bool:
        return self.event.is_set() or (self.parent is not None and self.parent.is_set())

    def set(self) -> None:
        self.event.set()

    def wait(self, timeout: float) -> bool:
        """True as soon as the scope (or a parent) is stopped, False when `timeout` passed."""
        end = time.monotonic() + timeout
        while not self.is_set():
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            self.event.wait(min(0.05, remaining) if self.parent is not None else remaining)
        return True


@dataclass
class StateRecord:
    """One entry of a state, for views: what went in, what came out and how it ended."""

    name: str
    type: str
    input: Any
    entered_event_id: int
    depth: int = 0
    output: Any = None
    outcome: str = "running"  # "succeeded" | "caught" | "failed" | "aborted" | "running"
    error: Optional[str] = None
    cause: Optional[str] = None
    retries: int = 0
    next: Optional[str] = None

    @property
    def display_status(self) -> str:
        """succeeded / retried / caught / failed, as the path view colours them."""
        if self.outcome == "succeeded" and self.retries:
            return "retried"
        return self.outcome


@dataclass
class ExecutionResult:
    status: str
    output: Any
    error: Optional[str]
    cause: Optional[str]
    path: list[str]
    events: list[Event]
    states: list[StateRecord] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    def to_json(self) -> dict[str, Any]:
        """The object `lambda-console sfn run --json` prints."""
        return {
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "path": list(self.path),
            "events": [e.to_json() for e in self.events],
        }


class Execution:
    """One run of a state machine. Thread-safe to abort() from another thread."""

    def __init__(
        self,
        definition: dict[str, Any],
        invoker: Invoker,
        *,
        time_scale: float = 1.0,
        strict_ids: bool = True,
        on_event: Optional[Callable[[Event], None]] = None,
        on_state: Optional[Callable[[StateRecord], None]] = None,
        name: Optional[str] = None,
        state_machine_name: str = "LocalStateMachine",
        rng: Optional[random.Random] = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        problems = asl.validate(definition)
        if problems:
            raise asl.DefinitionError(problems)
        self.definition = definition
        self.invoker = invoker
        self.time_scale = float(time_scale)
        self.name = name or str(uuid.uuid4())
        self.state_machine_name = state_machine_name
        self.rng = rng or random.Random()
        self.on_state = on_state
        self._root = _Scope()
        self._local = threading.local()  # the _Scope of the branch or iteration this thread runs
        self.clock = ScaledClock(self.time_scale)
        self.history = History(clock=self.now, on_event=on_event, strict_ids=strict_ids)
        self.path: list[str] = []
        self.states: list[StateRecord] = []
        self._deadline: Optional[datetime] = None
        # Threads that branches and iterations may use besides the ones running the execution
        # (nested Parallel and Map share it; past it, work runs on the thread that asked).
        self._threads = threading.BoundedSemaphore(MAX_EXTRA_THREADS)
        self._texts = _Texts()

    # --- time -----------------------------------------------------------------------------
    def now(self) -> datetime:
        """Virtual time (see ScaledClock): the history's timestamps show waits at full length."""
        return self.clock.now()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time (seconds / time_scale for real); stops on abort or timeout."""
        if seconds <= 0:
            return
        timed_out = False
        if self._deadline is not None:
            remaining = (self._deadline - self.now()).total_seconds()
            if remaining < seconds:
                seconds, timed_out = max(0.0, remaining), True
        if self.clock.wait(seconds, self._scope()):
            raise Aborted()
        if timed_out:
            raise _ExecutionTimedOut()

    def _remaining(self) -> Optional[float]:
        """Seconds left before the machine's TimeoutSeconds (None without one)."""
        if self._deadline is None:
            return None
        return max(0.0, (self._deadline - self.now()).total_seconds())

    def abort(self) -> None:
        self._root.set()

    def _scope(self) -> _Scope:
        return getattr(self._local, "scope", self._root)

    def _check(self) -> None:
        if self._scope().is_set():
            raise Aborted()
        if len(self.history.events) >= MAX_HISTORY_EVENTS:
            # Step Functions' quota: an execution whose history reaches it fails (a loop that
            # never ends, say) rather than running on and growing without bound.
            raise StatesError(
                RUNTIME,
                f"The execution reached the maximum number of events in its history ({MAX_HISTORY_EVENTS}).",
            )
        if self._deadline is not None and self.now() >= self._deadline:
            raise _ExecutionTimedOut()

    # --- the run --------------------------------------------------------------------------
    def run(self, execution_input: Any) -> ExecutionResult:
        start = self.now()
        if isinstance(self.definition.get("TimeoutSeconds"), int):
            self._deadline = start + timedelta(seconds=self.definition["TimeoutSeconds"])
        self._context_base = {
            "Execution": {
                "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{self.state_machine_name}:{self.name}",
                "Input": execution_input,
                "Name": self.name,
                "RoleArn": ROLE_ARN,
                "StartTime": iso(start),
                "RedriveCount": 0,
            },
            "StateMachine": {
                "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{self.state_machine_name}",
                "Name": self.state_machine_name,
            },
        }
        lane = Lane()
        self.history.add(
            lane,
            "ExecutionStarted",
            {"input": self._texts.json(execution_input), "inputDetails": {"truncated": False}, "roleArn": ROLE_ARN},
        )
        status, output, error, cause = SUCCEEDED, None, None, None
        try:
            if asl.json_depth(execution_input, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH:
                raise RecursionError
            output = self.run_machine(self.definition, execution_input, lane, depth=0)
        except RecursionError:
            status, error, cause = FAILED, RUNTIME, _TOO_DEEP
            self.history.add(lane, "ExecutionFailed", _error_details(error, cause))
        except StatesError as err:
            status, error, cause = FAILED, err.error, err.cause
            self.history.add(lane, "ExecutionFailed", _error_details(error, cause))
        except Aborted:
            status, error = ABORTED, None
            self.history.add(lane, "ExecutionAborted", None)
        except _ExecutionTimedOut:
            status, error = TIMED_OUT, TIMEOUT
            self.history.add(lane, "ExecutionTimedOut", {"error": TIMEOUT})
        else:
            self.history.add(
                lane, "ExecutionSucceeded", {"output": self._texts.json(output), "outputDetails": {"truncated": False}}
            )
        return ExecutionResult(status, output, error, cause, list(self.path), list(self.history.events), list(self.states))

    def run_machine(self, machine: dict, data: Any, lane: Lane, depth: int) -> Any:
        states = machine["States"]
        name: Optional[str] = machine["StartAt"]
        while name is not None:
            self._check()
            data, name = self.run_state(name, states[name], data, lane, depth)
        return data

    def context(self, state_name: str, entered: str, retry_count: int, extra: Optional[dict] = None) -> dict:
        ctx = dict(self._context_base)
        ctx["State"] = {"EnteredTime": entered, "Name": state_name, "RetryCount": retry_count}
        if extra:
            ctx.update(extra)
        return ctx

    def run_state(self, name: str, state: dict, raw_input: Any, lane: Lane, depth: int) -> tuple[Any, Optional[str]]:
        kind = state["Type"]
        entered = self.history.add(
            lane,
            f"{kind}StateEntered",
            {"name": name, "input": self._texts.json(raw_input), "inputDetails": {"truncated": False}},
            name,
        )
        self.path.append(name)
        record = StateRecord(name, kind, raw_input, entered.id, depth)
        self.states.append(record)
        self._notify(record)
        handler = getattr(self, f"_state_{kind.lower()}")
        try:
            try:
                output, next_state = handler(name, state, raw_input, lane, iso(entered.timestamp), record, depth)
            except RecursionError:
                # Data or states nested too deeply for this process: the state fails, not the console.
                raise StatesError(RUNTIME, _TOO_DEEP) from None
            if kind != "Fail" and len(self._texts.json(output).encode("utf-8")) > MAX_PAYLOAD_BYTES:
                raise StatesError(
                    DATA_LIMIT_EXCEEDED,
                    f"The state/task '{name}' returned a result with a size exceeding the maximum number of "
                    "bytes service limit.",
                )
        except StatesError as err:
            if isinstance(err, StateRuntimeError):
                err = StatesError(
                    RUNTIME,
                    f"An error occurred while executing the state '{name}' (entered at the event id "
                    f"#{entered.id}). {err.detail}",
                )
            record.error, record.cause = err.error, err.cause
            catcher = self._catcher(state, err)
            if catcher is None:
                record.outcome = "failed"
                self._notify(record)
                raise err from None
            try:
                output = dataflow.apply_result_path(raw_input, err.error_output(), catcher.get("ResultPath", "$"))
            except StatesError:
                record.outcome = "failed"
                self._notify(record)
                raise
            self._exit(lane, kind, name, output)
            record.outcome, record.output, record.next = "caught", output, catcher["Next"]
            self._notify(record)
            return output, catcher["Next"]
        except (Aborted, _ExecutionTimedOut) as exc:
            record.outcome = "aborted" if isinstance(exc, Aborted) else "failed"
            self._notify(record)
            raise
        if kind != "Fail":
            self._exit(lane, kind, name, output)
        record.outcome, record.output, record.next = "succeeded", output, next_state
        self._notify(record)
        return output, next_state

    def _notify(self, record: StateRecord) -> None:
        if self.on_state is not None:
            self.on_state(record)

    def _exit(self, lane: Lane, kind: str, name: str, output: Any) -> None:
        self.history.add(
            lane,
            f"{kind}StateExited",
            {"name": name, "output": self._texts.json(output), "outputDetails": {"truncated": False}},
            name,
        )

    @staticmethod
    def _catcher(state: dict, err: StatesError) -> Optional[dict]:
        for rule in state.get("Catch") or []:
            if matches(rule["ErrorEquals"], err.error):
                return rule
        return None

    @staticmethod
    def _next(state: dict) -> Optional[str]:
        return None if state.get("End") is True else state.get("Next")

    def with_retry(self, state: dict, record: StateRecord, attempt: Callable[[int], Any]) -> Any:
        """Run attempt(retry_count) until it succeeds or no retrier takes the error (first match wins)."""
        retriers = state.get("Retry") or []
        counts = [0] * len(retriers)
        retry_count = 0
        while True:
            try:
                return attempt(retry_count)
            except StatesError as err:
                if not is_recoverable(err.error):
                    raise
                index = next((i for i, r in enumerate(retriers) if matches(r["ErrorEquals"], err.error)), None)
                if index is None:
                    raise
                rule = retriers[index]
                if counts[index] >= rule.get("MaxAttempts", 3):
                    raise
                delay = float(rule.get("IntervalSeconds", 1)) * float(rule.get("BackoffRate", 2.0)) ** counts[index]
                if "MaxDelaySeconds" in rule:
                    delay = min(delay, float(rule["MaxDelaySeconds"]))
                if rule.get("JitterStrategy") == "FULL":
                    delay = self.rng.uniform(0, delay)
                counts[index] += 1
                retry_count += 1
                record.retries = retry_count
                self._notify(record)
                self.sleep(delay)

    # --- state types ----------------------------------------------------------------------
    def _state_pass(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        ctx = self.context(name, entered, 0)
        value = dataflow.effective_input(state, raw_input, ctx)
        result = state["Result"] if "Result" in state else value
        combined = dataflow.apply_result_path(raw_input, result, state.get("ResultPath", "$"))
        return dataflow.select(combined, state.get("OutputPath", "$"), "OutputPath"), self._next(state)

    def _state_succeed(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        value = dataflow.select(raw_input, state.get("InputPath", "$"), "InputPath")
        return dataflow.select(value, state.get("OutputPath", "$"), "OutputPath"), None

    def _state_fail(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        ctx = self.context(name, entered, 0)
        error = state.get("Error")
        cause = state.get("Cause")
        if "ErrorPath" in state:
            error = dataflow.apply_template({"v.$": state["ErrorPath"]}, raw_input, ctx)["v"]
        if "CausePath" in state:
            cause = dataflow.apply_template({"v.$": state["CausePath"]}, raw_input, ctx)["v"]
        if error is None:
            raise _FailNoError(cause)
        raise StatesError(error, cause)

    def _state_wait(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        value = dataflow.select(raw_input, state.get("InputPath", "$"), "InputPath")
        if "Seconds" in state:
            seconds = float(state["Seconds"])
        elif "SecondsPath" in state:
            seconds = _lookup(value, state["SecondsPath"])
            if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0):
                raise StateRuntimeError(
                    f"The SecondsPath parameter does not reference a valid non-negative number: {compact(seconds)}"
                )
        else:
            raw = state["Timestamp"] if "Timestamp" in state else _lookup(value, state["TimestampPath"])
            target = asl.parse_timestamp(raw)
            if target is None:
                raise StateRuntimeError(f"The TimestampPath parameter does not reference a valid ISO-8601 timestamp: {compact(raw)}")
            seconds = (target - self.now()).total_seconds()
        self.sleep(seconds)
        return dataflow.select(value, state.get("OutputPath", "$"), "OutputPath"), self._next(state)

    def _state_choice(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        ctx = self.context(name, entered, 0)
        value = dataflow.select(raw_input, state.get("InputPath", "$"), "InputPath")
        target = None
        for rule in state["Choices"]:
            if _evaluate_rule(rule, value, ctx):
                target = rule["Next"]
                break
        if target is None:
            target = state.get("Default")
        if target is None:
            raise StatesError(
                NO_CHOICE_MATCHED,
                f"An error occurred while executing the state '{name}' (entered at the event id "
                f"#{record.entered_event_id}). Failed to transition out of the state. "
                "No Choice Rule matched and there is no Default.",
            )
        return dataflow.select(value, state.get("OutputPath", "$"), "OutputPath"), target

    def _task_timeout(self, state: dict, value: Any) -> Optional[float]:
        if "TimeoutSeconds" in state:
            return float(state["TimeoutSeconds"])
        if "TimeoutSecondsPath" in state:
            seconds = _lookup(value, state["TimeoutSecondsPath"])
            if not (isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0):
                raise StateRuntimeError(
                    f"The TimeoutSecondsPath parameter does not reference a positive integer: {compact(seconds)}"
                )
            return float(seconds)
        return None

    def _state_task(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        last_ctx: dict = {}

        def attempt(retry_count: int) -> Any:
            ctx = self.context(name, entered, retry_count)
            last_ctx.update(ctx)
            params = dataflow.effective_input(state, raw_input, ctx)
            timeout = self._task_timeout(state, dataflow.select(raw_input, state.get("InputPath", "$"), "InputPath"))
            task_ctx = TaskContext(self.history, lane, name, self.invoker, self._scope(), self._remaining())
            try:
                return run_lambda_task(task_ctx, state["Resource"], params, timeout)
            except ExecutionDeadline:
                raise _ExecutionTimedOut() from None

        result = self.with_retry(state, record, attempt)
        return dataflow.finish(state, raw_input, result, last_ctx), self._next(state)

    def _state_parallel(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        last_ctx: dict = {}

        def attempt(retry_count: int) -> Any:
            ctx = self.context(name, entered, retry_count)
            last_ctx.update(ctx)
            value = dataflow.effective_input(state, raw_input, ctx)
            started = self.history.add(lane, "ParallelStateStarted", None, name)
            lanes = [Lane(started.id) for _ in state["Branches"]]
            jobs = [
                (lambda branch=branch, branch_lane=branch_lane: self.run_machine(branch, value, branch_lane, depth + 1))
                for branch, branch_lane in zip(state["Branches"], lanes)
            ]
            try:
                return self._run_all(jobs, len(jobs))
            finally:
                lane.last = max([started.id] + [bl.last for bl in lanes])

        try:
            result = self.with_retry(state, record, attempt)
        except StatesError:
            self.history.add(lane, "ParallelStateFailed", None, name)
            raise
        self.history.add(lane, "ParallelStateSucceeded", None, name)
        return dataflow.finish(state, raw_input, result, last_ctx), self._next(state)

    def _run_all(self, jobs: list[Callable[[], Any]], concurrency: int) -> list[Any]:
        """Run jobs concurrently (at most `concurrency` at once); the first failure stops the others.

        The calling thread works through the jobs itself, helped by as many threads as the
        execution's budget spares (MAX_EXTRA_THREADS for all nested Parallel and Map states
        together), so nesting never multiplies threads and never waits for a thread it cannot get.
        Results keep the jobs' order. A job that finds its scope stopped raises Aborted, which is not
        a failure of its own: the failure that stopped it is the one re-raised.
        """
        if concurrency <= 1 or len(jobs) <= 1:
            return [job() for job in jobs]
        group = _Scope(self._scope())
        results: list[Any] = [None] * len(jobs)
        failures: list[BaseException] = []
        lock = threading.Lock()
        pending = list(enumerate(jobs))
        pending.reverse()

        def work() -> None:
            outer = getattr(self._local, "scope", None)
            self._local.scope = group
            try:
                while True:
                    with lock:
                        if not pending:
                            return
                        index, job = pending.pop()
                    try:
                        if group.is_set():
                            raise Aborted()
                        results[index] = job()
                    except BaseException as exc:  # handed back to the state's thread below
                        with lock:
                            failures.append(exc)
                        group.set()
            finally:
                if outer is None:
                    del self._local.scope
                else:
                    self._local.scope = outer

        def helper() -> None:
            try:
                work()
            finally:
                self._threads.release()

        helpers = []
        for _ in range(min(concurrency, len(jobs)) - 1):
            if not self._threads.acquire(blocking=False):
                break
            thread = threading.Thread(target=helper, name="sfn-branch", daemon=True)
            thread.start()
            helpers.append(thread)
        work()
        for thread in helpers:
            thread.join()
        real = [f for f in failures if not isinstance(f, Aborted)]
        if real:
            raise real[0]
        if failures:
            raise failures[0]
        return results

    def _state_map(
        self, name: str, state: dict, raw_input: Any, lane: Lane, entered: str, record: StateRecord, depth: int
    ) -> tuple[Any, Optional[str]]:
        last_ctx: dict = {}
        machine = asl.processor(state)
        selector = state.get("ItemSelector", state.get("Parameters"))
        tolerated_count = state.get("ToleratedFailureCount")
        tolerated_pct = state.get("ToleratedFailurePercentage")
        tolerant = tolerated_count is not None or tolerated_pct is not None

        def attempt(retry_count: int) -> Any:
            ctx = self.context(name, entered, retry_count)
            last_ctx.update(ctx)
            value = dataflow.select(raw_input, state.get("InputPath", "$"), "InputPath")
            items = dataflow.select(value, state.get("ItemsPath", "$"), "ItemsPath", ctx)
            if not isinstance(items, list):
                raise StateRuntimeError(
                    f"Invalid path '{state.get('ItemsPath', '$')}' : the value is not an array: {compact(items)}"
                )
            started = self.history.add(lane, "MapStateStarted", {"length": len(items)}, name)
            # Inline Map runs at most 40 iterations at once on AWS, whatever MaxConcurrency says.
            concurrency = min(state.get("MaxConcurrency", 0) or INLINE_MAP_LIMIT, INLINE_MAP_LIMIT)
            sequential = concurrency <= 1
            failures = [0]
            count_lock = threading.Lock()
            lanes: list[Lane] = []

            def iteration(index: int, item: Any) -> Any:
                item_ctx = dict(ctx)
                item_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
                item_input = dataflow.apply_template(selector, value, item_ctx, "ItemSelector") if selector is not None else item
                # One at a time, each iteration follows the previous; concurrent ones all follow MapStateStarted.
                it_lane = Lane(lane.last if sequential else started.id)
                lanes.append(it_lane)
                details = {"name": name, "index": index}
                self.history.add(it_lane, "MapIterationStarted", details, name)
                try:
                    output = self.run_machine(machine, item_input, it_lane, depth + 1)
                except Aborted:
                    self.history.add(it_lane, "MapIterationAborted", details, name)
                    raise
                except StatesError as err:
                    self.history.add(it_lane, "MapIterationFailed", details, name)
                    if sequential:
                        lane.last = it_lane.last
                    with count_lock:
                        failures[0] += 1
                        failed = failures[0]
                    if not tolerant or not is_recoverable(err.error):
                        raise
                    if _exceeds(failed, len(items), tolerated_count, tolerated_pct):
                        raise StatesError(
                            EXCEED_TOLERATED_FAILURE,
                            f"The specified tolerated failure threshold was exceeded ({failed} of {len(items)} items failed)",
                        ) from None
                    return err.error_output()
                self.history.add(it_lane, "MapIterationSucceeded", details, name)
                if sequential:
                    lane.last = it_lane.last
                return output

            jobs = [(lambda i=i, item=item: iteration(i, item)) for i, item in enumerate(items)]
            try:
                return self._run_all(jobs, concurrency)
            finally:
                if not sequential:
                    lane.last = max([started.id] + [il.last for il in lanes])

        try:
            result = self.with_retry(state, record, attempt)
        except StatesError:
            self.history.add(lane, "MapStateFailed", None, name)
            raise
        self.history.add(lane, "MapStateSucceeded", None, name)
        return dataflow.finish(state, raw_input, result, last_ctx), self._next(state)


class _FailNoError(StatesError):
    """A Fail state without Error: the execution fails with no error name."""

    def __init__(self, cause: Optional[str]) -> None:
        super().__init__("", cause)
        self.error = None  # type: ignore[assignment]


def _exceeds(failures: int, total: int, count: Optional[int], pct: Optional[float]) -> bool:
    over_count = count is not None and failures > count
    over_pct = pct is not None and total and failures * 100.0 / total > pct
    if count is not None and pct is not None:
        return bool(over_count and over_pct)
    return bool(over_count or over_pct)


def _error_details(error: Optional[str], cause: Optional[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if error is not None:
        out["error"] = error
    if cause is not None:
        out["cause"] = cause
    return out


def _lookup(value: Any, path: str) -> Any:
    try:
        return jsonpath.get(value, path)
    except jsonpath.PathNotFound as exc:
        raise StateRuntimeError(f"Invalid path '{path}' : {exc}") from None


# --- Choice rules ----------------------------------------------------------------------------

_MISSING = object()


def _evaluate_rule(rule: dict, data: Any, ctx: dict) -> bool:
    if "And" in rule:
        return all(_evaluate_rule(r, data, ctx) for r in rule["And"])
    if "Or" in rule:
        return any(_evaluate_rule(r, data, ctx) for r in rule["Or"])
    if "Not" in rule:
        return not _evaluate_rule(rule["Not"], data, ctx)
    op = next(k for k in rule if k in asl.COMPARATORS)
    expected = rule[op]
    variable = rule["Variable"]
    try:
        value = jsonpath.get(data, variable, ctx)
    except jsonpath.PathNotFound:
        value = _MISSING
    if op == "IsPresent":
        return (value is not _MISSING) == expected
    if value is _MISSING:
        raise StateRuntimeError(
            f"Invalid path '{variable}': The choice state's condition path references an invalid value."
        )
    if op.endswith("Path"):
        op = op[: -len("Path")]
        try:
            expected = jsonpath.get(data, rule[op + "Path"], ctx)
        except jsonpath.PathNotFound:
            raise StateRuntimeError(
                f"Invalid path '{rule[op + 'Path']}': The choice state's condition path references an invalid value."
            ) from None
    return _compare(op, value, expected)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op: str, value: Any, expected: Any) -> bool:
    if op == "IsNull":
        return (value is None) == expected
    if op == "IsNumeric":
        return _is_number(value) == expected
    if op == "IsString":
        return isinstance(value, str) == expected
    if op == "IsBoolean":
        return isinstance(value, bool) == expected
    if op == "IsTimestamp":
        return (asl.parse_timestamp(value) is not None) == expected
    if op == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if op == "StringMatches":
        return isinstance(value, str) and isinstance(expected, str) and wildcard_match(expected, value)
    if op.startswith("String"):
        if not (isinstance(value, str) and isinstance(expected, str)):
            return False
        return _order(op[len("String"):], value, expected)
    if op.startswith("Numeric"):
        if not (_is_number(value) and _is_number(expected)):
            return False
        return _order(op[len("Numeric"):], value, expected)
    if op.startswith("Timestamp"):
        a, b = asl.parse_timestamp(value), asl.parse_timestamp(expected)
        if a is None or b is None:
            return False
        return _order(op[len("Timestamp"):], a, b)
    raise StateRuntimeError(f"Unsupported comparison operator {op}")


def _order(kind: str, a: Any, b: Any) -> bool:
    return {
        "Equals": a == b,
        "LessThan": a < b,
        "GreaterThan": a > b,
        "LessThanEquals": a <= b,
        "GreaterThanEquals": a >= b,
    }[kind]


def wildcard_match(pattern: str, value: str) -> bool:
    """StringMatches: `*` matches any run of characters, `\\*` and `\\\\` are literal. Linear in
    the value's length (literal pieces are found left to right), however many stars."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    pieces.append("".join(current))
    if len(pieces) == 1:
        return value == pieces[0]
    first, last = pieces[0], pieces[-1]
    if len(value) < len(first) + len(last) or not value.startswith(first) or not value.endswith(last):
        return False
    pos, end = len(first), len(value) - len(last)
    for piece in pieces[1:-1]:
        found = value.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


class _Texts:
    """The JSON text of the data states pass along, made once per value and shared by every
    history event that shows it (a loop over a 200 KB input holds one copy, not one per event)."""

    def __init__(self, remember: int = 32) -> None:
        self._recent: dict[int, tuple[Any, str]] = {}  # id → (the value, kept alive; its text)
        self._interned: dict[str, str] = {}
        self._remember = remember
        self._lock = threading.Lock()

    def json(self, value: Any) -> str:
        with self._lock:
            hit = self._recent.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        try:
            text = compact(value)
        except RecursionError:
            return _TOO_DEEP_TEXT
        with self._lock:
            text = self._interned.setdefault(text, text)
            if len(self._recent) >= self._remember:
                self._recent.pop(next(iter(self._recent)))
            self._recent[id(value)] = (value, text)
        return text


def run(
    definition: dict[str, Any],
    execution_input: Any,
    invoker: Invoker,
    **options: Any,
) -> ExecutionResult:
    """Run a definition (DefinitionError if it is invalid) and return its result."""
    return Execution(definition, invoker, **options).run(execution_input)
