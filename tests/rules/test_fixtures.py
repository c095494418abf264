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
EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)\s*$")
OPTIONS = re.compile(r"^(?:#|//)\s*options:\s*(\{.*\})\s*$")
# Fixture formats: YAML manifests; AKS cluster configuration as JSON (az, ARM), Terraform and
# Bicep. Formats with comments mark lines with `# expect:` or `// expect:`; JSON has a sidecar
# `NAME.expect` with one `LINE: CODE[, CODE]` per line (and an optional `options: {json}`).
SUFFIXES = (".yaml", ".json", ".tf", ".bicep")


def root_fixtures() -> list[Path]:
    """Directories holding a host's root file system (see the end of this module)."""
    return sorted(
        p for p in EXAMPLES.glob("*/*") if p.is_dir() and p.name.startswith(("pass", "fail"))
    )


def fixture_files() -> list[Path]:
    return sorted(
        [
            p
            for suffix in SUFFIXES
            for p in EXAMPLES.glob(f"*/*{suffix}")
            if not p.name.endswith(".fixed.yaml")
        ]
        + root_fixtures()
    )


def expectations(path: Path) -> Counter[tuple[str, int]]:
    out: Counter[tuple[str, int]] = Counter()
    if path.suffix == ".json":
        sidecar = path.with_suffix(".expect")
        text = sidecar.read_text(encoding="utf-8") if sidecar.exists() else ""
        for line in text.splitlines():
            m = re.fullmatch(r"\s*(\d+)\s*:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)\s*", line)
            if m:
                for code in m.group(2).split(","):
                    out[(code.strip(), int(m.group(1)))] += 1
        return out
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            for code in m.group(1).split(","):
                out[(code.strip(), lineno)] += 1
    return out


def options(path: Path) -> dict[str, object]:
    sidecar = path.with_suffix(".expect")
    source = sidecar if path.suffix == ".json" and sidecar.exists() else path
    first = [
        line.replace("options:", "# options:", 1) if source is sidecar else line
        for line in source.read_text(encoding="utf-8").splitlines()
        if source is not sidecar or line.startswith("options:")
    ][:1]
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
    if path.is_dir():
        check_root_fixture(path, rule)
        return
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


# ------------------------------------------------------------------ root file system fixtures
#
# Rules on a node host (NODE) are tested with directories `pass-*/` and `fail-*/` that hold:
#
# - `root/`: the host's root file system (what `kubeward node --root` reads);
# - `proc/` (optional): a procfs to read runtime state from (a live audit);
# - `sshd-T.txt` (optional): what `sshd -T` prints on that host (live);
# - `stat.txt` (optional): `PATH MODE [UID:GID]` lines, applied to a copy of the fixture
#   (git keeps neither modes beyond 644/755 nor owners);
# - `expect.txt`: `CODE FILE[:LINE] [manual|not-evaluated]` per expected finding or note (FILE
#   relative to the fixture, e.g. `root/etc/login.defs:165`), `error FILE[:LINE]` per expected
#   input error, and an optional `# options: {json}` first line. Files whose format has
#   trailing comments (sshd_config, YAML) may instead carry `# expect: CODE` on the line.
#
# Findings AND notes must match exactly: a pass fixture may expect notes, never failures.

ROOT_EXPECT = re.compile(
    r"^\s*([A-Z]+\d{3}|error)\s+(\S+?)(?::(\d+))?(?:\s+(manual|not-evaluated))?\s*$"
)


def _root_expectations(copy: Path) -> tuple[Counter[tuple[str, str, int, str]], dict[str, object]]:
    expected: Counter[tuple[str, str, int, str]] = Counter()
    opts: dict[str, object] = {}
    sidecar = copy / "expect.txt"
    for n, line in enumerate(
        sidecar.read_text(encoding="utf-8").splitlines() if sidecar.exists() else []
    ):
        m = OPTIONS.match(line)
        if n == 0 and m:
            opts = json.loads(m.group(1))
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = ROOT_EXPECT.match(line)
        assert m, f"expect.txt: cannot read {line!r}"
        verdict = m.group(4) or ("error" if m.group(1) == "error" else "fail")
        expected[(m.group(1), m.group(2), int(m.group(3) or 0), verdict)] += 1
    for file in sorted((copy / "root").rglob("*")):
        if file.is_symlink() or not file.is_file():
            continue
        rel = file.relative_to(copy).as_posix()
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            m = EXPECT.search(line)
            if m:
                for code in m.group(1).split(","):
                    expected[(code.strip(), rel, lineno, "fail")] += 1
    return expected, opts


def _apply_stat(copy: Path) -> None:
    """Owners root:root by default (as on a real host), then the modes and owners of stat.txt."""
    import os

    sidecar = copy / "stat.txt"
    lines = sidecar.read_text(encoding="utf-8").splitlines() if sidecar.exists() else []
    if os.geteuid() != 0:
        pytest.skip("root fixtures set file owners with chown, which needs root (CI runs as root)")
    for path in [copy, *copy.rglob("*")]:
        os.lchown(path, 0, 0)
    for line in lines:
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        target = copy / parts[0]
        os.chmod(target, int(parts[1], 8))
        if len(parts) > 2:
            uid, gid = parts[2].split(":")
            os.lchown(target, int(uid), int(gid))


def check_root_fixture(path: Path, rule: object) -> None:
    import shutil
    import tempfile

    from kubeward.catalogue import Rule
    from kubeward.config import Config
    from kubeward.loaders.node import RootFiles, host_from, parse_sshd_t, read_runtime
    from kubeward.scan import Engine

    assert isinstance(rule, Rule)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copytree(path, copy, symlinks=True)
        _apply_stat(copy)
        expected, opts = _root_expectations(copy)
        sshd_t = copy / "sshd-T.txt"

        def sshd() -> dict[str, str] | None:
            return parse_sshd_t(sshd_t.read_text(encoding="utf-8")) if sshd_t.exists() else None

        proc = copy / "proc"
        runtime = read_runtime(str(proc), sshd) if proc.is_dir() else None
        loaded = host_from(RootFiles(str(copy / "root")), runtime)
        engine = Engine(
            default_catalogue(), Config(options={rule.code: opts} if opts else {}), only=[rule]
        )
        engine.report.errors.extend(loaded.errors)
        engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
        report = engine.finish()

        def rel(file: str) -> str:
            return Path(file).relative_to(copy).as_posix() if file.startswith(str(copy)) else file

        got: Counter[tuple[str, str, int, str]] = Counter()
        for f in report.findings:
            got[(f.rule, rel(f.obj.file), f.line or 0, "fail")] += 1
        for n in report.notes:
            verdict = n.verdict.value.replace(" ", "-")
            got[(n.rule, rel(n.obj.file), n.line or 0, verdict)] += 1
        for e in report.errors:
            if not e.warning:
                got[("error", rel(e.file), e.line or 0, "error")] += 1
    detail = (
        "\n".join(f"  {c} {f}:{line} {v}" for (c, f, line, v) in sorted(got.elements()))
        + "\n"
        + "\n".join(f"  {f.rule} {f.message} [{f.path_text}]" for f in report.findings)
    )
    if path.name.startswith("pass"):
        assert not any(v == "fail" for (_, _, _, v) in expected), "pass fixtures expect no failure"
    else:
        assert any(v == "fail" for (_, _, _, v) in expected), "fail fixtures expect a failure"
    assert all(c in (rule.code, "error") for c, _, _, _ in expected), "only the rule's own code"
    assert got == expected, f"expected {sorted(expected.elements())}, got:\n{detail}"
