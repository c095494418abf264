"""The `kubeward` command line: exit codes, formats, selection, stdin, Lists, rules, pss, help.

Expectations are derived from the manifests written here (line numbers are looked up in the
text), never copied from a run. Most tests use click's CliRunner (fast, in-process); a few run
`python -m kubeward` as a subprocess to cover the real entry point, stdin and streams.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import kubeward
from kubeward.analysis import pss
from kubeward.cli import main
from kubeward.rules import default_catalogue

CATALOGUE = default_catalogue()
ALL_CODES = [r.code for r in CATALOGUE]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
"""

# Hardened, but without namespace, labels and hostUsers: only INFO rules have something to say.
DIGEST = "sha256:" + "0123456789abcdef" * 4
INFO_ONLY_POD = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: quiet
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: registry.example.com/app@{DIGEST}
      imagePullPolicy: Always
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
"""

TWO_PODS = """\
apiVersion: v1
kind: Pod
metadata:
  name: first
  namespace: shop
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: second
  namespace: shop
spec:
  hostNetwork: true
  containers:
    - name: app
      image: nginx:1.25
"""

HELM_STREAM = """\
---
# Source: demo/templates/namespace.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: demo
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
# Source: demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo-web
  namespace: demo
spec:
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: nginx:1.25
"""

LISTS = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: one
      namespace: apps
    spec:
      hostNetwork: true
      containers:
        - name: c
          image: nginx:1.25
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: apps
---
apiVersion: v1
kind: PodList
items:
  - metadata:
      name: two
      namespace: apps
    spec:
      hostPID: true
      containers:
        - name: c
          image: nginx:1.25
"""


