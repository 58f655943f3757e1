"""`lambda-console DIR` on a SAM project folder: the template's functions in Open function, their
settings from the template until the console saves its own, F5 runs the CodeUri code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tui_helpers import run_test_key, wait_for

from console.tui import launch, sam_project, store
from console.tui.app import LambdaConsoleApp

SIZE = (120, 36)
TEMPLATE = """
Globals:
  Function:
    Runtime: python3.12
    Timeout: 7
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Handler: app.handler
      MemorySize: 512
      Environment: {Variables: {TABLE: orders-local}}
  Greet:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: greet/, Handler: app.handler}
  Node:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: greet/, Handler: index.handler, Runtime: nodejs20.x}
"""


@pytest.fixture
def project(tmp_path: Path, home: Path):
    root = tmp_path / "sam-app"
    (root / "orders").mkdir(parents=True)
    (root / "greet").mkdir()
    (root / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    (root / "orders" / "app.py").write_text(
        "import os\ndef handler(event, context):\n    return {'table': os.environ['TABLE'], 'name': context.function_name}\n"
    )
    (root / "greet" / "app.py").write_text("def handler(event, context):\n    return 'hi'\n")
    yield root
    sam_project.close()


def test_a_project_folder_opens_on_its_first_function_with_the_templates_settings(project, capsys):
    assert launch._open_project(project) == project / "orders"
    assert "skipping Node: its runtime nodejs20.x is not Python" in capsys.readouterr().err
    settings, warning = store.load_settings(project / "orders")
    assert warning is None
    assert (settings.handler, settings.runtime, settings.memory_mb, settings.timeout_s) == ("app.handler", "python3.12", 512, 7)
    assert settings.environment == {"TABLE": "orders-local"}
    assert store.function_name(project / "orders") == "Orders"
    assert store.to_config(project / "orders", settings).function_name == "Orders"
    names = [name for name, _, _ in store.workspace_functions()]
    assert names[:2] == ["Orders", "Greet"]
    # Settings the console saves are the function's own from then on (the template is not rewritten).
    store.save_settings(project / "orders", store.updated(settings, timeout_s=30))
    assert store.load_settings(project / "orders")[0].timeout_s == 30
    assert "Timeout: 7" in (project / "template.yaml").read_text()


async def test_f5_runs_the_template_function_and_ctrl_f_lists_the_others(project, engine):
    code_dir = launch._open_project(project)
    app = LambdaConsoleApp(code_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        result = await run_test_key(pilot)
        assert result.payload_value() == {"table": "orders-local", "name": "Orders"}
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FunctionPicker" and app.screen.query("#filter"))
        labels = [str(o.prompt) for o in app.screen.query_one("#options").options]
        assert any(label.startswith("Orders") for label in labels) and any(label.startswith("Greet") for label in labels)
        await pilot.press(*"Greet")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen() and app.main_screen().function_name == "Greet")
        assert (await run_test_key(pilot)).payload_value() == "hi"
