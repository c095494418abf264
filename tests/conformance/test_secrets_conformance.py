"""Conformance of the SEC rules: peers' expected results and the real-world review.

Every disagreement with Checkov or Kubescape on a mapped check is explained in
``secrets.DISAGREEMENTS`` (and every explanation still applies); every finding of the hand
review in ``secrets.REVIEWED`` still occurs, and every hard-coded credential finding on the
real-world corpus is part of the review. Without ``../shared`` the tests skip, unless
``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kubeward.rules import default_catalogue
from tests.conformance import peers, secrets
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"
SHARED = shared_dir()
RUNS: dict[str, Callable[[Path], peers.PeerRun]] = {
    "checkov": secrets.checkov_run,
    "kubescape": secrets.kubescape_run,
}


def _shared(*parts: Path) -> Path:
    if SHARED is None or not all((SHARED / p).is_dir() for p in parts):
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    return SHARED


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_disagreement_is_explained_and_every_explanation_applies(peer: str) -> None:
    shared = _shared(peers.CHECKOV, peers.KUBESCAPE)
    run = RUNS[peer](shared)
    missing = secrets.unexplained(run)
    assert not missing, "\n".join(
        f"{r.case} | {r.obj} | kubeward {r.kubeward} {r.codes} | peer {r.peer_verdict}"
        for r in missing
    )
    stale = secrets.stale_explanations(run)
    assert not stale, "\n".join(f"{e.case} | {e.obj}" for e in stale)


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_mapped_check_is_compared(peer: str) -> None:
    run = RUNS[peer](_shared(peers.CHECKOV, peers.KUBESCAPE))
    compared = {r.check for r in run.results if r.compared}
    assert {m.check for m in run.mappings} == compared


def test_mapping_data_is_well_formed() -> None:
    codes = {r.code for r in default_catalogue()}
    for m in (*secrets.CHECKOV_MAPPINGS, *secrets.KUBESCAPE_MAPPINGS):
        assert m.codes and set(m.codes) <= codes and m.why.strip(), m.check
        # SEC rules, and RBAC022 for the default ServiceAccount's bindings
        assert all(c.startswith("SEC") or c == "RBAC022" for c in m.codes), m.check
    keys = [e.key for e in secrets.DISAGREEMENTS]
    assert len(keys) == len(set(keys))
    mapped = {m.check for m in secrets.KUBESCAPE_MAPPINGS}
    assert not mapped & {r.check for r in secrets.KUBESCAPE_RELATED}


def test_related_rules_exist_in_the_corpus() -> None:
    known = secrets.kubescape_rules(_shared(peers.KUBESCAPE))
    assert {r.check for r in secrets.KUBESCAPE_RELATED} <= known
    assert {m.check for m in secrets.KUBESCAPE_MAPPINGS} <= known


def test_reviewed_findings_still_occur_and_cover_every_hard_coded_credential() -> None:
    found = secrets.realworld_findings(_shared(secrets.REALWORLD))
    assert not secrets.review_problems(found)
    hard = {"SEC001", "SEC002", "SEC003", "SEC004"}
    reviews = [r for r in secrets.REVIEWED if r.rule in hard]
    produced = [f for f in found if f.rule in hard]
    # each hard-coded credential finding is reviewed exactly once, and no review is spare
    assert [sum(r.matches(f) for r in reviews) for f in produced] == [1] * len(produced)
    assert len(reviews) == len(produced)
    assert {r.verdict for r in secrets.REVIEWED} <= {secrets.TP, secrets.FP}


def test_section_is_deterministic_and_names_no_value() -> None:
    shared = _shared(peers.CHECKOV, peers.KUBESCAPE, secrets.REALWORLD)
    text = secrets.section(shared)
    assert text == secrets.section(shared)
    assert text.startswith("## ") and "**unexplained**" not in text
    assert str(shared) not in text
    # findings are described by key and digest in messages; the page shows no message at all
    assert "sha256:" not in text
