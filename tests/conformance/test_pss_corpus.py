"""Conformance: kubeward's PSS evaluator against the upstream Pod Security Admission fixtures.

The fixtures live outside the repository (``../shared/corpora/pod-security-admission``, or
``$KUBEWARD_SHARED``).  Without them the tests skip, unless ``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import os

import pytest

from tests.conformance.corpora import PssCase, pss_agreement, pss_cases, run_pss_case, shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"

SHARED = shared_dir()
CASES: list[PssCase] = pss_cases(SHARED) if SHARED is not None else []


def _corpus_missing() -> None:
    if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
        pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
    pytest.skip(MISSING_REASON)


@pytest.mark.parametrize(
    "case",
    CASES or [None],
    ids=[case.path for case in CASES] if CASES else ["pss-corpus-missing"],
)
def test_pss_fixture(case: PssCase | None) -> None:
    if case is None:
        _corpus_missing()
        return
    outcome = run_pss_case(case)
    assert outcome.passed, outcome.detail


def test_pss_agreement_is_total_per_level_and_version() -> None:
    if not CASES:
        _corpus_missing()
        return
    tally = pss_agreement(CASES)
    short = {
        f"{level} {version}": f"{passed}/{total}"
        for (level, version), (passed, total) in tally.items()
        if passed != total
    }
    assert not short, f"agreement below 100% for (level, version): {short}"
    assert {level for level, _ in tally} == {"baseline", "restricted"}
