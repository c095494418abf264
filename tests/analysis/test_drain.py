"""Drain verdicts: every reason a drain is blocked, refused or disruptive, per workload and per
node. Expectations come from the Kubernetes semantics in the comments (Eviction API and
disruption controller rounding, `kubectl drain` flags), not from running the code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml

from kubeward.analysis.drain import (
    DrainPlan,
    Effect,
    PodPlacement,
    Reason,
    budget_status,
    node_verdicts,
    owners_index,
    workload_verdicts,
)
from kubeward.model.inventory import Inventory
from kubeward.model.resource import Resource, Source, build_resource
from kubeward.model.workload import Workload, build_workload, template_path


def scene(text: str) -> tuple[DrainPlan, list[Resource], list[Workload]]:
    resources = [
        build_resource(d, Source("t.yaml", i, (), None))
        for i, d in enumerate(yaml.safe_load_all(text))
        if d
    ]
    workloads = []
    for r in resources:
        t = template_path(r)
        if t is not None:
            workloads.append(build_workload(r, t))
    return DrainPlan.from_inventory(Inventory.build(resources, workloads)), resources, workloads


def deployment(
    name: str, replicas: int | None = 2, labels: str = "", volumes: str = "", ns: str = "shop"
) -> str:
    rep = f"  replicas: {replicas}\n" if replicas is not None else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
{rep}  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}{labels}}}}}
    spec:
      containers: [{{name: c, image: "r.example.com/{name}:1"}}]
{volumes}---"""


def pdb(name: str, bound: str, selector: str, api: str = "policy/v1", ns: str = "shop") -> str:
    return f"""
apiVersion: {api}
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: {ns}}}
spec:
  {bound}
  selector: {selector}
---"""


def hpa(target: str, minimum: int | None) -> str:
    m = f"  minReplicas: {minimum}\n" if minimum is not None else ""
    return f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {target}, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}
{m}  maxReplicas: 10
---"""


def reasons(plan: DrainPlan, workloads: Sequence[Workload], name: str) -> list[Reason]:
    w = next(w for w in workloads if w.resource.name == name)
    return [b.reason for b in plan.assess(w)]


# ============================================================================ budgets


@pytest.mark.parametrize(
    ("replicas", "bound", "blocks"),
    [
        (3, "maxUnavailable: 0", True),  # never allows an eviction
        (3, "maxUnavailable: 0%", True),
        (3, "maxUnavailable: 1", False),
        (3, "maxUnavailable: 10%", False),  # ceil(0.3) = 1 pod
        (2, "minAvailable: 2", True),  # minAvailable = replicas
        (2, "minAvailable: 3", True),  # above replicas
        (3, "minAvailable: 2", False),
        (2, "minAvailable: 100%", True),
        (2, "minAvailable: 60%", True),  # ceil(1.2) = 2 of 2: rounds up
        (5, "minAvailable: 60%", False),  # ceil(3.0) = 3 of 5
        (3, 'minAvailable: "2"', False),  # the API server reads "2" as the number 2
    ],
)
def test_pdb_allows_no_disruption(replicas: int, bound: str, blocks: bool) -> None:
    plan, _, workloads = scene(
        deployment("web", replicas) + pdb("p", bound, "{matchLabels: {app: web}}")
    )
    got = Reason.PDB_NO_DISRUPTION in reasons(plan, workloads, "web")
    assert got is blocks
    assert (len(plan.blocking) == 1) is blocks


def test_pdb_counts_every_workload_it_selects() -> None:
    # minAvailable 3 over two deployments of 2 pods each (4 pods) leaves one to evict.
    text = (
        deployment("a", 2, labels=", tier: front")
        + deployment("b", 2, labels=", tier: front")
        + pdb("front", "minAvailable: 3", "{matchLabels: {tier: front}}")
    )
    plan, _, workloads = scene(text)
    assert Reason.PDB_NO_DISRUPTION not in reasons(plan, workloads, "a")
    plan, _, workloads = scene(text.replace("minAvailable: 3", "minAvailable: 4"))
    assert Reason.PDB_NO_DISRUPTION in reasons(plan, workloads, "a")
    assert Reason.PDB_NO_DISRUPTION in reasons(plan, workloads, "b")


def test_pdb_selects_by_namespace_and_labels() -> None:
    text = (
        deployment("web", 2)
        + pdb("other-ns", "maxUnavailable: 0", "{matchLabels: {app: web}}", ns="other")
        + pdb("other-app", "maxUnavailable: 0", "{matchLabels: {app: db}}")
    )
    plan, _, workloads = scene(text)
    assert Reason.PDB_NO_DISRUPTION not in reasons(plan, workloads, "web")


@pytest.mark.parametrize(("api", "covers"), [("policy/v1", True), ("policy/v1beta1", False)])
def test_empty_selector_selects_all_in_v1_and_none_in_v1beta1(api: str, covers: bool) -> None:
    # policy/v1: "An empty selector matches all pods in the namespace"; policy/v1beta1: none.
    plan, _, workloads = scene(
        deployment("web", 2) + pdb("all", "maxUnavailable: 0", "{}", api=api)
    )
    assert (Reason.PDB_NO_DISRUPTION in reasons(plan, workloads, "web")) is covers


def test_daemonset_pods_are_not_protected_by_budgets_in_a_drain() -> None:
    text = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: "r.example.com/agent:1"}]
      volumes: [{name: buf, emptyDir: {}}]
---""" + pdb("agent", "minAvailable: 100%", "{matchLabels: {app: agent}}")
    plan, _, workloads = scene(text)
    assert reasons(plan, workloads, "agent") == []
    assert workload_verdicts(plan) == []


