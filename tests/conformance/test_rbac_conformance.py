"""Conformance: kubeward's RBAC rules against Kubescape's and Checkov's RBAC cases.

Every disagreement must be explained in ``rbac.DISAGREEMENTS`` (who is right and why), and
every explanation must still occur. The corpora live outside the repository
(``../shared/corpora``, or ``$KUBEWARD_SHARED``); without them the tests skip, unless
``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kubeward.rules import default_catalogue
from tests.conformance import rbac
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"
SHARED = shared_dir()


def _shared() -> Path:
    if SHARED is None or not (SHARED / rbac.KUBESCAPE).is_dir():
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    assert SHARED is not None
    return SHARED


@pytest.fixture(scope="module")
def runs() -> tuple[rbac.Run, rbac.Run]:
    shared = _shared()
    return rbac.kubescape_run(shared), rbac.checkov_run(shared)


def _describe(u: rbac.UnitResult) -> str:
    return (
        f"  {u.peer} | {u.check} | {u.case} | {u.unit} | kubeward "
        f"{'flags' if u.kubeward else 'does not flag'} | peer "
        f"{'flags' if u.flagged_by_peer else 'does not flag'}"
    )


def test_every_disagreement_is_explained(runs: tuple[rbac.Run, rbac.Run]) -> None:
    missing = [u for run in runs for u in rbac.unexplained(run)]
    assert not missing, (
        f"{len(missing)} disagreement(s) not in rbac.DISAGREEMENTS; explain who is right and "
        "why (or fix the rule):\n" + "\n".join(_describe(u) for u in missing)
    )


def test_every_explanation_still_applies(runs: tuple[rbac.Run, rbac.Run]) -> None:
    stale = rbac.stale_explanations(runs)
    assert not stale, "explained disagreements that no longer occur:\n" + "\n".join(
        f"  {e.key}" for e in stale
    )


def test_every_mapping_is_compared(runs: tuple[rbac.Run, rbac.Run]) -> None:
    compared = {c.check for run in runs for c in run.cases}
    idle = [m.check for m in rbac.MAPPINGS if m.check not in compared]
    assert not idle, f"mapped checks with no case compared: {idle}"
    # and the comparison really sees flagged units on both sides
    units = [u for run in runs for u in run.units]
    assert sum(u.kubeward and u.flagged_by_peer for u in units) >= 30
    assert sum(not u.kubeward and not u.flagged_by_peer for u in units) >= 5  # Checkov passes


def test_cases_run_without_input_errors(runs: tuple[rbac.Run, rbac.Run]) -> None:
    errors = [(c.check, c.case, c.errors) for run in runs for c in run.cases if c.errors]
    assert not errors


def test_every_rbac_rule_of_the_corpora_is_mapped_or_out_of_scope() -> None:
    shared = _shared()
    root = shared / rbac.KUBESCAPE
    subject_rules = set()
    with (root / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("resourcesAggregator") == rbac.AGGREGATOR:
                subject_rules.add(row["rule"])
    classified = {m.check for m in rbac.MAPPINGS} | {c for o in rbac.OUT_OF_SCOPE for c in o.checks}
    assert subject_rules, "the corpus has subject-role-rolebinding rules"
    assert subject_rules <= classified, sorted(subject_rules - classified)
    checkov_rbac = {
        "CKV_K8S_49",
        "CKV_K8S_155",
        "CKV_K8S_156",
        "CKV_K8S_157",
        "CKV_K8S_158",
        *(f"CKV2_K8S_{n}" for n in range(1, 6)),
    }
    assert checkov_rbac <= classified
    assert not ({m.check for m in rbac.MAPPINGS} & {c for o in rbac.OUT_OF_SCOPE for c in o.checks})


def test_mapping_data_is_well_formed() -> None:
    codes = {r.code for r in default_catalogue()}
    for m in rbac.MAPPINGS:
        assert m.codes and set(m.codes) <= codes, m
        assert m.why.strip()
    keys = [e.key for e in rbac.DISAGREEMENTS]
    assert len(keys) == len(set(keys))
    for e in rbac.DISAGREEMENTS:
        assert e.right in {rbac.KUBEWARD, rbac.PEER, rbac.SCOPE, rbac.INVALID}
        assert e.reason.title.strip() and e.reason.text.strip()


def test_section_is_deterministic_and_complete() -> None:
    shared = _shared()
    text = rbac.rbac_section(shared)
    assert text == rbac.rbac_section(shared)
    assert text.startswith("## ")
    assert "**unexplained**" not in text
    assert str(shared) not in text
    for m in rbac.MAPPINGS:
        assert f"| {m.check} |" in text
    n = len(rbac.DISAGREEMENTS)
    assert f"### Disagreements ({n})" in text
