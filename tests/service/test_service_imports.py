"""The service package stays headless: importing it (and the serve command) never loads a UI library."""

from __future__ import annotations

import subprocess
import sys


def test_the_service_modules_and_serve_command_import_no_ui_or_boto3():
    code = (
        "import console.service.invocation_types, console.service.async_queue, console.service.metrics,"
        " console.service.server, console.service.remote, console.cli.serve\n"
        "import sys\nprint('\\n'.join(sys.modules))"
    )
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "pygments", "boto3", "botocore")}
