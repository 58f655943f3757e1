"""Step Functions error names and the ErrorEquals matching rules that Retry and Catch use."""

from __future__ import annotations

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
BRANCH_FAILED = "States.BranchFailed"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
PERMISSIONS = "States.Permissions"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
EXCEED_TOLERATED_FAILURE = "States.ExceedToleratedFailureThreshold"

PREDEFINED = frozenset(
    {
        ALL,
        TASK_FAILED,
        TIMEOUT,
        RUNTIME,
        DATA_LIMIT_EXCEEDED,
        RESULT_PATH_MATCH_FAILURE,
        PARAMETER_PATH_FAILURE,
        INTRINSIC_FAILURE,
        NO_CHOICE_MATCHED,
        BRANCH_FAILED,
        HEARTBEAT_TIMEOUT,
        PERMISSIONS,
        ITEM_READER_FAILED,
        RESULT_WRITER_FAILED,
        EXCEED_TOLERATED_FAILURE,
        "States.QueryEvaluationError",
    }
)

LAMBDA_UNKNOWN = "Lambda.Unknown"
LAMBDA_NOT_FOUND = "Lambda.ResourceNotFoundException"


class StatesError(Exception):
    """A state failed with a Step Functions error name and an optional cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause

    def error_output(self) -> dict[str, str]:
        """The {Error, Cause} object a Catch hands on (AWS writes "" for a missing cause)."""
        return {"Error": self.error, "Cause": self.cause if self.cause is not None else ""}


class StateRuntimeError(StatesError):
    """States.Runtime raised from data flow; the state runner prefixes AWS's 'An error occurred...' text."""

    def __init__(self, detail: str) -> None:
        super().__init__(RUNTIME, detail)
        self.detail = detail


def is_recoverable(error: str) -> bool:
    """States.Runtime ends the execution: no retrier or catcher takes it, even one naming it."""
    return error != RUNTIME


def matches(error_equals: list[str], error: str) -> bool:
    """Does a Retry/Catch rule's ErrorEquals list cover this error?

    States.ALL covers everything except States.Runtime. AWS's documentation also excludes
    States.DataLimitExceeded, but a recorded execution shows AWS catching it with States.ALL,
    and the recording wins. States.TaskFailed covers everything except States.Timeout.
    """
    if not is_recoverable(error):
        return False
    for name in error_equals:
        if name == error:
            return True
        if name == ALL:
            return True
        if name == TASK_FAILED and error != TIMEOUT:
            return True
    return False
