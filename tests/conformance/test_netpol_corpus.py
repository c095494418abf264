"""Conformance: `kubeward netpol list` against np-guard netpol-analyzer's expected outputs.

Every plain connection list over core kinds must be identical; every other mismatch must be
explained in ``netpol.EXPLAINED``, and every explanation must still apply. The corpus lives
outside the repository (``../shared/corpora/netpol-analyzer``, or ``$KUBEWARD_SHARED``);
without it the tests skip, unless ``KUBEWARD_REQUIRE_SHARED=1``.
"""

from __future__ import annotations

import os

import pytest

from tests.conformance import netpol
from tests.conformance.corpora import shared_dir

MISSING_REASON = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"

SHARED = shared_dir()
CASES = (
    [c for c in netpol.cases(SHARED) if c.group != "not supported"]
    if SHARED is not None and (SHARED / netpol.CORPUS).is_dir()
    else []
)


def _missing() -> None:
    if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
        pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {MISSING_REASON}")
    pytest.skip(MISSING_REASON)


@pytest.mark.parametrize(
    "case", CASES or [None], ids=[c.name for c in CASES] if CASES else ["netpol-corpus-missing"]
)
def test_case_agrees_or_is_explained(case: netpol.Case | None) -> None:
    if case is None:
        _missing()
        return
    outcome = netpol.run(case)
    if case.name in netpol.EXPLAINED:
        assert not outcome.agree, f"{case.name} agrees now: remove it from netpol.EXPLAINED"
    else:
        assert outcome.agree, f"{case.name}: {outcome.detail} (fix, or explain in EXPLAINED)"


def test_every_core_plain_case_is_identical() -> None:
    if not CASES:
        _missing()
        return
    plain = [c for c in CASES if c.group == "plain" and c.core]
    assert len(plain) == 42, "the corpus README counts 42 plain core-kind cases"
    assert not [c.name for c in plain if c.name in netpol.EXPLAINED]


def test_explanations_name_compared_cases() -> None:
    if not CASES:
        _missing()
        return
    names = {c.name for c in CASES}
    assert set(netpol.EXPLAINED) <= names
