"""What a template's values are locally: parameters, pseudo parameters, conditions, the intrinsic
functions that need no deployed stack, and SAM's Globals."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from console.engine.config import DEFAULT_ACCOUNT, DEFAULT_REGION

from .template import TemplateError

DEFAULT_STACK_NAME = "sam-app"
# Visits of template nodes while resolving; a template past this is an alias bomb, not a project.
MAX_STEPS = 200_000
_SUB_RE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Unresolved:
    """A value only a deployed stack knows (a `!GetAtt` of a table, a parameter with no value)."""

    expression: str
    reason: str

    def __str__(self) -> str:
        return self.expression


def is_unresolved(value: Any) -> bool:
    return isinstance(value, Unresolved)


def describe(value: Any) -> str:
    """An intrinsic as the user wrote it in YAML, e.g. `!GetAtt Table.Arn`, for messages."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" or key.startswith("Fn::") or key == "Condition":
            tag = key.removeprefix("Fn::")
            if tag == "GetAtt" and isinstance(arg, list):
                return f"!GetAtt {'.'.join(str(a) for a in arg)}"
            if isinstance(arg, str):
                return f"!{tag} {arg}"
            return f"!{tag} {json.dumps(arg, default=str)[:80]}"
    return json.dumps(value, default=str)[:80]


class _NoValue:
    """AWS::NoValue: the property or list item disappears."""


NO_VALUE = _NoValue()


def is_intrinsic(value: Any) -> bool:
    """Whether `value` is one intrinsic function call ({"Ref": ...}, {"Fn::Sub": ...})."""
    return _intrinsic(value) is not None


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" or key == "Condition" or (isinstance(key, str) and key.startswith("Fn::")):
            return key, arg
    return None


