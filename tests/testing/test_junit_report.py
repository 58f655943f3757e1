"""--junit: the XML CI systems read, parsed and checked (suites per function, cases per event, failures)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from console import workspace
from console.cli import main


def test_junit_has_one_suite_per_function_one_case_per_event_and_the_diff_in_failures(
    tmp_path, make_function, capsys
):
    project = tmp_path / "project"
    project.mkdir()
    alpha = make_function("alpha", parent=project)
    beta = make_function("beta", parent=project, events={"basic": {"key1": "a"}, "noisy": {"key1": "\x1b[2J\x00"}})
    assert main(["test", str(project), "--update"]) == 0
    (alpha / ".lambda-console/events/basic.json").write_text('{"key1": "changed"}')
    workspace.write_expectation(beta, "noisy", "{oops")
    report = tmp_path / "reports" / "junit.xml"
    assert main(["test", str(project), "--junit", str(report)]) == 1
    capsys.readouterr()

    root = ET.parse(report).getroot()  # well-formed despite the control characters printed
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["alpha", "beta"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases)) and float(suite.get("time")) >= 0
        assert all(c.get("classname") == suite.get("name") and float(c.get("time")) >= 0 for c in cases)
    alpha_cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert set(alpha_cases) == {"basic", "err"}
    failure = alpha_cases["basic"].find("failure")
    assert failure is not None and suites[0].get("failures") == "1"
    assert '-   "body": "a",' in failure.get("message") and '+   "body": "changed",' in failure.get("message")
    assert failure.text == failure.get("message")
    assert "got changed" in alpha_cases["basic"].find("system-out").text
    assert list(alpha_cases["err"]) == []  # a pass has no children
    # the structure of Jenkins' junit-10.xsd: attributes it knows, children in its order
    suite_attrs = {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"}
    case_attrs = {"name", "classname", "time"}
    order = {"properties": 0, "testcase": 1, "system-out": 2, "system-err": 3}
    for suite in suites:
        assert set(suite.attrib) <= suite_attrs and {"name", "tests"} <= set(suite.attrib)
        assert [order[c.tag] for c in suite] == sorted(order[c.tag] for c in suite)
        for case in suite.findall("testcase"):
            assert set(case.attrib) == case_attrs
            assert [c.tag for c in case] in ([], ["failure", "system-out"], ["error"], ["error", "system-out"])
            for verdict in case.findall("failure") + case.findall("error"):
                assert set(verdict.attrib) == {"message", "type"}
    beta_cases = {c.get("name"): c for c in suites[1].findall("testcase")}
    error = beta_cases["noisy"].find("error")
    assert error is not None and "noisy.json, line 1: not valid JSON" in error.get("message")
    assert suites[1].get("errors") == "1" and suites[1].get("failures") == "0"


def test_control_characters_a_function_prints_do_not_break_the_xml(make_function, tmp_path, capsys):
    fn = make_function(events={"noisy": {"key1": "\x1b[31m\x00\x07"}})
    workspace.write_expectation(fn, "noisy", '{"status": "Succeeded", "payload": 1}')
    report = tmp_path / "j.xml"
    assert main(["test", str(fn), "--junit", str(report)]) == 1
    capsys.readouterr()
    case = ET.parse(report).getroot().find("testsuite/testcase")
    assert "\ufffd[31m" in case.find("system-out").text
