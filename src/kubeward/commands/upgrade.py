"""`kubeward upgrade --to 1.N PATH... | --cluster`: is it safe to upgrade?

Parses options, calls the library (the UPG001/UPG002 rules through the engine, the drain
analysis of `kubeward.analysis.drain`), renders text or JSON. No analysis here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from kubeward.analysis import ipplan
from kubeward.analysis.drain import (
    Blocker,
    DrainPlan,
    Effect,
    NodeVerdict,
    WorkloadVerdict,
    budget_status,
    node_verdicts,
    owners_index,
    workload_verdicts,
)
from kubeward.commands import aks as aks_cmd
from kubeward.commands import cluster as cluster_cmd
from kubeward.config import Config
from kubeward.findings import Finding, InputError
from kubeward.loaders import aks as aks_loader
from kubeward.loaders.cluster import ClusterError
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.model.aks import AksCluster
from kubeward.model.inventory import Inventory
from kubeward.model.upgrade import KubeVersion
from kubeward.reporters.text import printable
from kubeward.rules import default_catalogue
from kubeward.scan import Engine, Report, scan_cluster

API_RULES = ("UPG001", "UPG002")
SURGE_NOT_CHECKED = (
    "not checked: whether each node pool's subnet has room for its surge nodes "
    "(maxSurge x (maxPods + 1) addresses with Azure CNI) needs the AKS configuration; "
    "give it with --aks CLUSTER.json (any `kubeward aks` input)"
)
SURGE_UNKNOWN = (
    "no pool subnet or pod CIDR is known in the AKS configuration (a subnet created "
    "elsewhere, or no network profile); `kubeward ipplan FILE --subnet CIDR` plans it"
)


@click.command("upgrade", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option(
    "--to", "target", required=True, metavar="1.N", help="Kubernetes version to upgrade to."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--aks",
    "aks_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="AKS cluster configuration (az/ARM JSON, ARM template, Bicep, Terraform): check "
    "that each node pool's subnet has room for its upgrade surge.",
)
@cluster_cmd.cluster_options
def upgrade(
    paths: tuple[str, ...], target: str, fmt: str, aks_file: str | None, **live: Any
) -> None:
    """Upgrade readiness: removed API versions and drain blockers.

    \b
    1. objects whose apiVersion the target release no longer serves, or
       removes later (with the replacement to use);
    2. the drain verdict of every workload (PodDisruptionBudgets that allow
       no eviction, single replicas, pods without a controller, emptyDir data,
       node-local volumes) and, with --cluster, of every node;
    3. with --aks, whether each node pool's subnet (and the kubenet or overlay
       pod CIDR) has room for the pool's nodes plus its maxSurge nodes.

    Exit code 1 when an API version is removed at the target, a drain would be
    blocked or a subnet cannot hold the surge; 2 when an input could not be read.
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    problem = cluster_cmd.cluster_problem(live, paths)
    if problem is not None:
        err.print(f"kubeward: error: {problem}", markup=False)
        sys.exit(2)
    try:
        to = KubeVersion.parse(target)
    except ValueError as e:
        err.print(f"kubeward: error: --to: {e}", markup=False)
        sys.exit(2)
    surge = _surge(aks_file, err) if aks_file is not None else Surge(None, SURGE_NOT_CHECKED)
    catalogue = default_catalogue()
    rules = [r for r in (catalogue.get(code) for code in API_RULES) if r is not None]
    config = Config(options={code: {"target_version": str(to)} for code in API_RULES})
    nodes: list[NodeVerdict] | None = None
    current: str | None = None
    if live["cluster"]:
        try:
            report, engine, read = scan_cluster(
                cluster_cmd.settings_from(live),
                catalogue,
                config,
                only=rules,
                aks_defaults=not live["no_aks_defaults"],
                keep_placements=True,
            )
        except ClusterError as e:
            err.print(f"kubeward: error: cluster: {e}", markup=False)
            sys.exit(2)
        current = report.cluster.get("version") if report.cluster else None
    else:
        engine = Engine(catalogue, config, only=rules)
        engine.add_paths(paths, DEFAULT_MAX_FILE_SIZE)
        report = engine.finish()
        read = None
        current = surge.version
    if current and _not_older(current, to):
        err.print(
            f"kubeward: error: the cluster already runs {current}; --to must be newer",
            markup=False,
        )
        sys.exit(2)
    plan = DrainPlan.from_inventory(Inventory.build(engine.resources, engine.workloads))
    workloads = workload_verdicts(plan)
    if read is not None:
        nodes = node_verdicts(
            plan,
            read.placements,
            [r for r in engine.resources if r.kind == "Node"],
            owners_index(engine.workloads, read.stand_ins),
            budget_status(engine.resources),
        )
    for problem_ in report.errors:
        err.print(
            f"kubeward: {printable(problem_.one_line())}",
            markup=False,
            style="yellow" if problem_.warning else "red",
        )
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                _json(report, to, current, workloads, nodes, surge), indent=2, ensure_ascii=False
            )
            + "\n"
        )
    else:
        _text(report, to, current, workloads, nodes, surge)
    if report.failed_inputs or surge.failed:
        sys.exit(2)
    blocked = any(v.effect is Effect.BLOCKS for v in workloads) or any(
        n.effect is Effect.BLOCKS for n in nodes or []
    )
    removed = any(f.rule == "UPG001" for f in report.findings)
    full = any(not room.fits for room in surge.rooms or ())
    sys.exit(1 if blocked or removed or full else 0)


