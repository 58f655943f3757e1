"""A template's functions (and their layers) as the console runs them: one record per function,
runnable or skipped with the reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from console.engine.config import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, RUNTIMES

from .resolve import NO_VALUE, Resolver, Unresolved, apply_globals, describe, is_intrinsic
from .template import TemplateError, find_template, load_template

if TYPE_CHECKING:
    from console.engine import FunctionConfig

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SERVERLESS_LAYER = "AWS::Serverless::LayerVersion"
LAMBDA_LAYER = "AWS::Lambda::LayerVersion"
DEFAULT_EPHEMERAL_MB = 512


@dataclass
class Layer:
    """A layer the template builds from a local folder (its ContentUri)."""

    logical_id: str
    content_dir: Path


@dataclass
class TemplateFunction:
    """One function of the template, with Globals applied and values resolved."""

    logical_id: str
    resource_type: str
    code_dir: Path | None = None
    handler: str = ""
    runtime: str = ""
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: int = DEFAULT_TIMEOUT_S
    environment: dict[str, str] = field(default_factory=dict)
    architectures: list[str] = field(default_factory=lambda: ["x86_64"])
    ephemeral_storage_mb: int = DEFAULT_EPHEMERAL_MB
    # Local layers, in the template's order (each in Lambda's layout: python/ inside).
    layers: list[Layer] = field(default_factory=list)
    events: dict[str, Any] = field(default_factory=dict)  # as written, intrinsics unresolved
    function_url: dict[str, Any] | None = None
    deployed_name: str | None = None  # FunctionName, when the template sets one
    skipped: str | None = None  # why the console cannot run it

    @property
    def name(self) -> str:
        """The name the console and its APIs use: the logical ID, as `sam local` does."""
        return self.logical_id

    @property
    def runnable(self) -> bool:
        return self.skipped is None

    def to_function_config(self, **overrides: Any) -> FunctionConfig:
        from console.engine import FunctionConfig

        if self.skipped is not None or self.code_dir is None:
            raise ValueError(f"{self.logical_id} cannot run locally: {self.skipped}")
        values: dict[str, Any] = {
            "code_dir": self.code_dir,
            "handler": self.handler,
            "runtime": self.runtime,
            "memory_mb": self.memory_mb,
            "timeout_s": self.timeout_s,
            "environment": dict(self.environment),
            "function_name": self.logical_id,
            "layers": tuple(str(layer.content_dir) for layer in self.layers),
            "ephemeral_storage_mb": self.ephemeral_storage_mb,
        }
        values.update(overrides)
        return FunctionConfig(**values)


@dataclass
class SamProject:
    """A template and what the console can do with it."""

    template_path: Path
    template: dict[str, Any]
    functions: list[TemplateFunction]
    resolver: Resolver
    # Values the console could not work out, each said once (for the terminal or a banner).
    problems: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.template_path.parent

    def runnable(self) -> list[TemplateFunction]:
        return [f for f in self.functions if f.runnable]

    def skipped(self) -> list[TemplateFunction]:
        return [f for f in self.functions if not f.runnable]

    def get(self, logical_id: str) -> TemplateFunction | None:
        for function in self.functions:
            if function.logical_id == logical_id:
                return function
        return None

    def note(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


class EnvVarsError(TemplateError):
    """An --env-vars file that cannot be used."""


def load_env_vars(path: Path | str) -> dict[str, dict[str, str]]:
    """An env-vars file in SAM's format: {"LogicalId": {"VAR": "value"}, "Parameters": {...}}."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnvVarsError(f"No env-vars file at {path}") from None
    except OSError as exc:
        raise EnvVarsError(f"Cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise EnvVarsError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise EnvVarsError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise EnvVarsError(
            f'{path} must map function logical IDs (or "Parameters") to objects of variables, '
            'like {"HelloWorldFunction": {"TABLE_NAME": "local-table"}}'
        )
    return {key: {str(k): _env_text(v) for k, v in section.items()} for key, section in data.items()}


def parse_parameter_overrides(items: list[str] | None) -> dict[str, str]:
    """`KEY=VALUE` items (several may share one argument, space-separated, as SAM accepts them);
    SAM's `ParameterKey=K,ParameterValue=V` form works too."""
    found: dict[str, str] = {}
    for item in items or []:
        for part in item.split():
            if part.startswith("ParameterKey="):
                key_part, _, value_part = part.partition(",ParameterValue=")
                found[key_part.removeprefix("ParameterKey=")] = value_part
                continue
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise TemplateError(f"--parameter-overrides takes KEY=VALUE, got '{part}'")
            found[key] = value
    return found


