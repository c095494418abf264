"""Reporters: SARIF against the 2.1.0 schema, JUnit structure, text content, and no secrets.

Each report is produced through the command line (CliRunner) from manifests written here;
expected rules and lines come from those manifests, and other formats of the same run serve as
cross-checks (the JSON report's fingerprints identify findings in SARIF).
"""

from __future__ import annotations

import base64
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kubeward.cli import main
from kubeward.rules import default_catalogue
from tests.conformance.corpora import shared_dir

CATALOGUE = default_catalogue()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Two objects, three containers; findings open, suppressed by annotation, and an input error.
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
      annotations:
        kubeward.io/ignore.sidecar: "POD101 the sidecar loads a kernel module at start"
    spec:
      hostNetwork: true
      containers:
        - name: main
          image: nginx:1.25
          securityContext:
            privileged: true
        - name: sidecar
          image: busybox:1.36
          securityContext:
            privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  hostPID: true
  containers:
    - name: shell
      image: busybox:1.36
"""
SELECT = "POD101,POD201,POD202,POD204"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


# (rule, object, container, line) of every finding MANIFEST has for SELECT
OPEN = {
    ("POD101", "api", "main", line_of(MANIFEST, "privileged: true", 1)),
    ("POD201", "api", None, line_of(MANIFEST, "hostNetwork: true")),
    ("POD202", "debug", None, line_of(MANIFEST, "hostPID: true")),
}
SUPPRESSED = {("POD101", "api", "sidecar", line_of(MANIFEST, "privileged: true", 2))}
SIDECAR_REASON = "the sidecar loads a kernel module at start"


def scan(tmp_path: Path, fmt: str, *extra: str) -> tuple[Result, str]:
    path = write(tmp_path / "app.yaml", MANIFEST)
    return run("scan", path, "--select", SELECT, "-f", fmt, *extra), path


# ----------------------------------------------------------------------------------- SARIF


def _sarif_schema() -> dict[str, Any]:
    shared = shared_dir()
    schema = shared / "schemas" / "sarif-schema-2.1.0.json" if shared else None
    if schema is None or not schema.is_file():
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail("../shared/schemas/sarif-schema-2.1.0.json is required but missing")
        pytest.skip("../shared not present (set KUBEWARD_SHARED)")
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8"))
    return loaded


def _validate(doc: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _sarif_schema()
    cls = jsonschema.validators.validator_for(schema)
    assert schema["$schema"].startswith(cls.META_SCHEMA["$schema"].rstrip("#"))
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors[:10])


def _sarif(tmp_path: Path, *paths: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """SARIF and JSON reports of the same scan, and the manifest's path."""
    path = write(tmp_path / "app.yaml", MANIFEST)
    args = ["scan", path, *paths, "--select", SELECT]
    sarif = json.loads(run(*args, "-f", "sarif").stdout)
    report = json.loads(run(*args, "-f", "json").stdout)
    return sarif, report, path


