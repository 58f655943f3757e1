"""The runner reproduces thirty executions recorded against real AWS (../shared/reference/sfn-recorded)."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from sfn_patterns import check_case

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES_DIR = SHARED / "reference" / "sfn-recorded" / "cases"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.json").is_file()) if CASES_DIR.is_dir() else []


def run_cli(case: Path) -> tuple[int, dict]:
    from console.cli import main

    argv = ["sfn", "run", str(case / "definition.json"), "--input", str(case / "input.json")]
    functions = sorted((case / "functions").iterdir()) if (case / "functions").is_dir() else []
    if functions:
        argv += ["--functions", *map(str, functions)]
    argv += ["--time-scale", "1000", "--json", "--strict-ids"]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(argv)
    return code, json.loads(out.getvalue())


# CI sets CI=true: there the recorded cases must be present, so a missing ../shared fails the run
# instead of quietly skipping the only comparison with real AWS.
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def test_all_thirty_recorded_cases_are_present():
    if not CASES:
        message = f"recorded cases not found at {CASES_DIR} (the shared/ folder beside the repo)"
        if IN_CI:
            pytest.fail(message + "; CI must provide them")
        pytest.skip(message)
    assert len(CASES) == 30


@pytest.mark.skipif(not CASES, reason=f"recorded cases not found at {CASES_DIR} (the shared/ folder beside the repo)")
@pytest.mark.parametrize("name", CASES)
def test_recorded_execution_matches_aws(name):
    case = CASES_DIR / name
    expected = json.loads((case / "expected.json").read_text())
    code, result = run_cli(case)
    problems = check_case(expected, result, strict_ids=True)
    assert problems == [], f"{name}: " + "\n".join(problems)
    assert code == (0 if expected["status"] == "SUCCEEDED" else 1)
