"""UPG rules: upgrade readiness and availability.

API versions the target Kubernetes release no longer serves, and what makes the cordon and
drain of an AKS upgrade fail or hurt: PodDisruptionBudgets that allow no eviction, single
replicas, pods no controller recreates, node-local data; plus the availability hygiene the
drain relies on (probes, requests and limits, spread, rolling updates, autoscaler bounds,
priority classes, Job cleanup). The drain semantics live in `kubeward.analysis.drain`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubeward.analysis.drain import DrainPlan, Reason
from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.container import Container, ContainerKind
from kubeward.model.resource import Resource
from kubeward.model.upgrade import (
    LONG_RUNNING_KINDS,
    MIRROR_POD,
    REPLICATED_KINDS,
    KubeVersion,
    applied_versions,
    controller_of,
    is_long_running,
    is_replicated,
    read_hpa,
    read_pdb,
    removal_of,
    replicas_of,
    resource_quantity,
    spec_of,
)
from kubeward.model.workload import Workload

LATEST = "latest"
SCALABLE_KINDS = frozenset(kind for _, kind in REPLICATED_KINDS)


def target_version(options: Mapping[str, Any]) -> KubeVersion | None:
    """The `target_version` option: None for `latest` (every known removal applies)."""
    text = str(options.get("target_version") or LATEST)
    return None if text == LATEST else KubeVersion.parse(text)


# ============================================================================ API versions


@rule("UPG001", severity=Severity.HIGH, options={"target_version": LATEST})
def removed_api_version(r: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Object uses an API version that the target Kubernetes release no longer serves.

    The removals are those of the Kubernetes Deprecated API Migration Guide (1.16 to 1.32),
    kept as data with each replacement and the release it became available in. The option
    `target_version` (`1.N`, default `latest`: every known removal) is the release you upgrade
    to; `kubeward upgrade --to 1.N` sets it. Besides `apiVersion`, the apiVersion recorded by
    `kubectl apply` in `kubectl.kubernetes.io/last-applied-configuration` is checked, which is
    how a live cluster shows the version the manifests in Git still use.

    ## Why it matters
    After the upgrade the API server refuses the manifest (`no matches for kind ... in version
    ...`): the next deployment or Helm upgrade fails, often in the middle of an incident.
    Existing objects survive, converted, but the pipeline that owns them breaks.

    ## Fix
    Change `apiVersion` to the replacement named in the finding and apply the notable changes
    the migration guide lists for it (for example Ingress `pathType` and `service.name`);
    `kubectl convert` can rewrite a file. For PodSecurityPolicy there is no replacement: use
    Pod Security Admission labels on the namespace.

    ## References
    - Kubernetes docs: Deprecated API Migration Guide; Kubernetes Deprecation Policy
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Pluto, kubent, Trivy KSV107, Kubescape stable-version, kube-linter
      no-extensions-v1beta, Kyverno check-deprecated-apis, Gatekeeper verifydeprecatedapi
    """
    target = target_version(options)
    for applied in applied_versions(r):
        removal = removal_of(applied.api_version, r.kind)
        if removal is None or (target is not None and removal.removed_in > target):
            continue
        how = " (as last applied with kubectl)" if applied.last_applied else ""
        yield r.violation(
            f"{r.kind} {r.name} uses {applied.api_version}{how}, not served since Kubernetes "
            f"{removal.removed_in}: {removal.advice(target)}",
            applied.path,
        )


