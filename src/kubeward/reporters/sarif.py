"""SARIF 2.1.0 report, for code-scanning services (GitHub, Azure DevOps, GitLab)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from kubeward import __version__
from kubeward.catalogue import Rule
from kubeward.findings import Finding, Note, Severity, Verdict
from kubeward.scan import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads `security-severity` (0-10) to rank security alerts.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _uri(file: str) -> str:
    if file.startswith("<"):
        return quote(file.strip("<>"))
    path = file.replace(os.sep, "/")
    if path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/:")


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    help_md = "\n\n".join(
        part
        for part in (
            rule.summary,
            f"**Why it matters**\n\n{rule.section('Why it matters')}",
            f"**Fix**\n\n{rule.section('Fix')}",
            f"**References**\n\n{rule.section('References')}",
        )
        if part
    )
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary or rule.title},
        "help": {"text": help_md, "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "kubernetes", rule.prefix.lower()],
            "security-severity": _SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.label,
        },
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": _uri(f.obj.file)}},
        "logicalLocations": [
            {
                "name": f.obj.name,
                "fullyQualifiedName": "/".join(
                    p for p in (f.obj.namespace, f.obj.kind, f.obj.name) if p
                ),
                "kind": "object",
            }
        ],
    }
    if f.line is not None:
        location["physicalLocation"]["region"] = {"startLine": f.line}
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.obj.display}: {f.message}"},
        "locations": [location],
        "partialFingerprints": {"kubeward/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.label,
            "path": f.path_text,
            "container": f.container,
            "apiVersion": f.obj.api_version,
        },
    }
    return result


def _note_result(n: Note, index: dict[str, int]) -> dict[str, Any]:
    """A check a human must judge (`review`) or that could not be evaluated (`open`)."""
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": _uri(n.obj.file)}}}
    if n.line is not None:
        location["physicalLocation"]["region"] = {"startLine": n.line}
    return {
        "ruleId": n.rule,
        "ruleIndex": index[n.rule],
        "kind": "review" if n.verdict is Verdict.MANUAL else "open",
        "level": "none",
        "message": {"text": f"{n.obj.display}: {n.message}"},
        "locations": [location],
        "properties": {"status": n.verdict.value, "path": n.path_text},
    }


def report_dict(report: Report) -> dict[str, Any]:
    rules = sorted(report.rules, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = [_result(f, index) for f in report.findings]
    for s in report.suppressed:
        res = _result(s.finding, index)
        res["suppressions"] = [
            {
                "kind": "inSource" if s.source == "annotation" else "external",
                "justification": s.reason,
                "properties": {"source": s.source},
            }
        ]
        results.append(res)
    for n in report.notes:
        results.append(_note_result(n, index))
    notifications = [
        {
            "level": "warning" if e.warning else "error",
            "message": {"text": e.one_line()},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(e.file)},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }
                }
            ],
        }
        for e in report.errors
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kubeward",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://pypi.org/project/kubeward/",
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not report.failed_inputs,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "columnKind": "utf16CodeUnits",
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False) + "\n"
