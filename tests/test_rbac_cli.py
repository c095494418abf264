"""`kubeward rbac who-can|can|subject|paths`, the `rbac:` configuration and RBAC findings in
`kubeward scan`. Expectations are derived from the manifests written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kubeward.cli import main
from kubeward.config import ConfigError, load_config
from kubeward.rules import default_catalogue

MANIFESTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debugger
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec"]
    verbs: ["get", "create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: debuggers
  namespace: shop
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: alice
  - kind: ServiceAccount
    name: tools
roleRef:
  kind: Role
  name: debugger
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ops-admins
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: ops
roleRef:
  kind: ClusterRole
  name: cluster-admin
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: deployer-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: shop
roleRef:
  kind: ClusterRole
  name: cluster-admin
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: missing-role
  namespace: shop
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: carol
roleRef:
  kind: Role
  name: does-not-exist
  apiGroup: rbac.authorization.k8s.io
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "rbac.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def line_of(text: str, needle: str, after: int = 0) -> int:
    lines = text.splitlines()
    for i in range(after, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(needle)


# ------------------------------------------------------------------------------ who-can


def test_who_can_lists_subjects_with_binding_role_and_location(manifests: Path) -> None:
    result = run("rbac", "who-can", "create", "pods/exec", "-n", "shop", str(manifests))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "User alice (in namespace shop)" in out
    assert "ServiceAccount shop/tools (in namespace shop)" in out
    assert "Group ops (cluster-wide)" in out
    assert "ServiceAccount shop/deployer (cluster-wide)" in out
    # an object's line is its first key's, apiVersion, just above its kind
    binding_line = line_of(MANIFESTS, "kind: RoleBinding") - 1
    assert f"RoleBinding shop/debuggers -> Role shop/debugger rules[0]  {manifests}:" in out
    assert f"{manifests}:{binding_line}" in out
    assert "ClusterRole cluster-admin rules[0] (built-in)" in out
    assert "1 binding(s) refer to roles that are not in the input" in out


def test_who_can_in_another_namespace_has_only_cluster_wide_subjects(manifests: Path) -> None:
    result = run(
        "rbac", "who-can", "create", "pods/exec", "-n", "web", "-f", "json", str(manifests)
    )
    assert result.exit_code == 0
    data = json.loads(result.output)
    subjects = {(g["subject"]["kind"], g["subject"]["name"]) for g in data["grants"]}
    assert ("User", "alice") not in subjects
    assert ("Group", "ops") in subjects and ("ServiceAccount", "deployer") in subjects
    assert data["request"] == {
        "verb": "create",
        "resource": "pods",
        "subresource": "exec",
        "apiGroup": "",
        "name": None,
        "namespace": "web",
        "url": None,
    }
    assert [b["name"] for b in data["unresolved"]] == ["missing-role"]


def test_who_can_json_names_the_rule(manifests: Path) -> None:
    result = run("rbac", "who-can", "get", "pods", "-f", "json", str(manifests))
    data = json.loads(result.output)
    (alice,) = [g for g in data["grants"] if g["subject"]["name"] == "alice"]
    assert alice["scope"] == "shop"
    assert alice["binding"]["kind"] == "RoleBinding" and alice["binding"]["builtin"] is False
    assert alice["rules"] == [
        {
            "role": "Role shop/debugger",
            "index": 0,
            "builtin": False,
            "text": "get,create on pods,pods/exec",
        }
    ]


def test_who_can_non_resource_url_uses_built_in_bindings(manifests: Path) -> None:
    result = run("rbac", "who-can", "get", "/version", "-f", "json", str(manifests))
    subjects = {g["subject"]["name"] for g in json.loads(result.output)["grants"]}
    # system:public-info-viewer and system:discovery exist in every cluster
    assert {"system:authenticated", "system:unauthenticated"} <= subjects


def test_who_can_refuses_a_bad_request(manifests: Path) -> None:
    result = run("rbac", "who-can", "get", "/", "--name", "x", str(manifests))
    assert result.exit_code == 0  # a URL is a valid request
    bad = CliRunner().invoke(main, ["rbac", "who-can", "get", "", str(manifests)])
    assert bad.exit_code == 2


# ---------------------------------------------------------------------------------- can


def test_can_yes_and_why(manifests: Path) -> None:
    result = run("rbac", "can", "user:alice", "create", "pods/exec", "-n", "shop", str(manifests))
    assert result.exit_code == 0
    assert result.output.startswith("yes: user:alice create pods/exec in namespace shop")
    assert "RoleBinding shop/debuggers -> Role shop/debugger rules[0]" in result.output


def test_can_no_lists_namespaces_where_it_would_be_allowed(manifests: Path) -> None:
    result = run("rbac", "can", "user:alice", "create", "pods/exec", str(manifests))
    assert result.exit_code == 1
    assert result.output.startswith("no: user:alice create pods/exec in all namespaces")
    assert "but allowed in namespace shop by:" in result.output


def test_can_service_account_and_groups(manifests: Path) -> None:
    tools = run("rbac", "can", "sa:shop/tools", "get", "pods", "-n", "shop", str(manifests))
    assert tools.exit_code == 0
    other = run("rbac", "can", "sa:web/tools", "get", "pods", "-n", "shop", str(manifests))
    assert other.exit_code == 1
    # a user in group ops (as the identity provider says) is cluster-admin
    ops = run("rbac", "can", "user:bob", "delete", "nodes", "--group", "ops", str(manifests))
    assert ops.exit_code == 0
    assert "ClusterRoleBinding ops-admins -> ClusterRole cluster-admin" in ops.output


def test_can_system_masters_is_superuser(manifests: Path) -> None:
    result = run("rbac", "can", "group:system:masters", "escalate", "clusterroles", str(manifests))
    assert result.exit_code == 0
    assert "system:masters, which bypasses RBAC" in result.output


def test_can_json(manifests: Path) -> None:
    result = run(
        "rbac", "can", "user:carol", "get", "pods", "-n", "shop", "-f", "json", str(manifests)
    )
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert data["allowed"] is False and data["grants"] == []
    assert data["groups"] == ["system:authenticated"]


def test_can_refuses_a_bad_subject(manifests: Path) -> None:
    result = CliRunner().invoke(main, ["rbac", "can", "alice", "get", "pods", str(manifests)])
    assert result.exit_code == 2
    assert "write user:NAME, group:NAME or sa:NAMESPACE/NAME" in result.output


# ------------------------------------------------------------------------------ subject


def test_subject_permissions_risky_rights_and_escalation(manifests: Path) -> None:
    result = run("rbac", "subject", "user:alice", str(manifests))
    assert result.exit_code == 0
    out = result.output
    assert "in namespace shop" in out
    assert "create,get on pods, pods/exec" in out  # merged verbs, sorted
    assert "exec or attach into containers in namespace shop" in out
    # alice can create pods in shop: she can run as shop's deployer, which is cluster-admin
    assert "sa:shop/deployer: create pods or workloads in namespace shop that run as it" in out
    assert "user:alice -> create pods or workloads in namespace shop that run as it -> " in out


def test_subject_json(manifests: Path) -> None:
    data = json.loads(
        run("rbac", "subject", "sa:shop/deployer", "-f", "json", str(manifests)).output
    )
    assert data["user"] == "system:serviceaccount:shop:deployer"
    caps = {(r["capability"], r["scope"]) for r in data["risky"]}
    # full control subsumes the narrower rights of the same binding
    assert ("admin", None) in caps and ("secrets-read", None) not in caps
    rows = {(p["scope"], p["apiGroup"], p["resource"]): p["verbs"] for p in data["permissions"]}
    assert rows[(None, "*", "*")] == ["*"]


# -------------------------------------------------------------------------------- paths


def test_paths_show_steps_and_risky_paths(manifests: Path) -> None:
    result = run("rbac", "paths", str(manifests))
    assert result.exit_code == 1  # risky paths exist
    assert "user:alice" in result.output
    assert "-> sa:shop/deployer: create pods or workloads in namespace shop" in result.output
    data = json.loads(run("rbac", "paths", "--risky", "-f", "json", str(manifests)).output)
    assert data["steps"] == []
    chains = {p["path"] for p in data["risky"]}
    assert (
        "user:alice -> create pods or workloads in namespace shop that run as it -> "
        "sa:shop/deployer"
    ) in chains


def test_paths_none(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(MANIFESTS.split("---\n")[0], encoding="utf-8")
    result = run("rbac", "paths", str(path))
    assert result.exit_code == 0
    assert "no risky escalation paths" in result.output


def test_input_errors_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\n"
        "rules: {verbs: [get]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["rbac", "who-can", "get", "pods", str(path)])
    assert result.exit_code == 2
    assert "rules: expected a list" in result.output


# ---------------------------------------------------------------------- scan and config


def scan_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["scan", "-f", "json", "--fail-on", "none", *args])
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


BUILTIN_AND_USER = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
subjects:
  - {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:masters"}
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform
subjects:
  - {kind: Group, apiGroup: rbac.authorization.k8s.io, name: platform}
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
"""


