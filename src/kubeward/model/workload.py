"""Workloads: every kind that carries a pod (or a pod template), seen the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.findings import Violation
from kubeward.model.container import Container, ContainerKind, build_container
from kubeward.model.path import Path
from kubeward.model.resource import EMPTY, Problem, Reader, Resource, as_path
from kubeward.model.selector import checked_selector

# (API group, kind) -> path of the pod template inside the object. () means the object IS a
# pod (metadata + spec). Groups list every version family the kind was served from.
_TEMPLATE = ("spec", "template")
POD_TEMPLATES: dict[tuple[str, str], Path] = {
    ("", "Pod"): (),
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): _TEMPLATE,
    ("apps", "Deployment"): _TEMPLATE,
    ("apps", "StatefulSet"): _TEMPLATE,
    ("apps", "DaemonSet"): _TEMPLATE,
    ("apps", "ReplicaSet"): _TEMPLATE,
    ("extensions", "Deployment"): _TEMPLATE,
    ("extensions", "DaemonSet"): _TEMPLATE,
    ("extensions", "ReplicaSet"): _TEMPLATE,
    ("batch", "Job"): _TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    # Common CRDs that embed a full pod template.
    ("argoproj.io", "Rollout"): _TEMPLATE,
    ("apps.openshift.io", "DeploymentConfig"): _TEMPLATE,
    ("", "DeploymentConfig"): _TEMPLATE,  # OpenShift's legacy form, apiVersion: v1
    ("apps.kruise.io", "CloneSet"): _TEMPLATE,
    ("apps.kruise.io", "StatefulSet"): _TEMPLATE,
    ("apps.kruise.io", "DaemonSet"): _TEMPLATE,
    ("apps.kruise.io", "AdvancedCronJob"): ("spec", "template", "jobTemplate", "spec", "template"),
    ("apps.kruise.io", "BroadcastJob"): _TEMPLATE,
}

WORKLOAD_KINDS = frozenset(kind for _, kind in POD_TEMPLATES)


def template_path(resource: Resource) -> Path | None:
    """Where the pod template is, or None when the kind carries no pod."""
    return POD_TEMPLATES.get((resource.group, resource.kind))


def has_template(resource: Resource, template: Path) -> bool:
    """Whether the object really embeds its pod template (an Argo Rollout may instead point at
    a Deployment with `spec.workloadRef`, and then carries no pod of its own)."""
    node: Any = resource.raw
    for key in template:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


@dataclass(frozen=True, slots=True)
class Volume:
    name: str
    type: str  # the volume source key: hostPath, emptyDir, secret, ...
    source: Mapping[str, Any]
    path: Path


@dataclass(frozen=True, slots=True)
class Sysctl:
    name: str
    value: str
    path: Path


@dataclass(frozen=True, slots=True)
class Pod:
    """Pod-level settings of a pod or a pod template."""

    meta_path: Path
    spec_path: Path
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    spec: Mapping[str, Any]
    security_context: Mapping[str, Any]
    host_network: bool
    host_pid: bool
    host_ipc: bool
    host_users: bool | None
    os_name: str | None
    node_selector: Mapping[str, str]
    service_account_name: str | None
    automount_service_account_token: bool | None
    volumes: tuple[Volume, ...]
    sysctls: tuple[Sysctl, ...]
    fs_group: int | None
    supplemental_groups: tuple[tuple[int, Path], ...]
    run_as_group: int | None

    @property
    def is_windows(self) -> bool:
        """The pod runs on Windows nodes, so Linux-only settings do not apply."""
        if self.os_name is not None:
            return self.os_name.lower() == "windows"
        return self.node_selector.get("kubernetes.io/os", "").lower() == "windows"

    def at(self, field: str | Path) -> Path:
        """Absolute path of a pod spec field."""
        return self.spec_path + as_path(field)


@dataclass(frozen=True, slots=True)
class Workload:
    """An object that runs pods: its pod-level view and all its containers."""

    resource: Resource
    pod: Pod
    containers: tuple[Container, ...]  # containers, then initContainers, then ephemeral
    problems: tuple[Problem, ...]
    # The controller's label selector as a LabelSelector ({matchLabels, matchExpressions}),
    # type-checked; None when the object has none (a Pod, or a selector left out).
    selector: Mapping[str, Any] | None = None
    selector_path: Path = ()

    @property
    def name(self) -> str:
        return self.resource.name

    def violation(self, message: str, at: str | Path = ()) -> Violation:
        """A violation at a path relative to the object."""
        return Violation(message, as_path(at))

    def pod_violation(self, message: str, at: str | Path = ()) -> Violation:
        """A violation at a path relative to the pod spec."""
        return Violation(message, self.pod.at(at))


def build_workload(resource: Resource, template: Path) -> Workload:
    reader = Reader()
    raw = resource.raw
    if template:
        node: Mapping[str, Any] = raw
        walked: Path = ()
        for key in template:
            node = reader.mapping(node, str(key), walked)
            walked = walked + (key,)
        meta_path = template + ("metadata",)
        spec_path = template + ("spec",)
        meta = reader.mapping(node, "metadata", template)
        spec = reader.mapping(node, "spec", template)
        labels = reader.string_map(meta, "labels", meta_path)
        annotations = reader.string_map(meta, "annotations", meta_path)
    else:
        meta_path, spec_path = ("metadata",), ("spec",)
        spec = reader.mapping(raw, "spec", ())
        labels, annotations = resource.labels, resource.annotations

    psc = reader.mapping(spec, "securityContext", spec_path)
    psc_path = spec_path + ("securityContext",)
    os_name = reader.string(reader.mapping(spec, "os", spec_path), "name", spec_path + ("os",))
    volumes: list[Volume] = []
    for i, v in reader.maps(spec, "volumes", spec_path):
        vtype = next((k for k in v if k != "name"), "")
        src = v.get(vtype)
        volumes.append(
            Volume(
                name=str(v.get("name", "")),
                type=str(vtype),
                source=src if isinstance(src, Mapping) else EMPTY,
                path=spec_path + ("volumes", i),
            )
        )
    sysctls = tuple(
        Sysctl(
            name=reader.string(s, "name", psc_path + ("sysctls", i)) or "",
            value=str(s.get("value", "")),
            path=psc_path + ("sysctls", i),
        )
        for i, s in reader.maps(psc, "sysctls", psc_path)
    )
    groups: list[tuple[int, Path]] = []
    for i, g in enumerate(reader.sequence(psc, "supplementalGroups", psc_path)):
        if isinstance(g, int) and not isinstance(g, bool):
            groups.append((g, psc_path + ("supplementalGroups", i)))
        else:
            reader.wrong(psc_path + ("supplementalGroups", i), "an integer", g)

    pod = Pod(
        meta_path=meta_path,
        spec_path=spec_path,
        labels=labels,
        annotations=annotations,
        spec=spec,
        security_context=psc,
        host_network=reader.boolean(spec, "hostNetwork", spec_path) is True,
        host_pid=reader.boolean(spec, "hostPID", spec_path) is True,
        host_ipc=reader.boolean(spec, "hostIPC", spec_path) is True,
        host_users=reader.boolean(spec, "hostUsers", spec_path),
        os_name=os_name,
        node_selector=reader.string_map(spec, "nodeSelector", spec_path),
        service_account_name=reader.string(spec, "serviceAccountName", spec_path)
        or reader.string(spec, "serviceAccount", spec_path),
        automount_service_account_token=reader.boolean(
            spec, "automountServiceAccountToken", spec_path
        ),
        volumes=tuple(volumes),
        sysctls=sysctls,
        fs_group=reader.integer(psc, "fsGroup", psc_path),
        supplemental_groups=tuple(groups),
        run_as_group=reader.integer(psc, "runAsGroup", psc_path),
    )
    containers = tuple(
        build_container(reader, resource, pod, kind, i, c)
        for kind in ContainerKind
        for i, c in reader.maps(spec, kind.value, spec_path)
    )
    selector, selector_path = _selector(reader, resource, template)
    return Workload(resource, pod, containers, tuple(reader.problems), selector, selector_path)


def _selector(
    reader: Reader, resource: Resource, template: Path
) -> tuple[Mapping[str, Any] | None, Path]:
    """The selector beside the pod template (`spec.selector`, or the job template's)."""
    if not template:
        return None, ()
    owner_path = template[:-1]
    node: Any = resource.raw
    for key in owner_path:
        node = node.get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping) or node.get("selector") is None:
        return None, owner_path + ("selector",)
    path = owner_path + ("selector",)
    if resource.kind == "ReplicationController":  # a plain label map, not a LabelSelector
        return {"matchLabels": reader.string_map(node, "selector", owner_path)}, path
    sel = reader.mapping(node, "selector", owner_path)
    return checked_selector(reader, sel, path), path
