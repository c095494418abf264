"""Upgrade and availability facts: Kubernetes versions, removed API versions, replica counts,
PodDisruptionBudgets and HorizontalPodAutoscalers as typed views.

The Kubernetes semantics that drain and upgrade checks need live here, once: which API
versions a release no longer serves (data in `kubeward/data/removed-apis.yaml`), how many
replicas a controller runs, how a PodDisruptionBudget's `minAvailable`/`maxUnavailable` turn
into allowed disruptions (percentages round up, as the disruption controller does), and what
an autoscaler's minimum is (`minReplicas` defaults to 1).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from kubeward.model.path import Path
from kubeward.model.resource import Reader, Resource
from kubeward.model.selector import LabelSelector, read_selector
from kubeward.model.workload import Workload

# ============================================================================ versions

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?")


@dataclass(frozen=True, order=True, slots=True)
class KubeVersion:
    """A Kubernetes minor release, such as 1.29 (patch levels do not change served APIs)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        """`1.29`, `v1.29.3`, `1.29.3-aks.1` (AKS and EKS suffixes are ignored)."""
        m = _VERSION.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a Kubernetes version such as 1.29 or v1.29.3")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


# ============================================================================ removed APIs


@dataclass(frozen=True, slots=True)
class Replacement:
    api_version: str
    since: KubeVersion


@dataclass(frozen=True, slots=True)
class Removal:
    """One API version of one kind that Kubernetes stopped serving."""

    api_version: str
    kind: str
    removed_in: KubeVersion
    replacements: tuple[Replacement, ...]
    note: str = ""

    def replacement_at(self, version: KubeVersion | None) -> Replacement | None:
        """The newest replacement already served at `version` (any version: the newest)."""
        usable = [r for r in self.replacements if version is None or r.since <= version]
        return usable[-1] if usable else None

    def advice(self, version: KubeVersion | None = None) -> str:
        """What to migrate to, for messages."""
        if not self.replacements:
            return self.note or "no replacement API"
        best = self.replacement_at(version)
        if best is not None:
            return f"use {best.api_version} (served since {best.since})"
        first = self.replacements[0]
        return (
            f"use {first.api_version} once the cluster runs {first.since} or later "
            f"(it is not served at {version})"
        )


def _load_removals() -> tuple[Removal, ...]:
    text = resources.files("kubeward.data").joinpath("removed-apis.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    out: list[Removal] = []
    for entry in data["removals"]:
        reps = tuple(
            Replacement(str(r["api"]), KubeVersion.parse(str(r["since"])))
            for r in entry.get("replacements") or []
        )
        for kind in entry["kinds"]:
            out.append(
                Removal(
                    api_version=str(entry["api"]),
                    kind=str(kind),
                    removed_in=KubeVersion.parse(str(entry["removed"])),
                    replacements=tuple(sorted(reps, key=lambda r: r.since)),
                    note=str(entry.get("note") or ""),
                )
            )
    return tuple(out)


@lru_cache(maxsize=1)
def removals() -> Mapping[tuple[str, str], Removal]:
    """(apiVersion, kind) -> its removal, for every removal the table knows."""
    return {(r.api_version, r.kind): r for r in _load_removals()}


def removal_of(api_version: str, kind: str) -> Removal | None:
    return removals().get((api_version, kind))


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, slots=True)
class AppliedVersion:
    """An apiVersion an object uses: as written, or as last applied with `kubectl apply`."""

    api_version: str
    path: Path
    last_applied: bool


def applied_versions(r: Resource) -> list[AppliedVersion]:
    """The object's own apiVersion and, when `kubectl apply` recorded one, the apiVersion of
    the last applied manifest. A live cluster returns objects in the version that was asked
    for, so the annotation is the only trace of the version the manifests in Git use."""
    out = [AppliedVersion(r.api_version, ("apiVersion",), False)]
    text = r.annotations.get(LAST_APPLIED)
    if text and '"apiVersion"' in text:
        try:
            applied = json.loads(text)
        except ValueError:
            return out
        if isinstance(applied, Mapping):
            version = applied.get("apiVersion")
            if isinstance(version, str) and version != r.api_version:
                out.append(AppliedVersion(version, ("metadata", "annotations", LAST_APPLIED), True))
    return out


# ============================================================================ workloads

# Controllers whose `spec.replicas` says how many pods run (default 1 when unset).
REPLICATED_KINDS = frozenset(
    {
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "ReplicaSet"),
        ("extensions", "Deployment"),
        ("extensions", "ReplicaSet"),
        ("", "ReplicationController"),
        ("argoproj.io", "Rollout"),
        ("apps.openshift.io", "DeploymentConfig"),
        ("", "DeploymentConfig"),
        ("apps.kruise.io", "CloneSet"),
        ("apps.kruise.io", "StatefulSet"),
    }
)
# Pods that run until stopped (not run-to-completion Jobs, not templates).
LONG_RUNNING_KINDS = REPLICATED_KINDS | {
    ("", "Pod"),
    ("apps", "DaemonSet"),
    ("extensions", "DaemonSet"),
    ("apps.kruise.io", "DaemonSet"),
}
DAEMON_KINDS = frozenset({"DaemonSet"})
MIRROR_POD = "kubernetes.io/config.mirror"


def group_kind(r: Resource) -> tuple[str, str]:
    return (r.group, r.kind)


def is_replicated(w: Workload) -> bool:
    return group_kind(w.resource) in REPLICATED_KINDS


def is_long_running(w: Workload) -> bool:
    return group_kind(w.resource) in LONG_RUNNING_KINDS


@dataclass(frozen=True, slots=True)
class Replicas:
    """A controller's declared replica count; `count` None when it is not a number."""

    count: int | None
    path: Path
    explicit: bool


