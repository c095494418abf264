"""Suppressions: `kubeward.io/ignore` annotations, `.kubeward.yaml` configuration, baselines.

A suppressed finding must leave `findings`, appear in `suppressed` with its source and reason,
count in the summary and the rule tallies, and show in text with `--show-suppressed`.
Expected rules, containers and lines are derived from the manifests written here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kubeward.cli import main

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def report(*args: str) -> tuple[int, dict[str, Any]]:
    result = run(*args, "-f", "json")
    assert result.stdout, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, data


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


def open_keys(data: dict[str, Any]) -> set[tuple[str, str | None, int | None]]:
    return {(f["rule"], f["container"], f["line"]) for f in data["findings"]}


def suppressed_keys(data: dict[str, Any]) -> set[tuple[str, str | None, str, str]]:
    return {
        (f["rule"], f["container"], f["suppressed_by"], f["reason"]) for f in data["suppressed"]
    }


def deployment(object_ann: str = "", template_ann: str = "") -> str:
    """Two privileged containers (POD101 at each `privileged: true`), hostNetwork (POD201)."""

    def block(ann: str, indent: str) -> str:
        if not ann:
            return ""
        lines = [f"{indent}annotations:"]
        lines += [f"{indent}  {line}" for line in ann.strip().splitlines()]
        return "\n".join(lines) + "\n"

    return (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: agent\n"
        "  namespace: ops\n" + block(object_ann, "  ") + "spec:\n"
        "  selector:\n"
        "    matchLabels: {app: agent}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels: {app: agent}\n" + block(template_ann, "      ") + "    spec:\n"
        "      hostNetwork: true\n"
        "      containers:\n"
        "        - name: main\n"
        "          image: nginx:1.25\n"
        "          securityContext:\n"
        "            privileged: true\n"
        "        - name: side\n"
        "          image: busybox:1.36\n"
        "          securityContext:\n"
        "            privileged: true\n"
    )


SELECT = ("--select", "POD101,POD201")


def lines_of(manifest: str) -> tuple[int, int, int]:
    """Lines of main's and side's `privileged: true` and of `hostNetwork: true`."""
    return (
        line_of(manifest, "privileged: true", 1),
        line_of(manifest, "privileged: true", 2),
        line_of(manifest, "hostNetwork: true"),
    )


# ------------------------------------------------------------------------------ annotations


def test_no_annotation_reports_everything(tmp_path: Path) -> None:
    manifest = deployment()
    main_l, side_l, host_l = lines_of(manifest)
    code, data = report("scan", write(tmp_path / "d.yaml", manifest), *SELECT)
    assert code == 1
    assert open_keys(data) == {
        ("POD101", "main", main_l),
        ("POD101", "side", side_l),
        ("POD201", None, host_l),
    }
    assert data["suppressed"] == []
    assert data["results"]["POD101"] == {"passed": 0, "failed": 2, "skipped": 0}


def test_object_annotation_with_codes_and_reason(tmp_path: Path) -> None:
    manifest = deployment(object_ann='kubeward.io/ignore: "POD101,POD201 node agent, reviewed"')
    main_l, side_l, host_l = lines_of(manifest)
    code, data = report("scan", write(tmp_path / "d.yaml", manifest), *SELECT)
    assert code == 0
    assert data["findings"] == []
    reason = "node agent, reviewed"
    assert suppressed_keys(data) == {
        ("POD101", "main", "annotation", reason),
        ("POD101", "side", "annotation", reason),
        ("POD201", None, "annotation", reason),
    }
    assert {(f["rule"], f["line"]) for f in data["suppressed"]} == {
        ("POD101", main_l),
        ("POD101", side_l),
        ("POD201", host_l),
    }
    assert data["summary"]["suppressed"] == 3
    assert data["summary"]["findings"] == 0
    assert data["results"]["POD101"] == {"passed": 0, "failed": 0, "skipped": 2}
    assert data["results"]["POD201"] == {"passed": 0, "failed": 0, "skipped": 1}


def test_template_annotation_with_prefix(tmp_path: Path) -> None:
    manifest = deployment(template_ann='kubeward.io/ignore: "POD1 privileged by design"')
    _main_l, _side_l, host_l = lines_of(manifest)
    code, data = report("scan", write(tmp_path / "d.yaml", manifest), *SELECT)
    assert code == 1
    assert open_keys(data) == {("POD201", None, host_l)}  # POD201 is not under the POD1 prefix
    assert suppressed_keys(data) == {
        ("POD101", "main", "annotation", "privileged by design"),
        ("POD101", "side", "annotation", "privileged by design"),
    }


def test_container_annotation_narrows_to_one_container(tmp_path: Path) -> None:
    manifest = deployment(
        template_ann='kubeward.io/ignore.side: "privileged-container,host-network side only"'
    )
    main_l, _side_l, host_l = lines_of(manifest)
    code, data = report("scan", write(tmp_path / "d.yaml", manifest), *SELECT)
    assert code == 1
    # host-network is a pod-level finding (no container): a container annotation cannot hide it
    assert open_keys(data) == {("POD101", "main", main_l), ("POD201", None, host_l)}
    assert suppressed_keys(data) == {("POD101", "side", "annotation", "side only")}
    assert data["results"]["POD101"] == {"passed": 0, "failed": 1, "skipped": 1}


def test_container_annotation_on_the_object(tmp_path: Path) -> None:
    manifest = deployment(object_ann='kubeward.io/ignore.main: "POD101 main needs devices"')
    _main_l, side_l, _ = lines_of(manifest)
    _, data = report("scan", write(tmp_path / "d.yaml", manifest), "--select", "POD101")
    assert open_keys(data) == {("POD101", "side", side_l)}
    assert suppressed_keys(data) == {("POD101", "main", "annotation", "main needs devices")}


def test_annotation_without_reason_names_the_key(tmp_path: Path) -> None:
    manifest = deployment(object_ann='kubeward.io/ignore: "ALL"')
    _, data = report("scan", write(tmp_path / "d.yaml", manifest), *SELECT)
    assert data["findings"] == []
    assert {f["reason"] for f in data["suppressed"]} == {"kubeward.io/ignore (no reason given)"}


def test_annotation_for_other_rules_suppresses_nothing(tmp_path: Path) -> None:
    manifest = deployment(object_ann='kubeward.io/ignore: "POD2,IMG001 not these"')
    main_l, side_l, _host_l = lines_of(manifest)
    _, data = report("scan", write(tmp_path / "d.yaml", manifest), "--select", "POD101")
    assert open_keys(data) == {("POD101", "main", main_l), ("POD101", "side", side_l)}
    assert data["suppressed"] == []


def test_text_shows_suppressed_only_on_request(tmp_path: Path) -> None:
    manifest = deployment(template_ann='kubeward.io/ignore.side: "POD101 side only"')
    main_l, side_l, _host_l = lines_of(manifest)
    path = write(tmp_path / "d.yaml", manifest)
    hidden = ANSI.sub("", run("scan", path, *SELECT).stdout).splitlines()
    shown = ANSI.sub("", run("scan", path, *SELECT, "--show-suppressed").stdout).splitlines()

    def rows(lines: list[str], line: int) -> list[int]:
        return [i for i, t in enumerate(lines) if re.match(rf"^\s+{line}\s+CRITICAL\s+POD101", t)]

    assert rows(hidden, side_l) == []
    assert len(rows(hidden, main_l)) == 1
    assert hidden[-1] == (
        "2 findings (1 critical, 1 high) in 1 object from 1 file; "
        "1 suppressed, shown with --show-suppressed"
    )
    (i,) = rows(shown, side_l)
    assert shown[i + 1].strip() == (
        "spec.template.spec.containers[1].securityContext.privileged  "
        "suppressed: annotation: side only"
    )
    assert shown[-1] == "2 findings (1 critical, 1 high) in 1 object from 1 file; 1 suppressed"


# ----------------------------------------------------------------------------- configuration

CONFIG_POD = """\
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


