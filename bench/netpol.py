"""Reachability benchmark: the full pod-to-pod matrix of synthetic clusters.

    python bench/run.py netpol [--sizes 1000x100,10000x1000] [--seed N] [--no-write]

A generator builds a cluster the way `kubectl get pods,networkpolicies,namespaces -o yaml`
would show it: namespaces labelled by team and environment, Pods owned by ReplicaSets,
StatefulSets and DaemonSets (StatefulSet pods carry their unique pod-name label), named
container ports, and NetworkPolicies with a realistic mix of selectors: per-namespace
default-deny, DNS egress to kube-system, app-to-app rules by name and by label expressions,
cross-namespace rules by namespace labels, port ranges, and egress to the internet except
private ranges; three namespaces in ten have no default-deny. Each size runs in a fresh
process that builds the scene from the objects
(no YAML parsing), computes every class-to-class connection and the external ranges, and
reports the time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from typing import Any

from common import write_block

DEFAULT_SIZES = "1000x100,1000x1000,1000x5000,10000x100,10000x1000,10000x5000"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import netpol
objects = netpol.generate(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
from kubeward.model.inventory import Inventory
from kubeward.model.resource import Source, build_resource
from kubeward.model.workload import build_workload, template_path
from kubeward.analysis.reachability import Reachability
t0 = time.perf_counter()
resources = [build_resource(o, Source("gen", 0, (), None)) for o in objects]
workloads = [build_workload(r, template_path(r)) for r in resources if template_path(r) is not None]
inv = Inventory.build(resources, workloads)
t1 = time.perf_counter()
reach = Reachability.from_inventory(inv)
m = reach.matrix()
t2 = time.perf_counter()
import numpy as np
cls = reach._classes
sizes = np.bincount(cls.unit_class, minlength=cls.n).astype(np.int64)
allowed = m.pods != 0
pairs = int(sizes @ allowed.astype(np.int64) @ sizes)
full = int(sizes @ (m.pods == 1).astype(np.int64) @ sizes)
print(json.dumps({
    "pods": len(workloads), "policies": len(inv.of_kind("NetworkPolicy")),
    "classes": int(cls.n), "conn_sets": len(reach.table.sets),
    "egress_externals": len(m.egress_externals), "ingress_externals": len(m.ingress_externals),
    "model_seconds": t1 - t0, "matrix_seconds": t2 - t1,
    "allowed_pod_pairs": pairs, "all_connections_pairs": full,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

APPS = [
    "web", "api", "cart", "checkout", "payments", "search", "catalog", "users", "auth",
    "orders", "shipping", "email", "reports", "cache", "queue", "worker", "gateway", "admin",
    "metrics", "logs", "recommend", "ads", "inventory", "billing", "notify",
]  # fmt: skip
TIERS = ["frontend", "backend", "data"]
TEAMS = ["red", "blue", "green", "gold", "teal", "navy", "plum", "rust"]
ENVS = ["prod", "staging", "dev"]
PORTS = [("http", 8080), ("grpc", 9090), ("metrics", 9100), ("admin", 8443)]


def generate(pods: int, policies: int, seed: int = 1) -> list[dict[str, Any]]:
    """A synthetic cluster dump: Namespaces, Pods with owners, NetworkPolicies."""
    rnd = random.Random(seed)
    n_ns = max(2, pods // 100)
    namespaces = [f"ns-{i:04d}" for i in range(n_ns)]
    ns_team = {ns: TEAMS[i % len(TEAMS)] for i, ns in enumerate(namespaces)}
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": ns_team[ns], "env": rnd.choice(ENVS)}},
        }
        for ns in namespaces
    ]
    objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    dns_ports = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]
    coredns = _pod(
        "kube-system", "coredns-1", {"k8s-app": "kube-dns"}, "ReplicaSet", "coredns-5d", dns_ports
    )
    objects.append(coredns)
    # Apps per namespace; each app is an owner with several pods.
    apps: list[tuple[str, str]] = []
    made = 1
    while made < pods:
        ns = rnd.choice(namespaces)
        app = rnd.choice(APPS)
        if (ns, app) in apps:
            app = f"{app}-{len(apps)}"
        apps.append((ns, app))
        kind = rnd.choices(["ReplicaSet", "StatefulSet", "DaemonSet"], weights=[8, 2, 1])[0]
        owner = f"{app}-{rnd.randrange(16**8):08x}" if kind == "ReplicaSet" else app
        tier = rnd.choice(TIERS)
        version = rnd.choice(["v1", "v2", "v3"])
        ports = [(n, p, "TCP") for n, p in rnd.sample(PORTS, rnd.randint(1, 3))]
        for r in range(rnd.randint(1, 6)):
            if made >= pods:
                break
            labels = {"app": app, "tier": tier, "version": version, "team": ns_team[ns]}
            name = (
                f"{owner}-{r}" if kind == "StatefulSet" else f"{owner}-{rnd.randrange(36**5):05x}"
            )
            if kind == "StatefulSet":
                labels["statefulset.kubernetes.io/pod-name"] = name
            else:
                labels["pod-template-hash"] = owner.rsplit("-", 1)[-1]
            objects.append(_pod(ns, name, labels, kind, owner, ports))
            made += 1
    # Policies: default deny per namespace, DNS, then app rules.
    made_pol = 0
    for k, ns in enumerate(namespaces):
        if made_pol >= policies:
            break
        if k % 10 >= 7:  # three namespaces in ten are left open
            continue
        objects.append(_policy(ns, "default-deny", {}, ["Ingress", "Egress"], [], []))
        made_pol += 1
        if made_pol >= policies:
            break
        system = {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
        dns_peer = {
            "namespaceSelector": system,
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
        dns = {
            "to": [dns_peer],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
        objects.append(_policy(ns, "allow-dns", {}, ["Egress"], [], [dns]))
        made_pol += 1
    i = 0
    while made_pol < policies:
        ns, app = rnd.choice(apps)
        other_ns, other = rnd.choice(apps)
        kind = rnd.random()
        ports: list[dict[str, Any]]
        if kind < 0.3:
            ports = [{"port": rnd.choice(PORTS)[0]}]  # named
        elif kind < 0.8:
            ports = [{"protocol": "TCP", "port": rnd.choice(PORTS)[1]}]
        else:
            lo = rnd.choice([8000, 9000])
            ports = [{"protocol": "TCP", "port": lo, "endPort": lo + rnd.choice([10, 100, 999])}]
        style = rnd.random()
        if style < 0.4:
            peer: dict[str, Any] = {"podSelector": {"matchLabels": {"app": other}}}
            if other_ns != ns:
                peer["namespaceSelector"] = {
                    "matchLabels": {"kubernetes.io/metadata.name": other_ns}
                }
        elif style < 0.6:
            tiers = {"key": "tier", "operator": "In", "values": rnd.sample(TIERS, 2)}
            peer = {"namespaceSelector": {"matchLabels": {"team": rnd.choice(TEAMS)}},
                    "podSelector": {"matchExpressions": [tiers]}}  # fmt: skip
        elif style < 0.75:
            peer = {"podSelector": {"matchExpressions": [
                {"key": "app", "operator": "NotIn", "values": [app]},
                {"key": "version", "operator": "Exists"}]}}  # fmt: skip
        elif style < 0.9:
            peer = {"namespaceSelector": {"matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "staging"]}]}}  # fmt: skip
        else:
            holes = ["10.0.0.0/8", "169.254.169.254/32", f"172.{16 + i % 16}.0.0/16"]
            peer = {"ipBlock": {"cidr": "0.0.0.0/0", "except": holes}}
        selector = {"matchLabels": {"app": app}}
        if rnd.random() < 0.2:
            selector = {"matchLabels": {"app": app, "tier": rnd.choice(TIERS)}}
        if rnd.random() < 0.5:
            objects.append(_policy(ns, f"allow-{i}", selector, ["Ingress"],
                                   [{"from": [peer], "ports": ports}], []))  # fmt: skip
        else:
            objects.append(_policy(ns, f"allow-{i}", selector, ["Egress"], [],
                                   [{"to": [peer], "ports": ports}]))  # fmt: skip
        made_pol += 1
        i += 1
    return objects


def _pod(
    ns: str,
    name: str,
    labels: dict[str, str],
    owner_kind: str,
    owner: str,
    ports: list[tuple[str, int, str]],
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": labels,
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "controller": True}
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example/app:1.0",
                    "ports": [
                        {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports
                    ],
                }
            ]
        },
    }


def _policy(
    ns: str,
    name: str,
    selector: dict[str, Any],
    types: list[str],
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": types}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def run(pods: int, policies: int, seed: int) -> dict[str, Any]:
    bench_dir = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, bench_dir, str(pods), str(policies), str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py netpol", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="PODSxPOLICIES,... (default: %(default)s)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    results = []
    for size in args.sizes.split(","):
        pods, policies = (int(x) for x in size.lower().split("x"))
        print(f"bench: netpol {pods} pods, {policies} policies", file=sys.stderr)
        r = run(pods, policies, args.seed)
        print(json.dumps(r), file=sys.stderr)
        results.append(r)
    if not args.no_write:
        write_doc(results)
    return 0


def write_doc(results: list[dict[str, Any]]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine}; one process per size, one core.",
        "",
        "| pods | policies | classes | model | matrix | total | peak memory | allowed pod pairs |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        total = r["model_seconds"] + r["matrix_seconds"]
        lines.append(
            f"| {r['pods']:,} | {r['policies']:,} | {r['classes']:,} | "
            f"{r['model_seconds']:.2f} s | {r['matrix_seconds']:.2f} s | {total:.2f} s | "
            f"{r['peak_rss_mb']:.0f} MB | {r['allowed_pod_pairs']:,} |"
        )
    write_block("netpol", lines)


if __name__ == "__main__":
    sys.exit(main())
