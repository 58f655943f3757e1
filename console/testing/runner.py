"""Running saved events against their expectations through the one invocation path, per function."""

from __future__ import annotations

import fnmatch
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from console import workspace

from .compare import Comparison, compare
from .expectations import Expectation, ExpectationError, parse, recorded

if TYPE_CHECKING:
    from console.engine import FunctionConfig, InvocationResult
    from console.service.invoker import Invoker

PASS, FAIL, ERROR = "pass", "fail", "error"
UNCHECKED = "unchecked"  # it ran but has no expectation to compare with (the console's Tests view)


class SelectionError(Exception):
    """What the user asked for names nothing runnable (a usage error: exit 2)."""


@dataclass(frozen=True)
class TestFunction:
    """A function folder whose saved events are run: its name and folder."""

    __test__ = False  # not a pytest test class, whatever its name

    name: str
    dir: Path
    # A SAM template's function brings its configuration; a folder's is read from its settings.
    config: FunctionConfig | None = field(default=None, compare=False)


@dataclass
class CaseResult:
    """One saved event's run: pass, fail (with the comparison) or error (it could not be checked)."""

    function: str
    function_dir: Path
    event: str
    outcome: str
    message: str = ""
    comparison: Comparison | None = None
    result: InvocationResult | None = None
    updated: str | None = None  # with update: "created", "updated" or "unchanged"
    wall_ms: float = 0.0

    @property
    def duration_ms(self) -> float | None:
        """The invocation's Duration (as in REPORT), None when nothing ran."""
        return self.result.summary.duration_ms if self.result is not None else None

    @property
    def expectation_path(self) -> Path:
        return workspace.expectation_path(self.function_dir, self.event)

    @property
    def diff(self) -> str:
        return self.comparison.diff() if self.comparison is not None else ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "function": self.function,
            "functionDir": str(self.function_dir),
            "event": self.event,
            "outcome": self.outcome,
            "durationMs": self.duration_ms,
            "message": self.message,
            "diff": self.diff,
            "differences": [
                {"what": d.what, "text": d.text()} for d in (self.comparison.differences if self.comparison else ())
            ],
            "expectation": str(self.expectation_path),
        }
        if self.updated is not None:
            data["updated"] = self.updated
        if self.result is not None:
            data["status"] = self.result.status
            data["payload"] = self.result.payload_value()
            data["requestId"] = self.result.request_id
            data["logs"] = self.result.log
        return data


@dataclass
class SuiteResult:
    """One function's cases."""

    function: TestFunction
    cases: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)


@dataclass
class RunReport:
    suites: list[SuiteResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def cases(self) -> list[CaseResult]:
        return [c for s in self.suites for c in s.cases]

    def count(self, outcome: str) -> int:
        return sum(s.count(outcome) for s in self.suites)

    @property
    def passed(self) -> bool:
        return all(c.outcome == PASS for c in self.cases)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.count(PASS),
            "failed": self.count(FAIL),
            "errors": self.count(ERROR),
            "total": len(self.cases),
            "seconds": round(self.seconds, 3),
            "results": [c.to_json() for c in self.cases],
        }


# ---------------------------------------------------------------- choosing what runs


def find_functions(paths: Iterable[str], root: Path | None = None) -> list[TestFunction]:
    """The functions to test: the workspace's when `paths` is empty; else each path is a function
    folder, a folder of function folders, or the name of a workspace function."""
    found: list[TestFunction] = []
    paths = list(paths)
    if not paths:
        found = [TestFunction(sub.name, sub) for sub in _workspace_folders(root)]
    for spec in paths:
        folder = Path(spec).expanduser()
        if folder.is_dir():
            folder = folder.resolve()
            if (folder / workspace.CONFIG_DIR).is_dir() or not _function_children(folder):
                found.append(TestFunction(_function_name(folder), folder))
            else:
                found.extend(TestFunction(_function_name(sub), sub) for sub in _function_children(folder))
            continue
        if folder.exists():
            raise SelectionError(f"{spec} is not a folder")
        candidate = workspace.functions_dir(root) / spec
        if "/" not in spec and candidate.is_dir():
            found.append(TestFunction(spec, candidate.resolve()))
            continue
        raise SelectionError(f"no function folder or workspace function named '{spec}'")
    unique: dict[Path, TestFunction] = {}
    for fn in found:
        unique.setdefault(fn.dir, fn)
    return list(unique.values())


def _workspace_folders(root: Path | None) -> list[Path]:
    return [sub.resolve() for sub in workspace.function_dirs(root)]


def _function_children(folder: Path) -> list[Path]:
    try:
        subs = sorted(folder.iterdir())
    except OSError:
        return []
    return [s.resolve() for s in subs if s.is_dir() and (s / workspace.CONFIG_DIR).is_dir()]


def _function_name(folder: Path) -> str:
    return workspace.name_for_folder(folder)


def matches(pattern: str | None, function: str, event: str) -> bool:
    """-k: a case-insensitive substring of "function/event", or a glob when it has * ? or [."""
    if not pattern:
        return True
    ident = f"{function}/{event}".lower()
    pattern = pattern.lower()
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(ident, pattern) or fnmatch.fnmatchcase(event.lower(), pattern)
    return pattern in ident


