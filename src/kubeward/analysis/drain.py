"""Drain readiness: what would block or hurt the cordon-and-drain of an upgrade.

AKS upgrades (and node-image upgrades, and Kured reboots) cordon each node, evict its pods
through the Eviction API and replace the node, one by one, after adding surge nodes. Eviction
honours PodDisruptionBudgets: a budget that allows no disruption makes the drain wait until it
times out and the upgrade fails. `kubectl drain` also refuses pods no controller recreates
(without `--force`) and pods with emptyDir data (without `--delete-emptydir-data`).

`DrainPlan` is the scene view the UPG rules use: workloads, budgets and autoscalers of one
scan, indexed once. `DrainPlan.assess(workload)` gives one workload's verdict (for manifests,
"a drain of any node that runs its pods"); `node_verdicts` gives, for a live cluster, the
verdict per node from where the pods really run.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from kubeward.model.inventory import Inventory
from kubeward.model.path import Path
from kubeward.model.resource import Resource
from kubeward.model.upgrade import (
    DAEMON_KINDS,
    MIRROR_POD,
    REPLICATED_KINDS,
    Autoscaler,
    DisruptionBudget,
    controller_of,
    read_hpa,
    read_pdb,
    replicas_of,
)
from kubeward.model.workload import Workload

_PDB_ANCHORS: tuple[Path, ...] = (("spec", "maxUnavailable"), ("spec", "minAvailable"), ("spec",))
_HPA_ANCHORS: tuple[Path, ...] = (("spec", "scaleTargetRef"), ("spec",))
_REPLICA_ANCHORS: tuple[Path, ...] = (("spec", "replicas"), ("spec",))


class Effect(enum.Enum):
    """How a reason affects a drain, worst first."""

    BLOCKS = "blocks"  # eviction is refused: the drain waits, then the upgrade fails
    REFUSED = "refused"  # `kubectl drain` refuses without a flag that deletes the pod or data
    DISRUPTS = "disrupts"  # the drain completes, but the service is down or loses data

    @property
    def rank(self) -> int:
        return {"blocks": 0, "refused": 1, "disrupts": 2}[self.value]


class Reason(enum.Enum):
    PDB_NO_DISRUPTION = "pdb-allows-no-disruption"
    PDB_HPA_MIN = "pdb-blocks-at-hpa-minimum"
    UNMANAGED_POD = "unmanaged-pod"
    EMPTYDIR = "emptydir-data"
    LOCAL_VOLUME = "local-persistent-volume"
    SINGLE_REPLICA = "single-replica"
    ALL_ON_NODE = "all-replicas-on-node"
    PDB_NOW = "pdb-currently-allows-no-disruption"


EFFECTS: Mapping[Reason, Effect] = {
    Reason.PDB_NO_DISRUPTION: Effect.BLOCKS,
    Reason.PDB_HPA_MIN: Effect.BLOCKS,
    Reason.PDB_NOW: Effect.BLOCKS,
    Reason.UNMANAGED_POD: Effect.REFUSED,
    Reason.EMPTYDIR: Effect.REFUSED,
    Reason.LOCAL_VOLUME: Effect.DISRUPTS,
    Reason.SINGLE_REPLICA: Effect.DISRUPTS,
    Reason.ALL_ON_NODE: Effect.DISRUPTS,
}


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason a drain is blocked or hurts, about one object (`resource`, at `path`)."""

    reason: Reason
    message: str
    resource: Resource
    path: Path

    @property
    def effect(self) -> Effect:
        return EFFECTS[self.reason]


def _same_target(hpa: Autoscaler, w: Workload) -> bool:
    r = w.resource
    if hpa.target_kind != r.kind or hpa.target_name != r.name:
        return False
    api = hpa.target_api_version
    group = api.rpartition("/")[0] if api else r.group
    return group == r.group or {group, r.group} <= {"apps", "extensions"}


def _selects_pods(pdb: DisruptionBudget) -> bool | None:
    """policy/v1: an empty or missing selector selects every pod of the namespace;
    policy/v1beta1: none. None means "see the selector"."""
    if pdb.selector is not None and not pdb.selector.empty:
        return None
    return pdb.resource.api_version != "policy/v1beta1"