def test_sarif_validates_against_the_schema(tmp_path: Path) -> None:
    sarif, _, _ = _sarif(tmp_path, str(tmp_path / "missing.yaml"))
    _validate(sarif)
    clean = write(tmp_path / "clean" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    _validate(json.loads(run("scan", clean, "-f", "sarif").stdout))


def test_sarif_rules_results_and_locations(tmp_path: Path) -> None:
    sarif, report, path = _sarif(tmp_path)
    (run_,) = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(SELECT.split(","))
    for r in rules:
        rule = CATALOGUE.get(r["id"])
        assert rule is not None
        assert r["name"] == rule.slug
        assert r["shortDescription"]["text"] == rule.title
        assert r["properties"]["severity"] == rule.severity.label
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels == {"POD101": "error", "POD201": "error", "POD202": "error", "POD204": "warning"}

    by_fp = {f["fingerprint"]: f for f in report["findings"] + report["suppressed"]}
    got_open, got_suppressed = set(), set()
    for res in run_["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        finding = by_fp[res["partialFingerprints"]["kubeward/v1"]]
        assert finding["rule"] == res["ruleId"]
        (loc,) = res["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"] == path  # a plain path needs no escaping
        assert phys["region"]["startLine"] == finding["line"]
        assert loc["logicalLocations"][0]["fullyQualifiedName"] == (
            f"shop/{finding['kind']}/{finding['name']}"
        )
        key = (res["ruleId"], finding["name"], finding["container"], finding["line"])
        (got_suppressed if "suppressions" in res else got_open).add(key)
    assert got_open == OPEN
    assert got_suppressed == SUPPRESSED


def test_sarif_suppressions_carry_the_justification(tmp_path: Path) -> None:
    sarif, _, _ = _sarif(tmp_path)
    suppressed = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    (sup,) = suppressed[0]["suppressions"]
    assert sup["kind"] == "inSource"
    assert sup["justification"] == SIDECAR_REASON
    assert suppressed[0]["ruleId"] == "POD101"


def test_sarif_external_suppression_from_config(tmp_path: Path) -> None:
    config = write(
        tmp_path / "kw.yaml",
        "exemptions:\n  - rules: [POD202]\n    names: [debug]\n    reason: break-glass pod\n",
    )
    _, path = scan(tmp_path, "json")
    args = ("scan", path, "--select", "POD202", "--config", config, "-f", "sarif")
    sarif = json.loads(run(*args).stdout)
    (res,) = sarif["runs"][0]["results"]
    assert res["suppressions"][0]["kind"] == "external"
    assert res["suppressions"][0]["justification"] == "break-glass pod"


def test_sarif_input_errors_are_notifications(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    sarif, _, _ = _sarif(tmp_path, missing)
    (inv,) = sarif["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == f"{missing}: error: no such file or directory"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "missing.yaml"
    )
    # findings of the readable file are still there
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"POD101", "POD201", "POD202"}

    clean, _, _ = _sarif(tmp_path)
    (inv,) = clean["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is True
    assert inv["toolExecutionNotifications"] == []


# ----------------------------------------------------------------------------------- JUnit


def _check_counts(el: ET.Element, cases: list[ET.Element]) -> None:
    assert int(el.get("tests", "-1")) == len(cases)
    for attr, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        assert int(el.get(attr, "-1")) == sum(1 for c in cases if c.find(tag) is not None), attr


def test_junit_structure_and_counts(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    path = write(tmp_path / "app.yaml", MANIFEST)
    result = run("scan", path, missing, "--select", SELECT, "-f", "junit")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    _check_counts(root, list(root.iter("testcase")))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    slugs = {r.code: r.slug for r in CATALOGUE}
    assert set(suites) == {f"{c} {slugs[c]}" for c in SELECT.split(",")} | {"input"}
    for suite in suites.values():
        _check_counts(suite, suite.findall("testcase"))

    failures = {
        (c.get("classname"), c.get("name"), int(c.get("line", "0")), f.get("type"))
        for c in root.iter("testcase")
        for f in c.findall("failure")
    }
    assert failures == {
        ("POD101", "Deployment shop/api [main]", line_of(MANIFEST, "privileged: true"), "critical"),
        ("POD201", "Deployment shop/api", line_of(MANIFEST, "hostNetwork: true"), "high"),
        ("POD202", "Pod shop/debug", line_of(MANIFEST, "hostPID: true"), "high"),
    }
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            assert case.get("file") == path
            assert failure.text is not None and f"{path}:{case.get('line')} spec." in failure.text

    skipped = [
        (c.get("classname"), c.get("name"), s.get("message"))
        for c in root.iter("testcase")
        for s in c.findall("skipped")
    ]
    assert skipped == [("POD101", "Deployment shop/api [sidecar]", f"annotation: {SIDECAR_REASON}")]
    (error_case,) = suites["input"].findall("testcase")
    error = error_case.find("error")
    assert error is not None and error.get("message") == "no such file or directory"


def test_junit_stays_well_formed_with_control_characters(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        '  name: "odd\\x07name"\n  namespace: shop\n'
        "spec:\n  containers:\n"
        '    - name: "c\\x1b[32mOK"\n      image: nginx\n'
        "      securityContext:\n        privileged: true\n"
    )
    path = write(tmp_path / "odd.yaml", manifest)
    result = run("scan", path, "--select", "POD101", "-f", "junit")
    root = ET.fromstring(result.stdout)  # raises if the XML is not well-formed
    (case,) = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert case.get("name") == "Pod shop/odd\\x07name [c\\x1b[32mOK]"


# ------------------------------------------------------------------------------------ text


def test_text_lists_each_finding_with_code_and_line(tmp_path: Path) -> None:
    result, path = scan(tmp_path, "text")
    text = ANSI.sub("", result.stdout)
    for rule, _, container, line in OPEN:
        pattern = rf"^\s+{line}\s+\w+\s+{rule}\s"
        matches = [m for m in re.finditer(pattern, text, re.M)]
        assert len(matches) == 1, (rule, line)
        if container:
            assert f'container "{container}"' in text[matches[0].start() :].splitlines()[0]
    for rule, _, _, line in SUPPRESSED:
        assert not re.search(rf"^\s+{line}\s+\w+\s+{rule}\s", text, re.M)
    assert f"{path}:1  Deployment shop/api" in text
    debug_line = line_of(MANIFEST, "kind: Pod") - 1
    assert f"{path}:{debug_line}  Pod shop/debug" in text
    assert text.rstrip().splitlines()[-1] == (
        "3 findings (1 critical, 2 high) in 2 objects from 1 file; "
        "1 suppressed, shown with --show-suppressed"
    )


def test_text_does_not_pass_terminal_escapes_through(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  containers:\n"
        '    - name: "c\\x1b[2K\\rOK"\n      image: nginx\n'
        "      securityContext:\n        privileged: true\n"
    )
    path = write(tmp_path / "esc.yaml", manifest)
    result = run("scan", path, "--select", "POD101")
    assert "\x1b" not in result.stdout and "\r" not in result.stdout
    assert 'container "c\\x1b[2K\\rOK" runs privileged' in result.stdout


# --------------------------------------------------------------------------------- secrets

PASSWORD = "Tr0ub4dor&3-horse-battery"
ENV_PASSWORD = "hunter2-literal-Secret!"
TOKEN = "ghp_0123456789abcdefABCDEF0123456789abcd"


def secrets_manifest() -> str:
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    return f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: {encoded}
stringData:
  token: {TOKEN}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: default
  annotations:
    kubeward.io/ignore: "POD101 accepted for this test"
spec:
  selector:
    matchLabels: {{app: app}}
  template:
    metadata:
      labels: {{app: app}}
    spec:
      containers:
        - name: app
          image: nginx
          command: ["sudo", "mysql", "--password={ENV_PASSWORD}"]
          env:
            - name: DB_PASSWORD
              value: "{ENV_PASSWORD}"
            - name: DB_PASSWORD
              value: "{ENV_PASSWORD}"
            - name: API_TOKEN
              value: {TOKEN}
          securityContext:
            privileged: true
"""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_secrets_never_printed(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / "secret.yaml", secrets_manifest())
    result = run("scan", path, "-f", fmt, "--show-suppressed")
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    for value in (PASSWORD, encoded, ENV_PASSWORD, TOKEN, "hunter2", "Tr0ub4dor"):
        assert value not in output, f"{value!r} printed in {fmt}"
    # the findings next to the secrets are reported (so the check above means something)
    data = json.loads(run("scan", path, "-f", "json").stdout)
    rules = Counter(f["rule"] for f in data["findings"])
    assert rules["POD304"] == 1  # the duplicated DB_PASSWORD
    assert rules["POD303"] == 1  # sudo in the command carrying --password=
    assert ("NS002", "Secret") in {(f["rule"], f["kind"]) for f in data["findings"]}