def config_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}


def test_config_discovered_from_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "m" / "pod.yaml", CONFIG_POD)
    write(tmp_path / "m" / ".kubeward.yaml", "ignore: [POD101]\n")
    write(tmp_path / "m" / "sub" / "keep.txt", "")
    args = ["scan", "pod.yaml", "--select", "POD101,POD102", "-f", "json"]
    cmd = [sys.executable, "-m", "kubeward", *args]
    proc = subprocess.run(
        cmd, cwd=tmp_path / "m", capture_output=True, text=True, env=config_env(), timeout=60
    )
    assert proc.returncode == 1, proc.stderr
    assert {f["rule"] for f in json.loads(proc.stdout)["findings"]} == {"POD102"}
    assert set(json.loads(proc.stdout)["results"]) == {"POD102"}
    # from a subdirectory, the nearest parent's file applies
    proc = subprocess.run(
        [*cmd[:4], "../pod.yaml", *cmd[5:]],
        cwd=tmp_path / "m" / "sub",
        capture_output=True,
        text=True,
        env=config_env(),
        timeout=60,
    )
    assert {f["rule"] for f in json.loads(proc.stdout)["findings"]} == {"POD102"}
    # --no-config ignores it
    proc = subprocess.run(
        [*cmd, "--no-config"],
        cwd=tmp_path / "m",
        capture_output=True,
        text=True,
        env=config_env(),
        timeout=60,
    )
    assert {f["rule"] for f in json.loads(proc.stdout)["findings"]} == {"POD101", "POD102"}