class Resolver:
    """Resolves values of one template with the given parameter values.

    Values that cannot be known locally come back as Unresolved (never raised), so that a caller
    can report each one where it is used.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        overrides: Mapping[str, str] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        stack_name: str = DEFAULT_STACK_NAME,
    ) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self.conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self.problems: list[str] = []
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/"
            "00000000-0000-0000-0000-000000000000",
            "AWS::Partition": "aws-cn" if region.startswith("cn-") else "aws",
            "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        self.parameters: dict[str, Any] = {}
        self._steps = 0
        self._condition_cache: dict[str, Any] = {}
        self._load_parameters(dict(overrides or {}))

    # ------------------------------------------------------------ parameters

    def _load_parameters(self, overrides: dict[str, str]) -> None:
        declared = self.template.get("Parameters") or {}
        if not isinstance(declared, dict):
            declared = {}
        for name in sorted(set(overrides) - set(declared)):
            self.problems.append(f"--parameter-overrides gives {name}, which the template does not declare")
        for name, spec in declared.items():
            spec = spec if isinstance(spec, dict) else {}
            kind = str(spec.get("Type", "String"))
            if name in overrides:
                raw: Any = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                self.parameters[name] = Unresolved(
                    f"!Ref {name}",
                    f"parameter {name} has no Default; give it with --parameter-overrides {name}=VALUE",
                )
                continue
            if kind.startswith("AWS::SSM::Parameter::Value") and name not in overrides:
                self.parameters[name] = Unresolved(
                    f"!Ref {name}",
                    f"parameter {name} is read from SSM Parameter Store ({raw}) when deployed; "
                    f"give it with --parameter-overrides {name}=VALUE",
                )
                continue
            allowed = spec.get("AllowedValues")
            if isinstance(allowed, list) and str(raw) not in [str(a) for a in allowed]:
                self.problems.append(
                    f"parameter {name} is {raw!r}, not one of its AllowedValues ({', '.join(map(str, allowed))})"
                )
            if kind == "CommaDelimitedList" or kind.startswith("List<"):
                items = raw if isinstance(raw, list) else str(raw).split(",")
                self.parameters[name] = [str(i).strip() for i in items]
            else:
                self.parameters[name] = raw if isinstance(raw, (str, int, float)) else str(raw)

    # ------------------------------------------------------------ values

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic replaced by its local value (or an Unresolved)."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise TemplateError("the template is too large or too self-referential to resolve (YAML aliases?)")
        found = _intrinsic(value)
        if found is not None:
            return self._function(*found, original=value)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(item) for item in value) if r is not NO_VALUE]
        return value

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unresolved(describe({"Ref": name}), "!Ref takes a name")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return Unresolved(f"!Ref {name}", f"the physical name of resource {name} is only known once deployed")
        return Unresolved(f"!Ref {name}", f"{name} is neither a parameter nor a resource of the template")

    def _function(self, key: str, arg: Any, *, original: Any) -> Any:
        expression = describe(original)
        if key == "Ref":
            return self.ref(arg)
        if key == "Condition":
            return self.condition(arg)
        handler = getattr(self, "_fn_" + key[4:].replace("::", "_"), None)
        if handler is None:
            return Unresolved(expression, f"{key} is only evaluated by CloudFormation")
        try:
            return handler(arg, expression)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            return Unresolved(expression, f"it is malformed ({exc})")

    @staticmethod
    def _first_unresolved(*values: Any) -> Unresolved | None:
        for value in values:
            if isinstance(value, Unresolved):
                return value
            if isinstance(value, list):
                inner = Resolver._first_unresolved(*value)
                if inner is not None:
                    return inner
        return None

    def _fn_GetAtt(self, arg: Any, expression: str) -> Any:
        return Unresolved(expression, "an attribute of a resource is only known once deployed")

    def _fn_ImportValue(self, arg: Any, expression: str) -> Any:
        return Unresolved(expression, "another stack's export is only known once deployed")

    def _fn_Sub(self, arg: Any, expression: str) -> Any:
        if isinstance(arg, list):
            text, variables = arg[0], arg[1] if len(arg) > 1 else {}
        else:
            text, variables = arg, {}
        variables = {k: self.resolve(v) for k, v in (variables or {}).items()}
        if not isinstance(text, str):
            raise TypeError("the string to substitute is not text")
        problem: list[Unresolved] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = Unresolved(f"!GetAtt {name}", "an attribute of a resource is only known once deployed")
            else:
                value = self.ref(name)
            if isinstance(value, Unresolved):
                problem.append(value)
                return ""
            if isinstance(value, list):
                return ",".join(map(str, value))
            return _text(value)

        result = _SUB_RE.sub(substitute, text)
        if problem:
            return Unresolved(expression, problem[0].reason)
        return result

    def _fn_Join(self, arg: Any, expression: str) -> Any:
        delimiter, items = arg[0], self.resolve(arg[1])
        bad = self._first_unresolved(items)
        if bad is not None:
            return Unresolved(expression, bad.reason)
        if not isinstance(items, list):
            raise TypeError("Fn::Join takes a list of values")
        return str(delimiter).join(_text(i) for i in items)

    def _fn_Select(self, arg: Any, expression: str) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        bad = self._first_unresolved(index, items)
        if bad is not None:
            return Unresolved(expression, bad.reason)
        return items[int(index)]

    def _fn_Split(self, arg: Any, expression: str) -> Any:
        delimiter, text = arg[0], self.resolve(arg[1])
        if isinstance(text, Unresolved):
            return Unresolved(expression, text.reason)
        return str(text).split(str(delimiter))

    def _fn_If(self, arg: Any, expression: str) -> Any:
        name, when_true, when_false = arg
        verdict = self.condition(name)
        if isinstance(verdict, Unresolved):
            return Unresolved(expression, verdict.reason)
        return self.resolve(when_true if verdict else when_false)

    def _fn_FindInMap(self, arg: Any, expression: str) -> Any:
        keys = [self.resolve(a) for a in arg[:3]]
        bad = self._first_unresolved(*keys)
        if bad is not None:
            return Unresolved(expression, bad.reason)
        try:
            return self.resolve(self.mappings[keys[0]][keys[1]][keys[2]])
        except (KeyError, TypeError):
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"])
            return Unresolved(expression, f"Mappings has no {keys[0]} > {keys[1]} > {keys[2]}")

    def _fn_Base64(self, arg: Any, expression: str) -> Any:
        text = self.resolve(arg)
        if isinstance(text, Unresolved):
            return Unresolved(expression, text.reason)
        return base64.b64encode(_text(text).encode()).decode("ascii")

    def _fn_GetAZs(self, arg: Any, expression: str) -> Any:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_ToJsonString(self, arg: Any, expression: str) -> Any:
        value = self.resolve(arg)
        bad = self._first_unresolved(value)
        if bad is not None:
            return Unresolved(expression, bad.reason)
        return json.dumps(value, separators=(",", ":"), default=str)

    def _fn_Length(self, arg: Any, expression: str) -> Any:
        value = self.resolve(arg)
        if isinstance(value, Unresolved):
            return Unresolved(expression, value.reason)
        return len(value)

    # ------------------------------------------------------------ conditions

    def condition(self, name: Any) -> bool | Unresolved:
        """A named condition's value (Unresolved when it depends on a value only AWS knows)."""
        if not isinstance(name, str) or name not in self.conditions:
            return Unresolved(f"Condition {name}", f"the template has no condition named {name}")
        if name in self._condition_cache:
            cached = self._condition_cache[name]
            if cached is None:
                return Unresolved(f"Condition {name}", f"condition {name} refers to itself")
            return cached
        self._condition_cache[name] = None  # guards against a cycle
        verdict = self._evaluate(self.conditions[name])
        self._condition_cache[name] = verdict
        return verdict

    def _evaluate(self, value: Any) -> bool | Unresolved:
        found = _intrinsic(value)
        if found is None:
            return Unresolved(describe(value), "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")
        key, arg = found
        expression = describe(value)
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = self.resolve(arg[0]), self.resolve(arg[1])
            bad = self._first_unresolved(left, right)
            return Unresolved(expression, bad.reason) if bad else _text(left) == _text(right)
        if key in ("Fn::And", "Fn::Or", "Fn::Not"):
            verdicts = [self._evaluate(a) for a in arg]
            bad = self._first_unresolved(*verdicts)
            if bad is not None:
                return Unresolved(expression, bad.reason)
            if key == "Fn::Not":
                return not verdicts[0]
            return all(verdicts) if key == "Fn::And" else any(verdicts)
        return Unresolved(expression, f"{key} cannot be used in a condition")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge (the resource's keys win), lists add up (Globals first), and
    any other value of the resource replaces the global one."""
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and _intrinsic(global_value) is None
        and _intrinsic(local_value) is None
    ):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return list(global_value) + list(local_value)
    return local_value


def apply_globals(section: Mapping[str, Any] | None, properties: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's Properties with a Globals section (e.g. Globals.Function) applied."""
    if not isinstance(section, dict):
        return dict(properties)
    return merge_globals(dict(section), dict(properties))