@dataclass(frozen=True)
class DrainPlan:
    """Workloads, PodDisruptionBudgets and HorizontalPodAutoscalers of one scan, indexed."""

    workloads: tuple[Workload, ...]
    budgets: tuple[DisruptionBudget, ...]
    autoscalers: tuple[Autoscaler, ...]
    claims: Mapping[tuple[str | None, str], Resource] = field(repr=False)
    volumes: Mapping[str, Resource] = field(repr=False)
    _budgets_of: Mapping[int, tuple[DisruptionBudget, ...]] = field(repr=False)
    _covered: Mapping[int, tuple[Workload, ...]] = field(repr=False)
    _hpa_of: Mapping[int, Autoscaler] = field(repr=False)
    _targets: Mapping[int, Workload] = field(repr=False)
    # Computed once per scan by from_inventory: budgets that block, budget/HPA conflicts.
    blocking: tuple[tuple[DisruptionBudget, str, Path], ...] = ()
    conflicts: tuple[tuple[DisruptionBudget, Autoscaler, Workload, int], ...] = ()

    @classmethod
    def from_inventory(cls, inv: Inventory) -> DrainPlan:
        budgets = tuple(read_pdb(r) for r in inv.of_kind("PodDisruptionBudget"))
        autoscalers = tuple(read_hpa(r) for r in inv.of_kind("HorizontalPodAutoscaler"))
        by_ns: dict[str | None, list[DisruptionBudget]] = defaultdict(list)
        for b in budgets:
            by_ns[b.namespace].append(b)
        hpas: dict[tuple[str | None, str | None, str | None], list[Autoscaler]] = defaultdict(list)
        for h in autoscalers:
            hpas[(h.namespace, h.target_kind, h.target_name)].append(h)
        budgets_of: dict[int, tuple[DisruptionBudget, ...]] = {}
        covered: dict[int, list[Workload]] = defaultdict(list)
        hpa_of: dict[int, Autoscaler] = {}
        targets: dict[int, Workload] = {}
        for w in inv.workloads:
            r = w.resource
            if r.kind in DAEMON_KINDS or not w.containers:
                continue  # drains skip DaemonSet pods; templates without containers run nothing
            mine = []
            for b in by_ns.get(r.namespace, ()):
                everything = _selects_pods(b)
                if everything is None:
                    assert b.selector is not None
                    hit = b.selector.valid and b.selector.matches(w.pod.labels)
                else:
                    hit = everything
                if hit:
                    mine.append(b)
                    covered[id(b)].append(w)
            if mine:
                budgets_of[id(w)] = tuple(mine)
            for h in hpas.get((r.namespace, r.kind, r.name), ()):
                if _same_target(h, w):
                    hpa_of[id(w)] = h
                    targets[id(h)] = w
        claims = {(r.namespace, r.name): r for r in inv.of_kind("PersistentVolumeClaim")}
        volumes = {r.name: r for r in inv.of_kind("PersistentVolume")}
        plan = cls(
            workloads=inv.workloads,
            budgets=budgets,
            autoscalers=autoscalers,
            claims=claims,
            volumes=volumes,
            _budgets_of=budgets_of,
            _covered={k: tuple(v) for k, v in covered.items()},
            _hpa_of=hpa_of,
            _targets=targets,
        )
        return dataclasses.replace(
            plan, blocking=tuple(plan.blocking_budgets()), conflicts=tuple(plan.hpa_conflicts())
        )

    @staticmethod
    def anchor_paths(resource: Resource, workload: Workload | None) -> tuple[Path, ...]:
        """The paths UPG rules on this view report on, so the engine records their lines
        while the file is parsed (no re-parse for scene findings)."""
        kind = resource.kind
        if kind == "PodDisruptionBudget":
            return _PDB_ANCHORS
        if kind == "HorizontalPodAutoscaler":
            return _HPA_ANCHORS
        if workload is not None and (resource.group, kind) in REPLICATED_KINDS:
            return _REPLICA_ANCHORS
        return ()

    # ------------------------------------------------------------------ lookups

    def budgets_of(self, w: Workload) -> tuple[DisruptionBudget, ...]:
        return self._budgets_of.get(id(w), ())

    def covered_by(self, b: DisruptionBudget) -> tuple[Workload, ...]:
        """Workloads (not DaemonSets) whose pods the budget selects."""
        return self._covered.get(id(b), ())

    def autoscaler_of(self, w: Workload) -> Autoscaler | None:
        return self._hpa_of.get(id(w))

    def target_of(self, h: Autoscaler) -> Workload | None:
        return self._targets.get(id(h))

    def replicas(self, w: Workload) -> int | None:
        """Pods the workload runs in steady state: the autoscaler's minimum when one scales
        it, else `spec.replicas`; None for kinds without replicas or unknown counts."""
        h = self.autoscaler_of(w)
        if h is not None:
            return h.min_replicas
        rep = replicas_of(w)
        return rep.count if rep is not None else None

    # ------------------------------------------------------------------ budgets

    def blocking_budgets(self) -> Iterator[tuple[DisruptionBudget, str, Path]]:
        """Budgets that allow no disruption at the declared replica counts, with why."""
        for b in self.budgets:
            if b.max_unavailable is not None and b.max_unavailable.scaled(1) == 0:
                yield b, f"{b.bound_text()} never allows an eviction", b.bound_path
                continue
            covered = self.covered_by(b)
            if not covered or any(self.autoscaler_of(w) is not None for w in covered):
                continue  # nothing known to protect, or autoscaled (see hpa_conflicts)
            counts = [self.replicas(w) for w in covered]
            if any(c is None for c in counts):
                continue
            total = sum(c for c in counts if c is not None)
            if total > 0 and b.allowed_disruptions(total) == 0:
                yield (
                    b,
                    f"{b.bound_text()} with {total} replica(s) of {_names(covered)} allows no "
                    "eviction",
                    b.bound_path,
                )

    def hpa_conflicts(self) -> Iterator[tuple[DisruptionBudget, Autoscaler, Workload, int]]:
        """Budgets that allow no disruption when an autoscaled workload they protect runs at
        its autoscaler's `minReplicas`: (budget, autoscaler, workload, minimum)."""
        for b in self.budgets:
            if b.max_unavailable is not None and b.max_unavailable.scaled(1) == 0:
                continue  # blocks at any scale: blocking_budgets reports it
            for w in self.covered_by(b):
                h = self.autoscaler_of(w)
                if h is None:
                    continue
                others = [o for o in self.covered_by(b) if o is not w]
                counts = [self.replicas(o) for o in others]
                if any(c is None for c in counts):
                    continue
                total = h.min_replicas + sum(c for c in counts if c is not None)
                if total > 0 and b.allowed_disruptions(total) == 0:
                    yield b, h, w, h.min_replicas

    # ------------------------------------------------------------------ workloads

    def local_volumes(self, w: Workload) -> Iterator[tuple[str, Path]]:
        """Claims of the pod bound to a `local` PersistentVolume (pinned to one node)."""
        for v in w.pod.volumes:
            if v.type != "persistentVolumeClaim":
                continue
            claim_name = v.source.get("claimName")
            claim = self.claims.get((w.resource.namespace, str(claim_name)))
            if claim is None:
                continue
            spec = claim.raw.get("spec")
            bound = spec.get("volumeName") if isinstance(spec, Mapping) else None
            pv = self.volumes.get(str(bound)) if bound else None
            pv_spec = pv.raw.get("spec") if pv is not None else None
            if isinstance(pv_spec, Mapping) and isinstance(pv_spec.get("local"), Mapping):
                yield f"{claim_name} (PersistentVolume {bound} is local to one node)", v.path

    def assess(self, w: Workload) -> list[Blocker]:
        """Every reason a drain of a node running this workload's pods is blocked or hurts."""
        r = w.resource
        out: list[Blocker] = []
        if r.kind in DAEMON_KINDS:
            return out  # drains leave DaemonSet pods alone; they come back on the new node
        blocking = {id(b): why for b, why, _ in self.blocking}
        for b in self.budgets_of(w):
            why = blocking.get(id(b))
            if why is not None:
                out.append(
                    Blocker(
                        Reason.PDB_NO_DISRUPTION,
                        f"{b.resource.display}: {why}",
                        b.resource,
                        b.bound_path,
                    )
                )
        for b, scaler, target, minimum in self.conflicts:
            if target is w:
                out.append(
                    Blocker(
                        Reason.PDB_HPA_MIN,
                        f"{b.resource.display} ({b.bound_text()}) allows no "
                        f"eviction when {scaler.resource.display} scales {r.kind} {r.name} down to "
                        f"minReplicas {minimum}",
                        b.resource,
                        b.bound_path,
                    )
                )
        if (
            w.pod.meta_path == ("metadata",)
            and r.kind == "Pod"
            and controller_of(r) is None
            and MIRROR_POD not in r.annotations
        ):
            out.append(
                Blocker(
                    Reason.UNMANAGED_POD,
                    f"Pod {r.name} has no controller: `kubectl drain` refuses it without "
                    "--force, and once evicted nothing recreates it",
                    r,
                    ("metadata",),
                )
            )
        empty = [v for v in w.pod.volumes if v.type == "emptyDir"]
        if empty:
            names = ", ".join(v.name for v in empty)
            out.append(
                Blocker(
                    Reason.EMPTYDIR,
                    f"emptyDir volume(s) {names}: `kubectl drain` refuses without "
                    "--delete-emptydir-data, and their data is lost on eviction",
                    r,
                    empty[0].path,
                )
            )
        for what, path in self.local_volumes(w):
            out.append(
                Blocker(
                    Reason.LOCAL_VOLUME,
                    f"claim {what}: the pod cannot run on any other node and stays Pending "
                    "until its node returns",
                    r,
                    path,
                )
            )
        count = self.replicas(w)
        if count == 1 and not any(b.reason is Reason.PDB_NO_DISRUPTION for b in out):
            h = self.autoscaler_of(w)
            rep = replicas_of(w)
            at: Path = rep.path if h is None and rep is not None else ("spec",)
            source = f" (minReplicas of {h.resource.display})" if h is not None else ""
            out.append(
                Blocker(
                    Reason.SINGLE_REPLICA,
                    f"{r.kind} {r.name} runs a single replica{source}: it is down from its "
                    "eviction until the replacement pod is ready",
                    r,
                    at,
                )
            )
        return out


