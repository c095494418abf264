"""The one fixture runner: every rule's pass/fail files, line-exact, rule under test only.

Fixtures live in src/kubeward/rules/examples/<CODE>/ (they ship with the package, because
`kubeward rules explain` shows them as the rule's examples):

- `pass*.yaml` must produce no finding of the rule;
- `fail*.yaml` must produce exactly the findings marked by `# expect: CODE` comments, on those
  lines (a line may carry several codes: `# expect: POD101, POD101`);
- an optional first line `# options: {json}` sets the rule's options for that file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "rules" / "examples"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)\s*$")
OPTIONS = re.compile(r"^#\s*options:\s*(\{.*\})\s*$")


def fixture_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*/*.yaml") if not p.name.endswith(".fixed.yaml"))


def expectations(path: Path) -> Counter[tuple[str, int]]:
    out: Counter[tuple[str, int]] = Counter()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            for code in m.group(1).split(","):
                out[(code.strip(), lineno)] += 1
    return out


def options(path: Path) -> dict[str, object]:
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    if first:
        m = OPTIONS.match(first[0])
        if m:
            parsed = json.loads(m.group(1))
            assert isinstance(parsed, dict)
            return parsed
    return {}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    from kubeward.config import Config

    code = path.parent.name
    catalogue = default_catalogue()
    rule = catalogue.get(code)
    assert rule is not None, f"fixture folder {code} names no rule"
    opts = options(path)
    config = Config(options={code: opts} if opts else {})
    report = scan_paths([str(path)], catalogue, config, only=[rule])
    assert not report.failed_inputs, [e.one_line() for e in report.failed_inputs]
    got = Counter((f.rule, f.line or 0) for f in report.findings)
    expected = expectations(path)
    if path.name.startswith("pass"):
        assert not expected, "pass fixtures carry no expect comments"
        assert not got, "expected no findings, got:\n" + "\n".join(
            f"  line {f.line}: {f.message}" for f in report.findings
        )
    else:
        assert path.name.startswith("fail"), "fixture names start with pass or fail"
        assert expected, "fail fixtures mark at least one finding with # expect:"
        assert all(c == code for c, _ in expected), "fail fixtures expect only their own rule"
        detail = "\n".join(f"  line {f.line}: {f.message} [{f.path_text}]" for f in report.findings)
        assert got == expected, f"expected {sorted(expected.elements())}, got:\n{detail}"