def test_config_option_and_select_ignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    config = write(tmp_path / "elsewhere" / "kw.yaml", "select: [POD10]\nignore: [POD103]\n")
    _, data = report("scan", pod, "--config", config)
    ran = {c for c in data["results"]}
    assert ran == {f"POD10{i}" for i in range(1, 10)} - {"POD103"}
    assert "POD103" not in {f["rule"] for f in data["findings"]}
    assert "POD101" in {f["rule"] for f in data["findings"]}
    # --select replaces the file's select; --ignore adds to its ignore
    _, data = report("scan", pod, "--config", config, "--select", "POD1", "--ignore", "POD102")
    assert "POD113" in data["results"] and "POD201" not in data["results"]
    assert not {"POD102", "POD103"} & set(data["results"])
    # the same file found in the working directory
    write(tmp_path / ".kubeward.yaml", "select: [POD10]\nignore: [POD103]\n")
    monkeypatch.chdir(tmp_path)
    _, found = report("scan", pod)
    assert set(found["results"]) == ran


def test_config_severity_overrides_affect_exit_code(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    ape = line_of(CONFIG_POD, "securityContext:")
    args = ("scan", pod, "--select", "POD102", "--fail-on", "high")
    code, data = report(*args, "--no-config")
    assert code == 0
    assert [(f["rule"], f["severity"], f["line"]) for f in data["findings"]] == [
        ("POD102", "medium", ape)
    ]
    raised = write(tmp_path / "raise.yaml", "severity:\n  POD102: critical\n")
    code, data = report(*args, "--config", raised)
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in data["findings"]] == [("POD102", "critical")]
    # by slug, and lowering a critical rule below the threshold
    lowered = write(tmp_path / "lower.yaml", "severity:\n  privileged-container: low\n")
    code, data = report(
        "scan", pod, "--select", "POD101", "--fail-on", "medium", "--config", lowered
    )
    assert code == 0
    assert [(f["rule"], f["severity"]) for f in data["findings"]] == [("POD101", "low")]


