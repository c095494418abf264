"""Frameworks are data: controls of a benchmark or guideline, mapped to rule codes.

`frameworks/<name>.yaml` holds `id`, `title`, `source` and `controls`, each control an `id`,
a `title`, its `rules`, and either `manual: true` (a person must judge) or `status: planned`
(kubeward's checks for it are not built yet). `evaluate` turns a scan report into a status per
control, with the evidence.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kubeward.findings import Finding, Note, Verdict
from kubeward.scan import Report


class ControlStatus(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    MANUAL = "manual"
    NOT_EVALUATED = "not evaluated"
    NOT_APPLICABLE = "not applicable"  # its rules ran but found nothing to look at
    NOT_BUILT = "not built"  # kubeward has no checks for it yet


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    rules: tuple[str, ...]
    manual: bool = False
    planned: bool = False


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    source: str
    controls: tuple[Control, ...]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(code for c in self.controls for code in c.rules))


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: ControlStatus
    evidence: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())


@cache
def available() -> dict[str, Framework]:
    """Every packaged framework, by id."""
    out: dict[str, Framework] = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".yaml"):
            fw = _parse(yaml.safe_load(entry.read_text(encoding="utf-8")))
            out[fw.id] = fw
    return dict(sorted(out.items()))


def _parse(data: Mapping[str, Any]) -> Framework:
    controls = tuple(
        Control(
            id=str(c["id"]),
            title=str(c.get("title", "")),
            rules=tuple(str(r) for r in c.get("rules") or ()),
            manual=bool(c.get("manual", False)),
            planned=c.get("status") == "planned",
        )
        for c in data["controls"]
    )
    return Framework(str(data["id"]), str(data["title"]), str(data.get("source", "")), controls)


def evaluate(framework: Framework, report: Report) -> list[ControlResult]:
    findings: dict[str, list[Finding]] = {}
    for f in report.findings:
        findings.setdefault(f.rule, []).append(f)
    notes: dict[str, list[Note]] = {}
    for n in report.notes:
        notes.setdefault(n.rule, []).append(n)
    out = []
    for control in framework.controls:
        out.append(_control(control, report, findings, notes))
    return out


def _control(
    control: Control,
    report: Report,
    findings: dict[str, list[Finding]],
    notes: dict[str, list[Note]],
) -> ControlResult:
    if not control.rules:
        if control.manual or not control.planned:
            return ControlResult(control, ControlStatus.MANUAL, ("a person must assess this",))
        return ControlResult(control, ControlStatus.NOT_BUILT, ("kubeward has no check yet",))
    ran = [code for code in control.rules if code in report.tallies]
    if not ran:
        return ControlResult(
            control, ControlStatus.NOT_EVALUATED, ("its rules were not selected in this scan",)
        )
    failed = [f for code in ran for f in findings.get(code, ())]
    if failed:
        evidence = tuple(f"{f.rule} {f.obj.display}: {f.message}" for f in failed)
        return ControlResult(control, ControlStatus.FAIL, evidence, tuple(failed))
    noted = [n for code in ran for n in notes.get(code, ())]
    for verdict, status in (
        (Verdict.NOT_EVALUATED, ControlStatus.NOT_EVALUATED),
        (Verdict.MANUAL, ControlStatus.MANUAL),
    ):
        hits = [n for n in noted if n.verdict is verdict]
        if hits:
            return ControlResult(
                control, status, tuple(f"{n.rule} {n.obj.display}: {n.message}" for n in hits)
            )
    checked = sum(report.tallies[code].passed + report.tallies[code].skipped for code in ran)
    if checked == 0:
        return ControlResult(
            control, ControlStatus.NOT_APPLICABLE, ("nothing in the input for its rules",)
        )
    skipped = sum(report.tallies[code].skipped for code in ran)
    summary = f"{checked} subject(s) checked by {', '.join(ran)}"
    if skipped:
        summary += f"; {skipped} with suppressed findings"
    return ControlResult(control, ControlStatus.PASS, (summary,))
