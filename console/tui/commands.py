"""Command palette provider: every console action, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, screen action); the palette runs the action on the main screen.
ACTIONS: list[tuple[str, str, str]] = [
    ("Test", "Run the test event (F5 / Ctrl+R)", "test"),
    ("Cancel test", "Stop the running test (Esc)", "cancel"),
    ("New environment", "Force a cold start on the next test (F4 / Ctrl+N)", "new_environment"),
    ("Configuration", "Timeout, memory, runtime, environment variables (F2 / Ctrl+O)", "config"),
    ("History", "This session's invocations (F3)", "history"),
    ("Event templates", "Load a sample event into the editor (Ctrl+T)", "pick_template"),
    ("Save test event", "Save the event in the editor (Ctrl+S)", "save_event"),
    ("Format test event JSON", "Re-indent the event in the editor (2 spaces)", "format_event"),
    ("Rename test event", "Rename the selected saved event", "rename_event"),
    ("Delete test event", "Delete the selected saved event", "delete_event"),
    ("New function from blueprint", "Create a function from a blueprint (Ctrl+B)", "app.blueprints"),
    ("Open function", "Open another function of the workspace (Ctrl+F)", "app.open_function"),
    ("Focus code editor", "Put the cursor in the code (Alt+C)", "focus_code"),
    ("Focus test event editor", "Put the cursor in the test event JSON (Alt+E)", "focus_event"),
    ("Focus handler", "Edit the handler string (Alt+H)", "focus_handler"),
    ("Select all", "Select the whole text of the focused editor (Alt+A)", "app.select_all"),
    ("Zoom pane", "Maximise the pane with the focus, and back (Alt+Z)", "zoom"),
    ("New file", "Add a file to the function's code (lib/helpers.py makes the folder too)", "new_file"),
    ("Open file", "Open a file of the function, in a sub-folder too (lib/helpers.py)", "open_file"),
    ("Rename file", "Rename (or move, lib/x.py) the file in the editor", "rename_file"),
    ("Delete file", "Delete the file in the editor from the function", "delete_file"),
    ("Files", "Show or hide the function's file tree, sub-folders too (Alt+F)", "toggle_files"),
    ("Resolve file changed on disk", "Keep mine or reload theirs when another editor changed a file", "resolve_conflict"),
    ("Toggle run on save", "Re-run the test whenever the code changes (F8)", "toggle_run_on_save"),
    ("Switch Code / Test event", "Which pane shows on a narrow terminal (F6)", "switch_top"),
    ("Switch Result / Log output", "Which pane shows on a narrow terminal (F7)", "switch_bottom"),
    ("Cycle invocation type", "RequestResponse → Event → DryRun for the Test key (F10)", "cycle_invocation_type"),
    ("Tests", "Saved events against their expected answers: run one or all (Alt+T)", "app.tests"),
    ("Save as expected", "Keep the result shown as its saved event's expected answer (Alt+S)", "app.save_expected"),
    ("Monitor", "Metrics and the async event queue (F12)", "monitor"),
    ("Step Functions", "Run a state machine over local functions (F9)", "step_functions"),
    ("Event sources", "SQS, Kinesis or DynamoDB Streams: batches, retries, DLQ (F11)", "app.event_sources"),
    ("Key bindings", "Show every key (F1)", "help"),
]


class LambdaCommands(Provider):
    """The main screen's actions for Ctrl+P."""

    def _target(self):
        from .screens.main import MainScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    async def discover(self) -> Hits:
        target = self._target()
        if target is None:
            return
        for title, help_text, action in ACTIONS:
            yield DiscoveryHit(title, partial(target.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        target = self._target()
        if target is None:
            return
        matcher = self.matcher(query)
        for title, help_text, action in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(target.run_action, action), help=help_text)
