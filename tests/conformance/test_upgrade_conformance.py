"""Conformance of the UPG rules with Checkov's and Kubescape's expected results.

Every disagreement on a mapped check is explained in ``upgrade.DISAGREEMENTS`` and every
explanation still applies; every mapped check is compared on at least one object. Without
``../shared`` the tests skip, unless ``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kubeward.rules import default_catalogue
from tests.conformance import peers, upgrade
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"
SHARED = shared_dir()
RUNS: dict[str, Callable[[Path], peers.PeerRun]] = {
    "checkov": upgrade.checkov_run,
    "kubescape": upgrade.kubescape_run,
}


def _shared() -> Path:
    if SHARED is None or not all((SHARED / p).is_dir() for p in (peers.CHECKOV, peers.KUBESCAPE)):
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    return SHARED


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_disagreement_is_explained_and_every_explanation_applies(peer: str) -> None:
    run = RUNS[peer](_shared())
    missing = upgrade.unexplained(run)
    assert not missing, "\n".join(
        f"{r.case} | {r.obj} | kubeward {r.kubeward} {r.codes} | peer {r.peer_verdict}"
        for r in missing
    )
    stale = upgrade.stale_explanations(run)
    assert not stale, "\n".join(f"{e.case} | {e.obj}" for e in stale)


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_mapped_check_is_compared(peer: str) -> None:
    run = RUNS[peer](_shared())
    compared = {r.check for r in run.results if r.compared}
    assert {m.check for m in run.mappings} == compared


def test_mapped_checks_are_out_of_scope_nowhere_else() -> None:
    # peers.py lists these checks as out of scope for POD/IMG/NS, pointing here.
    for m in upgrade.CHECKOV_MAPPINGS:
        assert [g.category for g in peers.CHECKOV_OUT_OF_SCOPE if m.check in g.checks] == [
            "resources and probes"
        ]


def test_mapping_data_is_well_formed() -> None:
    codes = {r.code for r in default_catalogue()}
    for m in (*upgrade.CHECKOV_MAPPINGS, *upgrade.KUBESCAPE_MAPPINGS):
        assert m.codes and set(m.codes) <= codes and m.why.strip(), m.check
        assert all(c.startswith("UPG") for c in m.codes), m.check
    keys = [e.key for e in upgrade.DISAGREEMENTS]
    assert len(keys) == len(set(keys))
    for e in upgrade.DISAGREEMENTS:
        assert e.right in (peers.KUBEWARD, peers.PEER, peers.SCOPE, peers.INVALID)


def test_section_is_deterministic_and_complete() -> None:
    shared = _shared()
    text = upgrade.section(shared)
    assert text == upgrade.section(shared)
    assert text.startswith("## ") and "**unexplained**" not in text
    assert str(shared) not in text
    for m in (*upgrade.CHECKOV_MAPPINGS, *upgrade.KUBESCAPE_MAPPINGS):
        assert f"| {m.check} |" in text
