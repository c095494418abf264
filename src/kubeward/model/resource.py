"""The generic view of one Kubernetes object, and type-checked access to its raw fields."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kubeward.findings import ObjectRef, Violation
from kubeward.model import path as pathlib
from kubeward.model.path import Path

EMPTY: Mapping[str, Any] = {}


def type_name(value: object) -> str:
    """The YAML word for a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date):
        return "a timestamp"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class Problem:
    """A field with the wrong type: the object is still scanned, the field treated as absent."""

    path: Path
    message: str


class Reader:
    """Reads raw fields with the types Kubernetes requires, recording problems instead of failing.

    Every accessor returns an empty/None value when the field is absent, null or wrongly typed,
    so a rule never sees a value of the wrong type.
    """

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def wrong(self, path: Path, expected: str, value: object) -> None:
        self.problems.append(
            Problem(path, f"{pathlib.render(path)}: expected {expected}, got {type_name(value)}")
        )

    def mapping(self, parent: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
        value = parent.get(key)
        if value is None:
            return EMPTY
        if isinstance(value, Mapping):
            return value
        self.wrong(path + (key,), "a mapping", value)
        return EMPTY

    def sequence(self, parent: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.wrong(path + (key,), "a list", value)
        return []

    def maps(
        self, parent: Mapping[str, Any], key: str, path: Path
    ) -> list[tuple[int, Mapping[str, Any]]]:
        """A list of mappings, as (index, item); wrongly typed items are reported and skipped."""
        out: list[tuple[int, Mapping[str, Any]]] = []
        for i, item in enumerate(self.sequence(parent, key, path)):
            if isinstance(item, Mapping):
                out.append((i, item))
            elif item is not None:
                self.wrong(path + (key, i), "a mapping", item)
        return out

    def string(self, parent: Mapping[str, Any], key: str, path: Path) -> str | None:
        value = parent.get(key)
        if value is None or isinstance(value, str):
            return value
        self.wrong(path + (key,), "a string", value)
        return None

    def boolean(self, parent: Mapping[str, Any], key: str, path: Path) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.wrong(path + (key,), "a boolean", value)
        return None

    def integer(self, parent: Mapping[str, Any], key: str, path: Path) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.wrong(path + (key,), "an integer", value)
        return None

    def strings(self, parent: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
        out: list[str] = []
        for i, item in enumerate(self.sequence(parent, key, path)):
            if isinstance(item, str):
                out.append(item)
            else:
                self.wrong(path + (key, i), "a string", item)
        return tuple(out)

    def string_map(self, parent: Mapping[str, Any], key: str, path: Path) -> Mapping[str, str]:
        """Labels and annotations: string keys and values; others are reported and stringified."""
        value = self.mapping(parent, key, path)
        if all(isinstance(v, str) for v in value.values()) and all(
            isinstance(k, str) for k in value
        ):
            return value
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(v, str):
                self.wrong(path + (key, str(k)), "a string", v)
            out[str(k)] = _yaml_text(v)
        return out


def _yaml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an object was read from."""

    file: str
    doc: int  # index of the YAML document in the file
    prefix: Path  # path of the object inside its document: () or ("items", n) in a List
    line: int | None  # line of the object's first key


# Kinds that are cluster-scoped (never carry a namespace). Anything else is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "CSIDriver",
        "CSINode",
        "IngressClass",
        "RuntimeClass",
        "PodSecurityPolicy",
        "CertificateSigningRequest",
        "VolumeAttachment",
        "ClusterIssuer",
        "ClusterPolicy",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "GatewayClass",
        "VolumeSnapshotClass",
        "VolumeSnapshotContent",
        "VolumeAttributesClass",
        "ClusterSecretStore",
        "ConstraintTemplate",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "IPAddress",
        "ServiceCIDR",
        "ClusterTrustBundle",
        "DeviceClass",
        "SecurityContextConstraints",
        "ComponentStatus",
        "TokenReview",
        "SubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
    }
)


# Objects Kubernetes creates in every namespace: kind -> name.
_PER_NAMESPACE = {"ServiceAccount": "default", "ConfigMap": "kube-root-ca.crt"}

# Custom kinds named Cluster* that are nevertheless namespaced (Cluster API).
NAMESPACED_CLUSTER_KINDS = frozenset(
    {"ClusterClass", "ClusterResourceSet", "ClusterResourceSetBinding"}
)


@dataclass(frozen=True, slots=True)
class Resource:
    """Any Kubernetes object: identity, metadata, the raw mapping and where it came from."""

    api_version: str
    kind: str
    name: str
    namespace: str | None  # as written; None when the manifest does not say
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    raw: Mapping[str, Any]
    source: Source
    problems: tuple[Problem, ...] = ()

    @property
    def group(self) -> str:
        """API group: "" for the core group ("v1"), "apps" for "apps/v1"."""
        head, sep, _ = self.api_version.rpartition("/")
        return head if sep else ""

    @property
    def namespaced(self) -> bool:
        """Namespaced unless a known cluster-scoped kind; `Cluster*` custom kinds (ClusterPolicy,
        ClusterIssuer, ClusterSecretStore, ...) are cluster-scoped by universal convention, and
        Gatekeeper constraints (group constraints.gatekeeper.sh) are too."""
        if self.kind in CLUSTER_SCOPED or self.group == "constraints.gatekeeper.sh":
            return False
        kind = self.kind
        if kind.startswith("Cluster") and kind[7:8].isupper():
            return kind in NAMESPACED_CLUSTER_KINDS
        return True

    @property
    def builtin(self) -> bool:
        """An object the API server itself creates in every cluster or namespace: the
        `default/kubernetes` Service and its Endpoints/EndpointSlice, each namespace's
        `default` ServiceAccount and `kube-root-ca.crt` ConfigMap (as `kubectl get -o yaml`
        exports them)."""
        if self.namespace not in (None, "default") and self.kind not in _PER_NAMESPACE:
            return False
        if self.kind in ("Service", "Endpoints", "EndpointSlice"):
            # The API server owns these names in `default`: nobody else can create them.
            return self.name == "kubernetes"
        return _PER_NAMESPACE.get(self.kind) == self.name

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(
            self.api_version,
            self.kind,
            self.namespace,
            self.name,
            self.source.file,
            self.source.line,
        )

    @property
    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"

    def violation(self, message: str, at: str | Path = ()) -> Violation:
        return Violation(message, as_path(at))


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Path:
    return pathlib.parse(text)


def as_path(at: str | Path) -> Path:
    return _parse_cached(at) if isinstance(at, str) else at


def build_resource(raw: Mapping[str, Any], source: Source) -> Resource:
    """The Resource view of a raw object that has string `apiVersion` and `kind`."""
    reader = Reader()
    meta = reader.mapping(raw, "metadata", ())
    name = reader.string(meta, "name", ("metadata",))
    if name is None:
        name = reader.string(meta, "generateName", ("metadata",)) or "<unnamed>"
    namespace = reader.string(meta, "namespace", ("metadata",))
    labels = reader.string_map(meta, "labels", ("metadata",))
    annotations = reader.string_map(meta, "annotations", ("metadata",))
    return Resource(
        api_version=str(raw["apiVersion"]),
        kind=str(raw["kind"]),
        name=name,
        namespace=namespace or None,
        labels=labels,
        annotations=annotations,
        raw=raw,
        source=source,
        problems=tuple(reader.problems),
    )
