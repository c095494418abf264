"""`kubeward upgrade`: removed API versions, drain verdicts per workload and per node, surge
capacity from the AKS configuration; on manifests and on the live shop cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kubeward.cli import main
from tests.cluster.conftest import NODE0, NODE1
from tests.cluster.fakeapi import FakeApiServer

MANIFESTS = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec: {backend: {serviceName: web, servicePort: 80}}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "r.example.com/web:1"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "r.example.com/api:1"}]
"""


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["upgrade", *args])


def test_upgrade_of_manifests(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    result = run("--to", "1.24", str(path), "-f", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["target"] == "1.24" and data["nodes"] is None
    apis = {(a["kind"], a["status"]) for a in data["apis"]}
    # Ingress extensions/v1beta1 was removed in 1.22; PDB policy/v1beta1 goes in 1.25.
    assert apis == {("Ingress", "removed"), ("PodDisruptionBudget", "removed later")}
    verdicts = {w["name"]: w["verdict"] for w in data["workloads"]}
    assert verdicts == {"web": "blocks", "api": "ready"}
    [blocker] = next(w for w in data["workloads"] if w["name"] == "web")["blockers"]
    assert blocker["reason"] == "pdb-allows-no-disruption"
    assert blocker["kind"] == "PodDisruptionBudget" and blocker["path"] == "spec.minAvailable"
    assert data["surge"]["checked"] is False


def test_upgrade_text_and_exit_codes(tmp_path: Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text(MANIFESTS.split("---\n", 3)[3], encoding="utf-8")  # only Deployment api
    clean = run("--to", "1.30", str(ok))
    assert clean.exit_code == 0, clean.output
    assert "1 of 1 workload(s) drain cleanly" in clean.output
    assert "Surge capacity" in clean.output and "not checked" in clean.output
    assert run("--to", "one.thirty", str(ok)).exit_code == 2
    assert run("--to", "1.30").exit_code == 2  # neither PATH nor --cluster


def test_upgrade_of_a_live_cluster(shop_server: FakeApiServer, tmp_path: Path) -> None:
    config = shop_server.kubeconfig(tmp_path / "kubeconfig")
    result = run("--to", "1.30", "--cluster", "--kubeconfig", str(config), "-f", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["current"] == "v1.29.4" and data["cluster"]["aks"] is True
    # The HPA was applied as autoscaling/v2beta2 (last-applied annotation), removed in 1.26.
    assert [(a["kind"], a["name"], a["status"]) for a in data["apis"]] == [
        ("HorizontalPodAutoscaler", "api", "removed")
    ]
    nodes = {n["node"]: n for n in data["nodes"]}
    assert set(nodes) == {NODE0, NODE1}
    reasons0 = {(b["reason"], b["name"]) for b in nodes[NODE0]["blockers"]}
    assert reasons0 == {
        ("pdb-allows-no-disruption", "web"),  # maxUnavailable: 0
        ("pdb-currently-allows-no-disruption", "web"),  # status.disruptionsAllowed: 0
        ("emptydir-data", "web"),
        ("single-replica", "api"),  # HPA without minReplicas: 1
        ("unmanaged-pod", "debug"),
        ("all-replicas-on-node", "db"),  # db-0 and db-1 both on node 0
    }
    assert nodes[NODE0]["verdict"] == "blocks"
    assert nodes[NODE0]["summary"].startswith(
        f"drain of node {NODE0} would be blocked by PodDisruptionBudget shop/web"
    )
    reasons1 = {(b["reason"], b["name"]) for b in nodes[NODE1]["blockers"]}
    assert ("all-replicas-on-node", "coredns") in reasons1  # one of two pods is listed
    assert ("pdb-allows-no-disruption", "web") in reasons1
    assert not any(b["name"] == "report" for b in nodes[NODE1]["blockers"])  # pod finished


def test_upgrade_target_must_be_newer(shop_server: FakeApiServer, tmp_path: Path) -> None:
    config = shop_server.kubeconfig(tmp_path / "kubeconfig")
    result = run("--to", "1.29", "--cluster", "--kubeconfig", str(config))
    assert result.exit_code == 2
    assert "already runs v1.29.4" in result.output


AKS_EXAMPLES = Path(__file__).resolve().parents[2] / "src/kubeward/rules/examples/AKS025"
READY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "r.example.com/api:1"}]
"""


def test_surge_room_from_the_aks_configuration(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(READY, encoding="utf-8")
    # Overlay cluster at 1.35, pools system (3 nodes) and apps (3), surge 1 each: 8 nodes
    # during the upgrade, each taking a /24 of the pod CIDR.
    small = run(
        "--to", "1.36", str(path), "--aks", str(AKS_EXAMPLES / "fail-az.json"), "-f", "json"
    )
    assert small.exit_code == 1, small.output
    data = json.loads(small.stdout)
    assert data["current"] == "1.35.2"
    assert data["surge"]["checked"] is True
    [room] = data["surge"]["ranges"]
    assert (room["range"], room["holds"]) == ("192.168.0.0/22", "a /24 per node")
    assert (room["needed"], room["available"], room["fits"]) == (8, 4, False)
    assert data["workloads"][0]["verdict"] == "ready"  # only the surge fails the run

    roomy = run("--to", "1.36", str(path), "--aks", str(AKS_EXAMPLES / "pass-az.json"))
    assert roomy.exit_code == 0, roomy.output
    assert "192.168.0.0/16" in roomy.stdout and "256 available: fits" in roomy.stdout


def test_surge_not_checked_without_or_with_a_broken_aks_configuration(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(READY, encoding="utf-8")
    plain = run("--to", "1.36", str(path), "-f", "json")
    assert plain.exit_code == 0, plain.output
    surge = json.loads(plain.stdout)["surge"]
    assert surge["checked"] is False and "--aks" in surge["reason"]
    broken = tmp_path / "cluster.json"
    broken.write_text('{"name": "x", "properties": [', encoding="utf-8")
    bad = run("--to", "1.36", str(path), "--aks", str(broken), "-f", "json")
    assert bad.exit_code == 2, bad.output
    assert "cluster.json" in bad.stderr and "Traceback" not in bad.output
    assert json.loads(bad.stdout)["surge"]["checked"] is False
    older = run("--to", "1.35", str(path), "--aks", str(AKS_EXAMPLES / "pass-az.json"))
    assert older.exit_code == 2 and "already runs 1.35.2" in older.stderr