def events_to_run(
    function: TestFunction, *, update: bool = False, events: Iterable[str] = (), pattern: str | None = None
) -> list[str]:
    """The function's saved events that run: those with an expectation (every saved event with
    `update`), and expectations whose event is gone (they report an error), filtered."""
    saved = workspace.list_saved_events(function.dir)
    expected = workspace.list_expectations(function.dir)
    chosen = set(saved) if update else set(expected)
    wanted = set(events)
    names = sorted(chosen, key=lambda n: (n.lower(), n))
    return [n for n in names if (not wanted or n in wanted) and matches(pattern, function.name, n)]


# ---------------------------------------------------------------- running


class Runner:
    """Runs cases through one Invoker, so a function's warm environment serves all its events."""

    def __init__(self, invoker: Invoker) -> None:
        self.invoker = invoker

    def config_for(self, function: TestFunction) -> FunctionConfig:
        """The function's engine configuration (read-only: a corrupt settings file is an error)."""
        if function.config is not None:
            return function.config
        return workspace.function_config(function.dir, function.name)

    def run_case(
        self,
        function: TestFunction,
        event: str,
        *,
        update: bool = False,
        config: FunctionConfig | None = None,
        unchecked_ok: bool = False,
    ) -> CaseResult:
        """Invoke one saved event and compare (with `update`, first record the answer as expected;
        with `unchecked_ok`, an event without expectation runs and ends UNCHECKED)."""
        from console.engine import ConfigError
        from console.service.errors import InvokeError

        started = time.perf_counter()
        case = CaseResult(function.name, function.dir, event, ERROR)
        try:
            expectation = self._expectation(function, event, required=not (update or unchecked_ok))
            try:
                text = workspace.load_saved_event(function.dir, event)
            except workspace.SavedEventNotFoundError:
                case.message = f"{case.expectation_path} has no saved event '{event}' to run"
                return case
            problem = _event_problem(function.dir, event, text)
            if problem:
                case.message = problem
                return case
            if config is None:
                config = self.config_for(function)
            outcome = self.invoker.invoke(config, text.encode("utf-8"), "RequestResponse")
        except (ExpectationError, workspace.WorkspaceError) as exc:
            case.message = str(exc)
            return case
        except (ConfigError, InvokeError) as exc:
            case.message = f"not run: {' '.join(str(exc).split())}"
            return case
        finally:
            case.wall_ms = (time.perf_counter() - started) * 1000
        result = outcome.result
        assert result is not None  # RequestResponse always has a record
        case.result = result
        if update:
            new = recorded(result, expectation)
            case.updated = "unchanged" if expectation == new else ("updated" if expectation else "created")
            if case.updated != "unchanged":
                try:
                    workspace.write_expectation(function.dir, event, new.to_text())
                except OSError as exc:
                    case.message = f"could not write {case.expectation_path}: {exc.strerror or exc}"
                    return case
            expectation = new
        if expectation is None:
            case.outcome, case.message = UNCHECKED, "no expected answer saved yet"
            return case
        case.comparison = compare(expectation, result)
        case.outcome = PASS if case.comparison.passed else FAIL
        case.message = case.comparison.headline()
        return case

    def _expectation(self, function: TestFunction, event: str, *, required: bool) -> Expectation | None:
        text = workspace.read_expectation(function.dir, event)
        path = workspace.expectation_path(function.dir, event)
        if text is None:
            if required:
                raise workspace.WorkspaceError(f"{path} does not exist")
            return None
        return parse(text, path)

    def run(
        self,
        functions: Iterable[TestFunction],
        *,
        update: bool = False,
        events: Iterable[str] = (),
        pattern: str | None = None,
        on_suite: Callable[[TestFunction, list[str]], None] | None = None,
        on_case: Callable[[CaseResult], None] | None = None,
    ) -> RunReport:
        """Every selected case, one function after another; one broken function never stops the rest."""
        report = RunReport()
        started = time.perf_counter()
        events = list(events)
        for function in functions:
            names = events_to_run(function, update=update, events=events, pattern=pattern)
            if not names:
                continue
            if on_suite:
                on_suite(function, names)
            suite = SuiteResult(function)
            suite_started = time.perf_counter()
            config = None
            problem = None
            try:
                config = self.config_for(function)
            except workspace.WorkspaceError as exc:
                problem = f"settings: {exc}"
            for name in names:
                if problem is not None:
                    case = CaseResult(function.name, function.dir, name, ERROR, problem)
                else:
                    case = self.run_case(function, name, update=update, config=config)
                suite.cases.append(case)
                if on_case:
                    on_case(case)
            suite.seconds = time.perf_counter() - suite_started
            report.suites.append(suite)
        report.seconds = time.perf_counter() - started
        return report


def _event_problem(function_dir: Path, event: str, text: str) -> str | None:
    """Why a saved event cannot be sent (a hand-edited file may not be JSON), naming file and line."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        path = workspace.events_dir(function_dir) / f"{event}.json"
        return f"{path}, line {exc.lineno}: the saved event is not valid JSON ({exc.msg}, column {exc.colno}); not run"
    except RecursionError:
        return f"the saved event '{event}' is nested too deeply to send; not run"
    return None


def save_as_expected(function_dir: Path, event: str, result: InvocationResult) -> tuple[Path, Expectation]:
    """Record `result` as the expected answer of saved event `event` (keeping the chosen payload
    keys, log lines and budget of the current file); ExpectationError when that file is malformed,
    so nothing the user wrote by hand is overwritten."""
    text = workspace.read_expectation(function_dir, event)
    path = workspace.expectation_path(function_dir, event)
    previous = parse(text, path) if text is not None else None
    new = recorded(result, previous)
    return workspace.write_expectation(function_dir, event, new.to_text()), new