def _names(workloads: Sequence[Workload]) -> str:
    return ", ".join(f"{w.resource.kind} {w.resource.name}" for w in workloads)


@dataclass(frozen=True, slots=True)
class WorkloadVerdict:
    """The drain verdict of one workload: every node that runs its pods is affected."""

    workload: Workload
    blockers: tuple[Blocker, ...]

    @property
    def effect(self) -> Effect | None:
        if not self.blockers:
            return None
        return min((b.effect for b in self.blockers), key=lambda e: e.rank)


def workload_verdicts(plan: DrainPlan) -> list[WorkloadVerdict]:
    """Verdicts of the workloads a drain moves (not DaemonSets, not objects another
    controller in the input owns), worst first."""
    out: list[WorkloadVerdict] = []
    for w in plan.workloads:
        if w.resource.kind in DAEMON_KINDS or controller_of(w.resource) is not None:
            continue
        if not w.containers:
            continue
        out.append(WorkloadVerdict(w, tuple(plan.assess(w))))
    out.sort(
        key=lambda v: (
            v.effect.rank if v.effect is not None else 9,
            v.workload.resource.namespace or "",
            v.workload.resource.kind,
            v.workload.resource.name,
        )
    )
    return out


# ============================================================================ live nodes


@dataclass(frozen=True, slots=True)
class PodPlacement:
    """Where one pod of a live cluster runs, reduced to what drain verdicts need."""

    namespace: str
    name: str
    node: str | None
    owner: tuple[str, str] | None  # top owner (kind, name) in the pod's namespace
    labels: Mapping[str, str]
    daemon: bool  # owned by a DaemonSet: drains skip it
    mirror: bool  # a static pod's mirror: drains skip it
    emptydir: tuple[str, ...]  # names of emptyDir volumes
    finished: bool  # Succeeded or Failed: nothing to evict