# ------------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory (no stray .kubeward.yaml) with plain, uncoloured output."""
    monkeypatch.chdir(tmp_path)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "120")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def run_process(
    *args: str, input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [sys.executable, "-m", "kubeward", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


def findings(result: Result | subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    found: list[dict[str, Any]] = data["findings"]
    return found


def rule_lines(result: Result | subprocess.CompletedProcess[str]) -> set[tuple[str, int | None]]:
    return {(f["rule"], f["line"]) for f in findings(result)}


def plain(text: str) -> str:
    return ANSI.sub("", text)


# ------------------------------------------------------------------------------ exit codes


def test_info_findings_alone_exit_0_by_default(tmp_path: Path) -> None:
    path = write(tmp_path / "quiet.yaml", INFO_ONLY_POD)
    args = ("scan", path, "--select", "NS002,POD119,POD301", "-f", "json")
    result = run(*args)
    assert result.exit_code == 0, result.output
    meta, spec = line_of(INFO_ONLY_POD, "metadata:"), line_of(INFO_ONLY_POD, "spec:")
    assert rule_lines(result) == {("NS002", meta), ("POD301", meta), ("POD119", spec)}
    assert {f["severity"] for f in findings(result)} == {"info"}
    assert run(*args, "--fail-on", "info").exit_code == 1
    assert run(*args, "--fail-on", "low").exit_code == 0


def test_finding_exits_1_and_fail_on_thresholds(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    privileged = line_of(PRIVILEGED_POD, "privileged: true")
    result = run("scan", path, "--select", "POD101", "-f", "json")
    assert result.exit_code == 1
    assert rule_lines(result) == {("POD101", privileged)}
    assert run("scan", path, "--select", "POD101", "--fail-on", "none").exit_code == 0
    assert run("scan", path, "--select", "POD101", "--fail-on", "critical").exit_code == 1
    # POD102 is medium: below high, at medium.
    assert run("scan", path, "--select", "POD102", "--fail-on", "high").exit_code == 0
    assert run("scan", path, "--select", "POD102", "--fail-on", "medium").exit_code == 1
    assert run("scan", path, "--select", "POD101,POD102", "--fail-on", "high").exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--bogus", "{path}"], "No such option"),
        (["scan", "--select", "NOPE", "{path}"], "unknown rule or prefix 'NOPE'"),
        (["scan", "--ignore", "POD101,XYZ9", "{path}"], "unknown rule or prefix 'XYZ9'"),
        (["scan"], "give PATH... to scan, or --cluster"),
        (["scan", "-f", "xml", "{path}"], "'xml' is not one of"),
        (["scan", "--fail-on", "severe", "{path}"], "'severe' is not one of"),
        (["scan", "--max-file-size", "lots", "{path}"], "is not a size"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    result = run(*[a.replace("{path}", path) for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_missing_path_is_an_input_error_even_with_findings(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    missing = str(tmp_path / "nope.yaml")
    result = run("scan", path, missing, "--select", "POD101", "-f", "json")
    assert result.exit_code == 2
    assert rule_lines(result) == {("POD101", line_of(PRIVILEGED_POD, "privileged: true"))}
    data = json.loads(result.stdout)
    assert data["errors"] == [
        {
            "file": missing,
            "line": None,
            "object": None,
            "message": "no such file or directory",
            "level": "error",
        }
    ]
    assert f"kubeward: {missing}: error: no such file or directory" in result.stderr
    # --fail-on none does not hide a failed input
    assert run("scan", path, missing, "--fail-on", "none").exit_code == 2


def test_broken_yaml_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web: x\n"
    bad = write(tmp_path / "bad.yaml", broken)
    good = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    result = run("scan", bad, good, "--select", "POD101", "-f", "json")
    assert result.exit_code == 2
    errors = json.loads(result.stdout)["errors"]
    assert [(e["file"], e["level"]) for e in errors] == [(bad, "error")]
    assert errors[0]["message"].startswith("YAML error: mapping values are not allowed")
    assert errors[0]["line"] == line_of(broken, "name: web: x")
    assert rule_lines(result) == {("POD101", line_of(PRIVILEGED_POD, "privileged: true"))}


def test_warnings_do_not_change_the_exit_code(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", "replicaCount: 2\nimage: nginx\n")
    result = run("scan", values, "-f", "json")
    assert result.exit_code == 0
    errors = json.loads(result.stdout)["errors"]
    assert [(e["file"], e["line"], e["level"]) for e in errors] == [(values, 1, "warning")]
    assert "no kind" in errors[0]["message"]


# --------------------------------------------------------------------------------- formats


def test_text_groups_by_file_and_object_and_ends_with_summary(tmp_path: Path) -> None:
    path = write(tmp_path / "two.yaml", TWO_PODS)
    result = run("scan", path, "--select", "POD101,POD201")
    assert result.exit_code == 1
    lines = plain(result.stdout).rstrip("\n").splitlines()
    second_start = line_of(TWO_PODS, "---") + 1
    head1 = f"{path}:1  Pod shop/first"
    head2 = f"{path}:{second_start}  Pod shop/second"
    assert head1 in lines and head2 in lines
    i1, i2 = lines.index(head1), lines.index(head2)
    assert i1 < i2
    privileged = line_of(TWO_PODS, "privileged: true")
    host_net = line_of(TWO_PODS, "hostNetwork: true")
    block1, block2 = lines[i1 + 1 : i2], lines[i2 + 1 :]
    assert re.match(rf"^\s+{privileged}\s+CRITICAL\s+POD101\s+container \"app\" ", block1[0])
    assert block1[1].strip() == "spec.containers[0].securityContext.privileged"
    assert re.match(rf"^\s+{host_net}\s+HIGH\s+POD201\s+", block2[0])
    assert block2[1].strip() == "spec.hostNetwork"
    assert not any("POD201" in line for line in block1)
    assert lines[-1] == "2 findings (1 critical, 1 high) in 2 objects from 1 file"


def test_text_summary_without_findings(tmp_path: Path) -> None:
    path = write(tmp_path / "quiet.yaml", INFO_ONLY_POD)
    result = run("scan", path, "--select", "POD101")
    assert result.exit_code == 0
    assert plain(result.stdout).strip() == "0 findings in 1 object from 1 file"


def test_json_finding_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    result = run("scan", path, "--select", "POD101,POD102", "-f", "json")
    data = json.loads(result.stdout)
    assert set(data) >= {"findings", "errors", "suppressed", "summary", "results"}
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert set(by_rule) == {"POD101", "POD102"}
    f = by_rule["POD101"]
    expected = {
        "rule": "POD101",
        "severity": "critical",
        "kind": "Pod",
        "namespace": "prod",
        "name": "web",
        "container": "app",
        "file": path,
        "line": line_of(PRIVILEGED_POD, "privileged: true"),
        "path": "spec.containers[0].securityContext.privileged",
        "slug": "privileged-container",
        "apiVersion": "v1",
    }
    assert {k: f[k] for k in expected} == expected
    assert "privileged" in f["message"] and '"app"' in f["message"]
    # POD102 points at the missing field's nearest parent: the securityContext line
    assert by_rule["POD102"]["line"] == line_of(PRIVILEGED_POD, "securityContext:")
    assert by_rule["POD102"]["path"] == (
        "spec.containers[0].securityContext.allowPrivilegeEscalation"
    )
    assert data["errors"] == []
    assert data["summary"]["findings"] == 2
    assert data["summary"]["by_severity"] == {
        "critical": 1,
        "high": 0,
        "medium": 1,
        "low": 0,
        "info": 0,
    }
    assert set(data["results"]) == {"POD101", "POD102"}


def test_sarif_and_junit_formats(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    sarif = json.loads(run("scan", path, "--select", "POD101", "-f", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    (res,) = sarif["runs"][0]["results"]
    assert res["ruleId"] == "POD101"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line_of(PRIVILEGED_POD, "privileged: true")
    junit = ET.fromstring(run("scan", path, "--select", "POD101", "-f", "junit").stdout)
    assert junit.tag == "testsuites"
    failures = junit.findall(".//failure")
    assert [f.get("type") for f in failures] == ["critical"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_output_file(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    out = tmp_path / f"report.{fmt}"
    result = run("scan", path, "--select", "POD101", "-f", fmt, "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "\x1b[" not in text
    assert "POD101" in text
    direct = run("scan", path, "--select", "POD101", "-f", fmt).stdout
    assert text == direct


def test_output_file_in_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", PRIVILEGED_POD)
    result = run("scan", path, "-f", "json", "-o", str(tmp_path / "no" / "such" / "r.json"))
    assert result.exit_code == 2
    assert "cannot write report" in result.stderr


# ------------------------------------------------------------------------------- selection

SELECTION_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: mixed
  namespace: apps
spec:
  hostNetwork: true
  containers:
    - name: app
      image: nginx
      securityContext:
        privileged: true
"""


def _ran(result: Result) -> set[str]:
    return set(json.loads(result.stdout)["results"])


def test_select_by_code_slug_and_prefix(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", SELECTION_POD)
    privileged = line_of(SELECTION_POD, "privileged: true")
    host_net = line_of(SELECTION_POD, "hostNetwork: true")
    image = line_of(SELECTION_POD, "image: nginx")

    by_slug = run("scan", path, "--select", "privileged-container,host-network", "-f", "json")
    assert _ran(by_slug) == {"POD101", "POD201"}
    assert rule_lines(by_slug) == {("POD101", privileged), ("POD201", host_net)}

    repeated = run("scan", path, "--select", "IMG001", "--select", "POD201", "-f", "json")
    assert _ran(repeated) == {"IMG001", "POD201"}
    assert rule_lines(repeated) == {("IMG001", image), ("POD201", host_net)}

    by_prefix = run("scan", path, "--select", "POD2", "-f", "json")
    assert _ran(by_prefix) == {c for c in ALL_CODES if c.startswith("POD2")}
    assert ("POD201", host_net) in rule_lines(by_prefix)
    assert all(f["rule"].startswith("POD2") for f in findings(by_prefix))

    lower = run("scan", path, "--select", "pod101", "-f", "json")
    assert rule_lines(lower) == {("POD101", privileged)}


def test_ignore_by_code_slug_and_prefix(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", SELECTION_POD)
    result = run("scan", path, "--ignore", "POD1,host-network", "--ignore", "IMG001", "-f", "json")
    expected = {c for c in ALL_CODES if not c.startswith("POD1")} - {"POD201", "IMG001"}
    assert _ran(result) == expected
    rules = {f["rule"] for f in findings(result)}
    assert not rules & {"POD101", "POD201", "IMG001"}
    assert not any(r.startswith("POD1") for r in rules)

    both = run("scan", path, "--select", "POD", "--ignore", "POD1,POD3", "-f", "json")
    assert _ran(both) == {c for c in ALL_CODES if c.startswith("POD2")}


# ----------------------------------------------------------------------- stdin and Lists


def _stdin_expectations() -> set[tuple[str, str, str, int]]:
    return {
        ("NS007", "Deployment", "demo-web", line_of(HELM_STREAM, "      hostNetwork: true") - 1),
        ("POD201", "Deployment", "demo-web", line_of(HELM_STREAM, "hostNetwork: true")),
    }


def test_stdin_helm_stream() -> None:
    result = run("scan", "-", "--select", "NS007,POD201", "-f", "json", input=HELM_STREAM)
    assert result.exit_code == 1, result.stderr
    got = {(f["rule"], f["kind"], f["name"], f["line"]) for f in findings(result)}
    # NS007 points at the pod spec (the line before hostNetwork), POD201 at hostNetwork
    assert got == _stdin_expectations()
    assert {f["file"] for f in findings(result)} == {"<stdin>"}
    summary = json.loads(result.stdout)["summary"]
    assert (summary["files"], summary["documents"], summary["objects"]) == (1, 2, 2)
    assert summary["kinds"] == {"Deployment": 1, "Namespace": 1}


def test_stdin_through_the_real_entry_point() -> None:
    proc = run_process("scan", "-", "--select", "NS007,POD201", "-f", "json", input=HELM_STREAM)
    assert proc.returncode == 1, proc.stderr
    got = {(f["rule"], f["kind"], f["name"], f["line"]) for f in findings(proc)}
    assert got == _stdin_expectations()


def test_list_and_typed_list_are_expanded(tmp_path: Path) -> None:
    path = write(tmp_path / "lists.yaml", LISTS)
    result = run("scan", path, "--select", "POD201,POD202,NS001", "-f", "json")
    got = {(f["rule"], f["kind"], f["namespace"], f["name"], f["line"]) for f in findings(result)}
    assert got == {
        ("POD201", "Pod", "apps", "one", line_of(LISTS, "hostNetwork: true")),
        ("POD202", "Pod", "apps", "two", line_of(LISTS, "hostPID: true")),
    }
    summary = json.loads(result.stdout)["summary"]
    assert summary["objects"] == 3
    assert summary["kinds"] == {"ConfigMap": 1, "Pod": 2}
    assert json.loads(result.stdout)["errors"] == []


# ----------------------------------------------------------------------------------- rules


def test_rules_list_text() -> None:
    result = run("rules", "list")
    assert result.exit_code == 0
    lines = plain(result.stdout).splitlines()
    assert [line.split()[0] for line in lines] == ALL_CODES
    pod101 = next(line for line in lines if line.startswith("POD101"))
    assert pod101.split()[:3] == ["POD101", "critical", "privileged-container"]
    assert pod101.endswith("Container runs privileged.")


def test_rules_list_json() -> None:
    result = run("rules", "list", "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["code"] for r in data] == ALL_CODES
    by_code = {r["code"]: r for r in data}
    assert by_code["POD101"] == {
        "code": "POD101",
        "slug": "privileged-container",
        "severity": "critical",
        "title": "Container runs privileged.",
        "options": {},
    }
    assert by_code["IMG004"]["options"] == {"allowed_registries": []}
    assert by_code["NS002"]["severity"] == "info"


def test_rules_explain() -> None:
    result = run("rules", "explain", "POD101")
    assert result.exit_code == 0
    text = plain(result.stdout)
    assert "POD101 privileged-container" in text
    assert "Container runs privileged." in text
    for section in ("Why it matters", "Fix", "References", "Examples", "Suppress"):
        assert re.search(rf"^\s*{section}\s*$", text, re.M), section
    assert "critical" in text
    # an example fixture, shown as YAML
    assert "privileged: true" in text
    assert "(passes)" in text and "(fails)" in text
    by_slug = plain(run("rules", "explain", "privileged-container").stdout)
    assert by_slug == text


def test_rules_explain_unknown_rule() -> None:
    result = run("rules", "explain", "NOPE")
    assert result.exit_code == 2
    assert "unknown rule 'NOPE'" in result.stderr
    assert result.stdout == ""


def test_rules_docs_check_and_generate(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    stale = run("rules", "docs", "--check", "-o", str(out))
    assert stale.exit_code == 1
    assert f"stale: {out / 'POD101.md'}" in stale.stderr
    assert not out.exists()  # --check writes nothing

    written = run("rules", "docs", "-o", str(out))
    assert written.exit_code == 0
    pages = sorted(p.name for p in out.iterdir())
    assert pages == sorted([f"{c}.md" for c in ALL_CODES] + ["README.md"])
    page = (out / "POD101.md").read_text(encoding="utf-8")
    assert page.startswith("# POD101 privileged-container\n")
    assert run("rules", "docs", "--check", "-o", str(out)).exit_code == 0

    (out / "POD102.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "OLD999.md").write_text("a rule that is gone\n", encoding="utf-8")
    again = run("rules", "docs", "--check", "-o", str(out))
    assert again.exit_code == 1
    stale_lines = [line for line in again.stderr.splitlines() if "stale:" in line]
    assert stale_lines == [
        f"kubeward: stale: {out / 'OLD999.md'}",
        f"kubeward: stale: {out / 'POD102.md'}",
    ]
    assert run("rules", "docs", "-o", str(out)).exit_code == 0
    assert not (out / "OLD999.md").exists()
    assert run("rules", "docs", "--check", "-o", str(out)).exit_code == 0


# ------------------------------------------------------------------------------------- pss


def _pss(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run("pss", *args, "-f", "json")
    return result.exit_code, json.loads(result.stdout) if result.stdout else []


def test_pss_restricted_json(tmp_path: Path) -> None:
    bad = write(tmp_path / "priv.yaml", PRIVILEGED_POD)
    good = write(tmp_path / "good.yaml", INFO_ONLY_POD)
    code, results = _pss("--level", "restricted", "--version", "v1.25", bad, good)
    assert code == 1
    assert [(r["file"], r["kind"], r["namespace"], r["name"], r["allowed"]) for r in results] == [
        (bad, "Pod", "prod", "web", False),
        (good, "Pod", None, "quiet", True),
    ]
    checks = {v["check"] for v in results[0]["violations"]}
    assert checks == {
        "privileged",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "seccompProfile_restricted",
    }
    assert all(set(v) >= {"check", "reason"} and v["reason"] for v in results[0]["violations"])
    assert results[1]["violations"] == []

    code, results = _pss("--level", "restricted", "--version", "v1.25", good)
    assert code == 0
    assert [r["allowed"] for r in results] == [True]


def test_pss_baseline_and_privileged_levels(tmp_path: Path) -> None:
    bad = write(tmp_path / "priv.yaml", PRIVILEGED_POD)
    lists = write(tmp_path / "lists.yaml", LISTS)
    code, results = _pss("--level", "baseline", "--version", "v1.25", bad)
    assert code == 1
    assert [v["check"] for v in results[0]["violations"]] == ["privileged"]

    code, results = _pss("--level", "privileged", bad, lists)
    assert code == 0
    assert [(r["name"], r["allowed"], r["violations"]) for r in results] == [
        ("web", True, []),
        ("one", True, []),
        ("two", True, []),
    ]


def test_pss_usage_and_input_errors(tmp_path: Path) -> None:
    bad = write(tmp_path / "priv.yaml", PRIVILEGED_POD)
    result = run("pss", "--level", "baseline", "--version", "v2.0", bad)
    assert result.exit_code == 2
    assert "v2.0" in result.stderr
    assert run("pss", "--level", "strict", bad).exit_code == 2
    assert run("pss", bad).exit_code == 2  # --level is required
    missing = run("pss", "--level", "baseline", bad, str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert "no such file or directory" in missing.stderr


def test_pss_text_shows_paths_literally(tmp_path: Path) -> None:
    # File names are not Rich markup: `[/b]` once crashed the text output.
    path = write(tmp_path / "q[/b]" / "[red]pod.yaml", PRIVILEGED_POD)
    result = run("pss", "--level", "baseline", path)
    assert result.exit_code == 1, result.output
    lines = plain(result.stdout).splitlines()
    assert lines[0].split() == ["denied", "Pod", "prod/web", f"{path}:1"]
    assert lines[1].strip().startswith("privileged: ")
    assert lines[-1] == f"0 allowed, 1 denied at baseline {pss.LATEST}"


# ------------------------------------------------------------------------- version and help


def test_version_flag() -> None:
    for flag in ("--version", "-V"):
        result = run(flag)
        assert result.exit_code == 0
        assert result.stdout.strip() == f"kubeward, version {kubeward.__version__}"
    proc = run_process("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"kubeward, version {kubeward.__version__}"


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["Exit codes", "0 nothing at or above --fail-on", "1 findings", "2 an input", "scan"]),
        (
            ["scan"],
            ["--format", "--fail-on", "--select", "--ignore", "--baseline", "standard input"],
        ),
        (["pss"], ["--level", "--version", "Pod Security", "Exit code 1"]),
        (["rules"], ["list", "explain", "docs"]),
        (["rules", "list"], ["--format"]),
        (["rules", "explain"], ["CODE"]),
        (["rules", "docs"], ["--check", "--output"]),
    ],
)
def test_help(command: list[str], mentions: list[str]) -> None:
    for flag in ("--help", "-h"):
        result = run(*command, flag)
        assert result.exit_code == 0
        text = " ".join(result.stdout.split())  # undo wrapping
        assert text.startswith("Usage: ")
        for word in mentions:
            assert word in text, word
