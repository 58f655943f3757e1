"""JUnit XML for CI systems: one testsuite per function, one testcase per saved event."""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from console import workspace

from .runner import ERROR, FAIL, PASS, RunReport

# Characters XML 1.0 cannot hold at all (a function may print anything): shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def to_xml(report: RunReport, name: str = "lambda-console test") -> ET.Element:
    root = ET.Element(
        "testsuites",
        name=name,
        tests=str(len(report.cases)),
        failures=str(report.count(FAIL)),
        errors=str(report.count(ERROR)),
        time=f"{report.seconds:.3f}",
    )
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    host = socket.gethostname()
    for suite in report.suites:
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite.function.name,
            tests=str(len(suite.cases)),
            failures=str(suite.count(FAIL)),
            errors=str(suite.count(ERROR)),
            skipped="0",
            time=f"{suite.seconds:.3f}",
            timestamp=stamp,
            hostname=host,
        )
        ET.SubElement(ET.SubElement(element, "properties"), "property", name="functionDir", value=str(suite.function.dir))
        for case in suite.cases:
            # No `file` attribute: Jenkins' junit-10.xsd (what pytest's xunit2 follows) has none.
            testcase = ET.SubElement(
                element, "testcase", name=case.event, classname=suite.function.name, time=f"{case.wall_ms / 1000:.3f}"
            )
            if case.outcome == FAIL:
                body = case.diff
                failure = ET.SubElement(testcase, "failure", message=_clean(body), type=case.message)
                failure.text = _clean(body)
            elif case.outcome == ERROR:
                error = ET.SubElement(testcase, "error", message=_clean(case.message), type="error")
                error.text = _clean(case.message)
            if case.result is not None and case.outcome != PASS:
                ET.SubElement(testcase, "system-out").text = _clean(case.result.log)
    return root


def write(report: RunReport, path: Path | str) -> Path:
    """Write the report's JUnit XML to `path` (folders created), atomically."""
    tree = ET.ElementTree(to_xml(report))
    ET.indent(tree)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree.getroot(), encoding="unicode") + "\n"
    return workspace.atomic_write_text(Path(path), text)