def _env_text(value: Any) -> str:
    # What SAM hands the runtime: Lambda's variables are strings; booleans as JSON spells them.
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def load_project(
    template: Path | str,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    env_vars: Mapping[str, Mapping[str, str]] | Path | str | None = None,
    region: str | None = None,
) -> SamProject:
    """Read `template` (a file, or a folder holding template.yaml/.yml/.json) into a SamProject."""
    path = Path(template).expanduser()
    if path.is_dir():
        found = find_template(path)
        if found is None:
            raise TemplateError(f"{path} has no template.yaml, template.yml or template.json")
        path = found
    path = path.resolve()
    data = load_template(path)
    if isinstance(env_vars, (str, Path)):
        env_vars = load_env_vars(env_vars)
    env_vars = dict(env_vars or {})
    # (the env-vars file's "Parameters" section holds variables for every function, not template parameters)
    overrides = dict(parameter_overrides or {})
    kwargs = {"region": region} if region else {}
    resolver = Resolver(data, overrides, **kwargs)
    project = SamProject(path, data, [], resolver)
    for problem in resolver.problems:
        project.note(problem)
    globals_section = data.get("Globals") if isinstance(data.get("Globals"), dict) else {}
    for logical_id, resource in data["Resources"].items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if kind not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            continue
        function = _read_function(project, str(logical_id), resource, globals_section, env_vars)
        project.functions.append(function)
    declared = {f.logical_id for f in project.functions} | {"Parameters"}
    for key in sorted(set(env_vars) - declared):
        project.note(f"--env-vars names {key}, which is not a function of the template; ignored")
    return project


def _read_function(
    project: SamProject,
    logical_id: str,
    resource: dict[str, Any],
    globals_section: Mapping[str, Any],
    env_vars: Mapping[str, Mapping[str, str]],
) -> TemplateFunction:
    resolver = project.resolver
    kind = resource["Type"]
    raw = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
    serverless = kind == SERVERLESS_FUNCTION
    if serverless:
        raw = apply_globals(globals_section.get("Function"), raw)
    function = TemplateFunction(logical_id, kind)

    condition = resource.get("Condition")
    if isinstance(condition, str):
        verdict = resolver.condition(condition)
        if verdict is False:
            function.skipped = f"its Condition {condition} is false with these parameters"
            return function

    def value(key: str, default: Any = None) -> Any:
        if key not in raw:
            return default
        resolved = resolver.resolve(raw[key])
        if resolved is NO_VALUE:
            return default
        if isinstance(resolved, Unresolved):
            project.note(f"{logical_id}: {key} is {resolved.expression}, which cannot be resolved locally ({resolved.reason})")
            return default
        return resolved

    # Events stay as written: an event's RestApiId/ApiId is a !Ref naming the API resource.
    events = raw.get("Events") if serverless else None
    function.events = events if isinstance(events, dict) else {}
    url = value("FunctionUrlConfig") if serverless else None
    function.function_url = url if isinstance(url, dict) else None
    name = value("FunctionName")
    function.deployed_name = name if isinstance(name, str) else None

    if value("PackageType", "Zip") == "Image":
        function.skipped = "it is a container image function (PackageType: Image), which needs Docker"
        return function
    runtime = value("Runtime")
    if not isinstance(runtime, str) or not runtime:
        function.skipped = "it has no Runtime"
        return function
    if not runtime.startswith("python"):
        function.skipped = f"its runtime {runtime} is not Python"
        return function
    if runtime not in RUNTIMES:
        function.skipped = f"runtime {runtime} is not one the console runs ({RUNTIMES[-1]} to {RUNTIMES[0]})"
        return function
    function.runtime = runtime

    code = _code_dir(project, raw, value, serverless)
    if isinstance(code, str):
        function.skipped = code
        return function
    function.code_dir = code

    handler = value("Handler")
    if not isinstance(handler, str) or not handler:
        function.skipped = "it has no Handler"
        return function
    function.handler = handler
    for attr, key in (("memory_mb", "MemorySize"), ("timeout_s", "Timeout")):
        number = value(key)
        if number is None:
            continue
        try:
            setattr(function, attr, int(number))
        except (TypeError, ValueError):
            function.skipped = f"its {key} {number!r} is not a whole number"
            return function
    arch = value("Architectures")
    if isinstance(arch, list) and arch:
        function.architectures = [str(a) for a in arch]
    storage = value("EphemeralStorage")
    if isinstance(storage, dict) and "Size" in storage:
        try:
            function.ephemeral_storage_mb = int(storage["Size"])
        except (TypeError, ValueError):
            pass
    function.environment = _environment(project, logical_id, raw, env_vars)
    function.layers = _layers(project, logical_id, raw.get("Layers"))

    from console.engine.config import validate

    problems = [p for p in validate(function.to_function_config()) if "Code directory" not in p]
    if problems:
        function.skipped = "; ".join(problems)
    return function