def replicas_of(w: Workload) -> Replicas | None:
    """`spec.replicas` of a replicated controller (1 when unset, as the API server defaults
    it); None for kinds without replicas (Pods, DaemonSets, Jobs)."""
    if not is_replicated(w):
        return None
    spec = w.resource.raw.get("spec")
    value = spec.get("replicas") if isinstance(spec, Mapping) else None
    if value is None:
        return Replicas(1, ("spec",), False)
    if isinstance(value, int) and not isinstance(value, bool):
        return Replicas(value, ("spec", "replicas"), True)
    return Replicas(None, ("spec", "replicas"), True)  # a template placeholder, or wrong type


def controller_of(r: Resource) -> Mapping[str, Any] | None:
    """The ownerReference with `controller: true`, if any (well-typed fields only)."""
    meta = r.raw.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, Mapping) else None
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if isinstance(ref, Mapping) and ref.get("controller") is True:
            return ref
    return None


def spec_of(w: Workload, *keys: str) -> Any:
    """A raw field of the object's own spec (not the pod's), None when absent or mistyped."""
    node: Any = w.resource.raw.get("spec")
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


# ============================================================================ int or percent


@dataclass(frozen=True, slots=True)
class IntOrPercent:
    """A PodDisruptionBudget or rolling-update bound: a number of pods or a percentage."""

    value: int
    percent: bool

    @classmethod
    def read(cls, value: object) -> IntOrPercent | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return cls(value, False)
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(\d+)%\s*", value)
            if m:
                return cls(int(m.group(1)), True)
            if value.strip().isdigit():  # the API server accepts "1" as the number 1
                return cls(int(value), False)
        return None

    def scaled(self, total: int) -> int:
        """Pods for `total` replicas; percentages round up (the disruption controller's
        GetScaledValueFromIntOrPercent with roundUp=true)."""
        if not self.percent:
            return self.value
        return math.ceil(self.value * total / 100)

    def text(self) -> str:
        return f"{self.value}%" if self.percent else str(self.value)


# ============================================================================ PDB and HPA


@dataclass(frozen=True, slots=True)
class DisruptionBudget:
    """A PodDisruptionBudget."""

    resource: Resource
    selector: LabelSelector | None
    min_available: IntOrPercent | None
    max_unavailable: IntOrPercent | None
    unhealthy_pod_eviction_policy: str | None

    @property
    def namespace(self) -> str | None:
        return self.resource.namespace

    def allowed_disruptions(self, replicas: int) -> int:
        """Pods that may be evicted at once when `replicas` healthy pods are expected."""
        if self.max_unavailable is not None:
            return max(0, self.max_unavailable.scaled(replicas))
        if self.min_available is not None:
            return max(0, replicas - self.min_available.scaled(replicas))
        return replicas  # neither set: the API server rejects it; it protects nothing

    def bound_text(self) -> str:
        if self.max_unavailable is not None:
            return f"maxUnavailable: {self.max_unavailable.text()}"
        if self.min_available is not None:
            return f"minAvailable: {self.min_available.text()}"
        return "no bound"

    @property
    def bound_path(self) -> Path:
        if self.max_unavailable is not None:
            return ("spec", "maxUnavailable")
        if self.min_available is not None:
            return ("spec", "minAvailable")
        return ("spec",)


def read_pdb(r: Resource) -> DisruptionBudget:
    reader = Reader()
    spec = reader.mapping(r.raw, "spec", ())
    return DisruptionBudget(
        resource=r,
        selector=read_selector(reader, spec, "selector", ("spec",)),
        min_available=IntOrPercent.read(spec.get("minAvailable")),
        max_unavailable=IntOrPercent.read(spec.get("maxUnavailable")),
        unhealthy_pod_eviction_policy=reader.string(spec, "unhealthyPodEvictionPolicy", ("spec",)),
    )


@dataclass(frozen=True, slots=True)
class Autoscaler:
    """A HorizontalPodAutoscaler: its target and replica bounds (`minReplicas` defaults to 1)."""

    resource: Resource
    target_kind: str | None
    target_name: str | None
    target_api_version: str | None
    min_replicas: int
    min_explicit: bool
    max_replicas: int | None

    @property
    def namespace(self) -> str | None:
        return self.resource.namespace


def read_hpa(r: Resource) -> Autoscaler:
    reader = Reader()
    spec = reader.mapping(r.raw, "spec", ())
    ref = reader.mapping(spec, "scaleTargetRef", ("spec",))
    at = ("spec", "scaleTargetRef")
    minimum = reader.integer(spec, "minReplicas", ("spec",))
    return Autoscaler(
        resource=r,
        target_kind=reader.string(ref, "kind", at),
        target_name=reader.string(ref, "name", at),
        target_api_version=reader.string(ref, "apiVersion", at),
        min_replicas=minimum if minimum is not None else 1,
        min_explicit=minimum is not None,
        max_replicas=reader.integer(spec, "maxReplicas", ("spec",)),
    )


# ============================================================================ containers


def resource_quantity(raw: Mapping[str, Any], section: str, name: str) -> object | None:
    """`resources.<section>.<name>` of a raw container (requests/limits, cpu/memory)."""
    res = raw.get("resources")
    if not isinstance(res, Mapping):
        return None
    part = res.get(section)
    if not isinstance(part, Mapping):
        return None
    return part.get(name)


__all__ = [
    "AppliedVersion",
    "Autoscaler",
    "DisruptionBudget",
    "IntOrPercent",
    "KubeVersion",
    "Removal",
    "Replacement",
    "Replicas",
    "applied_versions",
    "controller_of",
    "read_hpa",
    "read_pdb",
    "removal_of",
    "removals",
    "replicas_of",
]