# ============================================================================ autoscalers


@pytest.mark.parametrize(
    ("minimum", "bound", "conflict"),
    [
        (None, "minAvailable: 1", True),  # minReplicas defaults to 1
        (2, "minAvailable: 2", True),
        (3, "minAvailable: 2", False),
        (2, "minAvailable: 50%", False),  # ceil(1.0) = 1 of 2
        (2, "maxUnavailable: 1", False),
    ],
)
def test_pdb_blocks_at_the_autoscaler_minimum(
    minimum: int | None, bound: str, conflict: bool
) -> None:
    text = (
        deployment("api", 5) + hpa("api", minimum) + pdb("api", bound, "{matchLabels: {app: api}}")
    )
    plan, _, workloads = scene(text)
    got = reasons(plan, workloads, "api")
    assert (Reason.PDB_HPA_MIN in got) is conflict
    assert Reason.PDB_NO_DISRUPTION not in got  # judged at the minimum, not at replicas: 5


def test_replicas_follow_the_autoscaler_minimum() -> None:
    plan, _, workloads = scene(deployment("api", None) + hpa("api", 3))
    w = workloads[0]
    assert plan.replicas(w) == 3
    assert Reason.SINGLE_REPLICA not in reasons(plan, workloads, "api")
    plan, _, workloads = scene(deployment("api", 4) + hpa("api", None))
    assert Reason.SINGLE_REPLICA in reasons(plan, workloads, "api")


# ============================================================================ pods and data


def test_single_replica_disrupts() -> None:
    plan, _, workloads = scene(
        deployment("web", 1) + deployment("unset", None) + deployment("two", 2)
    )
    assert reasons(plan, workloads, "web") == [Reason.SINGLE_REPLICA]
    assert reasons(plan, workloads, "unset") == [Reason.SINGLE_REPLICA]  # defaults to 1
    assert reasons(plan, workloads, "two") == []
    verdicts = {v.workload.resource.name: v.effect for v in workload_verdicts(plan)}
    assert verdicts == {"web": Effect.DISRUPTS, "unset": Effect.DISRUPTS, "two": None}


def test_single_replica_with_a_budget_blocks_instead() -> None:
    plan, _, workloads = scene(
        deployment("web", 1) + pdb("web", "minAvailable: 1", "{matchLabels: {app: web}}")
    )
    assert reasons(plan, workloads, "web") == [Reason.PDB_NO_DISRUPTION]


