"""JUnit XML report: one test suite per rule, one failing test case per finding.

Suppressed findings are skipped test cases (with the reason); subjects on which a rule passed
are one passing test case per rule; input errors form their own suite of erroring cases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from kubeward.findings import Finding, Note
from kubeward.scan import Report

# Characters XML 1.0 cannot carry at all (not even as references): control characters, lone
# surrogates, U+FFFE/U+FFFF. Input text carrying them is written as escapes instead.
_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def _case_name(f: Finding) -> str:
    name = f.obj.display
    if f.container:
        name += f" [{f.container}]"
    return name


def _where(f: Finding) -> str:
    loc = f.obj.file if f.line is None else f"{f.obj.file}:{f.line}"
    return f"{loc} {f.path_text}"


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="kubeward")
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)
    skipped: dict[str, list[tuple[Finding, str]]] = defaultdict(list)
    for s in report.suppressed:
        skipped[s.finding.rule].append((s.finding, f"{s.source}: {s.reason}"))
    notes: dict[str, list[Note]] = defaultdict(list)
    for n in report.notes:  # manual and not-evaluated checks: skipped, with the evidence
        notes[n.rule].append(n)
    total = failures = skips = 0
    for rule in sorted(report.rules, key=lambda r: r.code):
        tally = report.tallies.get(rule.code)
        passed = tally.passed if tally else 0
        fails = by_rule.get(rule.code, [])
        skips_here = skipped.get(rule.code, [])
        notes_here = notes.get(rule.code, [])
        tests = len(fails) + len(skips_here) + len(notes_here) + (1 if passed else 0)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{rule.code} {rule.slug}",
            tests=str(tests),
            failures=str(len(fails)),
            errors="0",
            skipped=str(len(skips_here) + len(notes_here)),
        )
        for f in fails:
            case = ET.SubElement(
                suite, "testcase", classname=rule.code, name=_case_name(f), file=f.obj.file
            )
            if f.line is not None:
                case.set("line", str(f.line))
            fail = ET.SubElement(case, "failure", message=f.message, type=f.severity.label)
            fail.text = f"{_where(f)}\n{rule.title}"
        for f, why in skips_here:
            case = ET.SubElement(
                suite, "testcase", classname=rule.code, name=_case_name(f), file=f.obj.file
            )
            ET.SubElement(case, "skipped", message=why)
        for n in notes_here:
            case = ET.SubElement(
                suite, "testcase", classname=rule.code, name=n.obj.display, file=n.obj.file
            )
            ET.SubElement(case, "skipped", message=f"{n.verdict.value}: {n.message}")
        if passed:
            ET.SubElement(
                suite,
                "testcase",
                classname=rule.code,
                name=f"passed on {passed} subject{'s' if passed != 1 else ''}",
            )
        total += tests
        failures += len(fails)
        skips += len(skips_here) + len(notes_here)
    if report.errors:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="input",
            tests=str(len(report.errors)),
            failures="0",
            errors=str(len(report.failed_inputs)),
            skipped="0",
        )
        for e in report.errors:
            case = ET.SubElement(suite, "testcase", classname="input", name=e.file)
            tag = "system-out" if e.warning else "error"
            el = ET.SubElement(case, tag)
            if not e.warning:
                el.set("message", e.message)
            el.text = e.one_line()
        total += len(report.errors)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(len(report.failed_inputs)))
    root.set("skipped", str(skips))
    for el in root.iter():
        if el.text:
            el.text = _xml_text(el.text)
        for key, value in list(el.attrib.items()):
            el.set(key, _xml_text(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