@dataclass(frozen=True, slots=True)
class NodeVerdict:
    node: str
    blockers: tuple[Blocker, ...]
    pods: int

    @property
    def effect(self) -> Effect | None:
        """The worst effect, None when the node drains cleanly."""
        if not self.blockers:
            return None
        return min((b.effect for b in self.blockers), key=lambda e: e.rank)

    def summary(self) -> str:
        effect = self.effect
        if effect is None:
            return f"drain of node {self.node} would complete ({self.pods} pod(s) evicted)"
        if effect is Effect.BLOCKS:
            why = "; ".join(b.message for b in self.blockers if b.effect is Effect.BLOCKS)
            return f"drain of node {self.node} would be blocked by {why}"
        if effect is Effect.REFUSED:
            return f"`kubectl drain {self.node}` would refuse without extra flags"
        return f"drain of node {self.node} would complete with disruption"


def node_verdicts(
    plan: DrainPlan,
    placements: Iterable[PodPlacement],
    nodes: Iterable[Resource],
    workloads_by_owner: Mapping[tuple[str, str, str], Workload],
    budget_status: Mapping[tuple[str | None, str], int] | None = None,
) -> list[NodeVerdict]:
    """The drain verdict of every node. `workloads_by_owner` maps (namespace, kind, name) to
    the workload pods were folded into; `budget_status` maps a budget's (namespace, name) to
    its live `status.disruptionsAllowed`."""
    on_node: dict[str, list[PodPlacement]] = defaultdict(list)
    spread: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for p in placements:
        if p.finished:
            continue
        if p.node is not None:
            on_node[p.node].append(p)
        if p.owner is not None:
            spread[(p.namespace, *p.owner)].add(p.node)
    assessed: dict[int, list[Blocker]] = {}
    out: list[NodeVerdict] = []
    for node in sorted(nodes, key=lambda n: n.name):
        pods = [p for p in on_node.get(node.name, ()) if not p.daemon and not p.mirror]
        found: dict[tuple[Reason, int, str], Blocker] = {}

        def add(b: Blocker, found: dict[tuple[Reason, int, str], Blocker] = found) -> None:
            found.setdefault((b.reason, id(b.resource), b.message), b)

        for p in pods:
            w = workloads_by_owner.get((p.namespace, *p.owner)) if p.owner else None
            if w is None and p.owner is None:
                w = workloads_by_owner.get((p.namespace, "Pod", p.name))
            if w is not None:
                if id(w) not in assessed:
                    assessed[id(w)] = plan.assess(w)
                for b in assessed[id(w)]:
                    add(b)
                key = (p.namespace, w.resource.kind, w.resource.name)
                count = plan.replicas(w)
                if count is not None and count > 1 and spread.get(key) == {node.name}:
                    add(
                        Blocker(
                            Reason.ALL_ON_NODE,
                            f"all {count} replicas of {w.resource.kind} {w.resource.name} run "
                            f"on node {node.name}",
                            w.resource,
                            ("spec",),
                        )
                    )
            if budget_status is not None:
                for budget in plan.budgets:
                    if (
                        budget.namespace != p.namespace
                        or budget_status.get((budget.namespace, budget.resource.name)) != 0
                    ):
                        continue
                    everything = _selects_pods(budget)
                    hit = (
                        everything
                        if everything is not None
                        else budget.selector is not None and budget.selector.matches(p.labels)
                    )
                    if hit:
                        add(
                            Blocker(
                                Reason.PDB_NOW,
                                f"{budget.resource.display} (status: 0 "
                                f"disruptions allowed now) protecting pod {p.name}",
                                budget.resource,
                                ("status", "disruptionsAllowed"),
                            )
                        )
        blockers = sorted(found.values(), key=lambda b: (b.effect.rank, b.reason.value, b.message))
        out.append(NodeVerdict(node.name, tuple(blockers), len(pods)))
    return out


