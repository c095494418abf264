"""Conformance: kubeward's POD/IMG/NS rules against Checkov's and Kubescape's expected results.

Every disagreement between kubeward and a peer on a mapped check must be explained in
``peers.DISAGREEMENTS``, and every explained disagreement must still occur: the table stays
exact. The corpora live outside the repository (``../shared/corpora``, or
``$KUBEWARD_SHARED``); without them the tests skip, unless ``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kubeward.rules import default_catalogue
from tests.conformance import peers
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"

SHARED = shared_dir()

RUNS: dict[str, Callable[[Path], peers.PeerRun]] = {
    "checkov": peers.checkov_run,
    "kubescape": peers.kubescape_run,
}
CORPUS_DIRS = {"checkov": peers.CHECKOV, "kubescape": peers.KUBESCAPE}


def _run(peer: str) -> peers.PeerRun:
    if SHARED is None or not (SHARED / CORPUS_DIRS[peer]).is_dir():
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    return RUNS[peer](SHARED)


def _describe(r: peers.ObjectResult) -> str:
    codes = ", ".join(r.codes) or "-"
    return f"  {r.case} | {r.obj} | kubeward {r.kubeward} ({codes}) | peer {r.peer_verdict}" + (
        f" | {r.detail}" if r.detail else ""
    )


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_disagreement_is_explained(peer: str) -> None:
    run = _run(peer)
    missing = peers.unexplained(run)
    assert not missing, (
        f"{len(missing)} {peer} disagreement(s) not in peers.DISAGREEMENTS; explain who is "
        "right and why (or fix the rule):\n" + "\n".join(_describe(r) for r in missing)
    )


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_explanation_still_applies(peer: str) -> None:
    run = _run(peer)
    stale = peers.stale_explanations(run)
    assert not stale, (
        f"{len(stale)} explained {peer} disagreement(s) no longer occur; remove them from "
        "peers.DISAGREEMENTS:\n"
        + "\n".join(f"  {e.case} | {e.obj} | {e.kubeward} vs {e.peer_verdict}" for e in stale)
    )


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_peer_check_is_mapped_or_out_of_scope(peer: str) -> None:
    run = _run(peer)
    problems = peers.classification_problems(run)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("peer", sorted(RUNS))
def test_every_mapped_check_is_compared(peer: str) -> None:
    run = _run(peer)
    compared = {r.check for r in run.results if r.compared}
    idle = [m.check for m in run.mappings if m.check not in compared]
    assert not idle, f"mapped {peer} checks with no object compared: {idle}"


def test_mapping_data_is_well_formed() -> None:
    codes = {r.code for r in default_catalogue()}
    for mapping in (*peers.CHECKOV_MAPPINGS, *peers.KUBESCAPE_MAPPINGS):
        assert mapping.codes, mapping.check
        assert set(mapping.codes) <= codes, f"{mapping.check}: unknown codes {mapping.codes}"
        assert mapping.why.strip(), f"{mapping.check}: no justification"
    for group in (*peers.CHECKOV_OUT_OF_SCOPE, *peers.KUBESCAPE_OUT_OF_SCOPE):
        assert group.reason.strip() and group.checks, group.category
    keys = [e.key for e in peers.DISAGREEMENTS]
    assert len(keys) == len(set(keys)), "duplicate entries in peers.DISAGREEMENTS"
    rights = {peers.KUBEWARD, peers.PEER, peers.SCOPE, peers.INVALID}
    for e in peers.DISAGREEMENTS:
        assert e.right in rights, e
        assert e.reason.title.strip() and e.reason.text.strip(), e


@pytest.mark.parametrize(
    ("peer", "section"),
    [("checkov", peers.checkov_section), ("kubescape", peers.kubescape_section)],
)
def test_section_is_deterministic_and_complete(peer: str, section: Callable[[Path], str]) -> None:
    run = _run(peer)
    assert SHARED is not None
    text = section(SHARED)
    assert text == section(SHARED)
    assert text.startswith("## ")
    assert "**unexplained**" not in text
    assert str(SHARED) not in text, "the page must not depend on where the corpora are"
    for mapping in run.mappings:
        assert f"| {mapping.check} |" in text
    assert f"### Disagreements ({len(run.disagreements())})" in text