@rule("UPG002", severity=Severity.LOW, options={"target_version": LATEST})
def deprecated_api_version(r: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Object uses an API version that is still served at the target release but removed later.

    With `target_version: 1.N`, objects whose API version Kubernetes removes in a release after
    1.N are flagged with the release that removes it and whether the replacement is already
    served at 1.N. With the default `latest` every known removal is in the past and UPG001
    reports it instead.

    ## Why it matters
    The manifest works today and breaks on a later upgrade; migrating while both versions are
    served is a routine change, migrating after the removal is an outage.

    ## Fix
    Move to the replacement now if the target release already serves it; otherwise plan the
    change for the upgrade that makes it available.

    ## References
    - Kubernetes docs: Deprecated API Migration Guide
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Pluto (deprecated vs removed), kubent
    """
    target = target_version(options)
    if target is None:
        return
    for applied in applied_versions(r):
        removal = removal_of(applied.api_version, r.kind)
        if removal is None or removal.removed_in <= target:
            continue
        how = " (as last applied with kubectl)" if applied.last_applied else ""
        yield r.violation(
            f"{r.kind} {r.name} uses {applied.api_version}{how}, served at {target} but "
            f"removed in {removal.removed_in}: {removal.advice(target)}",
            applied.path,
        )


# ============================================================================ disruption budgets


@rule("UPG003", severity=Severity.MEDIUM)
def pdb_allows_no_disruption(plan: DrainPlan) -> Iterator[Violation]:
    """PodDisruptionBudget allows no eviction, so draining a node for an upgrade blocks.

    `maxUnavailable: 0` (or `0%`) never allows one; `minAvailable` at or above the replica
    count of the workloads the budget selects (`100%`, or `2` for two replicas) does not
    either. Percentages round up, as the disruption controller computes them. Budgets over
    autoscaled workloads are judged at the autoscaler's minimum by UPG008.

    ## Why it matters
    Every AKS upgrade, node-image upgrade and Kured reboot drains nodes through the Eviction
    API. An eviction such a budget protects is refused forever: the drain waits for its
    timeout and the upgrade fails, leaving the node pool half upgraded and the node cordoned.

    ## Fix
    Allow at least one disruption: `maxUnavailable: 1`, or `minAvailable` below the replica
    count (run at least two replicas and set `minAvailable: 1`).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Kubernetes docs: Specifying a Disruption Budget for your Application; Safely Drain a Node
    - Other tools: Polaris pdbDisruptionsIsZero, kube-linter pdb-max-unavailable and
      pdb-min-available, kube-score poddisruptionbudget-has-policy, Azure Policy
      DisallowedBadPodDisruptionBudgets
    """
    for b, why, path in plan.blocking:
        yield Violation(
            f"PodDisruptionBudget {b.resource.name}: {why}; a drain can never evict its pods",
            path,
            resource=b.resource,
        )


@rule("UPG008", severity=Severity.MEDIUM)
def pdb_blocks_at_hpa_minimum(plan: DrainPlan) -> Iterator[Violation]:
    """PodDisruptionBudget allows no eviction at the autoscaler's minimum replica count.

    The budget selects the pods of a workload that a HorizontalPodAutoscaler scales, and at
    the autoscaler's `minReplicas` (default 1) the budget's `minAvailable` (or percentage)
    leaves no pod to evict.

    ## Why it matters
    Upgrades often run at night, when the autoscaler has scaled down: then the drain blocks
    exactly as with a budget that never allows an eviction, and the upgrade fails.

    ## Fix
    Raise the autoscaler's `minReplicas` above the budget's `minAvailable`, or express the
    budget as `maxUnavailable: 1`.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Polaris pdbMinAvailableGreaterThanHPAMinReplicas
    """
    for b, h, w, minimum in plan.conflicts:
        yield Violation(
            f"PodDisruptionBudget {b.resource.name} ({b.bound_text()}) allows no eviction when "
            f"HorizontalPodAutoscaler {h.resource.name} scales {w.resource.kind} "
            f"{w.resource.name} down to minReplicas {minimum}",
            b.bound_path,
            resource=b.resource,
        )


@rule("UPG021", severity=Severity.INFO)
def pdb_unhealthy_pods_block_eviction(r: Resource) -> Iterator[Violation]:
    """PodDisruptionBudget lets unhealthy pods block evictions.

    A `policy/v1` budget without `unhealthyPodEvictionPolicy: AlwaysAllow` uses the default
    `IfHealthyBudget`: running pods that are not ready may only be evicted while the budget
    is satisfied.

    ## Why it matters
    A workload that is already broken (pods crash-looping or never ready) then blocks the
    drain of the node its pods sit on, and the upgrade fails on an application problem.

    ## Fix
    Set `spec.unhealthyPodEvictionPolicy: AlwaysAllow` (GA in Kubernetes 1.31, beta and on by
    default since 1.27).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Kubernetes docs: Unhealthy Pod Eviction Policy
    - Other tools: kube-linter pdb-unhealthy-pod-eviction-policy, Azure Policy
      MutateUnhealthyPodEvictionPolicy
    """
    if r.kind != "PodDisruptionBudget" or r.api_version != "policy/v1":
        return
    policy = read_pdb(r).unhealthy_pod_eviction_policy
    if policy != "AlwaysAllow":
        where = ("spec", "unhealthyPodEvictionPolicy") if policy else ("spec",)
        shown = policy or "unset (IfHealthyBudget)"
        yield r.violation(
            f"PodDisruptionBudget {r.name}: unhealthyPodEvictionPolicy is {shown}", where
        )


# ============================================================================ replicas


def _top_level(w: Workload) -> bool:
    """Not created by another controller (a Deployment's ReplicaSet, a CronJob's Job)."""
    return controller_of(w.resource) is None


@rule("UPG004", severity=Severity.LOW)
def replicated_workload_without_pdb(plan: DrainPlan) -> Iterator[Violation]:
    """Replicated workload has no PodDisruptionBudget.

    A Deployment, StatefulSet or other replicated controller running two or more replicas
    (or autoscaled with `minReplicas` of two or more) whose pod labels no budget in its
    namespace selects. Only budgets in the scanned input are known.

    ## Why it matters
    Without a budget a drain may evict every replica at once when they share a node, or
    evict the last ready one while the others are still starting: the replicas do not buy
    the availability they cost.

    ## Fix
    Add a PodDisruptionBudget selecting the pod labels with `maxUnavailable: 1` (or a
    percentage).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score deployment-has-poddisruptionbudget and
      statefulset-has-poddisruptionbudget, Polaris missingPodDisruptionBudget, Gatekeeper
      poddisruptionbudget
    """
    for w in plan.workloads:
        if not is_replicated(w) or not _top_level(w) or not w.containers:
            continue
        count = plan.replicas(w)
        if count is not None and count >= 2 and not plan.budgets_of(w):
            rep = replicas_of(w)
            yield Violation(
                f"{w.resource.kind} {w.name} runs {count} replicas and no PodDisruptionBudget "
                "selects its pods",
                rep.path if rep is not None else ("spec",),
                resource=w.resource,
            )


@rule("UPG005", severity=Severity.LOW)
def single_replica_workload(plan: DrainPlan) -> Iterator[Violation]:
    """Workload runs a single replica, so every drain of its node takes it down.

    A replicated controller with `replicas: 1` (or unset, which defaults to 1), or scaled by
    an autoscaler whose `minReplicas` is 1. Workloads scaled to zero are not flagged.

    ## Why it matters
    During an upgrade the only pod is evicted before its replacement starts on another node:
    the service is down for the whole restart, on every upgrade and node reboot. If a budget
    also protects it, the drain blocks instead (UPG003).

    ## Fix
    Run at least two replicas (spread over nodes, see UPG011) with a PodDisruptionBudget of
    `maxUnavailable: 1`; for singletons that cannot scale, accept and schedule the downtime.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score deployment-replicas, Polaris deploymentMissingReplicas,
      kube-linter minimum-three-replicas, hardeneks avoid_running_singleton_pods
    """
    for w in plan.workloads:
        if not is_replicated(w) or not _top_level(w) or not w.containers:
            continue
        for b in plan.assess(w):
            if b.reason is Reason.SINGLE_REPLICA:
                yield Violation(b.message, b.path, resource=w.resource)


@rule("UPG006", severity=Severity.LOW)
def unmanaged_pod(w: Workload) -> Iterator[Violation]:
    """Pod has no controller: nothing recreates it after a drain.

    A `Pod` object without an ownerReference marked `controller: true`. Static pods (their
    mirror pods carry `kubernetes.io/config.mirror`) are exempt.

    ## Why it matters
    `kubectl drain` refuses the node unless `--force` is given, and an upgrade that evicts the
    pod deletes it for good: the workload silently disappears.

    ## Fix
    Run it from a Deployment (or a Job for run-to-completion work), even for one replica.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Kubescape C-0073 naked pods, Popeye 208, Azure Policy BlockNakedPods
    """
    r = w.resource
    if r.kind != "Pod" or r.group != "" or controller_of(r) is not None:
        return
    if MIRROR_POD in r.annotations:
        return
    yield w.violation(
        f"Pod {r.name} is not managed by a controller: a drain deletes it and nothing recreates it",
        ("metadata",),
    )


@rule("UPG007", severity=Severity.INFO)
def emptydir_data_lost_on_drain(w: Workload) -> Iterator[Violation]:
    """Pod keeps data in an emptyDir volume, which a drain deletes.

    Informational: an emptyDir is often only scratch space (for example `/tmp` beside a
    read-only root filesystem). DaemonSet pods are exempt: drains leave them in place.

    ## Why it matters
    `kubectl drain` refuses such pods without `--delete-emptydir-data`, and when the pod is
    evicted the volume's content is gone. Caches rebuild; anything else is lost on every
    upgrade.

    ## Fix
    Keep state that must survive in a PersistentVolumeClaim; for scratch space, nothing to do
    (suppress with `kubeward.io/ignore: "UPG007 scratch space"`).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Kubernetes docs: kubectl drain (`--delete-emptydir-data`)
    """
    if w.resource.kind == "DaemonSet" or not is_long_running(w):
        return
    for v in w.pod.volumes:
        if v.type == "emptyDir":
            yield w.violation(
                f"emptyDir volume {v.name!r}: its data is deleted when a drain evicts the pod",
                v.path,
            )


@rule("UPG011", severity=Severity.LOW)
def replicas_not_spread(w: Workload) -> Iterator[Violation]:
    """Replicas may all run on one node: no anti-affinity or topology spread.

    A replicated workload with two or more replicas whose pod template has neither
    `affinity.podAntiAffinity` nor `topologySpreadConstraints`.

    ## Why it matters
    The scheduler may place every replica on the same node (or zone); draining that node
    then takes the whole service down although it runs several replicas.

    ## Fix
    Add `topologySpreadConstraints` over `kubernetes.io/hostname` (and
    `topology.kubernetes.io/zone` on zonal AKS node pools), or a preferred pod anti-affinity.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score deployment-has-host-podantiaffinity and
      pod-topology-spread-constraints, Polaris topologySpreadConstraint, kube-linter
      no-anti-affinity, Azure Policy MustHaveAntiAffinityRulesSet
    """
    if not is_replicated(w) or not _top_level(w):
        return
    rep = replicas_of(w)
    if rep is None or rep.count is None or rep.count < 2:
        return
    spec = w.pod.spec
    affinity = spec.get("affinity")
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, Mapping) else None
    spread = spec.get("topologySpreadConstraints")
    if anti or (isinstance(spread, list) and spread):
        return
    yield w.pod_violation(
        f"{w.resource.kind} {w.name} runs {rep.count} replicas with no pod anti-affinity or "
        "topology spread: they may all share one node",
        (),
    )


@rule("UPG014", severity=Severity.LOW)
def rolling_update_disabled(w: Workload) -> Iterator[Violation]:
    """Workload does not roll updates: every change replaces all pods at once or waits.

    A Deployment with `strategy.type: Recreate`, or a StatefulSet or DaemonSet with
    `updateStrategy.type: OnDelete`.

    ## Why it matters
    `Recreate` stops every pod before starting new ones: each rollout is an outage. With
    `OnDelete` nothing changes until pods are deleted, so node upgrades roll out new
    templates in an order nobody chose.

    ## Fix
    Use `RollingUpdate` (the default) with `maxUnavailable` and `maxSurge` that keep capacity.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score deployment-strategy, kube-linter no-rolling-update-strategy,
      Kubescape C-0305
    """
    kind = w.resource.kind
    if kind == "Deployment":
        key = "strategy"
        bad = "Recreate"
    elif kind in ("StatefulSet", "DaemonSet"):
        key = "updateStrategy"
        bad = "OnDelete"
    else:
        return
    if spec_of(w, key, "type") == bad:
        yield w.violation(f"{kind} {w.name} uses {key}.type {bad}", ("spec", key, "type"))


# ============================================================================ autoscalers


@rule("UPG009", severity=Severity.LOW)
def hpa_target_missing(plan: DrainPlan) -> Iterator[Violation]:
    """HorizontalPodAutoscaler scales a workload that is not in the input.

    The `scaleTargetRef` names a Deployment, StatefulSet, ReplicaSet, ReplicationController or
    other workload kind kubeward knows, and no object of that kind and name is in the
    autoscaler's namespace among the scanned objects. Targets of other kinds (custom resources
    with a scale subresource) are not judged: whether they exist cannot be told from here.

    ## Why it matters
    A dangling autoscaler scales nothing: the workload it was meant for runs at its static
    replica count (often 1) and the capacity and drain headroom it promised are missing.

    ## Fix
    Correct `scaleTargetRef` (kind, name, apiVersion), or delete the autoscaler.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score horizontalpodautoscaler-has-target, kube-linter
      dangling-horizontalpodautoscaler, Kubescape C-0300
    """
    for h in plan.autoscalers:
        if h.target_kind not in SCALABLE_KINDS:
            continue
        if plan.target_of(h) is None and h.target_name:
            yield Violation(
                f"HorizontalPodAutoscaler {h.resource.name} targets {h.target_kind} "
                f"{h.target_name}, which is not in the input",
                ("spec", "scaleTargetRef"),
                resource=h.resource,
            )


@rule("UPG010", severity=Severity.LOW)
def hpa_min_replicas_below_two(r: Resource) -> Iterator[Violation]:
    """HorizontalPodAutoscaler may scale its workload down to a single replica.

    `minReplicas` is 1 or unset (the default is 1).

    ## Why it matters
    At minimum scale the workload has one pod: a drain takes it down (UPG005), and a budget
    with `minAvailable: 1` blocks the drain (UPG008).

    ## Fix
    Set `minReplicas: 2` or more.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score horizontalpodautoscaler-replicas, Polaris hpaMinAvailability,
      kube-linter hpa-minimum-three-replicas
    """
    if r.kind != "HorizontalPodAutoscaler":
        return
    h = read_hpa(r)
    if h.min_replicas < 2:
        where = ("spec", "minReplicas") if h.min_explicit else ("spec",)
        shown = str(h.min_replicas) if h.min_explicit else "unset (defaults to 1)"
        yield r.violation(f"HorizontalPodAutoscaler {r.name}: minReplicas is {shown}", where)


# ============================================================================ containers


def _probed(c: Container) -> bool:
    return (
        c.kind is ContainerKind.CONTAINER
        and (c.resource.group, c.resource.kind) in LONG_RUNNING_KINDS
    )


@rule("UPG012", severity=Severity.LOW)
def readiness_probe_missing(c: Container) -> Iterator[Violation]:
    """Container has no readiness probe.

    Checked for the containers (not init or ephemeral containers) of long-running workloads;
    Jobs and CronJobs are exempt.

    ## Why it matters
    Without one, a new pod counts as ready as soon as its process starts. During a drain or
    rollout the old pod is removed while the new one cannot serve yet, and PodDisruptionBudgets
    count unready pods as available: traffic fails although every budget is respected.

    ## Fix
    Add a `readinessProbe` that checks the container can serve (an HTTP health endpoint, a
    TCP port).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_9, Kubescape C-0018, kube-score pod-probes, Polaris
      readinessProbeMissing, kube-linter no-readiness-probe
    """
    if _probed(c) and c.raw.get("readinessProbe") is None:
        yield c.violation(f"{c.label} has no readinessProbe")


@rule("UPG013", severity=Severity.INFO)
def liveness_probe_missing(c: Container) -> Iterator[Violation]:
    """Container has no liveness probe.

    Checked for the containers (not init or ephemeral containers) of long-running workloads;
    Jobs and CronJobs are exempt.

    ## Why it matters
    A process that hangs without exiting is never restarted: after a node replacement it may
    sit broken until someone notices.

    ## Fix
    Add a `livenessProbe` that fails only when a restart helps, distinct from the readiness
    probe, with generous thresholds.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_8, Kubescape C-0056, Polaris livenessProbeMissing,
      kube-linter no-liveness-probe
    """
    if _probed(c) and c.raw.get("livenessProbe") is None:
        yield c.violation(f"{c.label} has no livenessProbe")


def _sized(c: Container) -> bool:
    """Containers that can have resources: not ephemeral ones, not PodTemplates."""
    return c.kind is not ContainerKind.EPHEMERAL and c.resource.kind != "PodTemplate"


@rule("UPG015", severity=Severity.LOW)
def cpu_request_missing(c: Container) -> Iterator[Violation]:
    """Container requests no CPU.

    Neither `resources.requests.cpu` nor `resources.limits.cpu` is set (Kubernetes defaults a
    missing request to the limit). Ephemeral containers are exempt.

    ## Why it matters
    The scheduler places pods by their requests. Without one, pods evicted by a drain land on
    nodes that cannot give them CPU, and the node pool's surge capacity is guessed wrong; a
    pod with no requests at all is BestEffort, the first the kubelet evicts under pressure.

    ## Fix
    Set `resources.requests.cpu` to the measured usage.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_10, Kubescape C-0268, kube-score container-resources,
      kube-linter unset-cpu-requirements, Polaris cpuRequestsMissing
    """
    if _sized(c) and _unrequested(c, "cpu"):
        yield c.violation(f"{c.label} requests no CPU", _resources_at(c))


@rule("UPG022", severity=Severity.LOW)
def memory_request_missing(c: Container) -> Iterator[Violation]:
    """Container requests no memory.

    Neither `resources.requests.memory` nor `resources.limits.memory` is set (Kubernetes
    defaults a missing request to the limit). Ephemeral containers are exempt.

    ## Why it matters
    Pods moved by a drain are placed by their memory requests: without one they land on nodes
    that are already full, and under memory pressure the kubelet evicts them first.

    ## Fix
    Set `resources.requests.memory` to the measured usage (and a memory limit, UPG016).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_12, Kubescape C-0269, kube-score container-resources,
      kube-linter unset-memory-requirements, Polaris memoryRequestsMissing
    """
    if _sized(c) and _unrequested(c, "memory"):
        yield c.violation(f"{c.label} requests no memory", _resources_at(c))


def _unrequested(c: Container, name: str) -> bool:
    return (
        resource_quantity(c.raw, "requests", name) is None
        and resource_quantity(c.raw, "limits", name) is None
    )


def _resources_at(c: Container) -> tuple[str, ...]:
    return ("resources",) if isinstance(c.raw.get("resources"), Mapping) else ()


@rule("UPG016", severity=Severity.LOW)
def memory_limit_missing(c: Container) -> Iterator[Violation]:
    """Container has no memory limit.

    `resources.limits.memory` is unset. Ephemeral containers are exempt.

    ## Why it matters
    A leak or a spike takes memory from every other pod of the node until the kernel's OOM
    killer or the kubelet's eviction picks victims, which need not be the culprit.

    ## Fix
    Set `resources.limits.memory` (commonly equal to the memory request).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_13, Kubescape C-0271, Trivy KSV018, kube-score
      container-resources, Polaris memoryLimitsMissing
    """
    if _sized(c) and resource_quantity(c.raw, "limits", "memory") is None:
        yield c.violation(f"{c.label} has no memory limit", _resources_at(c))


@rule("UPG017", severity=Severity.INFO)
def cpu_limit_missing(c: Container) -> Iterator[Violation]:
    """Container has no CPU limit.

    Informational: many operators deliberately leave CPU unlimited (CPU is compressible and
    limits cause throttling); namespaces with a LimitRange get a default.

    ## Why it matters
    Without a limit a busy container can use every idle core of its node, so its latency
    depends on its neighbours and capacity planning for surge nodes is harder.

    ## Fix
    Set `resources.limits.cpu` if your platform requires it, or suppress this rule in
    `.kubeward.yaml` if you deliberately run without CPU limits.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Checkov CKV_K8S_11, Kubescape C-0270, Trivy KSV011, Polaris
      cpuLimitsMissing
    """
    if _sized(c) and resource_quantity(c.raw, "limits", "cpu") is None:
        yield c.violation(f"{c.label} has no CPU limit", _resources_at(c))


# ============================================================================ scheduling, jobs


@rule("UPG018", severity=Severity.INFO)
def priority_class_not_set(w: Workload) -> Iterator[Violation]:
    """Long-running workload has no priority class.

    `priorityClassName` is unset on the pod template of a long-running workload.

    ## Why it matters
    When a drain moves pods onto the remaining nodes and they are full, the scheduler preempts
    by priority. Without classes, critical services wait behind batch pods for room.

    ## Fix
    Define PriorityClasses for your tiers and set `priorityClassName` on critical workloads.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: Polaris priorityClassNotSet, kube-linter priority-class-name
    """
    if not is_long_running(w) or w.pod.spec.get("priorityClassName"):
        return
    if w.resource.kind == "Pod" and controller_of(w.resource) is not None:
        return
    yield w.pod_violation(f"{w.resource.kind} {w.name} sets no priorityClassName", ())


@rule("UPG019", severity=Severity.LOW)
def cronjob_without_starting_deadline(w: Workload) -> Iterator[Violation]:
    """CronJob has no starting deadline.

    `spec.startingDeadlineSeconds` is unset on a CronJob.

    ## Why it matters
    After the controller was down (a control-plane upgrade) or a run could not start, the
    CronJob counts every missed schedule; after 100 misses it stops scheduling for good and
    only logs an error.

    ## Fix
    Set `startingDeadlineSeconds` (for example 200) so that runs missed by more than that are
    skipped instead of counted.

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-score cronjob-has-deadline, Popeye 1500
    """
    if w.resource.kind == "CronJob" and spec_of(w, "startingDeadlineSeconds") is None:
        yield w.violation(f"CronJob {w.name} sets no startingDeadlineSeconds", ("spec",))


@rule("UPG020", severity=Severity.INFO)
def job_without_ttl(w: Workload) -> Iterator[Violation]:
    """Job is never cleaned up after it finishes.

    A Job not created by a CronJob (which keeps its own history limits) without
    `ttlSecondsAfterFinished`.

    ## Why it matters
    Finished Jobs and their pods stay in the API server forever, and stuck Jobs stay
    unnoticed across node replacements.

    ## Fix
    Set `spec.ttlSecondsAfterFinished` (and `activeDeadlineSeconds` for a time bound).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades) and
      "차단 및 드레이닝" (cordon and drain)
    - Other tools: kube-linter job-ttl-seconds-after-finished
    """
    if w.resource.kind != "Job" or not _top_level(w):
        return
    if spec_of(w, "ttlSecondsAfterFinished") is None:
        yield w.violation(f"Job {w.name} sets no ttlSecondsAfterFinished", ("spec",))
