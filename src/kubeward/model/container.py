"""A container of a pod, with its EFFECTIVE security context.

Kubernetes merges the pod-level `securityContext` into every container: a field set on the
container wins, otherwise the pod's value applies (for the fields the pod level has). Rules
read the merged value and the path of the field that produced it, so a finding points at the
line that really decides, or at the place the setting is missing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kubeward.findings import Violation
from kubeward.model.path import Path
from kubeward.model.resource import Reader, Resource, as_path

if TYPE_CHECKING:
    from kubeward.model.workload import Pod

T = TypeVar("T")


class Origin(enum.Enum):
    CONTAINER = "container"
    POD = "pod"
    ANNOTATION = "annotation"
    UNSET = "unset"


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """A merged security setting: its value, and where it is set (or where it would go)."""

    value: T | None
    path: Path
    origin: Origin

    @property
    def is_set(self) -> bool:
        return self.origin is not Origin.UNSET


class ContainerKind(enum.Enum):
    CONTAINER = "containers"
    INIT = "initContainers"
    EPHEMERAL = "ephemeralContainers"


@dataclass(frozen=True, slots=True)
class Port:
    container_port: int | None
    host_port: int | None
    protocol: str
    name: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str | None
    value_from: Mapping[str, Any]
    path: Path


@dataclass(frozen=True, slots=True)
class VolumeMount:
    name: str
    mount_path: str
    read_only: bool
    sub_path: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class SecurityContext:
    """The effective security context of one container."""

    privileged: Setting[bool]
    allow_privilege_escalation: Setting[bool]
    read_only_root_filesystem: Setting[bool]
    proc_mount: Setting[str]
    capabilities_add: tuple[tuple[str, Path], ...]
    capabilities_drop: tuple[str, ...]
    capabilities_path: Path  # securityContext.capabilities (set or not)
    run_as_user: Setting[int]
    run_as_group: Setting[int]
    run_as_non_root: Setting[bool]
    se_linux_options: Setting[Mapping[str, Any]]
    seccomp_type: Setting[str]
    apparmor_type: Setting[str]
    windows_host_process: Setting[bool]
    path: Path  # the container's securityContext
    defined: bool  # the container has a securityContext mapping


@dataclass(frozen=True, slots=True)
class Container:
    """One container, init container or ephemeral container of a pod or pod template."""

    resource: Resource
    pod: Pod
    name: str
    kind: ContainerKind
    index: int
    path: Path
    raw: Mapping[str, Any]
    image: str | None
    image_pull_policy: str | None
    command: tuple[str, ...]
    args: tuple[str, ...]
    ports: tuple[Port, ...]
    env: tuple[EnvVar, ...]
    volume_mounts: tuple[VolumeMount, ...]
    security: SecurityContext

    def violation(self, message: str, at: str | Path = ()) -> Violation:
        """A violation at a field of this container (`at` is relative to the container)."""
        return Violation(message, self.path + as_path(at), self.name)

    def violation_at(self, message: str, path: Path) -> Violation:
        """A violation at an absolute path (e.g. a pod-level field this container inherits)."""
        return Violation(message, path, self.name)

    @property
    def label(self) -> str:
        """`container "app"`, `init container "setup"`, for messages."""
        word = {
            ContainerKind.CONTAINER: "container",
            ContainerKind.INIT: "init container",
            ContainerKind.EPHEMERAL: "ephemeral container",
        }[self.kind]
        return f'{word} "{self.name}"'


# Annotation values of the legacy AppArmor annotation, mapped to the field's type names.
_APPARMOR_ANNOTATION = {"runtime/default": "RuntimeDefault", "unconfined": "Unconfined"}
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _apparmor_annotation_type(value: str) -> str:
    if value.startswith("localhost/"):
        return "Localhost"
    return _APPARMOR_ANNOTATION.get(value, value)


def _setting(
    read: Callable[[Mapping[str, Any], str, Path], T | None],
    key: str,
    csc: Mapping[str, Any],
    cpath: Path,
    psc: Mapping[str, Any] | None,
    ppath: Path,
) -> Setting[T]:
    """Container value wins; else the pod value (when the pod level has the field)."""
    value = read(csc, key, cpath)
    if value is not None:
        return Setting(value, cpath + (key,), Origin.CONTAINER)
    if psc is not None:
        value = read(psc, key, ppath)
        if value is not None:
            return Setting(value, ppath + (key,), Origin.POD)
    return Setting(None, cpath + (key,), Origin.UNSET)


def build_security_context(
    reader: Reader,
    raw: Mapping[str, Any],
    path: Path,
    name: str,
    pod: Pod,
) -> SecurityContext:
    cpath = path + ("securityContext",)
    csc = reader.mapping(raw, "securityContext", path)
    psc = pod.security_context
    ppath = pod.spec_path + ("securityContext",)

    caps = reader.mapping(csc, "capabilities", cpath)
    caps_path = cpath + ("capabilities",)
    adds = tuple(
        (cap, caps_path + ("add", i))
        for i, cap in enumerate(reader.sequence(caps, "add", caps_path))
        if isinstance(cap, str)
    )
    drops = reader.strings(caps, "drop", caps_path)

    # Typed sub-objects: seLinuxOptions, seccompProfile, appArmorProfile, windowsOptions.
    def sub(key: str) -> Setting[Mapping[str, Any]]:
        c = reader.mapping(csc, key, cpath)
        if c:
            return Setting(c, cpath + (key,), Origin.CONTAINER)
        p = reader.mapping(psc, key, ppath)
        if p:
            return Setting(p, ppath + (key,), Origin.POD)
        return Setting(None, cpath + (key,), Origin.UNSET)

    def typed(s: Setting[Mapping[str, Any]], field: str = "type") -> Setting[str]:
        if s.value is None:
            return Setting(None, s.path + (field,), Origin.UNSET)
        value = reader.string(s.value, field, s.path)
        return Setting(value, s.path + (field,), s.origin if value is not None else Origin.UNSET)

    seccomp = typed(sub("seccompProfile"))

    apparmor = typed(sub("appArmorProfile"))
    if apparmor.origin is not Origin.CONTAINER:
        key = APPARMOR_ANNOTATION_PREFIX + name
        value = pod.annotations.get(key)
        if value is not None:
            apparmor = Setting(
                _apparmor_annotation_type(value),
                pod.meta_path + ("annotations", key),
                Origin.ANNOTATION,
            )

    # windowsOptions is merged field by field (the kubelet overrides only the fields the
    # container sets), unlike seLinuxOptions, seccompProfile and appArmorProfile.
    host_process: Setting[bool] = Setting(
        None, cpath + ("windowsOptions", "hostProcess"), Origin.UNSET
    )
    for level, sc, base in ((Origin.CONTAINER, csc, cpath), (Origin.POD, psc, ppath)):
        win = reader.mapping(sc, "windowsOptions", base)
        hp = reader.boolean(win, "hostProcess", base + ("windowsOptions",))
        if hp is not None:
            host_process = Setting(hp, base + ("windowsOptions", "hostProcess"), level)
            break

    return SecurityContext(
        privileged=_setting(reader.boolean, "privileged", csc, cpath, None, ppath),
        allow_privilege_escalation=_setting(
            reader.boolean, "allowPrivilegeEscalation", csc, cpath, None, ppath
        ),
        read_only_root_filesystem=_setting(
            reader.boolean, "readOnlyRootFilesystem", csc, cpath, None, ppath
        ),
        proc_mount=_setting(reader.string, "procMount", csc, cpath, None, ppath),
        capabilities_add=adds,
        capabilities_drop=drops,
        capabilities_path=caps_path,
        run_as_user=_setting(reader.integer, "runAsUser", csc, cpath, psc, ppath),
        run_as_group=_setting(reader.integer, "runAsGroup", csc, cpath, psc, ppath),
        run_as_non_root=_setting(reader.boolean, "runAsNonRoot", csc, cpath, psc, ppath),
        se_linux_options=sub("seLinuxOptions"),
        seccomp_type=seccomp,
        apparmor_type=apparmor,
        windows_host_process=host_process,
        path=cpath,
        defined=bool(csc),
    )


def build_container(
    reader: Reader,
    resource: Resource,
    pod: Pod,
    kind: ContainerKind,
    index: int,
    raw: Mapping[str, Any],
) -> Container:
    path = pod.spec_path + (kind.value, index)
    name = reader.string(raw, "name", path) or f"#{index}"
    ports = tuple(
        Port(
            container_port=reader.integer(p, "containerPort", path + ("ports", i)),
            host_port=reader.integer(p, "hostPort", path + ("ports", i)),
            protocol=reader.string(p, "protocol", path + ("ports", i)) or "TCP",
            name=reader.string(p, "name", path + ("ports", i)),
            path=path + ("ports", i),
        )
        for i, p in reader.maps(raw, "ports", path)
    )
    env = tuple(
        EnvVar(
            name=reader.string(e, "name", path + ("env", i)) or "",
            value=_env_value(reader, e, path + ("env", i)),
            value_from=reader.mapping(e, "valueFrom", path + ("env", i)),
            path=path + ("env", i),
        )
        for i, e in reader.maps(raw, "env", path)
    )
    mounts = tuple(
        VolumeMount(
            name=reader.string(m, "name", path + ("volumeMounts", i)) or "",
            mount_path=reader.string(m, "mountPath", path + ("volumeMounts", i)) or "",
            read_only=reader.boolean(m, "readOnly", path + ("volumeMounts", i)) is True,
            sub_path=reader.string(m, "subPath", path + ("volumeMounts", i)),
            path=path + ("volumeMounts", i),
        )
        for i, m in reader.maps(raw, "volumeMounts", path)
    )
    return Container(
        resource=resource,
        pod=pod,
        name=name,
        kind=kind,
        index=index,
        path=path,
        raw=raw,
        image=reader.string(raw, "image", path),
        image_pull_policy=reader.string(raw, "imagePullPolicy", path),
        command=_words(reader, raw, "command", path),
        args=_words(reader, raw, "args", path),
        ports=ports,
        env=env,
        volume_mounts=mounts,
        security=build_security_context(reader, raw, path, name, pod),
    )


def _env_value(reader: Reader, env: Mapping[str, Any], path: Path) -> str | None:
    value = env.get("value")
    if value is None or isinstance(value, str):
        return value
    # Kubernetes requires a string; unquoted numbers and booleans are a common mistake.
    reader.wrong(path + ("value",), "a string (quote the value)", value)
    return str(value)


def _words(reader: Reader, raw: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    """command/args: strings; numbers are common in the wild and kept as text."""
    out: list[str] = []
    for item in reader.sequence(raw, key, path):
        if isinstance(item, str):
            out.append(item)
        elif item is not None and not isinstance(item, (Mapping, list)):
            out.append(str(item))
    return tuple(out)


__all__ = [
    "Container",
    "ContainerKind",
    "EnvVar",
    "Origin",
    "Port",
    "SecurityContext",
    "Setting",
    "VolumeMount",
]
