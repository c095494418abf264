"""Human report: findings grouped by file and object, coloured by severity, then a summary."""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from kubeward.findings import Finding, Severity
from kubeward.scan import Report

if TYPE_CHECKING:
    from kubeward.frameworks import ControlResult, Framework

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

# Characters a terminal acts on (escape sequences, carriage returns, bidi overrides): input text
# carrying them could rewrite or hide report lines, so they are shown as escapes instead.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """Text from the input made safe for a terminal: control characters become escapes."""
    return _UNSAFE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(), text
    )


def _finding_lines(f: Finding, suppressed_why: str | None = None) -> list[Text]:
    line = Text("  ")
    line.append(f"{f.line or '-':>5}  ", style="dim")
    line.append(f"{f.severity.label.upper():<8}", style=STYLE[f.severity])
    line.append(f" {f.rule:<7} ", style="bold")
    line.append(printable(f.message))
    detail = Text(" " * 26)
    detail.append(printable(f.path_text), style="dim")
    if suppressed_why is not None:
        detail.append(f"  suppressed: {printable(suppressed_why)}", style="dim italic")
    return [line, detail]


def render(report: Report, console: Console, *, show_suppressed: bool = False) -> None:
    items: list[tuple[Finding, str | None]] = [(f, None) for f in report.findings]
    if show_suppressed:
        items += [(s.finding, f"{s.source}: {s.reason}") for s in report.suppressed]
    items.sort(key=lambda it: it[0].sort_key())

    def by_object(it: tuple[Finding, str | None]) -> tuple[str, int, str]:
        o = it[0].obj
        return (o.file, o.line or 0, o.display)

    for (file, _, _), group in groupby(sorted(items, key=by_object), key=by_object):
        entries = sorted(group, key=lambda it: it[0].sort_key())
        obj = entries[0][0].obj
        head = Text()
        head.append(printable(file), style="bold")
        if obj.line:
            head.append(f":{obj.line}", style="bold")
        head.append(f"  {printable(obj.display)}", style="bold magenta")
        console.print(head)
        for f, why in entries:
            for t in _finding_lines(f, why):
                console.print(t, soft_wrap=True)
        console.print()
    if report.notes:
        console.print(
            Text("Checks a person must judge, or that could not be evaluated here", style="bold")
        )
        for n in sorted(report.notes, key=lambda n: (n.obj.file, n.line or 0, n.rule)):
            line = Text("  ")
            line.append(f"{n.verdict.value.upper():<14}", style="magenta")
            line.append(f" {n.rule:<8} ", style="bold")
            line.append(printable(f"{n.obj.display}: {n.message}"))
            console.print(line, soft_wrap=True)
        console.print()
    console.print(summary(report, show_suppressed=show_suppressed))


def summary(report: Report, *, show_suppressed: bool = False) -> Text:
    counts = Counter(f.severity for f in report.findings)
    st = report.stats
    out = Text()
    n = len(report.findings)
    out.append(f"{n} finding{'s' if n != 1 else ''}", style="bold")
    parts = [(s, counts[s]) for s in sorted(Severity, reverse=True) if counts[s]]
    if parts:
        out.append(" (")
        for i, (sev, count) in enumerate(parts):
            if i:
                out.append(", ")
            out.append(f"{count} {sev.label}", style=STYLE[sev])
        out.append(")")
    if report.cluster is not None:
        c = report.cluster
        context = f" (context {c.get('context')})" if c.get("context") else ""
        out.append(
            f" in {st.objects} object{'s' if st.objects != 1 else ''} from cluster "
            f"{printable(str(c.get('name')))}{printable(context)}"
        )
    else:
        out.append(
            f" in {st.objects} object{'s' if st.objects != 1 else ''} from "
            f"{st.files} file{'s' if st.files != 1 else ''}"
        )
    if report.suppressed:
        hint = "" if show_suppressed else ", shown with --show-suppressed"
        out.append(f"; {len(report.suppressed)} suppressed{hint}")
    errors = len(report.failed_inputs)
    warnings = len(report.errors) - errors
    if errors:
        out.append(f"; {errors} input error{'s' if errors != 1 else ''}", style="bold red")
    if warnings:
        out.append(f"; {warnings} warning{'s' if warnings != 1 else ''}", style="yellow")
    return out


CONTROL_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "manual": "magenta",
    "not evaluated": "yellow",
    "not applicable": "dim",
    "not built": "dim",
}


def render_framework(fw: Framework, results: list[ControlResult], console: Console) -> None:
    """One line per control: status, id, title; the evidence of failures below it."""
    console.print(Text(f"{fw.title}", style="bold"))
    for r in results:
        line = Text("  ")
        line.append(f"{r.status.value.upper():<15}", style=CONTROL_STYLE[r.status.value])
        line.append(f" {r.control.id:<10} ", style="bold")
        line.append(printable(r.control.title))
        console.print(line, soft_wrap=True)
        if r.status.value in ("fail", "manual", "not evaluated"):
            for ev in r.evidence[:5]:
                console.print(Text(" " * 29 + printable(ev), style="dim"), soft_wrap=True)
            if len(r.evidence) > 5:
                console.print(Text(" " * 29 + f"... and {len(r.evidence) - 5} more", style="dim"))
    counts = Counter(r.status.value for r in results)
    console.print(Text(", ".join(f"{n} {status}" for status, n in counts.most_common())))