def _not_older(current: str, to: KubeVersion) -> bool:
    try:
        return KubeVersion.parse(current) >= to
    except ValueError:
        return False


@dataclass(frozen=True)
class Surge:
    """The surge check's outcome: rooms checked, or why nothing was (`reason`)."""

    rooms: tuple[ipplan.SurgeRoom, ...] | None
    reason: str | None = None
    version: str | None = None  # the Kubernetes version the AKS configuration states
    failed: bool = False  # the AKS configuration could not be read


def _surge(file: str, err: Console) -> Surge:
    errors: list[InputError] = []
    subjects = aks_loader.load(file, DEFAULT_MAX_FILE_SIZE, errors)
    for e in errors:
        err.print(f"kubeward: {printable(e.one_line())}", markup=False, style="red")
    clusters = [s.view for s in subjects if isinstance(s.view, AksCluster)]
    if not clusters:
        if not errors:
            err.print(f"kubeward: {printable(file)}: no AKS cluster found", markup=False)
        return Surge(None, f"not checked: {file} could not be read as an AKS cluster", failed=True)
    cluster = clusters[0]
    version = cluster.kubernetes_version.value
    try:
        rooms = ipplan.upgrade_surge(aks_cmd.cluster_plan(cluster))
    except ipplan.PlanError as e:
        err.print(f"kubeward: {printable(file)}: {e}", markup=False, style="red")
        return Surge(None, f"not checked: {e}", version, failed=True)
    if not rooms:
        return Surge(None, SURGE_UNKNOWN, version)
    return Surge(rooms, None, version)


# ----------------------------------------------------------------------------- rendering


def _blocker(b: Blocker) -> dict[str, Any]:
    r = b.resource
    return {
        "reason": b.reason.value,
        "effect": b.effect.value,
        "message": b.message,
        "kind": r.kind,
        "namespace": r.namespace,
        "name": r.name,
        "file": r.source.file,
        "path": ".".join(str(p) for p in b.path),
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "status": "removed" if f.rule == "UPG001" else "removed later",
        "message": f.message,
        "apiVersion": f.obj.api_version,
        "kind": f.obj.kind,
        "namespace": f.obj.namespace,
        "name": f.obj.name,
        "file": f.obj.file,
        "line": f.line,
    }


