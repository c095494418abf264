"""The engine beyond manifests: subjects from other sources, and checks that neither pass nor
fail (manual, not evaluated), through every reporter."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kubeward.catalogue import Catalogue, rule
from kubeward.findings import Severity, Verdict, Violation
from kubeward.model.resource import Resource, Source
from kubeward.reporters import json as json_report
from kubeward.reporters import junit as junit_report
from kubeward.reporters import sarif as sarif_report
from kubeward.scan import Engine, Report
from tests.conformance.corpora import shared_dir


@dataclass(frozen=True)
class Host:
    """A stand-in for a non-manifest view (a node's file system, an AKS cluster)."""

    name: str
    settings: dict[str, Any]


@rule("NODE990", severity=Severity.HIGH)
def ssh_root_login(h: Host) -> Iterator[Violation]:
    """Root can log in over SSH.

    ## Why it matters
    x
    ## Fix
    y
    ## References
    z
    """
    if h.settings.get("PermitRootLogin") == "yes":
        yield Violation("PermitRootLogin is yes", ("sshd", "PermitRootLogin"))


@rule("NODE991", severity=Severity.MEDIUM)
def logging_reviewed(h: Host) -> Iterator[Violation]:
    """Logging configuration needs review.

    ## Why it matters
    x
    ## Fix
    y
    ## References
    z
    """
    yield Violation("rsyslog forwards to audit.example", ("logging",), verdict=Verdict.MANUAL)


@rule("NODE992", severity=Severity.MEDIUM)
def kernel_module_loaded(h: Host) -> Iterator[Violation]:
    """A kernel module is loaded.

    ## Why it matters
    x
    ## Fix
    y
    ## References
    z
    """
    if "modules" not in h.settings:
        yield Violation(
            "needs /proc/modules (offline audit)", ("modules",), verdict=Verdict.NOT_EVALUATED
        )


CATALOGUE = Catalogue([ssh_root_login, logging_reviewed, kernel_module_loaded])


def host_resource(name: str, raw: dict[str, Any]) -> Resource:
    return Resource(
        "kubeward.io/v1", "NodeHost", name, None, {}, {}, raw, Source(f"{name}/", 0, (), None)
    )


def scan_hosts(*hosts: Host) -> Report:
    engine = Engine(CATALOGUE)
    lines = {("sshd", "PermitRootLogin"): 12, ("logging",): 3}
    for h in hosts:
        engine.add_subject(h, host_resource(h.name, h.settings), lines.get)
    return engine.finish()


def test_subjects_get_findings_notes_and_results() -> None:
    offline = Host("node-a", {"PermitRootLogin": "yes"})
    live = Host("node-b", {"PermitRootLogin": "no", "modules": []})
    report = scan_hosts(offline, live)

    assert [(f.rule, f.obj.name, f.line) for f in report.findings] == [("NODE990", "node-a", 12)]
    assert sorted((n.rule, n.obj.name, n.verdict, n.line) for n in report.notes) == [
        ("NODE991", "node-a", Verdict.MANUAL, 3),
        ("NODE991", "node-b", Verdict.MANUAL, 3),
        ("NODE992", "node-a", Verdict.NOT_EVALUATED, None),
    ]
    t = report.tallies
    assert (t["NODE990"].passed, t["NODE990"].failed) == (1, 1)
    assert (t["NODE991"].manual, t["NODE991"].passed) == (2, 0)
    assert (t["NODE992"].not_evaluated, t["NODE992"].passed) == (1, 1)
    assert report.exit_code(Severity.LOW) == 1
    assert scan_hosts(live).exit_code(Severity.LOW) == 0  # manual items never fail a run


def test_notes_in_every_format() -> None:
    report = scan_hosts(Host("node-a", {}))
    data = json.loads(json_report.render(report))
    assert [(n["rule"], n["status"], n["name"]) for n in data["notes"]] == [
        ("NODE991", "manual", "node-a"),
        ("NODE992", "not evaluated", "node-a"),
    ]
    assert data["results"]["NODE991"] == {"passed": 0, "failed": 0, "skipped": 0, "manual": 1}
    assert data["results"]["NODE992"] == {
        "passed": 0,
        "failed": 0,
        "skipped": 0,
        "not_evaluated": 1,
    }

    sarif = json.loads(sarif_report.render(report))
    kinds = {(r["ruleId"], r["kind"], r["level"]) for r in sarif["runs"][0]["results"]}
    assert kinds == {("NODE991", "review", "none"), ("NODE992", "open", "none")}

    root = ET.fromstring(junit_report.render(report))
    skipped = {
        (case.get("classname"), s.get("message"))
        for case in root.iter("testcase")
        for s in case.iter("skipped")
    }
    assert skipped == {
        ("NODE991", "manual: rsyslog forwards to audit.example"),
        ("NODE992", "not evaluated: needs /proc/modules (offline audit)"),
    }


def test_sarif_with_notes_is_valid() -> None:
    shared = shared_dir()
    if shared is None:
        reason = "../shared not present (set KUBEWARD_SHARED)"
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    import jsonschema

    schema = json.loads((shared / "schemas" / "sarif-schema-2.1.0.json").read_text())
    report = scan_hosts(Host("node-a", {"PermitRootLogin": "yes"}))
    jsonschema.validate(json.loads(sarif_report.render(report)), schema)