def owners_index(
    workloads: Iterable[Workload], stand_ins: Mapping[tuple[str, str, str], str]
) -> dict[tuple[str, str, str], Workload]:
    """(namespace, kind, name) -> workload, for live pods folded into their owner; a pod that
    stands in for a controller that was not listed answers for that controller too."""
    index = {(w.resource.namespace or "", w.resource.kind, w.resource.name): w for w in workloads}
    for (ns, kind, name), pod in stand_ins.items():
        w = index.get((ns, "Pod", pod))
        if w is not None:
            index[(ns, kind, name)] = w
    return index


def budget_status(resources: Iterable[Resource]) -> dict[tuple[str | None, str], int]:
    """(namespace, name) -> `status.disruptionsAllowed` of live PodDisruptionBudgets."""
    out: dict[tuple[str | None, str], int] = {}
    for r in resources:
        if r.kind != "PodDisruptionBudget":
            continue
        status = r.raw.get("status")
        allowed = status.get("disruptionsAllowed") if isinstance(status, Mapping) else None
        if isinstance(allowed, int) and not isinstance(allowed, bool):
            out[(r.namespace, r.name)] = allowed
    return out


__all__ = [
    "Blocker",
    "DrainPlan",
    "Effect",
    "NodeVerdict",
    "PodPlacement",
    "Reason",
    "WorkloadVerdict",
    "budget_status",
    "node_verdicts",
    "owners_index",
    "workload_verdicts",
]
