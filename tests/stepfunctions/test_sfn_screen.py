"""The Step Functions screen runs a definition in a worker thread and shows the path, history and state data."""

from __future__ import annotations

import json
import time
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, OptionList, Static, TextArea

from console.tui.stepfunctions_screen import StepFunctionsScreen
from sfn_fakes import FakeInvoker, identity, raiser

BLUEPRINT = Path(__file__).resolve().parents[2] / "blueprints" / "sfn-create-account"


class AccountAlreadyExistsException(Exception):
    pass


def fake_factory(dirs):
    return FakeInvoker({
        "CreateAccount": raiser(AccountAlreadyExistsException, "Account is in use!"),
        "SuggestAccountName": identity,
        "SendWelcomeEmail": identity,
    })


class Host(App):
    def __init__(self, screen: StepFunctionsScreen) -> None:
        super().__init__()
        self._sfn = screen

    def on_mount(self) -> None:
        self.push_screen(self._sfn)


async def wait_done(pilot, screen, within: float = 60.0) -> None:
    """Wait until the execution has finished: a deadline for a loaded machine, not a pause."""
    deadline = time.monotonic() + within
    while screen.result is None:
        if time.monotonic() > deadline:
            raise AssertionError("the run did not finish")
        await pilot.pause(0.02)


async def test_running_the_seed_shows_the_caught_path_and_history():
    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert json.loads(screen.query_one("#sfn-input", TextArea).text)["username"] == "taken"
        await pilot.press("f5")
        await wait_done(pilot, screen)
        assert screen.result.path == ["CreateAccount", "SuggestAccountName"]
        path = screen.query_one("#sfn-path", OptionList)
        labels = [str(path.get_option_at_index(i).prompt) for i in range(path.option_count)]
        assert "CreateAccount" in labels[0] and "caught" in labels[0] and "AccountAlreadyExistsException" in labels[0]
        assert "SuggestAccountName" in labels[1] and "succeeded" in labels[1]
        table = screen.query_one("#sfn-events", DataTable)
        assert table.row_count == len(screen.result.events) == 12
        assert "SUCCEEDED" in str(screen.query_one("#sfn-status", Static).render())
        path.focus()
        path.highlighted = 0
        await pilot.pause()
        detail = str(screen.query_one("#sfn-detail", Static).render())
        assert "Error: AccountAlreadyExistsException" in detail and '"username": "taken"' in detail


async def test_invalid_definition_lists_its_problems_without_running():
    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen.query_one("#sfn-definition", TextArea).load_text('{"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}')
        await pilot.press("f5")
        await pilot.pause()
        assert screen.result is None and screen.execution is None
        assert 'StartAt value "Nope" not found' in str(screen.query_one("#sfn-detail", Static).render())


async def test_example_inputs_cycle_and_escape_leaves_the_screen():
    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=fake_factory)
    host = Host(screen)
    async with host.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f6")
        assert json.loads(screen.query_one("#sfn-input", TextArea).text)["username"] == "newcomer"
        await pilot.press("escape")
        await pilot.pause()
        assert host.screen is not screen


async def test_f8_cycles_the_time_scale():
    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f8")
        assert screen.time_scale == 10
        await pilot.press("f8", "f8", "f8")
        assert screen.time_scale == 1


async def test_saving_the_blueprint_example_writes_a_workspace_copy(tmp_path, monkeypatch):
    import console.tui.stepfunctions_screen as module

    monkeypatch.setenv("LAMBDA_CONSOLE_HOME", str(tmp_path))
    monkeypatch.setattr(module, "_blueprint_definition", lambda: BLUEPRINT / "statemachine.json")
    original = (BLUEPRINT / "statemachine.json").read_text()
    screen = StepFunctionsScreen(invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert screen.read_only
        await pilot.press("ctrl+s")
        await pilot.pause()
        copy = tmp_path / "state-machines" / "sfn-create-account" / "statemachine.json"
        assert copy.read_text() == original and screen.definition_path == copy
        assert (BLUEPRINT / "statemachine.json").read_text() == original
        assert not screen.read_only
        dirs = screen.function_dirs()
        assert set(dirs) >= {"CreateAccount", "SuggestAccountName", "SendWelcomeEmail"}
        # The copy calls the workspace's functions, the ones the user opens and edits in the console.
        assert dirs["CreateAccount"] == (tmp_path / "functions" / "CreateAccount").resolve()
        assert not (copy.parent / "functions").exists()
        await pilot.press("f6")
        assert json.loads(screen.query_one("#sfn-input", TextArea).text)["username"] == "newcomer"
        await pilot.press("ctrl+o")
        await pilot.pause()
        from console.tui.stepfunctions_screen import OpenDefinition

        picker = screen.app.screen
        assert isinstance(picker, OpenDefinition)
        labels = [k.label for k in picker.known]
        assert any("blueprint sfn-create-account" in label for label in labels)
        assert any("(workspace)" in label and "sfn-create-account" in label for label in labels)


async def test_narrow_terminals_swap_history_and_state_pane():
    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert screen.has_class("-narrow")
        assert not screen.query_one("#sfn-detail-pane").display
        await pilot.press("f7")
        await pilot.pause()
        assert screen.query_one("#sfn-detail-pane").display and not screen.query_one("#sfn-events-pane").display
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one("#sfn-events-pane").display


async def test_escape_during_a_run_aborts_it_and_marks_the_state():
    from sfn_fakes import sleeper

    def slow_factory(dirs):
        return FakeInvoker({"CreateAccount": sleeper(30)})

    screen = StepFunctionsScreen(definition_path=BLUEPRINT / "statemachine.json", invoker_factory=slow_factory)
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert screen.execution is not None
        await pilot.press("escape")
        await wait_done(pilot, screen)
        assert screen.result.status == "ABORTED"
        assert screen.records[0].display_status == "aborted"
        assert screen.app.screen is screen  # the first Escape only stops the run


async def test_history_details_take_the_remaining_width_and_the_title_names_the_definition():
    screen = StepFunctionsScreen(invoker_factory=fake_factory)  # the installed blueprint, read-only
    async with Host(screen).run_test(size=(160, 48)) as pilot:
        title = str(screen.query_one("#sfn-title", Static).render())
        assert "blueprint sfn-create-account" in title and "Ctrl+S" in title
        assert str(screen.definition_path.parent.parent) not in title  # no installed package path
        await pilot.press("f5")
        await wait_done(pilot, screen)
        table = screen.query_one("#sfn-events", DataTable)
        details = table.columns[table.ordered_columns[-1].key]


        def used() -> int:
            return sum(c.get_render_width(table) for c in table.ordered_columns)

        for _ in range(200):  # the width is fitted after the rows' refresh
            if not details.auto_width and used() == table.scrollable_content_region.width:
                break
            await pilot.pause(0.02)
        assert not details.auto_width and used() == table.scrollable_content_region.width  # fills the pane
        assert details.width >= 24  # was 8 visible characters of a 200-wide column
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scroll


async def test_a_saved_definition_is_titled_by_its_file_name(tmp_path):
    target = tmp_path / "orders.json"
    target.write_text((BLUEPRINT / "statemachine.json").read_text())
    screen = StepFunctionsScreen(definition_path=target, invoker_factory=fake_factory)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        title = str(screen.query_one("#sfn-title", Static).render())
        assert title == "Step Functions ─ orders.json"