def test_config_fail_on(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    config = write(tmp_path / "kw.yaml", "fail-on: critical\n")
    assert run("scan", pod, "--select", "POD102", "--config", config).exit_code == 0
    assert run("scan", pod, "--select", "POD101", "--config", config).exit_code == 1
    # the command line wins
    args = ("scan", pod, "--select", "POD102", "--config", config, "--fail-on", "medium")
    assert run(*args).exit_code == 1


EXEMPT_MANIFEST = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: kube-monitoring
spec:
  selector:
    matchLabels: {app: ne}
  template:
    metadata:
      labels: {app: ne}
    spec:
      hostNetwork: true
      containers:
        - name: exporter
          image: prom/node-exporter:1.8
          securityContext:
            privileged: true
        - name: proxy
          image: nginx:1.25
          securityContext:
            privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: node-exporter-web
  namespace: kube-monitoring
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: true
      containers:
        - name: exporter
          image: nginx:1.25
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: apps
spec:
  selector:
    matchLabels: {app: ne}
  template:
    metadata:
      labels: {app: ne}
    spec:
      hostNetwork: true
      containers:
        - name: exporter
          image: prom/node-exporter:1.8
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluent-bit
  namespace: kube-logging
spec:
  selector:
    matchLabels: {app: fb}
  template:
    metadata:
      labels: {app: fb}
    spec:
      hostNetwork: true
      containers:
        - name: exporter
          image: fluent/fluent-bit:3.0
"""

EXEMPT_CONFIG = """\
exemptions:
  - rules: [POD201]
    namespaces: ["kube-*"]
    kinds: [DaemonSet]
    names: ["node-exp*"]
    reason: node exporter reads host network statistics
  - rules: [privileged-container]
    containers: [exporter]
    reason: exporter reads hardware sensors
"""


def test_config_exemptions(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", EXEMPT_MANIFEST)
    config = write(tmp_path / "kw.yaml", EXEMPT_CONFIG)
    _, data = report("scan", path, "--select", "POD101,POD201", "--config", config)
    host = [line_of(EXEMPT_MANIFEST, "hostNetwork: true", n) for n in (1, 2, 3, 4)]
    priv = [line_of(EXEMPT_MANIFEST, "privileged: true", n) for n in (1, 2)]
    got_open = {
        (f["rule"], f["kind"], f["namespace"], f["container"], f["line"]) for f in data["findings"]
    }
    assert got_open == {
        # the Deployment: kinds does not match
        ("POD201", "Deployment", "kube-monitoring", None, host[1]),
        # the DaemonSet in apps: namespaces does not match
        ("POD201", "DaemonSet", "apps", None, host[2]),
        # fluent-bit: names does not match
        ("POD201", "DaemonSet", "kube-logging", None, host[3]),
        # the proxy container: containers does not match
        ("POD101", "DaemonSet", "kube-monitoring", "proxy", priv[1]),
    }
    got_suppressed = {
        (f["rule"], f["namespace"], f["container"], f["line"], f["suppressed_by"], f["reason"])
        for f in data["suppressed"]
    }
    assert got_suppressed == {
        (
            "POD201",
            "kube-monitoring",
            None,
            host[0],
            "config",
            "node exporter reads host network statistics",
        ),
        (
            "POD101",
            "kube-monitoring",
            "exporter",
            priv[0],
            "config",
            "exporter reads hardware sensors",
        ),
    }


def test_config_rule_options(tmp_path: Path) -> None:
    manifest = CONFIG_POD + (
        "    - name: sidecar\n      image: myregistry.azurecr.io/tools/sidecar:2.0\n"
    )
    pod = write(tmp_path / "pod.yaml", manifest)
    config = write(
        tmp_path / "kw.yaml",
        "options:\n  IMG004:\n    allowed_registries: [myregistry.azurecr.io]\n",
    )
    _, data = report("scan", pod, "--select", "IMG004", "--config", config)
    assert [(f["rule"], f["container"], f["line"]) for f in data["findings"]] == [
        ("IMG004", "app", line_of(manifest, "image: nginx"))
    ]
    # without the option the rule has no list to check against
    _, data = report("scan", pod, "--select", "IMG004", "--no-config")
    assert data["findings"] == []


@pytest.mark.parametrize(
    ("config", "needle", "message"),
    [
        ("select: [POD]\nselct: [POD1]\n", "selct", "unknown key 'selct'"),
        ("severity:\n  POD101: low\n  POD102: extreme\n", "POD102", "unknown severity 'extreme'"),
        ("fail-on: sometimes\n", "fail-on", "unknown severity 'sometimes'"),
        ("ignore:\n  - POD101\n  - XYZ999\n", "XYZ999", "unknown rule or prefix 'XYZ999'"),
        ("select: [POD1]\nignore: XYZ\n", "XYZ", "unknown rule or prefix 'XYZ'"),
        ("severity:\n  POD101: low\n  NOPE1: high\n", "NOPE1", "unknown rule 'NOPE1'"),
        ("severity:\n  POD1: info\n", "POD1", "unknown rule 'POD1'"),  # a prefix is not one rule
        (
            "exemptions:\n  - rules: [POD101]\n    reason: x\n  - rules: [POD2, NOPE]\n",
            "NOPE",
            "unknown rule or prefix 'NOPE'",
        ),
        (
            "exemptions:\n  - rules: [POD101]\n    namespace: [x]\n",
            "namespace:",
            "unknown key 'namespace'",
        ),
        (
            "options:\n  IMG004:\n    allowed_registries: [a.io]\n    allowed_registry: [b.io]\n",
            "allowed_registry:",
            "unknown option 'allowed_registry' for IMG004",
        ),
        ("options:\n  NOPE001: {a: 1}\n", "NOPE001", "unknown rule 'NOPE001'"),
    ],
)
def test_config_errors_name_file_and_line(
    tmp_path: Path, config: str, needle: str, message: str
) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    path = write(tmp_path / "kw.yaml", config)
    result = run("scan", pod, "--config", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}:{line_of(config, needle)}: " in result.stderr
    assert message in result.stderr


def test_config_error_in_discovered_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    write(tmp_path / ".kubeward.yaml", "ignore: [POD101]\nseverty: {}\n")
    monkeypatch.chdir(tmp_path)
    result = run("scan", pod)
    assert result.exit_code == 2
    assert f"{tmp_path / '.kubeward.yaml'}:2: " in result.stderr
    assert "unknown key 'severty'" in result.stderr


# --------------------------------------------------------------------------------- baselines

BASE_SELECT = ("--select", "POD101,POD204", "--no-config")
NEW_PROBLEM = "      ports:\n        - containerPort: 8080\n          hostPort: 8080\n"


def test_baseline_round_trip(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    baseline = str(tmp_path / "b.json")
    written = run("scan", pod, *BASE_SELECT, "--write-baseline", baseline, "-f", "json")
    assert written.exit_code == 1
    assert f"wrote 1 finding(s) to baseline {baseline}" in written.stderr
    (finding,) = json.loads(written.stdout)["findings"]
    stored = json.loads(Path(baseline).read_text(encoding="utf-8"))
    assert stored["version"] == 1
    assert [
        (e["fingerprint"], e["rule"], e["object"], e["container"]) for e in stored["findings"]
    ] == [(finding["fingerprint"], "POD101", "Pod prod/web", "app")]

    code, data = report("scan", pod, *BASE_SELECT, "--baseline", baseline)
    assert code == 0
    assert data["findings"] == []
    assert suppressed_keys(data) == {("POD101", "app", "baseline", "present in the baseline")}

    # a new problem is reported, the old one stays suppressed
    Path(pod).write_text(CONFIG_POD + NEW_PROBLEM, encoding="utf-8")
    code, data = report("scan", pod, *BASE_SELECT, "--baseline", baseline)
    assert code == 1
    manifest = CONFIG_POD + NEW_PROBLEM
    assert open_keys(data) == {("POD204", "app", line_of(manifest, "hostPort: 8080"))}
    assert {f["rule"] for f in data["suppressed"]} == {"POD101"}


def test_baseline_survives_line_shifts(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    baseline = str(tmp_path / "b.json")
    run("scan", pod, *BASE_SELECT, "--write-baseline", baseline)
    shifted = "# generated\n# by a tool\n\n---\n" + CONFIG_POD
    Path(pod).write_text(shifted, encoding="utf-8")
    code, data = report("scan", pod, *BASE_SELECT, "--baseline", baseline)
    assert code == 0
    assert data["findings"] == []
    assert [(f["rule"], f["line"]) for f in data["suppressed"]] == [
        ("POD101", line_of(shifted, "privileged: true"))
    ]


def test_writing_a_baseline_while_using_one_keeps_old_entries(tmp_path: Path) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    first, second = str(tmp_path / "1.json"), str(tmp_path / "2.json")
    run("scan", pod, *BASE_SELECT, "--write-baseline", first)
    Path(pod).write_text(CONFIG_POD + NEW_PROBLEM, encoding="utf-8")
    run("scan", pod, *BASE_SELECT, "--baseline", first, "--write-baseline", second)
    rules = [e["rule"] for e in json.loads(Path(second).read_text(encoding="utf-8"))["findings"]]
    assert sorted(rules) == ["POD101", "POD204"]
    code, data = report("scan", pod, *BASE_SELECT, "--baseline", second)
    assert code == 0 and data["findings"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a kubeward baseline (invalid JSON"),
        ("[]", "not a kubeward baseline (no findings list)"),
        ('{"version": 1}', "not a kubeward baseline (no findings list)"),
        (None, "cannot read baseline"),
    ],
)
def test_invalid_baseline_is_a_usage_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    pod = write(tmp_path / "pod.yaml", CONFIG_POD)
    baseline = tmp_path / "b.json"
    if content is not None:
        baseline.write_text(content, encoding="utf-8")
    result = run("scan", pod, *BASE_SELECT, "--baseline", str(baseline))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"kubeward: error: {baseline}: {message}" in result.stderr


def test_pod_template_annotation_suppresses_scene_level_findings(tmp_path: Path) -> None:
    # NS007 is decided over the whole scan (the namespace's Pod Security level); a suppression
    # on the pod template must reach it as it reaches the per-object rules.
    manifest = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        "    pod-security.kubernetes.io/enforce: restricted\n"
        "---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy\n  namespace: shop\n"
        "spec:\n  selector: {matchLabels: {app: legacy}}\n  template:\n    metadata:\n"
        "      labels: {app: legacy}\n      annotations:\n"
        '        kubeward.io/ignore: "NS007,POD202 migrating to restricted next quarter"\n'
        "    spec:\n      hostPID: true\n"
        "      containers: [{name: app, image: 'nginx:1.25'}]\n"
    )
    write(tmp_path / "app.yaml", manifest)
    code, data = report("scan", str(tmp_path / "app.yaml"), "--select", "NS007,POD202")
    assert code == 0
    assert data["findings"] == []
    assert suppressed_keys(data) == {
        ("NS007", None, "annotation", "migrating to restricted next quarter"),
        ("POD202", None, "annotation", "migrating to restricted next quarter"),
    }
    assert line_of(manifest, "hostPID") in {s["line"] for s in data["suppressed"]}