def test_unmanaged_pod_is_refused_and_static_pods_are_not() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec: {containers: [{name: c, image: "r.example.com/t:1"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: etcd-0
  namespace: kube-system
  annotations: {kubernetes.io/config.mirror: abc}
spec: {containers: [{name: c, image: "r.example.com/etcd:1"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u, controller: true}]
spec: {containers: [{name: c, image: "r.example.com/w:1"}]}
"""
    plan, _, workloads = scene(text)
    assert reasons(plan, workloads, "debug") == [Reason.UNMANAGED_POD]
    assert reasons(plan, workloads, "etcd-0") == []
    assert reasons(plan, workloads, "web-1") == []


def test_emptydir_is_refused_without_the_flag() -> None:
    vols = "      volumes: [{name: cache, emptyDir: {}}]\n"
    plan, _, workloads = scene(deployment("web", 2, volumes=vols))
    blockers = plan.assess(workloads[0])
    assert [b.reason for b in blockers] == [Reason.EMPTYDIR]
    assert blockers[0].effect is Effect.REFUSED
    assert "cache" in blockers[0].message
    assert blockers[0].path == ("spec", "template", "spec", "volumes", 0)


def test_local_persistent_volume_pins_the_pod() -> None:
    text = (
        deployment(
            "db",
            2,
            volumes="      volumes: [{name: data, persistentVolumeClaim: {claimName: db-data}}]\n",
        )
        + """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: db-data, namespace: shop}
spec: {volumeName: local-pv-1, accessModes: [ReadWriteOnce]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv-1}
spec:
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]
"""
    )
    plan, _, workloads = scene(text)
    assert reasons(plan, workloads, "db") == [Reason.LOCAL_VOLUME]
    network_disk = text.replace(
        "local: {path: /mnt/disks/ssd1}", "csi: {driver: disk.csi.azure.com, volumeHandle: x}"
    )
    plan, _, workloads = scene(network_disk)
    assert reasons(plan, workloads, "db") == []


# ============================================================================ nodes


def place(
    name: str, node: str, owner: tuple[str, str] | None, labels: Mapping[str, str], **kw: Any
) -> PodPlacement:
    return PodPlacement(
        namespace="shop",
        name=name,
        node=node,
        owner=owner,
        labels=labels,
        daemon=kw.get("daemon", False),
        mirror=False,
        emptydir=(),
        finished=kw.get("finished", False),
    )


def nodes(*names: str) -> list[Resource]:
    return [
        build_resource(
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": n}}, Source("c", 0, (), None)
        )
        for n in names
    ]


def test_node_verdicts_name_what_blocks_each_node() -> None:
    text = (
        deployment("web", 2)
        + pdb("web", "maxUnavailable: 0", "{matchLabels: {app: web}}")
        + deployment("api", 2)
        + deployment("solo", 1)
    )
    plan, _, workloads = scene(text)
    placements = [
        place("web-a", "n1", ("Deployment", "web"), {"app": "web"}),
        place("web-b", "n2", ("Deployment", "web"), {"app": "web"}),
        place("api-a", "n3", ("Deployment", "api"), {"app": "api"}),
        place("api-b", "n3", ("Deployment", "api"), {"app": "api"}),
        place("solo-a", "n2", ("Deployment", "solo"), {"app": "solo"}),
        place("agent-x", "n4", ("DaemonSet", "agent"), {}, daemon=True),
        place("job-done", "n4", ("CronJob", "nightly"), {}, finished=True),
    ]
    verdicts = {
        v.node: v
        for v in node_verdicts(
            plan, placements, nodes("n1", "n2", "n3", "n4"), owners_index(workloads, {})
        )
    }
    assert verdicts["n1"].effect is Effect.BLOCKS
    assert (
        verdicts["n1"]
        .summary()
        .startswith(
            "drain of node n1 would be blocked by PodDisruptionBudget shop/web: maxUnavailable: 0"
        )
    )
    assert [b.reason for b in verdicts["n2"].blockers] == [
        Reason.PDB_NO_DISRUPTION,
        Reason.SINGLE_REPLICA,
    ]
    assert [b.reason for b in verdicts["n3"].blockers] == [Reason.ALL_ON_NODE]
    assert "all 2 replicas of Deployment api run on node n3" in verdicts["n3"].blockers[0].message
    assert verdicts["n4"].effect is None and verdicts["n4"].pods == 0  # daemon and finished pods


def test_node_verdict_uses_the_live_budget_status() -> None:
    # A budget that allows one disruption by spec, but none right now (a replica is unready).
    text = deployment("web", 3) + pdb("web", "maxUnavailable: 1", "{matchLabels: {app: web}}")
    text = text.rstrip().removesuffix("---") + "status: {disruptionsAllowed: 0}\n"
    plan, resources, workloads = scene(text)
    status = budget_status(resources)
    assert status == {("shop", "web"): 0}
    placements = [
        place(f"web-{n}", n, ("Deployment", "web"), {"app": "web"}) for n in ("n1", "n2", "n3")
    ]
    verdict = node_verdicts(plan, placements, nodes("n1"), owners_index(workloads, {}), status)[0]
    assert [b.reason for b in verdict.blockers] == [Reason.PDB_NOW]
    assert verdict.effect is Effect.BLOCKS


def test_bare_pod_on_a_node_is_refused() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec: {nodeName: n1, containers: [{name: c, image: "r.example.com/t:1"}]}
"""
    plan, _, workloads = scene(text)
    [verdict] = node_verdicts(
        plan, [place("debug", "n1", None, {})], nodes("n1"), owners_index(workloads, {})
    )
    assert verdict.effect is Effect.REFUSED
    assert verdict.summary() == "`kubectl drain n1` would refuse without extra flags"
