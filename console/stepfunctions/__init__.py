"""Step Functions (Amazon States Language) executed locally over the engine's Lambda functions.

No UI imports here: the CLI (`lambda-console sfn run`) and the TUI's Step Functions screen both
drive `Execution`.
"""

from .definition import DefinitionError, load, parse_text, validate
from .errors import StatesError, matches
from .history import Event
from .interpreter import ABORTED, FAILED, SUCCEEDED, TIMED_OUT, Execution, ExecutionResult, StateRecord, run
from .lambda_tasks import EngineInvoker, FunctionNotFound, Invoker, LambdaClient, workspace_function_dirs

__all__ = [
    "ABORTED",
    "FAILED",
    "SUCCEEDED",
    "TIMED_OUT",
    "DefinitionError",
    "EngineInvoker",
    "Event",
    "Execution",
    "ExecutionResult",
    "FunctionNotFound",
    "Invoker",
    "LambdaClient",
    "StateRecord",
    "StatesError",
    "load",
    "matches",
    "parse_text",
    "run",
    "validate",
    "workspace_function_dirs",
]
