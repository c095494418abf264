"""Shared access to the conformance corpora in ``../shared/corpora`` (outside this repository).

Used by the conformance tests and by docs generators, so both judge a case the same way.

* :func:`shared_dir` locates the shared directory: ``$KUBEWARD_SHARED`` if set, else
  ``<repo root>/../shared``; ``None`` when it does not exist.
* :func:`pss_cases` lists the Pod Security Admission fixtures
  (``corpora/pod-security-admission/manifest.jsonl``), :func:`run_pss_case` judges one, and
  :func:`pss_agreement` tallies agreement per (level, version).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kubeward.analysis.pss import PssViolation, Version, evaluate_workload
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE, load_file, objects
from kubeward.model.workload import Workload, build_workload, template_path

REPO_ROOT = Path(__file__).resolve().parents[2]
PSS_CORPUS = Path("corpora") / "pod-security-admission"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shared_dir() -> Path | None:
    """The shared corpora directory, or ``None`` when it is not present."""
    configured = os.environ.get("KUBEWARD_SHARED")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


@dataclass(frozen=True)
class PssCase:
    """One fixture pod of the pod-security-admission corpus."""

    path: str
    """Path relative to the corpus root, e.g. ``test/testdata/baseline/v1.0/pass/base.yaml``."""
    file: Path
    level: str
    version: str
    expect: str
    """``allowed`` or ``denied``."""
    check: str | None
    reason_substring: str | None
    note: str | None = None

    @property
    def level_version(self) -> tuple[str, str]:
        return (self.level, self.version)


@dataclass(frozen=True)
class PssOutcome:
    passed: bool
    detail: str


def pss_cases(shared: Path) -> list[PssCase]:
    """All cases of ``<shared>/corpora/pod-security-admission/manifest.jsonl`` ([] if absent)."""
    root = shared / PSS_CORPUS
    manifest = root / "manifest.jsonl"
    if not manifest.is_file():
        return []
    cases: list[PssCase] = []
    with manifest.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            cases.append(
                PssCase(
                    path=row["path"],
                    file=root / row["path"],
                    level=row["level"],
                    version=row["version"],
                    expect=row["expect"],
                    check=row.get("check"),
                    reason_substring=row.get("expect_reason_substring"),
                    note=row.get("note"),
                )
            )
    return cases


@cache
def _load_workload(file: Path) -> Workload:
    """The fixture read the way `kubeward pss` reads files: loader, then the workload model."""
    errors: list[Any] = []
    loaded = load_file(str(file), DEFAULT_MAX_FILE_SIZE, errors)
    assert loaded is not None and not errors, f"{file}: {errors}"
    resources = list(objects(loaded, errors))
    assert len(resources) == 1, f"{file}: expected one object"
    template = template_path(resources[0])
    assert template is not None, f"{file}: not a pod"
    return build_workload(resources[0], template)


def _describe(violations: Iterable[PssViolation]) -> str:
    lines = [f"  - [{v.level}] {v.check}: {v.reason} @ {', '.join(v.paths)}" for v in violations]
    return "\n".join(lines) if lines else "  (none)"


def run_pss_case(case: PssCase) -> PssOutcome:
    """Evaluate one fixture and compare with its expectation."""
    violations = evaluate_workload(
        _load_workload(case.file), case.level, Version.parse(case.version)
    )
    where = f"{case.path} (enforce={case.level}, enforce-version={case.version})"
    if case.expect == "allowed":
        if not violations:
            return PssOutcome(True, f"{where}: allowed as expected")
        return PssOutcome(
            False,
            f"{where}: expected ALLOWED but kubeward reported:\n{_describe(violations)}",
        )
    matching = [
        v
        for v in violations
        if v.check == case.check
        and (case.reason_substring is None or case.reason_substring in v.reason)
    ]
    if matching:
        return PssOutcome(True, f"{where}: denied by {case.check} as expected")
    return PssOutcome(
        False,
        f"{where}: expected DENIED by check {case.check!r} with a reason containing "
        f"{case.reason_substring!r}; kubeward reported:\n{_describe(violations)}",
    )


def pss_agreement(cases: Iterable[PssCase]) -> dict[tuple[str, str], tuple[int, int]]:
    """(level, version) -> (passed, total), in corpus order."""
    tally: dict[tuple[str, str], tuple[int, int]] = {}
    for case in cases:
        passed, total = tally.get(case.level_version, (0, 0))
        ok = run_pss_case(case).passed
        tally[case.level_version] = (passed + int(ok), total + 1)
    return tally
