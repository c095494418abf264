"""Conformance of the node audit: Kubescape's kubelet rule tests (run here) and the recorded
OpenSCAP comparison (scripts/openscap_node.py). Every disagreement must be explained, and
every explanation must still describe a disagreement."""

from __future__ import annotations

import os

import pytest

from kubeward.rules import default_catalogue
from tests.conformance.corpora import shared_dir
from tests.conformance.node import (
    ITEMS,
    KUBESCAPE_MAPPINGS,
    KUBESCAPE_NOT_BUILT,
    kubescape_kubelet_run,
    kubescape_problems,
    openscap_record,
    stale_openscap,
    unexplained_openscap,
)

MISSING = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"


def _shared():  # type: ignore[no-untyped-def]
    shared = shared_dir()
    if shared is None:
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING}")
        pytest.skip(MISSING)
    return shared


def test_every_kubelet_case_agrees_or_is_explained() -> None:
    cases = kubescape_kubelet_run(_shared())
    unexplained, stale = kubescape_problems(cases)
    assert not unexplained, f"explain in KUBESCAPE_DISAGREEMENTS: {unexplained}"
    assert not stale, f"no longer disagree (remove): {stale}"
    # The mapped rules really ran on every case of every mapped Kubescape rule.
    assert {c.rule for c in cases} == {m.rule for m in KUBESCAPE_MAPPINGS}
    assert sum(c.agrees for c in cases) >= 44


def test_kubescape_kubelet_rules_are_all_mapped_or_listed() -> None:
    rules = _shared() / "corpora" / "kubescape-regolibrary" / "rules"
    with_kubelet_input = {
        p.parents[3].name
        for p in rules.glob("*/test/*/input/*")
        if '"KubeletInfo"' in p.read_text(encoding="utf-8")
    }
    known = {m.rule for m in KUBESCAPE_MAPPINGS} | set(KUBESCAPE_NOT_BUILT)
    assert with_kubelet_input == known


def test_openscap_record_is_explained() -> None:
    assert openscap_record() is not None, "run scripts/openscap_node.py"
    assert not unexplained_openscap(), "explain in OPENSCAP_DISAGREEMENTS"
    assert not stale_openscap(), "explanations of item results that now agree"


def test_items_name_real_node_rules_and_cover_the_seed() -> None:
    codes = {r.code for r in default_catalogue() if r.prefix == "NODE"}
    mapped = {c for item in ITEMS for c in item.codes}
    assert mapped <= codes
    # Every seed 004 item, once: 29 rows (the five filesystem and four protocol modules are
    # one row each, as in the aks-node framework).
    assert len({item.id for item in ITEMS}) == len(ITEMS) == 29
