"""The Config dialog sets the execution environment's layers and /tmp size, and runs use them."""

from __future__ import annotations

from tui_helpers import press_button, wait_for

from console.tui import store
from console.tui.app import LambdaConsoleApp

SIZE = (120, 36)


async def test_config_modal_saves_layers_and_ephemeral_storage_used_by_the_next_run(default_dir, engine, tmp_path):
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "greeting.py").write_text("TEXT = 'from a layer'\n")
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal" and app.screen.query("#save"))
        modal = app.screen
        modal.query_one("#cfg-ephemeral").value = "1024"
        modal.query_one("#cfg-layers").text = f"{layer}\n"
        await press_button(pilot, "#save")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
    settings, warning = store.load_settings(default_dir)
    assert warning is None
    assert (settings.ephemeral_storage_mb, settings.layers) == (1024, [str(layer)])
    config = store.to_config(default_dir, settings)
    assert config.layers == (str(layer),) and config.ephemeral_storage_mb == 1024
    (default_dir / "uses_layer.py").write_text(
        "import greeting\ndef handler(event, context):\n    return greeting.TEXT\n"
    )
    from dataclasses import replace

    result = engine.invoke(replace(config, handler="uses_layer.handler"), b"{}")
    assert result.payload == b'"from a layer"'


async def test_config_modal_refuses_ephemeral_storage_lambda_would_refuse(default_dir, engine):
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfigModal" and app.screen.query("#save"))
        app.screen.query_one("#cfg-ephemeral").value = "100"
        await press_button(pilot, "#save")
        await wait_for(pilot, lambda: "Ephemeral storage must be between 512 and 10240" in str(
            app.screen.query_one("#config-problem").render()))


async def test_the_function_bar_says_when_another_python_stands_in(default_dir, engine, monkeypatch):
    from console.engine import interpreters

    host = interpreters.host_interpreter()
    monkeypatch.setenv(interpreters.env_var("python3.14"), host.path)  # 3.14 runs on the host's
    app = LambdaConsoleApp(default_dir, engine=engine)
    async with app.run_test(size=(160, 48)) as pilot:
        bar = app.main_screen().query_one("#stand-in")
        await wait_for(pilot, lambda: bar.display and f"runs on Python {host.version}" in str(bar.render()))
        # A runtime with its own Python says nothing there.
        own = "python%d.%d" % host.minor
        app.main_screen().query_one("#function-bar").set_settings(store.updated(store.load_settings(default_dir)[0], runtime=own))
        await wait_for(pilot, lambda: not bar.display)
