"""Frameworks: per-control status from a scan, with evidence; `scan --framework`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kubeward.cli import main
from kubeward.frameworks import Control, ControlStatus, Framework, available, evaluate
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths

PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops}
spec:
  containers:
    - name: tool
      image: myacr.azurecr.io/tool:1.0
      securityContext: {privileged: true}
"""

FRAMEWORK = Framework(
    "test",
    "Test framework",
    "",
    (
        Control("1", "no privileged containers", ("POD101",)),
        Control("2", "no host network", ("POD201",)),
        Control("3", "namespaces reviewed", (), manual=True),
        Control("4", "network policies", (), planned=True),
        Control("5", "quotas", ("NS004",)),
        Control("6", "images from allowed registries", ("IMG004",)),
    ),
)


def test_statuses_and_evidence(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED, encoding="utf-8")
    cat = default_catalogue()
    only = [r for r in cat if r.code in ("POD101", "POD201", "NS004")]  # IMG004 not selected
    report = scan_paths([str(manifest)], cat, only=only)
    results = {r.control.id: r for r in evaluate(FRAMEWORK, report)}

    assert results["1"].status is ControlStatus.FAIL
    assert results["1"].evidence == (
        'POD101 Pod ops/tool: container "tool" runs privileged (securityContext.privileged: true)',
    )
    assert [f.line for f in results["1"].findings] == [8]
    assert results["2"].status is ControlStatus.PASS
    assert results["2"].evidence == ("1 subject(s) checked by POD201",)
    assert results["3"].status is ControlStatus.MANUAL
    assert results["4"].status is ControlStatus.NOT_BUILT
    # NS004 ran, but there is no Namespace object: a clean scene still counts as checked.
    assert results["5"].status is ControlStatus.PASS
    assert results["6"].status is ControlStatus.NOT_EVALUATED


def test_not_applicable_when_nothing_to_check(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ops}\n", encoding="utf-8"
    )
    cat = default_catalogue()
    report = scan_paths([str(tmp_path / "cm.yaml")], cat, only=[cat.get("POD101")])  # type: ignore[list-item]
    (result,) = evaluate(Framework("t", "t", "", (FRAMEWORK.controls[0],)), report)
    assert result.status is ControlStatus.NOT_APPLICABLE


def test_packaged_frameworks_load() -> None:
    fws = available()
    assert {"cis-aks-1.8", "pss", "aks-seeds"} <= set(fws)
    cis = fws["cis-aks-1.8"]
    assert any(c.id == "4.2.1" and c.rules == ("POD101",) for c in cis.controls)


def test_scan_with_framework_runs_only_its_rules(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(PRIVILEGED, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "pod.yaml", "--framework", "pss", "-f", "json", "--no-config"]
    )
    data = json.loads(result.stdout)
    pss_rules = set(available()["pss"].rules)
    assert {f["rule"] for f in data["findings"]} <= pss_rules
    assert "IMG002" not in {f["rule"] for f in data["findings"]}  # not a PSS control
    controls = {c["id"]: c for c in data["framework"]["controls"]}
    assert controls["baseline/privileged"]["status"] == "fail"
    assert controls["baseline/hostNamespaces"]["status"] == "pass"
    assert result.exit_code == 1

    text = CliRunner().invoke(main, ["scan", "pod.yaml", "--framework", "pss", "--no-config"])
    assert "FAIL" in text.stdout and "baseline/privileged" in text.stdout

    bad = CliRunner().invoke(main, ["scan", "pod.yaml", "--framework", "nope"])
    assert bad.exit_code == 2
    assert "unknown framework 'nope'" in bad.stderr