def test_scan_reports_user_binding_and_exempts_built_in(tmp_path: Path) -> None:
    path = tmp_path / "crb.yaml"
    path.write_text(BUILTIN_AND_USER, encoding="utf-8")
    data = scan_json("--select", "RBAC001", "--no-config", str(path))
    assert [(f["name"], f["line"], f["path"]) for f in data["findings"]] == [
        ("platform", line_of(BUILTIN_AND_USER, "name: platform}"), "subjects[0]")
    ]


def test_config_turns_built_in_exemptions_off(tmp_path: Path) -> None:
    path = tmp_path / "crb.yaml"
    path.write_text(BUILTIN_AND_USER, encoding="utf-8")
    config = tmp_path / ".kubeward.yaml"
    config.write_text("rbac:\n  exempt-builtin: false\n", encoding="utf-8")
    data = scan_json("--select", "RBAC001", "--config", str(config), str(path))
    assert sorted(f["name"] for f in data["findings"]) == ["cluster-admin", "platform"]
    config.write_text(
        "rbac:\n  managed:\n    - {kinds: [ClusterRoleBinding], names: [plat*]}\n",
        encoding="utf-8",
    )
    data = scan_json("--select", "RBAC001", "--config", str(config), str(path))
    assert data["findings"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rbac: [x]\n", "expected a mapping"),
        ("rbac:\n  exempt: false\n", "unknown key 'exempt'"),
        ("rbac:\n  exempt-builtin: no-thanks\n", "expected true or false"),
        ("rbac:\n  managed: {kinds: [X]}\n", "expected a list"),
        ("rbac:\n  managed:\n    - {kind: X}\n", "unknown key 'kind'"),
        ("rbac:\n  managed:\n    - {}\n", "give at least one of kinds, names, namespaces"),
        ("rbac:\n  managed:\n    - {names: 3}\n", "expected a string or a list of strings"),
    ],
)
def test_rbac_config_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".kubeward.yaml"
    path.write_text("select: [RBAC]\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(str(path), default_catalogue())
    assert message in str(err.value)
    assert f"{path}:" in str(err.value)


def test_select_on_the_command_line_keeps_rbac_settings(tmp_path: Path) -> None:
    path = tmp_path / "crb.yaml"
    path.write_text(BUILTIN_AND_USER, encoding="utf-8")
    config = tmp_path / ".kubeward.yaml"
    config.write_text("rbac: {exempt-builtin: false}\n", encoding="utf-8")
    data = scan_json("--config", str(config), "--select", "RBAC001", str(path))
    assert len(data["findings"]) == 2


def test_wrongly_typed_rbac_fields_are_input_errors_with_lines(tmp_path: Path) -> None:
    text = (
        "apiVersion: rbac.authorization.k8s.io/v1\n"
        "kind: ClusterRoleBinding\n"
        "metadata: {name: odd}\n"
        "subjects:\n"
        "  - {kind: User, name: [alice]}\n"
        "roleRef: {kind: ClusterRole, name: cluster-admin}\n"
    )
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--select", "RBAC", "-f", "json", str(path)])
    assert result.exit_code == 2
    errors = json.loads(result.stdout)["errors"]
    assert [(e["line"], e["object"]) for e in errors] == [(5, "ClusterRoleBinding odd")]
    assert "subjects[0].name: expected a string" in errors[0]["message"]
