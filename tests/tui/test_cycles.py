"""Whole test cycles driven through the console with Textual's pilot, on a real engine."""

from __future__ import annotations

import json
import re
import time

from tui_helpers import press_button, replace_editor_text, run_test_key, wait_for

from console.tui import store
from console.tui.app import LambdaConsoleApp

SIZE = (120, 36)


async def test_default_function_test_key_shows_hello_world_result_and_log(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        result = await run_test_key(pilot)
        assert result.succeeded and result.payload == b'"value1"'
        screen = app.main_screen()
        shown = screen.result_pane.plain_text()
        assert "Execution result: succeeded" in shown
        assert '"value1"' in shown
        assert "Code SHA-256" in shown and "Billed duration" in shown and "Max memory used" in shown
        assert "Init duration" in shown  # the first test is a cold start
        log = screen.log_pane.plain_text()
        for marker in ("START RequestId:", "END RequestId:", "REPORT RequestId:", "value1 = value1"):
            assert marker in log


async def test_ctrl_r_runs_the_test_too_and_warm_runs_have_no_init_duration(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot, "f5")
        second = await run_test_key(pilot, "ctrl+r")
        assert second.succeeded and not second.cold_start
        assert "Init duration" not in app.main_screen().result_pane.plain_text()


async def test_always_failed_blueprint_picked_in_the_picker_shows_error_object_and_error_log(home, engine):
    app = LambdaConsoleApp(store.default_function_dir(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BlueprintPicker" and app.screen.query("#filter") and app.screen.query_one("#filter").has_focus)
        await pilot.press(*"always")
        await pilot.press("enter")  # choose the highlighted blueprint
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        await pilot.press("enter")  # accept the suggested name
        await wait_for(pilot, lambda: app.main_screen() and app.main_screen().function_name == "always-failed")
        await wait_for(pilot, lambda: app.screen is app.main_screen() and app.screen.code_editor.current)
        result = await run_test_key(pilot)
        assert not result.succeeded
        error = json.loads(result.payload)
        assert error["errorType"] == "Exception" and error["errorMessage"] == "I failed!"
        screen = app.main_screen()
        shown = screen.result_pane.plain_text()
        assert "Execution result: failed" in shown
        assert '"errorType": "Exception"' in shown
        assert "[ERROR] Exception: I failed!" in screen.log_pane.plain_text()


async def test_editing_code_then_testing_runs_the_new_code_in_a_cold_environment(default_dir, engine, monkeypatch):
    import console.tui.widgets.code_editor as code_editor

    monkeypatch.setattr(code_editor, "AUTOSAVE_DELAY_S", 60)  # F5 itself saves the edit (a slow machine must not autosave first)
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        first = await run_test_key(pilot)
        assert first.payload == b'"value1"'
        area = app.main_screen().code_editor.text_area
        code = area.text.replace("return event['key1']", "print('edited'); return 'changed ' + event['key2']")
        assert code != area.text
        replace_editor_text(area, code)
        await pilot.pause()
        assert "● unsaved" in str(app.main_screen().code_editor.border_title)
        result = await run_test_key(pilot)
        assert result.payload == b'"changed value2"'
        assert result.cold_start and result.summary.init_duration_ms is not None
        assert "edited" in app.main_screen().log_pane.plain_text()
        assert "print('edited')" in (default_dir / "lambda_function.py").read_text()


async def test_missing_handler_function_warns_inline_and_the_run_reports_handler_not_found(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        handler = screen.query_one("#handler")
        handler.value = "lambda_function.no_such_handler"
        await pilot.pause()
        assert "Handler 'no_such_handler' missing on module 'lambda_function'" in screen.bar.handler_problem
        result = await run_test_key(pilot)
        assert result.error_type == "Runtime.HandlerNotFound"
        assert "Runtime.HandlerNotFound" in screen.result_pane.plain_text()


async def test_invalid_event_json_explains_instead_of_running_and_keeps_the_text(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        broken = '{\n  "key1": "value1",\n  "key2": \n}'
        replace_editor_text(screen.event_panel.editor, broken)
        await pilot.pause()
        status = str(screen.query_one("#event-status").render())
        assert "line 4, column 1" in status
        await pilot.press("f5")
        await wait_for(pilot, lambda: "not run" in screen.result_pane.plain_text())
        assert app.history == [] and not screen.running
        shown = " ".join(screen.result_pane.plain_text().split())
        assert "did not run" in shown and "line 4, column 1" in shown
        assert screen.event_panel.text == broken
        assert screen.event_panel.editor.has_focus and screen.event_panel.editor.cursor_location == (3, 0)


async def test_unsaved_event_runs_as_typed_test_before_saving(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        replace_editor_text(screen.event_panel.editor, '{"key1": "typed", "key2": "b", "key3": "c"}')
        result = await run_test_key(pilot)
        assert result.payload == b'"typed"'
        assert store.saved_events(default_dir) == []


async def test_timeout_reports_sandbox_timedout_while_the_ui_keeps_responding(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n    time.sleep(10)\n    return 'late'\n"
    )
    settings, _ = store.load_settings(default_dir)
    # long enough that the help modal surely opens mid-run on a loaded machine
    store.save_settings(default_dir, store.updated(settings, timeout_s=5))
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.running and screen.indicator.elapsed > 0.2)
        assert "Running" in str(screen.indicator.render())
        # The UI handles keys during the run: the help modal opens while the handler sleeps.
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpModal" and screen.running, timeout=4)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, timeout=15)
        await wait_for(pilot, lambda: app.history and not screen.running, timeout=15)
        result = app.history[-1].result
        assert result.error_type == "Sandbox.Timedout"
        assert "Task timed out after 5.00 seconds" in " ".join(screen.result_pane.plain_text().split())
        assert re.search(r"Status:\s+timeout", screen.log_pane.plain_text())


async def test_escape_cancels_a_running_test(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n    time.sleep(10)\n    return 'late'\n"
    )
    settings, _ = store.load_settings(default_dir)
    store.save_settings(default_dir, store.updated(settings, timeout_s=30))
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.running and screen.indicator.elapsed > 0.3)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.history and not screen.running, timeout=8)
        result = app.history[-1].result
        assert result.cancelled and not result.succeeded
        assert result.summary.duration_ms < 8000


async def test_saved_events_survive_a_restart(default_dir, engine):
    body = '{"key1": "kept", "key2": "b", "key3": "c"}'
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        replace_editor_text(screen.event_panel.editor, body)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        name_input = app.screen.query_one("#name")
        name_input.value = "MyEvent"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.event_panel.saved_name == "MyEvent"
    assert store.saved_events(default_dir) == ["MyEvent"]

    again = LambdaConsoleApp(default_dir, engine=engine)
    async with again.run_test(size=SIZE) as pilot:
        screen = again.main_screen()
        select = screen.query_one("#saved-events")
        await pilot.pause()
        select.value = "MyEvent"
        await wait_for(pilot, lambda: screen.event_panel.saved_name == "MyEvent")
        assert json.loads(screen.event_panel.text) == json.loads(body)
        result = await run_test_key(pilot)
        assert result.payload == b'"kept"'


async def test_history_shows_a_past_invocation_again(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        first = await run_test_key(pilot)
        replace_editor_text(screen.event_panel.editor, '{"key1": "second", "key2": "b", "key3": "c"}')
        await run_test_key(pilot)
        assert '"second"' in screen.result_pane.plain_text()
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryModal" and app.screen.query("#history-list"))
        await pilot.press("down", "enter")  # newest first: the second row is the first run
        await wait_for(pilot, lambda: app.screen is screen)
        shown = screen.result_pane.plain_text()
        assert '"value1"' in shown and first.request_id[:8] in shown and "history #1" in shown
        assert first.request_id in screen.log_pane.plain_text()


async def test_new_environment_makes_the_next_test_cold(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot)
        assert not (await run_test_key(pilot)).cold_start
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.main_screen().session.force_cold_next)
        again = await run_test_key(pilot)
        assert again.cold_start
        assert "Init duration" in app.main_screen().result_pane.plain_text()


async def test_code_changed_on_disk_reloads_the_editor_and_runs_cold(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await run_test_key(pilot)
        new_code = "def lambda_handler(event, context):\n    return 'from another editor'\n"
        (default_dir / "lambda_function.py").write_text(new_code)
        await wait_for(pilot, lambda: screen.code_editor.text_area.text == new_code, timeout=15)
        result = await run_test_key(pilot)
        assert result.payload == b'"from another editor"' and result.cold_start


async def test_run_on_save_reruns_the_test_when_code_changes_on_disk(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        assert app.main_screen().run_on_save
        (default_dir / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 42\n")
        await wait_for(pilot, lambda: app.history and not app.main_screen().running, timeout=10)
        assert app.history[-1].result.payload == b"42"


async def test_edits_are_autosaved_atomically_and_flushed_on_quit(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    path = default_dir / "lambda_function.py"
    async with app.run_test(size=SIZE) as pilot:
        area = app.main_screen().code_editor.text_area
        replace_editor_text(area, area.text + "\n# autosaved\n")
        await wait_for(pilot, lambda: "# autosaved" in path.read_text(), timeout=15)
        await wait_for(pilot, lambda: "● unsaved" not in str(app.main_screen().code_editor.border_title), timeout=15)
        replace_editor_text(area, area.text + "# flushed on quit\n")
        await pilot.press("ctrl+q")
    assert "# flushed on quit" in path.read_text()
    assert not list(default_dir.glob(".*.tmp"))


async def test_config_modal_saves_timeout_memory_and_environment(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal" and app.screen.query("#save"))
        modal = app.screen
        modal.query_one("#cfg-timeout").value = "7"
        modal.query_one("#cfg-memory").value = "256"
        modal.query_one("#env").text = "GREETING=hi\n"
        await press_button(pilot, "#save")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        settings, warning = store.load_settings(default_dir)
        assert warning is None
        assert (settings.timeout_s, settings.memory_mb, settings.environment) == (7, 256, {"GREETING": "hi"})
        assert "Timeout 7 s · Memory 256 MB · Env 1" in str(app.main_screen().query_one("#limits").render())


async def test_config_modal_refuses_values_lambda_would_refuse(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal" and app.screen.query("#save"))
        app.screen.query_one("#cfg-timeout").value = "901"
        await press_button(pilot, "#save")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfigModal"
        assert "Timeout must be between 1 and 900" in str(app.screen.query_one("#config-problem").render())


async def test_corrupt_config_file_gives_a_notice_and_a_fresh_start_without_losing_it(default_dir, engine):
    config = default_dir / ".lambda-console" / "config.json"
    config.write_text("{ not json")
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("corrupt" in str(n.message) for n in app._notifications)
        result = await run_test_key(pilot)
        assert result.succeeded
    backups = list(config.parent.glob("config.json.corrupt-*"))
    assert backups and backups[0].read_text() == "{ not json"


async def test_corrupt_saved_event_is_reported_and_does_not_crash(default_dir, engine):
    store.save_event(default_dir, "Broken", '{"a": 1}')
    (default_dir / ".lambda-console" / "events" / "Broken.json").write_bytes(b"\xff\xfe not utf8")
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        before = screen.event_panel.text
        screen.query_one("#saved-events").value = "Broken"
        await wait_for(pilot, lambda: any("Broken" in str(n.message) for n in app._notifications))
        assert screen.event_panel.text == before


async def test_template_picker_loads_a_sample_event(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TemplatePicker" and app.screen.query("#filter") and app.screen.query_one("#filter").has_focus)
        await pilot.press(*"sqs-receive")
        await pilot.press("enter")
        screen = app.main_screen()
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Records" in screen.event_panel.text
        assert "sqs-receive-message" in str(screen.event_panel.border_title)


async def test_command_palette_lists_the_console_actions(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new environment")
        from textual.command import CommandList

        options = await wait_for(pilot, lambda: app.screen.query(CommandList) and app.screen.query_one(CommandList))
        await wait_for(pilot, lambda: options.option_count >= 1 and "New environment" in str(options.get_option_at_index(0).prompt))


async def test_narrow_terminal_switches_panes_with_f6_and_f7(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen()
        assert screen.has_class("-narrow")
        assert screen.code_editor.display and screen.code_editor.region.width > 0
        assert screen.event_panel.region.width == 0
        await pilot.press("f6")
        await pilot.pause()
        assert screen.event_panel.region.width > 0 and screen.code_editor.region.width == 0
        await run_test_key(pilot)
        assert screen.result_pane.region.width > 0
        await pilot.press("f7")
        await pilot.pause()
        assert screen.log_pane.region.width > 0 and screen.result_pane.region.width == 0


async def test_control_characters_in_user_output_are_neutralised(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n"
        "    print('\\x1b[2J\\x1b]0;pwned\\x07bell')\n"
        "    return '\\x1b[31mred'\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot)
        screen = app.main_screen()
        log = screen.log_pane.plain_text()
        assert "\x1b" not in log and "\x07" not in log
        assert "␛[2J" in log
        assert "\x1b" not in screen.result_pane.plain_text()


async def test_f9_opens_the_step_functions_view_and_escape_returns(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen()
        await pilot.press("f9")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "StepFunctionsScreen", timeout=15)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, timeout=15)


async def test_dry_run_validates_without_invoking(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f10", "f10")  # RequestResponse -> Event -> DryRun
        await pilot.pause()
        assert screen.invocation_type == "DryRun"
        await pilot.press("f5")
        await wait_for(pilot, lambda: "204" in screen.result_pane.plain_text())
        assert app.history == []
        screen.query_one("#handler").value = "lambda_function.nope"
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: "Handler 'nope' missing" in screen.result_pane.plain_text())


async def test_event_invocation_is_accepted_then_its_attempt_shows_in_the_panes(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f10")
        await pilot.pause()
        assert screen.invocation_type == "Event"
        titles: list[str] = []
        show_message = screen.result_pane.show_message
        screen.result_pane.show_message = lambda title, *a, **k: (titles.append(title), show_message(title, *a, **k))
        await pilot.press("f5")
        await pilot.pause()
        assert titles and titles[0].startswith("Event: 202 Accepted")
        await wait_for(pilot, lambda: app.history, timeout=15)
        assert app.history[-1].result.payload == b'"value1"'
        assert "Event attempt 1" in screen.result_pane.plain_text()
        assert "value1 = value1" in screen.log_pane.plain_text()


async def test_monitor_shows_invocation_counts(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot)
        await run_test_key(pilot)
        await pilot.press("f12")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MonitorScreen" and app.screen.query("#metrics-table"))
        table = str(app.screen.query_one("#metrics-table").render())
        row = next(line for line in table.splitlines() if line.startswith("hello-world"))
        assert row.split()[1] == "2"
        await pilot.press("escape")
    from console.service.metrics import metrics_path

    assert metrics_path(default_dir).is_file()  # saved when the console closed


async def test_editing_a_saved_event_marks_it_until_saved_again(default_dir, engine):
    store.save_event(default_dir, "Mine", '{"key1": "a", "key2": "b", "key3": "c"}')
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.main_screen().event_panel
        app.main_screen().query_one("#saved-events").value = "Mine"
        await wait_for(pilot, lambda: panel.saved_name == "Mine")
        assert "edited" not in str(panel.border_title)
        replace_editor_text(panel.editor, '{"key1": "changed", "key2": "b", "key3": "c"}')
        await pilot.pause()
        assert "edited" in str(panel.border_title)
        await pilot.press("ctrl+s")  # a saved event saves in place, no name prompt
        await pilot.pause()
        assert "edited" not in str(panel.border_title)
        assert "changed" in store.load_event(default_dir, "Mine")


async def test_saved_events_can_be_renamed_and_deleted_keeping_the_text(default_dir, engine):
    store.save_event(default_dir, "Old", '{"key1": "a", "key2": "b", "key3": "c"}')
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        panel = screen.event_panel
        screen.query_one("#saved-events").value = "Old"
        await wait_for(pilot, lambda: panel.saved_name == "Old")
        await screen.run_action("rename_event")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "New"
        await pilot.press("enter")
        await wait_for(pilot, lambda: panel.saved_name == "New")
        assert store.saved_events(default_dir) == ["New"]
        await screen.run_action("delete_event")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.saved_name is None)
        assert store.saved_events(default_dir) == []
        assert '"key1": "a"' in panel.text


async def test_new_file_from_the_palette_gets_a_tab(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await screen.run_action("new_file")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "utils.py"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.code_editor.current == "utils.py")
        assert (default_dir / "utils.py").is_file()
        assert screen.query_one("#file-tabs").display


async def test_quitting_during_a_run_stops_it_cleanly(default_dir):
    from console.engine import Engine

    (default_dir / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n    time.sleep(60)\n"
    )
    settings, _ = store.load_settings(default_dir)
    store.save_settings(default_dir, store.updated(settings, timeout_s=60))  # only quitting ends it
    engine = Engine()
    app = LambdaConsoleApp(default_dir, engine=engine)
    started = 0.0
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.running)
        started = time.monotonic()
        await pilot.press("ctrl+q")
    engine.close()
    assert time.monotonic() - started < 20  # far less than the run's 60 s: quitting stopped it
    assert app.return_code == 0


async def test_runtime_chosen_in_the_function_bar_is_saved(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        app.main_screen().query_one("#runtime").value = "python3.12"
        await wait_for(pilot, lambda: store.load_settings(default_dir)[0].runtime == "python3.12")
        result = await run_test_key(pilot)
        assert "python:3.12" in result.log


async def test_an_empty_folder_opens_read_only_until_a_file_is_created(tmp_path, home, engine):
    app = LambdaConsoleApp(tmp_path, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        assert screen.code_editor.text_area.read_only
        assert "No module named 'lambda_function'" in screen.bar.handler_problem
        await screen.run_action("new_file")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "lambda_function.py"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.code_editor.current == "lambda_function.py")
        assert not screen.code_editor.text_area.read_only
        replace_editor_text(screen.code_editor.text_area, "def lambda_handler(event, context):\n    return 'new'\n")
        result = await run_test_key(pilot)
        assert result.payload == b'"new"'
        assert screen.bar.handler_problem == ""


async def test_a_flood_of_log_lines_shows_the_tail_with_a_note(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    for i in range(6000):\n        print('line', i)\n    return 1\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot, timeout=30)
        pane = app.main_screen().log_pane
        await wait_for(pilot, lambda: "REPORT RequestId:" in pane.plain_text())
        log = pane.plain_text()
        assert "earlier lines not shown" in log
        assert "line 5999" in log and "REPORT RequestId:" in log
        assert "line 0\n" not in log


async def test_a_huge_response_is_shown_in_part_with_its_size(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    return ['x' * 100] * 5000\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        result = await run_test_key(pilot, timeout=30)
        assert result.succeeded
        shown = app.main_screen().result_pane.plain_text()
        assert "response shown up to 256 KB" in shown


async def test_format_event_json_reindents_and_is_undoable(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        replace_editor_text(screen.event_panel.editor, '{"a":1,"b":[1,2]}')
        await screen.run_action("format_event")
        await pilot.pause()
        assert screen.event_panel.text == '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}\n'
        screen.event_panel.editor.undo()  # the scrollbar goes mid-undo: Textual alone would raise
        assert screen.event_panel.text == '{"a":1,"b":[1,2]}'


async def test_a_print_flood_keeps_the_ui_responsive_caps_the_live_log_and_escape_cancels_quickly(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    while True:\n        print('x' * 99)\n"
    )
    settings, _ = store.load_settings(default_dir)
    store.save_settings(default_dir, store.updated(settings, timeout_s=60))
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.indicator.display and "Running" in str(screen.indicator.render()))
        await wait_for(pilot, lambda: "output continues" in screen.log_pane.log_text, timeout=10)
        assert len(screen.log_pane.log_text) < 300 * 1024  # the live stream stops at 256 KB
        started = time.monotonic()
        await pilot.press("f1")  # keys still get through during the flood
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpModal", timeout=15)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, timeout=15)
        started = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.history and not screen.running, timeout=15)
        # tests/benchmarks/bench_tui_cancel.py measures how fast (against the engine alone); the
        # bound only proves Esc ended the run long before its 60 s timeout, even on a loaded machine.
        assert time.monotonic() - started < 10
        assert app.history[-1].result.cancelled


async def test_a_legacy_python37_failure_fits_the_120x36_screen_with_summary_and_whole_log(home, engine):
    blueprint = next(b for b in store.blueprints() if b.name == "always-failed")
    code_dir = store.create_from_blueprint(blueprint, "failing37")
    settings, _ = store.load_settings(code_dir)
    store.save_settings(code_dir, store.updated(settings, runtime="python3.7"))
    app = LambdaConsoleApp(code_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        result = await run_test_key(pilot)
        assert not result.succeeded
        screen = app.main_screen()
        pane, log = screen.result_pane, screen.log_pane
        await wait_for(
            pilot,
            lambda: f"REPORT RequestId: {result.request_id}" in log.plain_text()
            and "Max memory used" in pane.plain_text()
            and pane.max_scroll_y == 0
            and log.max_scroll_y == 0,
        )
        assert pane.max_scroll_y == 0, "the error object and the Summary must fit without scrolling"
        assert "Max memory used" in pane.plain_text() and '"errorType": "Exception"' in pane.plain_text()
        assert log.max_scroll_y == 0
        shown = log.plain_text().splitlines()
        assert f"END RequestId: {result.request_id}" in shown
        assert f"REPORT RequestId: {result.request_id}" in shown
        assert any(line.startswith("START RequestId:") for line in shown)
        # a wrapped line's continuation is indented, never flush left like a new line
        start = next(i for i, line in enumerate(shown) if line.startswith("START RequestId:"))
        if "Version: $LATEST" not in shown[start]:
            assert shown[start + 1].startswith("  ")


async def test_the_handler_warning_is_shown_whole_on_its_own_line_at_80x24(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen()
        line = screen.query_one("#handler-problem")
        assert not line.display  # no problem, no line
        screen.query_one("#handler").value = "lambda_function.no_such_handler"
        await pilot.pause()
        assert line.display and line.region.height >= 1 and line.region.width >= 70
        message = "Handler 'no_such_handler' missing on module 'lambda_function'"
        shown = " ".join(strip.text for strip in line.render_lines(line.region.reset_offset))
        assert message in " ".join(shown.split())
        assert "runs on host Python" not in str(screen.sub_title)


async def test_config_modal_focuses_the_runtime_select_whose_options_are_plain_runtime_names(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "cfg-runtime"
        select = app.screen.query_one("#cfg-runtime")
        assert all("host Python" not in str(prompt) for prompt, _ in select._options)


async def test_autosave_never_overwrites_a_file_another_editor_changed_and_offers_keep_or_reload(default_dir, engine):
    path = default_dir / "lambda_function.py"
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        editor = screen.code_editor
        area = editor.text_area
        replace_editor_text(area, area.text + "\n# mine\n")
        theirs = "def lambda_handler(event, context):\n    return 'theirs'\n"
        path.write_text(theirs)  # before our autosave fires
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice" and app.screen.query("#theirs"), timeout=10)
        editor.flush()  # what autosave and polling do behind the question
        editor.poll_disk()
        assert path.read_text() == theirs, "the other editor's version must not be overwritten"
        assert "# mine" in area.text
        await press_button(pilot, "#mine")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: "# mine" in path.read_text(), timeout=10)
        aside = list((default_dir / ".lambda-console" / "conflicts").glob("lambda_function.py.disk-*"))
        assert len(aside) == 1 and aside[0].read_text() == theirs
        # and the other way round: reload theirs keeps mine aside
        replace_editor_text(area, area.text + "# mine again\n")
        path.write_text(theirs)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice" and app.screen.query("#theirs"), timeout=10)
        await press_button(pilot, "#theirs")
        await wait_for(pilot, lambda: area.text == theirs, timeout=10)
        mine = list((default_dir / ".lambda-console" / "conflicts").glob("lambda_function.py.mine-*"))
        assert len(mine) == 1 and "# mine again" in mine[0].read_text()
        assert path.read_text() == theirs


async def test_quitting_with_an_unresolved_conflict_keeps_both_versions(default_dir, engine):
    path = default_dir / "lambda_function.py"
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        area = app.main_screen().code_editor.text_area
        replace_editor_text(area, area.text + "\n# mine\n")
        path.write_text("theirs = 1\n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice" and app.screen.query("#theirs"), timeout=10)
        await pilot.press("escape")  # decide later
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert path.read_text() == "theirs = 1\n"
    mine = list((default_dir / ".lambda-console" / "conflicts").glob("lambda_function.py.mine-*"))
    assert len(mine) == 1 and "# mine" in mine[0].read_text()


async def test_sigterm_saves_the_pending_edit_and_exits_cleanly(default_dir, engine):
    import os
    import signal

    before = signal.getsignal(signal.SIGTERM)
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        area = app.main_screen().code_editor.text_area
        replace_editor_text(area, area.text + "\n# typed just before the kill\n")
        os.kill(os.getpid(), signal.SIGTERM)  # the loop's handler takes it, not the default action
        await wait_for(pilot, lambda: app.return_code is not None, timeout=15)
    assert app.return_code == 128 + signal.SIGTERM
    assert "# typed just before the kill" in (default_dir / "lambda_function.py").read_text()
    assert signal.getsignal(signal.SIGTERM) == before  # handed back when the console closed


async def test_screenshot_saves_in_the_current_folder_and_says_where(default_dir, engine, tmp_path, monkeypatch):
    shots = tmp_path / "shots"
    shots.mkdir()
    monkeypatch.chdir(shots)
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))  # no ~/Downloads anywhere
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("screenshot")
        await pilot.pause()
        saved = list(shots.glob("*.svg"))
        assert len(saved) == 1
        assert any(str(saved[0]) in str(n.message) for n in app._notifications)
        app.deliver_screenshot()  # what the palette's Screenshot command calls
        await pilot.pause()
        assert len(list(shots.glob("*.svg"))) >= 1


async def test_ctrl_f_opens_another_function_of_the_workspace(home, engine):
    blueprint = next(b for b in store.blueprints() if b.name == "always-failed")
    store.create_from_blueprint(blueprint, "other-fn")
    app = LambdaConsoleApp(store.default_function_dir(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FunctionPicker" and app.screen.query("#filter"))
        labels = [str(o.prompt) for o in app.screen.query_one("#options").options]
        assert any(label.startswith("hello-world") for label in labels) and "other-fn" in labels
        await pilot.press(*"other")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen() and app.main_screen().function_name == "other-fn")


async def test_a_taken_blueprint_name_offers_to_open_the_existing_function(home, engine):
    app = LambdaConsoleApp(store.default_function_dir(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        blueprint = next(b for b in store.blueprints() if b.name == "always-failed")
        store.create_from_blueprint(blueprint, "always-failed")
        from console.tui.function_flows import name_new_function

        name_new_function(app, blueprint)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "always-failed"
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice" and app.screen.query("#open"))
        await press_button(pilot, "#open")
        await wait_for(pilot, lambda: app.main_screen() and app.main_screen().function_name == "always-failed")


async def test_focus_keys_and_select_all_work_at_80x24(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen()
        await pilot.press("alt+e")
        assert app.focused is screen.event_panel.editor and screen.event_panel.editor.region.height > 0
        await pilot.press("alt+a")
        assert screen.event_panel.editor.selected_text == screen.event_panel.text
        await pilot.press("alt+h")
        assert app.focused.id == "handler"
        await pilot.press("alt+c")
        assert app.focused is screen.code_editor.text_area and screen.code_editor.text_area.region.height > 0
        await pilot.press("alt+a")
        assert screen.code_editor.text_area.selected_text == screen.code_editor.text_area.text


async def test_the_delete_event_dialog_focuses_cancel(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        store.save_event(default_dir, "keepme", '{"a": 1}')
        screen.event_panel.refresh_saved()
        screen.event_panel.mark_saved("keepme")
        await screen.run_action("delete_event")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Confirm" and app.screen.query("#no"))
        await pilot.pause()
        assert app.focused.id == "no"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "keepme" in store.saved_events(default_dir)


async def test_quitting_with_event_retries_pending_warns_and_needs_a_second_ctrl_q(default_dir, engine):
    (default_dir / "lambda_function.py").write_text("def lambda_handler(event, context):\n    raise Exception('again')\n")
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.history, timeout=15)  # attempt 1 failed: a retry waits
        assert app.started_async_queue.pending() >= 1
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code is None, "the first Ctrl+Q only warns"
        assert any("Ctrl+Q again" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.return_code is not None, timeout=15)
    assert app.return_code == 0


async def test_history_rows_stay_one_line_with_long_error_types_at_80x24(default_dir, engine):
    from dataclasses import replace

    from fixed_results import FAILURE

    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        long_error = FAILURE.payload.replace(b'"Exception"', b'"' + b"VeryLongCustomError" * 4 + b'"')
        for _ in range(3):
            app.record("hello-world", "a-rather-long-event-name", "{}", replace(FAILURE, payload=long_error))
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryModal" and app.screen.query("#history-list"))
        await pilot.pause()
        options = app.screen.query_one("#history-list")
        assert options.virtual_size.height == 3


async def test_save_event_suggests_a_valid_name_for_a_template_with_a_space(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        screen.event_panel.use_template("timeout-demo event", '{"a": 1}')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        value = app.screen.query_one("#name").value
        assert value == "timeout-demo-event" and store.valid_event_name(value)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "timeout-demo-event" in store.saved_events(default_dir))


async def test_a_running_test_clears_the_previous_result(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await run_test_key(pilot)
        assert '"value1"' in screen.result_pane.plain_text()
        (default_dir / "lambda_function.py").write_text(
            "import time\n\ndef lambda_handler(event, context):\n    time.sleep(1.5)\n    return 'slow'\n"
        )
        await wait_for(pilot, lambda: "slow" in screen.code_editor.text_area.text, timeout=10)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "running" in screen.result_pane.plain_text(), timeout=30)
        assert '"value1"' not in screen.result_pane.plain_text()
        await wait_for(pilot, lambda: not screen.running, timeout=30)  # a new cold start on a loaded machine
        assert '"slow"' in screen.result_pane.plain_text()


async def test_blueprint_preview_describes_an_inline_event_without_none(home, engine):
    import io

    from rich.console import Console

    app = LambdaConsoleApp(store.default_function_dir(), engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BlueprintPicker" and app.screen.query("#filter"))
        await pilot.press(*"timeout")
        picker = app.screen
        item = await wait_for(pilot, lambda: next((b for b in picker.shown if b.name == "timeout-demo"), None))
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(picker.preview(item))
        shown = console.export_text()
        assert "Handler" in shown and "Event its own" in shown and "Event None" not in shown


async def test_an_event_invocations_log_flood_reaches_the_ui_in_batches(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    for i in range(20000):\n        print('line', i, flush=True)\n    return 1\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f10")
        await wait_for(pilot, lambda: screen.invocation_type == "Event")
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.history, timeout=20)
        assert app.history[-1].result.succeeded
        batches = screen.session.event_log_batches
        assert 0 < batches < 200, f"{batches} UI messages for one invocation's log"
        assert "line 19999" in screen.log_pane.plain_text()


async def test_lines_skipped_while_streaming_are_all_shown_when_the_run_ends(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n"
        "    print('\\n'.join(f'line {i}' for i in range(350)), flush=True)\n    time.sleep(0.5)\n    return 1\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await run_test_key(pilot)
        pane = app.main_screen().log_pane
        await wait_for(pilot, lambda: "REPORT RequestId:" in pane.plain_text())
        log = pane.plain_text()
        assert "skipped while streaming" not in log
        assert "line 0\n" in log + "\n" and "line 349" in log


async def test_an_edit_to_an_imported_module_runs_at_once_in_a_folder_of_thousands_of_files(default_dir, engine):
    # Thousands of files make the engine's folder scan slow enough to be cached between runs:
    # only the editor telling the invoker makes the next run see the edit.
    for i in range(3000):
        sub = default_dir / "vendor" / f"pkg{i % 20}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"mod{i}.py").write_text(f"N = {i}\n")
    (default_dir / "helpers.py").write_text("def word():\n    return 'one'\n")
    (default_dir / "lambda_function.py").write_text(
        "import helpers\n\ndef lambda_handler(event, context):\n    return helpers.word()\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        assert (await run_test_key(pilot)).payload == b'"one"'
        assert (await run_test_key(pilot)).payload == b'"one"'  # warm: the folder was scanned just now
        screen.code_editor.open_file("helpers.py")
        replace_editor_text(screen.code_editor.text_area, "def word():\n    return 'two'\n")
        assert (await run_test_key(pilot)).payload == b'"two"'


async def test_tui_request_response_and_event_invocations_show_in_lambda_console_metrics(default_dir, engine, capsys):
    from console.cli import main

    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await run_test_key(pilot)
        await pilot.press("f10")
        await wait_for(pilot, lambda: screen.invocation_type == "Event")
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.history) == 2, timeout=20)  # the Event's attempt ran
        await pilot.press("ctrl+q")
    capsys.readouterr()
    assert main(["metrics", "--json", str(default_dir)]) == 0
    export = json.loads(capsys.readouterr().out)
    totals = export["functions"]["hello-world"]["totals"]
    assert totals["Invocations"] == 2, totals  # the test and the Event invocation's attempt
    assert totals["AsyncEventsReceived"] == 1, totals


async def test_the_handler_warning_is_what_f5_answers(default_dir, engine):
    (default_dir / "lambda_function.py").write_text(
        "TAKEN_USERNAMES = {'admin'}\n\ndef create_account(event, context):\n    return 'ok'\n"
    )
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        handler = screen.query_one("#handler")
        for typed in ("", "lambda function.create_account", ".create_account", "lambda_function.TAKEN_USERNAMES"):
            handler.value = typed
            await wait_for(pilot, lambda: store.load_settings(default_dir)[0].handler == typed)
            warning = " ".join(screen.bar.handler_problem.split())
            assert warning.startswith("⚠ "), (typed, warning)
            before = len(app.history)
            await pilot.press("f5")
            await wait_for(pilot, lambda: not screen.running and ("not run" in screen.result_pane.plain_text() or len(app.history) > before))
            if len(app.history) > before:  # it ran: the runtime's error is the warning's
                error = json.loads(app.history[-1].result.payload)
                assert f"{error['errorMessage']} ({error['errorType']})" in warning, (typed, warning, error)
            else:  # not run: the same words in the Result pane
                shown = " ".join(screen.result_pane.plain_text().split())
                assert warning.removeprefix("⚠ ").removesuffix(" (the test will not run)") in shown, (typed, warning, shown)
        handler.value = "lambda_function.create_account"
        await wait_for(pilot, lambda: screen.bar.handler_problem == "")


async def test_a_background_event_attempt_never_replaces_a_newer_result(default_dir, engine):
    from fixed_results import FAILURE

    from console.service.async_queue import AsyncUpdate
    from console.tui.messages import AsyncEventUpdate

    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        await pilot.press("f10")
        await wait_for(pilot, lambda: screen.invocation_type == "Event")
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.history) == 1, timeout=20)
        old = screen.session.latest
        await pilot.press("f10", "f10")  # DryRun, then RequestResponse
        await wait_for(pilot, lambda: screen.invocation_type == "RequestResponse")
        newer = await run_test_key(pilot)
        # A retry of the old Event invocation arrives a minute later:
        screen.post_message(AsyncEventUpdate(AsyncUpdate("attempt", "hello-world", old, 2, result=FAILURE)))
        await wait_for(pilot, lambda: len(app.history) == 3)
        assert app.history[-1].result is FAILURE  # kept in the history
        shown = screen.result_pane.plain_text()
        assert "succeeded" in shown and newer.request_id[:8] in shown and "attempt 2" not in shown
        assert newer.request_id in screen.log_pane.plain_text()
        assert any("attempt 2 failed" in str(n.message) for n in app._notifications)


async def test_a_test_that_does_not_run_or_a_dry_run_says_so_in_the_log_pane(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        first = await run_test_key(pilot)
        assert first.request_id in screen.log_pane.plain_text()
        replace_editor_text(screen.event_panel.editor, '{"key1": ')
        await pilot.press("f5")
        await wait_for(pilot, lambda: "did not run" in screen.log_pane.plain_text())
        assert first.request_id not in screen.log_pane.plain_text()
        replace_editor_text(screen.event_panel.editor, "{}")
        await pilot.press("f10", "f10")
        await wait_for(pilot, lambda: screen.invocation_type == "DryRun")
        await pilot.press("f5")
        await wait_for(pilot, lambda: "DryRun: nothing ran" in screen.log_pane.plain_text())


async def test_results_name_their_test_event_and_reopening_shows_the_last_event_used(default_dir, engine):
    store.save_event(default_dir, "MyEvent", '{"key1": "saved", "key2": "b", "key3": "c"}')
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        screen.query_one("#saved-events").value = "MyEvent"
        await wait_for(pilot, lambda: screen.event_panel.saved_name == "MyEvent")
        await run_test_key(pilot)
        assert "event MyEvent" in screen.result_pane.plain_text().splitlines()[0]
    again = LambdaConsoleApp(default_dir, engine=engine)
    async with again.run_test(size=SIZE) as pilot:
        panel = again.main_screen().event_panel
        await wait_for(pilot, lambda: panel.saved_name == "MyEvent")
        assert '"saved"' in panel.text
        replace_editor_text(panel.editor, '{"key1": "draft", "key2": "b", "key3": "c"}')
        screen = again.main_screen()
        screen.query_one("#saved-events").clear()
        await wait_for(pilot, lambda: panel.saved_name is None)
        replace_editor_text(panel.editor, '{"key1": "draft", "key2": "b", "key3": "c"}')
        assert (await run_test_key(pilot)).payload == b'"draft"'
    third = LambdaConsoleApp(default_dir, engine=engine)
    async with third.run_test(size=SIZE) as pilot:
        panel = third.main_screen().event_panel
        await wait_for(pilot, lambda: '"draft"' in panel.text)
        assert panel.saved_name is None


async def test_moving_around_never_edits_code_esc_leaves_the_editor_and_undo_reaches_across_autosaves(default_dir, engine):
    path = default_dir / "lambda_function.py"
    original = path.read_text()
    (default_dir / "utils.py").write_text("X = 1\n")
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        area = screen.code_editor.text_area
        assert app.focused is not area  # focus does not start in the code
        for key in ("tab", "enter", "shift+tab", "enter", "tab", "tab"):
            await pilot.press(key)
            if app.focused is area:
                break
        assert area.text == original
        await pilot.press("alt+c")
        assert app.focused is area
        assert any(b.binding.description == "Leave" for b in app.active_bindings.values() if b.binding.show)
        await pilot.press("escape")
        assert app.focused is not area and area.text == original
        await pilot.press("alt+c", "ctrl+end", *"#added")
        assert area.text.endswith("#added")
        await wait_for(pilot, lambda: "#added" in path.read_text(), timeout=10)  # autosaved
        screen.code_editor.open_file("utils.py")
        screen.code_editor.open_file("lambda_function.py")
        await pilot.press("alt+c")
        for _ in range(10):  # one undo step per typing burst, whatever Textual's grouping
            if "#" not in area.text[len(original) - 1 :]:
                break
            await pilot.press("ctrl+z")
        assert area.text == original
        await wait_for(pilot, lambda: path.read_text() == original, timeout=10)


async def test_editing_gives_the_editor_the_room_results_take_it_back_and_alt_z_zooms_a_pane(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        code, result = screen.code_editor, screen.result_pane
        await pilot.press("alt+c")
        await wait_for(pilot, lambda: code.region.height > result.region.height)
        await run_test_key(pilot)
        await wait_for(pilot, lambda: result.region.height > code.region.height)
        await pilot.press("alt+c", "alt+z")
        await wait_for(pilot, lambda: screen.maximized is code and code.region.height >= SIZE[1] - 2)
        await pilot.press("alt+z")
        await wait_for(pilot, lambda: screen.maximized is None and result.region.height > 0)


async def test_the_code_editor_auto_indents_finds_goes_to_a_line_and_marks_a_syntax_error(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        area = screen.code_editor.text_area
        await pilot.press("alt+c", "ctrl+end", *"def", "space", *"helper():", "enter")
        assert area.document.get_line(area.cursor_location[0]) == "    "  # one level in, after ':'
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and area.cursor_location == (2, 0))
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "key3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and area.selected_text == "key3")
        await pilot.press("ctrl+end", *"x", "space", *"=", "space", *"(")  # never closed
        lines = area.document.line_count
        await wait_for(pilot, lambda: area.error_line is not None, timeout=10)  # checked at autosave
        assert area.error_line == lines - 1 and f"line {lines}" in str(screen.code_editor.border_title)


async def test_a_screenshot_taken_in_a_function_folder_is_saved_outside_it_without_earlier_toasts(default_dir, home, engine, monkeypatch):
    monkeypatch.chdir(default_dir)
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await app.run_action("screenshot")
        await wait_for(pilot, lambda: list((home / "screenshots").glob("*.svg")))
        assert not list(default_dir.rglob("*.svg"))  # the function's code is unchanged
        # "Saved screenshot to ..." is on screen
        await wait_for(pilot, lambda: any(t.region.area for t in app.screen.query("Toast")) and "Saved" in app.export_screenshot())
        await app.run_action("screenshot('second.svg')")
        second = await wait_for(pilot, lambda: next((home / "screenshots").glob("second.svg"), None))
        assert "Saved" not in second.read_text()


async def test_at_80x24_dialogs_fit_alt_a_selects_arrows_move_between_buttons_and_the_footer_keeps_its_keys(default_dir, engine):
    from textual.widgets._footer import FooterKey

    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen()

        def footer() -> set[str]:
            return {k.description for k in screen.query(FooterKey) if k.region.area and k.region.right <= 80}

        await wait_for(pilot, lambda: {"Test", "Config", "Help", "Quit"} <= footer())
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal" and app.screen.query("#save"))
        dialog = app.screen
        for button in ("#save", "#cancel"):
            await wait_for(pilot, lambda: dialog.query_one(button).region.area > 0)
            assert dialog.query_one(button).region.bottom <= 24
        timeout = dialog.query_one("#cfg-timeout")
        timeout.focus()
        await pilot.press("alt+a")
        assert timeout.value == "3" and timeout.selected_text == "3"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        from console.tui.screens.prompt import Choice

        answers: list = []
        app.push_screen(Choice("Q", "Which?", [("mine", "Keep mine"), ("theirs", "Reload theirs")]), answers.append)
        await wait_for(pilot, lambda: isinstance(app.screen, Choice) and app.focused is not None and app.focused.id == "mine")
        await pilot.press("right")
        assert app.focused.id == "theirs"
        await pilot.press("enter")
        await wait_for(pilot, lambda: answers == ["theirs"])


async def test_a_history_row_cut_to_one_line_is_shown_whole_below_when_highlighted(default_dir, engine):
    from dataclasses import replace

    from fixed_results import FAILURE

    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        long_type = "VeryLongCustomError" * 3
        app.record("hello-world", "a-rather-long-event-name", "{}", replace(FAILURE, payload=FAILURE.payload.replace(b'"Exception"', f'"{long_type}"'.encode())))
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryModal" and app.screen.query("#history-detail"))
        detail = app.screen.query_one("#history-detail")
        await wait_for(pilot, lambda: long_type in str(detail.render()) and "a-rather-long-event-name" in str(detail.render()))


async def test_files_in_sub_folders_can_be_created_and_opened_and_a_new_folder_gets_its_handler_guessed(tmp_path, home, engine):
    folder = tmp_path / "my-fn"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "util.py").write_text("def word():\n    return 'from pkg'\n")
    (folder / "app.py").write_text("from pkg import util\nfrom lib import helpers\n\ndef handler(event, context):\n    return util.word() + ' ' + helpers.WORD\n")
    app = LambdaConsoleApp(folder, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        assert screen.query_one("#handler").value == "app.handler"  # guessed from the files
        await screen.run_action("new_file")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "lib/helpers.py"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.code_editor.current == "lib/helpers.py")
        replace_editor_text(screen.code_editor.text_area, "WORD = 'and lib'\n")
        await screen.run_action("open_file")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NamePrompt" and app.screen.query("#name") and app.screen.query_one("#name").has_focus)
        app.screen.query_one("#name").value = "pkg/util.py"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.code_editor.current == "pkg/util.py")
        replace_editor_text(screen.code_editor.text_area, "def word():\n    return 'edited pkg'\n")
        result = await run_test_key(pilot)
        assert result.payload == b'"edited pkg and lib"'


async def test_the_file_tree_shows_sub_folders_opens_their_files_and_a_file_can_be_deleted(tmp_path, home, engine):
    folder = tmp_path / "tree-fn"
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "helpers.py").write_text("WORD = 'lib'\n")
    (folder / "lambda_function.py").write_text("from lib import helpers\n\ndef lambda_handler(event, context):\n    return helpers.WORD\n")
    (folder / "scratch.py").write_text("X = 1\n")
    app = LambdaConsoleApp(folder, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen()
        editor = screen.code_editor
        await pilot.press("alt+f")
        tree = editor.tree
        await wait_for(pilot, lambda: tree.display and app.focused is tree and len(tree.root.children) >= 3)
        labels = [str(node.label) for node in tree.root.children]
        assert labels[0] == "lib" and "lambda_function.py" in labels and not any(l.startswith(".") for l in labels)
        await pilot.press("down", "enter")  # expand lib
        await wait_for(pilot, lambda: tree.root.children[0].children)
        await pilot.press("down", "enter")  # lib/helpers.py
        await wait_for(pilot, lambda: editor.current == "lib/helpers.py" and app.focused is editor.text_area)
        assert editor.text_area.text == "WORD = 'lib'\n"
        editor.open_file("scratch.py")
        await screen.run_action("delete_file")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Confirm" and app.screen.query("#yes"))
        await press_button(pilot, "#yes")
        await wait_for(pilot, lambda: not (folder / "scratch.py").exists() and editor.current != "scratch.py")
        assert "scratch.py" not in editor.model.buffers
        assert (await run_test_key(pilot)).payload == b'"lib"'
