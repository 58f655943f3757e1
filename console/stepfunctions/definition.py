"""Load and validate an Amazon States Language definition, reporting problems the way statelint does."""

from __future__ import annotations

import json
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from . import intrinsics, jsonpath
from .errors import ALL, PREDEFINED
from .lambda_tasks import INVOKE_RESOURCE, is_lambda_resource

TOP = "State Machine"

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
_IO = ("InputPath", "OutputPath")
_FLOW = ("Next", "End")
_ALLOWED: dict[str, frozenset[str]] = {
    "Pass": frozenset(_IO + _FLOW + ("ResultPath", "Parameters", "Result")),
    "Task": frozenset(
        _IO
        + _FLOW
        + (
            "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds",
            "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch",
            "Credentials",
        )
    ),
    "Choice": frozenset(_IO + ("Choices", "Default")),
    "Wait": frozenset(_IO + _FLOW + ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")),
    "Succeed": frozenset(_IO),
    "Fail": frozenset(("Error", "Cause", "ErrorPath", "CausePath")),
    "Parallel": frozenset(
        _IO + _FLOW + ("ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch")
    ),
    "Map": frozenset(
        _IO
        + _FLOW
        + (
            "ResultPath", "Parameters", "ItemSelector", "ResultSelector", "Iterator", "ItemProcessor",
            "ItemsPath", "MaxConcurrency", "MaxConcurrencyPath", "Retry", "Catch",
            "ToleratedFailurePercentage", "ToleratedFailureCount", "ToleratedFailurePercentagePath",
            "ToleratedFailureCountPath", "Label", "ItemReader", "ItemBatcher", "ResultWriter",
        )
    ),
}
_COMMON = frozenset(("Type", "Comment", "QueryLanguage"))
_TERMINAL_TYPES = ("Succeed", "Fail")
_NEEDS_TRANSITION = ("Pass", "Task", "Wait", "Parallel", "Map")

STRING_OPS = (
    "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
    "StringGreaterThanEquals",
)
NUMERIC_OPS = (
    "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
    "NumericGreaterThanEquals",
)
TIMESTAMP_OPS = (
    "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
)
TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
COMPARATORS: dict[str, str] = {}
for _op in STRING_OPS:
    COMPARATORS[_op] = "string"
    COMPARATORS[_op + "Path"] = "path"
for _op in NUMERIC_OPS:
    COMPARATORS[_op] = "number"
    COMPARATORS[_op + "Path"] = "path"
for _op in TIMESTAMP_OPS:
    COMPARATORS[_op] = "timestamp"
    COMPARATORS[_op + "Path"] = "path"
COMPARATORS["StringMatches"] = "string"
COMPARATORS["BooleanEquals"] = "boolean"
COMPARATORS["BooleanEqualsPath"] = "path"
for _op in TYPE_TESTS:
    COMPARATORS[_op] = "boolean"

MAX_NAME_LENGTH = 80


class DefinitionError(ValueError):
    """A definition that cannot run; `problems` lists every message."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Deeper JSON than this (states in Parallel in Parallel..., templates in templates) is refused by
# validation with a message; Python's own stack would otherwise give out at about 125 states deep.
MAX_DEFINITION_DEPTH = 100


def parse_text(text: str) -> Any:
    """Parse definition JSON, raising DefinitionError with the position of a syntax error."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise DefinitionError([f"{TOP} is not valid JSON: {exc}"]) from None
    except RecursionError:
        raise DefinitionError([f"{TOP} is nested too deeply to be a state machine"]) from None


def json_depth(value: Any, limit: int) -> int:
    """How deeply `value` nests (objects and arrays), counted without recursion and only up to
    `limit` + 1: whatever the input, this never overflows the stack."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load(path: Path | str) -> dict[str, Any]:
    """Read and validate a definition file; raises DefinitionError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError([f"Cannot read {path}: {exc.strerror or exc}"]) from None
    definition = parse_text(text)
    problems = validate(definition)
    if problems:
        raise DefinitionError(problems)
    return definition


def validate(definition: Any) -> list[str]:
    """Every problem in the definition (empty when it is valid)."""
    v = _Validator()
    if not isinstance(definition, dict):
        return [f"{TOP} must be a JSON object"]
    if json_depth(definition, MAX_DEFINITION_DEPTH) > MAX_DEFINITION_DEPTH:
        return [f"{TOP} nests more than {MAX_DEFINITION_DEPTH} levels deep (Parallel, Map or templates); "
                "flatten it or split it into several state machines"]
    for key in definition:
        if key not in ("StartAt", "States", "Comment", "TimeoutSeconds", "Version", "QueryLanguage"):
            v.add(f'Field "{key}" not allowed in {TOP}')
    if definition.get("QueryLanguage", "JSONPath") != "JSONPath":
        v.add(f"{TOP}.QueryLanguage is \"{definition.get('QueryLanguage')}\": only JSONPath is supported locally")
    if "TimeoutSeconds" in definition and not _pos_int(definition["TimeoutSeconds"]):
        v.add(f"{TOP}.TimeoutSeconds is {_show(definition['TimeoutSeconds'])} but should be a positive integer")
    v.machine(definition, TOP)
    return v.problems


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pos_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _nonneg_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as Step Functions accepts it (with a time zone), else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


class _Validator:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.names: dict[str, str] = {}

    def add(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    # --- machines -------------------------------------------------------------------------
    def machine(self, m: dict, where: str) -> None:
        if "StartAt" not in m:
            self.add(f'{where} does not have required field "StartAt"')
        elif not isinstance(m["StartAt"], str):
            self.add(f"{where}.StartAt is {_show(m['StartAt'])} but should be a string")
        states = m.get("States")
        if "States" not in m:
            self.add(f'{where} does not have required field "States"')
            return
        if not isinstance(states, dict) or not states:
            self.add(f"{where}.States should be a non-empty object")
            return
        start = m.get("StartAt")
        if isinstance(start, str) and start not in states:
            self.add(f'StartAt value "{start}" not found in States field at {where}.StartAt')
        for name, state in states.items():
            sw = f"{where}.States.{name}"
            if name in self.names:
                self.add(f'State name "{name}" is used more than once (at {self.names[name]} and {sw})')
            else:
                self.names[name] = sw
            if len(name) > MAX_NAME_LENGTH:
                self.add(f"State name at {sw} is longer than {MAX_NAME_LENGTH} characters")
            self.state(name, state, sw, states)
        self.graph(m, where, states)

    def graph(self, m: dict, where: str, states: dict) -> None:
        start = m.get("StartAt")
        if not isinstance(start, str) or start not in states:
            return
        seen = {start}
        queue = deque([start])
        while queue:
            state = states[queue.popleft()]
            for target in _targets(state):
                if target in states and target not in seen:
                    seen.add(target)
                    queue.append(target)
        for name in states:
            if name not in seen:
                self.add(f"No transition found to state {where}.States.{name}")
        if not any(_is_terminal(states[n]) for n in seen if isinstance(states[n], dict)):
            self.add(f"No terminal state found in machine at {where}.States")

    # --- states ---------------------------------------------------------------------------
    def state(self, name: str, state: Any, sw: str, states: dict) -> None:
        if not isinstance(state, dict):
            self.add(f"{sw} should be an object")
            return
        kind = state.get("Type")
        if "Type" not in state:
            self.add(f'{sw} does not have required field "Type"')
            return
        if kind not in STATE_TYPES:
            self.add(f"{sw}.Type is {_show(kind)} but should be one of {', '.join(STATE_TYPES)}")
            return
        allowed = _ALLOWED[kind] | _COMMON
        for key in state:
            if key not in allowed:
                self.add(f'Field "{key}" not allowed in {sw}')
        if state.get("QueryLanguage", "JSONPath") != "JSONPath":
            self.add(f"{sw}.QueryLanguage: only JSONPath is supported locally")
        self.transition(kind, state, sw, states)
        for key in ("InputPath", "OutputPath"):
            if key in state and state[key] is not None:
                self.path(state[key], f"{sw}.{key}")
        if "ResultPath" in state and state["ResultPath"] is not None:
            self.reference_path(state["ResultPath"], f"{sw}.ResultPath")
        for key in ("Parameters", "ResultSelector", "ItemSelector"):
            if key in state:
                if key == "ResultSelector" and not isinstance(state[key], dict):
                    self.add(f"{sw}.ResultSelector should be an object")
                self.template(state[key], f"{sw}.{key}")
        if kind in ("Task", "Parallel", "Map"):
            self.rules(state, "Retry", sw, states)
            self.rules(state, "Catch", sw, states)
        getattr(self, f"state_{kind.lower()}")(state, sw, states)

    def transition(self, kind: str, state: dict, sw: str, states: dict) -> None:
        has_next, has_end = "Next" in state, "End" in state
        if kind in _NEEDS_TRANSITION:
            if has_next and has_end:
                self.add(f'{sw} may have only one of "Next" and "End"')
            elif not has_next and not has_end:
                self.add(f'{sw} must have "Next" or "End": true')
            if has_end and state["End"] is not True:
                self.add(f"{sw}.End is {_show(state['End'])} but should be true")
        if has_next:
            self.target(state["Next"], f"{sw}.Next", states)

    def target(self, name: Any, at: str, states: dict) -> None:
        if not isinstance(name, str):
            self.add(f"{at} is {_show(name)} but should be a state name")
        elif name not in states:
            self.add(f'No state found named "{name}", referenced at {at}')

    def path(self, value: Any, at: str, context_ok: bool = True) -> None:
        if not isinstance(value, str):
            self.add(f"{at} is {_show(value)} but should be a JSONPath string")
            return
        try:
            is_context, _ = jsonpath.parse(value)
        except jsonpath.JsonPathError:
            self.add(f"{at} is {_show(value)} but should be a JSONPath")
            return
        if is_context and not context_ok:
            self.add(f"{at} is {_show(value)}: the context object is not allowed here")

    def reference_path(self, value: Any, at: str) -> None:
        if not isinstance(value, str):
            self.add(f"{at} is {_show(value)} but should be a Reference Path string")
        elif not jsonpath.is_reference_path(value):
            self.add(f"{at} is {_show(value)} but should be a Reference Path (a JSONPath selecting a single node)")

    def template(self, value: Any, at: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith(".$"):
                    self.dynamic(item, f"{at}.{key}")
                else:
                    self.template(item, f"{at}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.template(item, f"{at}[{i}]")

    def dynamic(self, expr: Any, at: str) -> None:
        if not isinstance(expr, str):
            self.add(f"{at} is {_show(expr)} but should be a JSONPath or an intrinsic function")
        elif intrinsics.looks_like_call(expr):
            try:
                intrinsics.parse(expr)
            except intrinsics.IntrinsicSyntaxError as exc:
                self.add(f"{at} is {_show(expr)}, not a valid intrinsic function: {exc}")
        elif not jsonpath.valid(expr):
            self.add(f"{at} is {_show(expr)} but should be a JSONPath or an intrinsic function")

    def rules(self, state: dict, key: str, sw: str, states: dict) -> None:
        if key not in state:
            return
        rules = state[key]
        if not isinstance(rules, list):
            self.add(f"{sw}.{key} should be an array")
            return
        allowed = (
            {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}
            if key == "Retry"
            else {"ErrorEquals", "Next", "ResultPath", "Comment"}
        )
        for i, rule in enumerate(rules):
            at = f"{sw}.{key}[{i}]"
            if not isinstance(rule, dict):
                self.add(f"{at} should be an object")
                continue
            for field in rule:
                if field not in allowed:
                    self.add(f'Field "{field}" not allowed in {at}')
            errors = rule.get("ErrorEquals")
            if "ErrorEquals" not in rule:
                self.add(f'{at} does not have required field "ErrorEquals"')
            elif not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
                self.add(f"{at}.ErrorEquals should be a non-empty array of error names")
            else:
                for name in errors:
                    if name.startswith("States.") and name not in PREDEFINED:
                        self.add(f'{at}.ErrorEquals: "{name}" is not a predefined States error name')
                if ALL in errors and len(errors) > 1:
                    self.add(f'{at}.ErrorEquals: "{ALL}" must appear alone')
                if ALL in errors and i != len(rules) - 1:
                    self.add(f'{at}: a rule with "{ALL}" must be the last in {sw}.{key}')
            if key == "Catch":
                if "Next" not in rule:
                    self.add(f'{at} does not have required field "Next"')
                else:
                    self.target(rule["Next"], f"{at}.Next", states)
                if rule.get("ResultPath") is not None and "ResultPath" in rule:
                    self.reference_path(rule["ResultPath"], f"{at}.ResultPath")
                continue
            if "IntervalSeconds" in rule and not (_pos_int(rule["IntervalSeconds"]) and rule["IntervalSeconds"] <= 99999999):
                self.add(f"{at}.IntervalSeconds is {_show(rule['IntervalSeconds'])} but should be an integer from 1 to 99999999")
            if "MaxAttempts" in rule and not (_nonneg_int(rule["MaxAttempts"]) and rule["MaxAttempts"] <= 99999999):
                self.add(f"{at}.MaxAttempts is {_show(rule['MaxAttempts'])} but should be an integer from 0 to 99999999")
            if "BackoffRate" in rule and not (_number(rule["BackoffRate"]) and rule["BackoffRate"] >= 1.0):
                self.add(f"{at}.BackoffRate is {_show(rule['BackoffRate'])} but should be a number >= 1.0")
            if "MaxDelaySeconds" in rule and not (_pos_int(rule["MaxDelaySeconds"]) and rule["MaxDelaySeconds"] < 31622401):
                self.add(f"{at}.MaxDelaySeconds is {_show(rule['MaxDelaySeconds'])} but should be an integer from 1 to 31622400")
            if "JitterStrategy" in rule and rule["JitterStrategy"] not in ("FULL", "NONE"):
                self.add(f"{at}.JitterStrategy is {_show(rule['JitterStrategy'])} but should be one of FULL, NONE")

    # --- per type ---------------------------------------------------------------------------
    def state_pass(self, state: dict, sw: str, states: dict) -> None:
        pass

    def state_succeed(self, state: dict, sw: str, states: dict) -> None:
        pass

    def state_task(self, state: dict, sw: str, states: dict) -> None:
        resource = state.get("Resource")
        if "Resource" not in state:
            self.add(f'{sw} does not have required field "Resource"')
        elif not isinstance(resource, str):
            self.add(f"{sw}.Resource is {_show(resource)} but should be a string")
        elif not is_lambda_resource(resource):
            self.add(
                f"{sw}.Resource is {_show(resource)}: the local runner supports Lambda function ARNs "
                f"(arn:aws:lambda:REGION:ACCOUNT:function:NAME) and {INVOKE_RESOURCE}"
            )
        elif resource == INVOKE_RESOURCE:
            params = state.get("Parameters")
            if not isinstance(params, dict) or not ({"FunctionName", "FunctionName.$"} & set(params)):
                self.add(f'{sw}.Parameters must have "FunctionName" for {INVOKE_RESOURCE}')
        if "TimeoutSeconds" in state and "TimeoutSecondsPath" in state:
            self.add(f'{sw} may have only one of "TimeoutSeconds" and "TimeoutSecondsPath"')
        if "HeartbeatSeconds" in state and "HeartbeatSecondsPath" in state:
            self.add(f'{sw} may have only one of "HeartbeatSeconds" and "HeartbeatSecondsPath"')
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            if key in state and not (_pos_int(state[key]) and state[key] <= 99999999):
                self.add(f"{sw}.{key} is {_show(state[key])} but should be a positive integer")
        for key in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
            if key in state:
                self.reference_path(state[key], f"{sw}.{key}")
        t, h = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
        if _pos_int(t) and _pos_int(h) and h >= t:
            self.add(f"{sw}.HeartbeatSeconds ({h}) should be smaller than TimeoutSeconds ({t})")

    def state_wait(self, state: dict, sw: str, states: dict) -> None:
        present = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in state]
        if len(present) != 1:
            self.add(f'{sw} must have exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath"')
        if "Seconds" in state and not (_nonneg_int(state["Seconds"]) and state["Seconds"] <= 99999999):
            self.add(f"{sw}.Seconds is {_show(state['Seconds'])} but should be a non-negative integer")
        if "Timestamp" in state and parse_timestamp(state["Timestamp"]) is None:
            self.add(f"{sw}.Timestamp is {_show(state['Timestamp'])} but should be an RFC3339 timestamp like 2016-03-14T01:59:00Z")
        for key in ("SecondsPath", "TimestampPath"):
            if key in state:
                self.reference_path(state[key], f"{sw}.{key}")

    def state_fail(self, state: dict, sw: str, states: dict) -> None:
        for key in ("Error", "Cause"):
            if key in state and f"{key}Path" in state:
                self.add(f'{sw} may have only one of "{key}" and "{key}Path"')
            if key in state and not isinstance(state[key], str):
                self.add(f"{sw}.{key} is {_show(state[key])} but should be a string")
            if f"{key}Path" in state:
                self.dynamic(state[f"{key}Path"], f"{sw}.{key}Path")

    def state_choice(self, state: dict, sw: str, states: dict) -> None:
        choices = state.get("Choices")
        if "Choices" not in state:
            self.add(f'{sw} does not have required field "Choices"')
        elif not isinstance(choices, list) or not choices:
            self.add(f"{sw}.Choices should be a non-empty array")
        else:
            for i, rule in enumerate(choices):
                self.choice_rule(rule, f"{sw}.Choices[{i}]", states, top=True)
        if "Default" in state:
            self.target(state["Default"], f"{sw}.Default", states)

    def choice_rule(self, rule: Any, at: str, states: dict, top: bool) -> None:
        if not isinstance(rule, dict):
            self.add(f"{at} should be an object")
            return
        if top:
            if "Next" not in rule:
                self.add(f'{at} does not have required field "Next"')
            else:
                self.target(rule["Next"], f"{at}.Next", states)
        elif "Next" in rule:
            self.add(f'Field "Next" not allowed in {at}: only top-level choice rules transition')
        ops = [k for k in rule if k in COMPARATORS]
        logic = [k for k in rule if k in ("And", "Or", "Not")]
        for key in rule:
            if key not in COMPARATORS and key not in ("And", "Or", "Not", "Variable", "Next", "Comment"):
                self.add(f'Field "{key}" not allowed in {at}')
        if len(ops) + len(logic) != 1:
            self.add(f"{at} must have exactly one comparison operator or And/Or/Not (found {len(ops) + len(logic)})")
        if logic:
            key = logic[0]
            if "Variable" in rule:
                self.add(f'Field "Variable" not allowed in {at} with "{key}"')
            sub = rule[key]
            if key == "Not":
                self.choice_rule(sub, f"{at}.Not", states, top=False)
            elif not isinstance(sub, list) or not sub:
                self.add(f"{at}.{key} should be a non-empty array of choice rules")
            else:
                for i, item in enumerate(sub):
                    self.choice_rule(item, f"{at}.{key}[{i}]", states, top=False)
            return
        if "Variable" not in rule:
            self.add(f'{at} does not have required field "Variable"')
        else:
            self.path(rule["Variable"], f"{at}.Variable")
        for op in ops:
            kind, value = COMPARATORS[op], rule[op]
            ok = {
                "string": isinstance(value, str),
                "number": _number(value),
                "boolean": isinstance(value, bool),
                "timestamp": parse_timestamp(value) is not None,
                "path": isinstance(value, str) and jsonpath.valid(value),
            }[kind]
            if not ok:
                want = {"path": "a JSONPath", "timestamp": "an RFC3339 timestamp"}.get(kind, f"a {kind}")
                self.add(f"{at}.{op} is {_show(value)} but should be {want}")

    def state_parallel(self, state: dict, sw: str, states: dict) -> None:
        branches = state.get("Branches")
        if "Branches" not in state:
            self.add(f'{sw} does not have required field "Branches"')
        elif not isinstance(branches, list) or not branches:
            self.add(f"{sw}.Branches should be a non-empty array")
        else:
            for i, branch in enumerate(branches):
                if isinstance(branch, dict):
                    self.machine(branch, f"{sw}.Branches[{i}]")
                else:
                    self.add(f"{sw}.Branches[{i}] should be an object")

    def state_map(self, state: dict, sw: str, states: dict) -> None:
        has_proc, has_iter = "ItemProcessor" in state, "Iterator" in state
        if has_proc == has_iter:
            self.add(f'{sw} must have exactly one of "ItemProcessor" and "Iterator"')
        key = "ItemProcessor" if has_proc else "Iterator"
        proc = state.get(key)
        if isinstance(proc, dict):
            config = proc.get("ProcessorConfig", {}) if key == "ItemProcessor" else {}
            if isinstance(config, dict) and config.get("Mode", "INLINE") != "INLINE":
                self.add(f"{sw}.{key}.ProcessorConfig.Mode is {_show(config.get('Mode'))}: only INLINE maps run locally")
            sub = {k: v for k, v in proc.items() if k not in ("ProcessorConfig",)}
            self.machine(sub, f"{sw}.{key}")
        elif proc is not None:
            self.add(f"{sw}.{key} should be an object")
        if "Parameters" in state and "ItemSelector" in state:
            self.add(f'{sw} may have only one of "Parameters" and "ItemSelector"')
        if "ItemsPath" in state:
            self.path(state["ItemsPath"], f"{sw}.ItemsPath")
        if "MaxConcurrency" in state and not _nonneg_int(state["MaxConcurrency"]):
            self.add(f"{sw}.MaxConcurrency is {_show(state['MaxConcurrency'])} but should be a non-negative integer")
        for key in ("ItemReader", "ItemBatcher", "ResultWriter"):
            if key in state:
                self.add(f"{sw}.{key}: distributed maps are not supported locally")
        if "ToleratedFailurePercentage" in state:
            value = state["ToleratedFailurePercentage"]
            if not (_number(value) and 0 <= value <= 100):
                self.add(f"{sw}.ToleratedFailurePercentage is {_show(value)} but should be a number from 0 to 100")
        if "ToleratedFailureCount" in state and not _nonneg_int(state["ToleratedFailureCount"]):
            self.add(f"{sw}.ToleratedFailureCount is {_show(state['ToleratedFailureCount'])} but should be a non-negative integer")


def _targets(state: Any) -> Iterable[str]:
    if not isinstance(state, dict):
        return []
    out: list[str] = []
    if isinstance(state.get("Next"), str):
        out.append(state["Next"])
    if isinstance(state.get("Default"), str):
        out.append(state["Default"])
    for rule in state.get("Choices", []) if isinstance(state.get("Choices"), list) else []:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            out.append(rule["Next"])
    for rule in state.get("Catch", []) if isinstance(state.get("Catch"), list) else []:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            out.append(rule["Next"])
    return out


def _is_terminal(state: dict) -> bool:
    return state.get("Type") in _TERMINAL_TYPES or state.get("End") is True


def processor(state: dict) -> dict:
    """A Map state's iteration machine (ItemProcessor, or the older Iterator)."""
    return state.get("ItemProcessor") or state.get("Iterator") or {}
