"""What a scan produces: severities, violations, findings, input errors and results."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubeward.model.path import Path, render

if TYPE_CHECKING:
    from kubeward.model.resource import Resource


class Severity(enum.IntEnum):
    """How bad a finding is. `--fail-on` compares against this order."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Verdict(enum.Enum):
    """What a violation says about its subject. Most rules only ever fail; audits of hosts
    also report items a human must check, and items they could not evaluate (offline)."""

    FAIL = "fail"
    MANUAL = "manual"
    NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule yields: a message and where, relative to the object's document."""

    message: str
    path: Path
    container: str | None = None
    resource: Resource | None = None  # set by scene-level rules: which object it is about
    verdict: Verdict = Verdict.FAIL


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Identifies one Kubernetes object and where it was read from."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    file: str
    line: int | None

    @property
    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    slug: str
    severity: Severity
    message: str
    obj: ObjectRef
    container: str | None
    path: Path
    line: int | None
    path_text: str = field(init=False, compare=False)
    fingerprint: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        text = render(self.path)
        object.__setattr__(self, "path_text", text)
        # Stable identity for baselines: independent of line numbers and message wording.
        key = "\x1f".join(
            [
                self.rule,
                self.obj.kind,
                self.obj.namespace or "",
                self.obj.name,
                self.container or "",
                text,
            ]
        )
        object.__setattr__(self, "fingerprint", hashlib.sha256(key.encode()).hexdigest()[:16])

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.obj.file, self.line or 0, self.rule, self.message)


@dataclass(frozen=True, slots=True)
class Note:
    """A check that neither passed nor failed: a human must judge it (manual), or it could not
    be evaluated here (e.g. runtime state of a host audited offline). Carries the evidence."""

    rule: str
    verdict: Verdict
    message: str
    obj: ObjectRef
    path: Path
    line: int | None

    @property
    def path_text(self) -> str:
        return render(self.path)


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding that a suppression silenced, with where the suppression came from."""

    finding: Finding
    source: str  # "annotation", "config", "baseline"
    reason: str


@dataclass(frozen=True, slots=True)
class InputError:
    """One input that could not be read (fully). Never fatal to the rest of the scan."""

    file: str
    line: int | None
    message: str
    obj: str | None = None  # "Deployment ns/name" when the problem is inside one object
    warning: bool = False  # a warning does not change the exit code

    def one_line(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.obj}: " if self.obj else ""
        kind = "warning" if self.warning else "error"
        return f"{where}: {kind}: {what}{self.message}"


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    MANUAL = "manual"
    NOT_EVALUATED = "not evaluated"


@dataclass(slots=True)
class RuleTally:
    """Pass/fail/skip counts of one rule over all subjects it was evaluated on."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    manual: int = 0
    not_evaluated: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome is Outcome.PASS:
            self.passed += 1
        elif outcome is Outcome.FAIL:
            self.failed += 1
        elif outcome is Outcome.SKIP:
            self.skipped += 1
        elif outcome is Outcome.MANUAL:
            self.manual += 1
        else:
            self.not_evaluated += 1


@dataclass(slots=True)
class Stats:
    files: int = 0
    documents: int = 0
    objects: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    unchecked_kinds: dict[str, int] = field(default_factory=dict)