def _code_dir(project: SamProject, raw: Mapping[str, Any], value: Any, serverless: bool) -> Path | str:
    """The function's local code folder, or why there is none."""
    key = "CodeUri" if serverless else "Code"
    if serverless and "InlineCode" in raw:
        return "its code is InlineCode; move it into a file and point CodeUri at the folder"
    uri = value(key)
    if uri is None:
        return f"it has no {key}"
    if isinstance(uri, dict):
        if "ZipFile" in uri:
            return "its code is inline (Code.ZipFile); move it into a file and point Code at the folder"
        return f"its {key} is in S3 ({describe(uri)}); the console needs the code in a local folder"
    if not isinstance(uri, str):
        return f"its {key} {uri!r} is not a path"
    if uri.startswith("s3://"):
        return f"its {key} is in S3 ({uri}); the console needs the code in a local folder"
    folder = (project.root / uri).resolve()
    if not folder.exists():
        return f"its {key} {uri} does not exist ({folder})"
    if not folder.is_dir():
        return f"its {key} {uri} is a file (a built .zip?); point it at the source folder"
    return folder


def _environment(
    project: SamProject, logical_id: str, raw: Mapping[str, Any], env_vars: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    resolver = project.resolver
    env = raw.get("Environment")
    if is_intrinsic(env):
        env = resolver.resolve(env)
    variables = env.get("Variables") if isinstance(env, dict) else None
    if is_intrinsic(variables):
        variables = resolver.resolve(variables)
    if not isinstance(variables, dict):
        variables = {}
    declared: dict[str, Any] = dict(variables or {})
    overrides = {**env_vars.get("Parameters", {}), **env_vars.get(logical_id, {})}
    result: dict[str, str] = {}
    for name, raw_value in declared.items():
        if name in overrides:
            result[name] = overrides[name]
            continue
        resolved = resolver.resolve(raw_value)
        if resolved is NO_VALUE:
            continue
        if isinstance(resolved, Unresolved):
            # As `sam local` does, the variable exists but is empty until --env-vars gives it.
            project.note(
                f"{logical_id}: environment variable {name} = {resolved.expression} cannot be resolved locally "
                f'({resolved.reason}); it is empty unless --env-vars gives it: {{"{logical_id}": {{"{name}": "..."}}}}'
            )
            result[name] = ""
            continue
        result[name] = _env_text(resolved)
    unknown = sorted(set(env_vars.get(logical_id, {})) - set(declared))
    if unknown:
        project.note(
            f"{logical_id}: --env-vars sets {', '.join(unknown)}, which the template does not declare; "
            "ignored, as sam local does (declare them under Environment.Variables)"
        )
    return result


def _layers(project: SamProject, logical_id: str, raw_layers: Any) -> list[Layer]:
    layers: list[Layer] = []
    if not isinstance(raw_layers, list):
        return layers
    resources = project.template["Resources"]
    for item in raw_layers:
        ref = item.get("Ref") if isinstance(item, dict) and len(item) == 1 else None
        resource = resources.get(ref) if isinstance(ref, str) else None
        if isinstance(resource, dict) and resource.get("Type") in (SERVERLESS_LAYER, LAMBDA_LAYER):
            props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
            key = "ContentUri" if resource["Type"] == SERVERLESS_LAYER else "Content"
            uri = project.resolver.resolve(props.get(key))
            folder = (project.root / uri).resolve() if isinstance(uri, str) and not uri.startswith("s3://") else None
            if folder is None or not folder.is_dir():
                project.note(f"{logical_id}: layer {ref} has no local {key} folder; it is left out")
            elif not (folder / "python").is_dir():
                # A BuildMethod layer's source: `sam build` puts it under python/, which is the
                # layout the function would see in /opt.
                project.note(
                    f"{logical_id}: layer {ref} ({uri}) has no python/ folder, so it needs `sam build` "
                    "first; it is left out (point ContentUri at a folder holding python/)"
                )
            else:
                layers.append(Layer(ref, folder))
            continue
        resolved = project.resolver.resolve(item)
        shown = resolved.expression if isinstance(resolved, Unresolved) else resolved
        project.note(f"{logical_id}: layer {shown} is not built from this template; it is left out")
    return layers
