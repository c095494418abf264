"""JSON report. The schema is documented in docs/output.md; `schema_version` changes with it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kubeward import __version__
from kubeward.findings import Finding, InputError, Note, RuleTally, Severity
from kubeward.scan import Report

if TYPE_CHECKING:
    from kubeward.frameworks import ControlResult, Framework

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "slug": f.slug,
        "severity": f.severity.label,
        "message": f.message,
        "apiVersion": f.obj.api_version,
        "kind": f.obj.kind,
        "namespace": f.obj.namespace,
        "name": f.obj.name,
        "container": f.container,
        "file": f.obj.file,
        "line": f.line,
        "path": f.path_text,
        "fingerprint": f.fingerprint,
    }


def error_dict(e: InputError) -> dict[str, Any]:
    return {
        "file": e.file,
        "line": e.line,
        "object": e.obj,
        "message": e.message,
        "level": "warning" if e.warning else "error",
    }


def report_dict(report: Report) -> dict[str, Any]:
    by_sev = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for f in report.findings:
        by_sev[f.severity.label] += 1
    st = report.stats
    cluster = {"cluster": dict(report.cluster)} if report.cluster is not None else {}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "kubeward", "version": __version__},
        **cluster,
        "summary": {
            "files": st.files,
            "documents": st.documents,
            "objects": st.objects,
            "findings": len(report.findings),
            "by_severity": by_sev,
            "suppressed": len(report.suppressed),
            "errors": len(report.failed_inputs),
            "warnings": len(report.errors) - len(report.failed_inputs),
            "kinds": dict(sorted(st.kinds.items())),
        },
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [
            {**finding_dict(s.finding), "suppressed_by": s.source, "reason": s.reason}
            for s in report.suppressed
        ],
        "errors": [error_dict(e) for e in report.errors],
        "notes": [note_dict(n) for n in report.notes],
        "results": {code: tally_dict(t) for code, t in sorted(report.tallies.items())},
    }


def tally_dict(t: RuleTally) -> dict[str, int]:
    out = {"passed": t.passed, "failed": t.failed, "skipped": t.skipped}
    if t.manual:
        out["manual"] = t.manual
    if t.not_evaluated:
        out["not_evaluated"] = t.not_evaluated
    return out


def note_dict(n: Note) -> dict[str, Any]:
    return {
        "rule": n.rule,
        "status": n.verdict.value,
        "message": n.message,
        "apiVersion": n.obj.api_version,
        "kind": n.obj.kind,
        "namespace": n.obj.namespace,
        "name": n.obj.name,
        "file": n.obj.file,
        "line": n.line,
        "path": n.path_text,
    }


def framework_dict(fw: Framework, results: list[ControlResult]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    return {
        "id": fw.id,
        "title": fw.title,
        "summary": counts,
        "controls": [
            {
                "id": r.control.id,
                "title": r.control.title,
                "status": r.status.value,
                "rules": list(r.control.rules),
                "evidence": list(r.evidence),
            }
            for r in results
        ],
    }


def render(report: Report, controls: tuple[Framework, list[ControlResult]] | None = None) -> str:
    """Readable and fast: top-level keys indented, one list item per line (C encoder)."""
    data = report_dict(report)
    if controls is not None:
        data["framework"] = framework_dict(*controls)
    lines = ["{"]
    last = len(data) - 1
    for i, (key, value) in enumerate(data.items()):
        comma = "," if i < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value))
            lines.append(f"  ]{comma}")
        else:
            body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(key)}: {body}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
