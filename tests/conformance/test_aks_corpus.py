"""Conformance: the AKS samples of ``../shared/corpora/aks-samples`` give exactly the findings
reasoned from Microsoft's docs, and every difference from Checkov is explained.

Without the corpus the sample tests skip, unless ``KUBEWARD_REQUIRE_SHARED=1``. The Checkov
comparison reads recorded results and the rule fixtures, so it always runs.
"""

from __future__ import annotations

import os

import pytest

from tests.conformance import aks
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"
SHARED = shared_dir()


def _shared() -> object:
    if SHARED is None or not (SHARED / aks.SAMPLES).is_dir():
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    return SHARED


@pytest.mark.parametrize(
    "key", list(aks.EXPECTED), ids=[f"{f}+{p}" if p else f for f, p in aks.EXPECTED]
)
def test_sample_findings_match_the_docs(key: tuple[str, str | None]) -> None:
    shared = _shared()
    got, report = aks.run_sample(shared, *key)  # type: ignore[arg-type]
    assert got == aks.EXPECTED[key]
    assert not report.failed_inputs, [e.one_line() for e in report.failed_inputs]


def test_terraform_sample_says_the_module_is_not_followed() -> None:
    shared = _shared()
    _, report = aks.run_sample(shared, "iac/terraform-azurerm-aks-examples-startup-main.tf", None)
    messages = [e.message for e in report.errors]
    assert any('module aks ("../..")' in m and "does not follow" in m for m in messages)


def test_scanning_the_sample_directory_finds_every_cluster() -> None:
    shared = _shared()
    report = aks.scan_samples(shared)
    clusters = {
        (f.obj.file.rsplit("/", 1)[-1], f.obj.name)
        for f in report.findings
        if f.obj.kind == "ManagedCluster"
    }
    # six JSON samples and two Bicep files declare one cluster each
    assert len({file for file, _ in clusters}) == 8
    assert ("mspnp-aks-baseline-cluster-stamp.bicep", "mc") in clusters


def test_every_expected_sample_has_a_reason() -> None:
    assert len(aks.REASONS) >= 7
    files = {f for f, _ in aks.EXPECTED}
    assert len(files) == 9  # six JSON samples, two Bicep files, one Terraform file


def test_every_checkov_check_is_mapped_or_out_of_scope() -> None:
    assert not aks.unmapped_checks()
    assert not set(aks.MAPPED) & set(aks.OUT_OF_SCOPE)


def test_checkov_disagreements_are_all_explained_and_every_explanation_is_used() -> None:
    cases = aks.checkov_cases()
    assert cases, "recorded Checkov results and fixtures exist"
    unexplained = [c for c in cases if not c.agrees and len(aks.explain(c)) != 1]
    assert not unexplained, unexplained[:5]
    used = {d for c in cases if not c.agrees for d in aks.explain(c)}
    assert used == set(aks.DISAGREEMENTS)


def test_checkov_accepts_network_policy_none_where_kubeward_does_not() -> None:
    cases = [c for c in aks.checkov_cases() if c.check == "CKV_AZURE_7"]
    # fail.tf, fail-template.json and fail.bicep set `none` (fail-unset.tf leaves it out,
    # which Checkov fails too)
    none_fixtures = [c for c in cases if c.file.startswith("AKS020/fail") and "unset" not in c.file]
    assert none_fixtures
    assert all(not c.checkov_fails and c.kubeward_fails for c in none_fixtures)
