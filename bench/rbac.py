"""RBAC benchmark: who-can over 10,000 roles and 20,000 bindings.

    python bench/run.py rbac [--roles N] [--bindings N] [--repeat N] [--seed N] [--no-write]

Generates a synthetic cluster (deterministic for a seed): Roles spread over 200 namespaces and
ClusterRoles (a tenth of them aggregated), each with a few rules drawn from common verbs,
resources and API groups; RoleBindings and ClusterRoleBindings to them with users, groups and
ServiceAccounts. Writes it as one multi-document YAML file and measures, in one process:
- load: reading the file with kubeward's loader and model (as `kubeward rbac` does);
- graph: building the RBAC graph (indexes, aggregation);
- who-can: several `who_can` queries (namespaced, every namespace, cluster-scoped,
  subresource, non-resource URL), best of `--repeat`; the target is under 1 second each;
- can and subject: one authorization decision and one subject's merged permissions.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from common import write_block

from kubeward.analysis.rbac import RbacGraph, parse_identity, parse_request
from kubeward.config import Config
from kubeward.rules import default_catalogue
from kubeward.scan import Engine

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "*"]
RESOURCES = [
    ("", "pods"),
    ("", "pods/exec"),
    ("", "pods/log"),
    ("", "secrets"),
    ("", "configmaps"),
    ("", "services"),
    ("", "serviceaccounts"),
    ("", "nodes"),
    ("", "*"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("rbac.authorization.k8s.io", "roles"),
    ("example.com", "widgets"),
]
QUERIES = [
    ("get", "secrets", "ns-7"),
    ("get", "secrets", None),
    ("create", "pods/exec", "ns-42"),
    ("create", "deployments", None),
    ("list", "nodes", None),
    ("get", "/healthz", None),
]


def generate(roles: int, bindings: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    namespaces = [f"ns-{i}" for i in range(200)]
    objects: list[dict[str, Any]] = []
    cluster_roles = roles // 5
    role_names: list[tuple[str, str | None]] = []

    def rules() -> list[dict[str, Any]]:
        out = []
        for _ in range(rng.randint(1, 4)):
            picks = rng.sample(RESOURCES, rng.randint(1, 3))
            out.append(
                {
                    "apiGroups": sorted({g for g, _ in picks}),
                    "resources": [r for _, r in picks],
                    "verbs": rng.sample(VERBS, rng.randint(1, 3)),
                }
            )
        return out

    for i in range(cluster_roles):
        role: dict[str, Any] = {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": f"cr-{i}", "labels": {"tier": f"t{i % 20}"}},
            "rules": rules(),
        }
        if i % 10 == 0:
            role["aggregationRule"] = {
                "clusterRoleSelectors": [{"matchLabels": {"tier": f"t{(i // 10) % 20}"}}]
            }
        objects.append(role)
        role_names.append((f"cr-{i}", None))
    for i in range(roles - cluster_roles):
        ns = namespaces[i % len(namespaces)]
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": f"role-{i}", "namespace": ns},
                "rules": rules(),
            }
        )
        role_names.append((f"role-{i}", ns))

    def subject() -> dict[str, Any]:
        kind = rng.choice(["User", "Group", "ServiceAccount"])
        if kind == "ServiceAccount":
            return {
                "kind": kind,
                "name": f"sa-{rng.randrange(50)}",
                "namespace": rng.choice(namespaces),
            }
        return {"kind": kind, "name": f"{kind.lower()}-{rng.randrange(2000)}"}

    for i in range(bindings):
        name, ns = rng.choice(role_names)
        if ns is None and rng.random() < 0.3:  # a ClusterRoleBinding
            objects.append(
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": f"crb-{i}"},
                    "subjects": [subject() for _ in range(rng.randint(1, 3))],
                    "roleRef": {
                        "kind": "ClusterRole",
                        "name": name,
                        "apiGroup": "rbac.authorization.k8s.io",
                    },
                }
            )
            continue
        where = ns or rng.choice(namespaces)
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": f"rb-{i}", "namespace": where},
                "subjects": [subject() for _ in range(rng.randint(1, 3))],
                "roleRef": {
                    "kind": "Role" if ns else "ClusterRole",
                    "name": name,
                    "apiGroup": "rbac.authorization.k8s.io",
                },
            }
        )
    return objects


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py rbac", description=__doc__.split("\n")[0])
    ap.add_argument("--roles", type=int, default=10_000)
    ap.add_argument("--bindings", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)

    objects = generate(args.roles, args.bindings, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rbac.yaml"
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump_all(objects, fh, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
        size = path.stat().st_size
        t = time.perf_counter()
        engine = Engine(default_catalogue(), Config(), only=[])
        engine.add_paths([str(path)], 1 << 31)
        engine.finish()
        load = time.perf_counter() - t
    t = time.perf_counter()
    graph = RbacGraph.from_resources(engine.resources, engine.workloads)
    build = time.perf_counter() - t

    rows = []
    worst = 0.0
    for verb, target, ns in QUERIES:
        request, _ = parse_request(verb, target, ns)
        seconds, grants = best(lambda r=request: graph.who_can(r, anywhere=True), args.repeat)
        worst = max(worst, seconds)
        where = f"-n {ns}" if ns else "(every namespace)"
        rows.append((f"who-can {verb} {target} {where}", seconds, len(grants)))
    identity = parse_identity("sa:ns-7/sa-3", ["group-17"])
    request, _ = parse_request("get", "secrets", "ns-7")
    can_s, decision = best(lambda: graph.authorize(identity, request), args.repeat)
    subj_s, perms = best(lambda: graph.permissions(identity), args.repeat)

    bindings = sum(1 for r in engine.resources if r.kind.endswith("Binding"))
    roles = sum(1 for r in engine.resources if r.kind in ("Role", "ClusterRole"))
    print(f"load {load:.2f}s graph {build:.2f}s ({roles} roles, {bindings} bindings)")
    for text, seconds, n in rows:
        print(f"{text}: {seconds * 1000:.1f} ms, {n} grants")
    print(f"can: {can_s * 1000:.2f} ms ({decision.allowed}); subject: {subj_s * 1000:.1f} ms")
    ok = worst < 1.0
    if not args.no_write:
        lines = [
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; synthetic cluster (seed {args.seed}): "
            f"{roles:,} roles ({args.roles // 5:,} ClusterRoles, a tenth aggregated), "
            f"{bindings:,} bindings, {size / 1e6:.1f} MB of YAML; best of {args.repeat}.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| load the YAML (kubeward's loader and model) | {load:.2f} s |",
            f"| build the RBAC graph (indexes, aggregation) | {build:.2f} s |",
        ]
        lines += [f"| {text} ({n:,} grants) | {s * 1000:.0f} ms |" for text, s, n in rows]
        lines += [
            f"| **slowest who-can** (target under 1 s after loading) | **{worst * 1000:.0f} ms** |",
            f"| can (one decision, with its grants) | {can_s * 1000:.2f} ms |",
            f"| subject (merged permissions, {len(perms):,} rows) | {subj_s * 1000:.1f} ms |",
        ]
        write_block("rbac", lines)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