def _json(
    report: Report,
    to: KubeVersion,
    current: str | None,
    workloads: Sequence[WorkloadVerdict],
    nodes: Sequence[NodeVerdict] | None,
    surge: Surge,
) -> dict[str, Any]:
    return {
        "target": str(to),
        "current": current,
        "cluster": dict(report.cluster) if report.cluster else None,
        "apis": [_finding(f) for f in report.findings],
        "workloads": [
            {
                "kind": v.workload.resource.kind,
                "namespace": v.workload.resource.namespace,
                "name": v.workload.resource.name,
                "file": v.workload.resource.source.file,
                "verdict": v.effect.value if v.effect else "ready",
                "blockers": [_blocker(b) for b in v.blockers],
            }
            for v in workloads
        ],
        "nodes": None
        if nodes is None
        else [
            {
                "node": n.node,
                "pods": n.pods,
                "verdict": n.effect.value if n.effect else "ready",
                "summary": n.summary(),
                "blockers": [_blocker(b) for b in n.blockers],
            }
            for n in nodes
        ],
        "surge": {
            "checked": surge.rooms is not None,
            "reason": surge.reason,
            "ranges": [
                {
                    "range": room.range.text,
                    "what": room.range.name,
                    "holds": room.holds,
                    "pools": list(room.pools),
                    "needed": room.needed,
                    "available": room.available,
                    "fits": room.fits,
                }
                for room in surge.rooms or ()
            ],
        },
        "errors": [_error(e) for e in report.errors],
    }


def _error(e: InputError) -> dict[str, Any]:
    return {"file": e.file, "line": e.line, "message": e.message, "warning": e.warning}


STYLE = {
    None: "green",
    Effect.BLOCKS: "bold red",
    Effect.REFUSED: "yellow",
    Effect.DISRUPTS: "cyan",
}


def _text(
    report: Report,
    to: KubeVersion,
    current: str | None,
    workloads: Sequence[WorkloadVerdict],
    nodes: Sequence[NodeVerdict] | None,
    surge: Surge,
) -> None:
    out = Console(highlight=False, soft_wrap=True)

    def safe(text: object) -> str:
        return escape(printable(str(text)))

    where = f" from {safe(current)}" if current else ""
    out.print(f"[bold]Upgrade readiness{where} to {to}[/]")
    out.print("\n[bold]1. API versions[/]")
    if not report.findings:
        out.print("  [green]no object uses an API version removed by or after[/] " + str(to))
    for f in report.findings:
        line = f":{f.line}" if f.line else ""
        status = "[bold red]removed[/]" if f.rule == "UPG001" else "[yellow]later  [/]"
        out.print(f"  {status}  {safe(f.obj.display)}  [dim]{safe(f.obj.file + line)}[/]")
        out.print(f"           {safe(f.message)}")
    out.print("\n[bold]2. Drain readiness per workload[/]")
    hurt = [v for v in workloads if v.effect is not None]
    for v in hurt:
        r = v.workload.resource
        label = v.effect.value if v.effect else "ready"
        out.print(
            f"  [{STYLE[v.effect]}]{label:<9}[/] {safe(r.display)}  [dim]{safe(r.source.file)}[/]"
        )
        for b in v.blockers:
            out.print(f"            [{STYLE[b.effect]}]{b.effect.value}[/]: {safe(b.message)}")
    out.print(f"  {len(workloads) - len(hurt)} of {len(workloads)} workload(s) drain cleanly")
    if nodes is not None:
        out.print("\n[bold]2b. Drain verdict per node[/]")
        for n in nodes:
            label = n.effect.value if n.effect else "ready"
            out.print(f"  [{STYLE[n.effect]}]{label:<9}[/] {safe(n.summary())}")
            if n.effect is not None and n.effect is not Effect.BLOCKS:
                for b in n.blockers:
                    out.print(
                        f"            [{STYLE[b.effect]}]{b.effect.value}[/]: {safe(b.message)}"
                    )
    out.print("\n[bold]3. Surge capacity[/]")
    if surge.rooms is None:
        out.print(f"  {safe(surge.reason)}")
    for room in surge.rooms or ():
        style = "green" if room.fits else "bold red"
        out.print(f"  [{style}]{'fits' if room.fits else 'full':<9}[/] {safe(room.text())}")
