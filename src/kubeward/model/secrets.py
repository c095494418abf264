"""Credentials in the model: Secrets, ConfigMaps, ServiceAccounts, Key Vault SecretProviderClasses,
and every reference a pod makes to them.

Kubernetes semantics kept here, once:

- a Secret's `stringData` is merged into `data` by the API server, and wins on equal keys;
  `data` values are base64; a manifest encrypted with SOPS carries a top-level `sops` key;
- a pod reads Secrets and ConfigMaps through `env[].valueFrom`, `envFrom`, `secret`,
  `configMap` and `projected` volumes, `imagePullSecrets`, and a CSI volume's
  `nodePublishSecretRef`; `optional: true` references may be missing;
- the ServiceAccount is `serviceAccountName`, else the deprecated `serviceAccount`, else
  `default`; its token is mounted unless the pod, or else the ServiceAccount, sets
  `automountServiceAccountToken: false`;
- a manifest without a namespace lands in the namespace it is applied to, so a lookup
  matches names across a missing namespace on either side;
- some Secrets are made by controllers, not written: Key Vault SecretProviderClass
  `secretObjects`, cert-manager Certificates and Ingress annotations, External Secrets,
  Sealed Secrets, and service account token Secrets.

Fields are read defensively: a wrongly typed field is treated as absent (the per-object views
in `workload.py` already report such fields as input errors).
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import yaml

from kubeward.model.inventory import Inventory
from kubeward.model.path import Path
from kubeward.model.resource import EMPTY, Resource
from kubeward.model.workload import Workload

T = TypeVar("T")

SECRETS_STORE_DRIVER = "secrets-store.csi.k8s.io"
SPC_GROUP = "secrets-store.csi.x-k8s.io"
WI_USE = "azure.workload.identity/use"
WI_CLIENT_ID = "azure.workload.identity/client-id"
WI_TENANT_ID = "azure.workload.identity/tenant-id"
AAD_POD_IDENTITY_LABEL = "aadpodidbinding"
AAD_POD_IDENTITY_GROUP = "aadpodidentity.k8s.io"
TLS_TYPE = "kubernetes.io/tls"
SA_TOKEN_TYPE = "kubernetes.io/service-account-token"
# ConfigMaps created in every namespace: by the API server, and by istiod for its mesh.
BUILTIN_CONFIG_MAPS = frozenset({"kube-root-ca.crt", "istio-ca-root-cert"})
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else EMPTY


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ============================================================================ Secrets


@dataclass(frozen=True, slots=True)
class SecretEntry:
    """One key of a Secret, as written: base64 under `data`, plain text under `stringData`."""

    key: str
    text: str  # the value as written in the manifest
    value: bytes | None  # the content; None when a `data` value is not valid base64
    path: Path  # ("data", key) or ("stringData", key)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True, slots=True)
class SecretView:
    resource: Resource
    type: str  # "Opaque" when unset
    entries: tuple[SecretEntry, ...]  # data first, then stringData
    encrypted: bool  # SOPS-encrypted: a top-level `sops` key, values `ENC[...]`

    def entry(self, key: str) -> SecretEntry | None:
        """The effective value of a key: `stringData` overrides `data`."""
        found = None
        for e in self.entries:
            if e.key == key:
                found = e
        return found


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def secret_view(r: Resource) -> SecretView | None:
    """The Secret view of a core `v1` Secret, else None."""
    if r.kind != "Secret" or r.group != "":
        return None
    entries: list[SecretEntry] = []
    for block in ("data", "stringData"):
        for key, value in _map(r.raw.get(block)).items():
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            raw = _decode(text) if block == "data" else text.encode("utf-8")
            entries.append(SecretEntry(str(key), text, raw, (block, str(key))))
    encrypted = "sops" in r.raw or (
        bool(entries) and all(e.text.startswith("ENC[") for e in entries)
    )
    return SecretView(r, _str(r.raw.get("type")) or "Opaque", tuple(entries), encrypted)


# ============================================================================ ConfigMaps


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    key: str
    value: str
    path: Path


def config_map_entries(r: Resource) -> tuple[ConfigEntry, ...]:
    """The text values of a core ConfigMap's `data` (binaryData is not text)."""
    if r.kind != "ConfigMap" or r.group != "":
        return ()
    return tuple(
        ConfigEntry(str(k), v, ("data", str(k)))
        for k, v in _map(r.raw.get("data")).items()
        if isinstance(v, str)
    )


# ============================================================================ SecretProviderClass


@dataclass(frozen=True, slots=True)
class VaultObject:
    """One entry of an Azure SecretProviderClass's `objects` array."""

    name: str
    type: str  # secret, key or cert
    alias: str | None
    index: int


@dataclass(frozen=True, slots=True)
class SyncedData:
    object_name: str
    key: str
    path: Path


@dataclass(frozen=True, slots=True)
class SyncedSecret:
    """A Kubernetes Secret the CSI driver creates from mounted objects (`secretObjects`)."""

    secret_name: str
    type: str
    data: tuple[SyncedData, ...]
    path: Path


@dataclass(frozen=True, slots=True)
class SecretProviderClass:
    resource: Resource
    provider: str
    parameters: Mapping[str, str]
    objects: tuple[VaultObject, ...] | None  # None when `objects` cannot be read
    objects_problem: str | None
    synced: tuple[SyncedSecret, ...]

    @property
    def is_azure(self) -> bool:
        return self.provider == "azure"

    def flag(self, name: str) -> bool:
        """A boolean parameter ("true", any case), as the Azure provider reads it."""
        return self.parameters.get(name, "").strip().lower() == "true"


def _vault_objects(text: str | None) -> tuple[tuple[VaultObject, ...] | None, str | None]:
    """The Azure provider's `objects` parameter: YAML with an `array` of YAML strings."""
    if text is None or not text.strip():
        return None, "has no `objects` parameter"
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        array = _list(_map(doc).get("array"))
        if not array:
            return None, "`objects` has no `array` of objects"
        out: list[VaultObject] = []
        for i, item in enumerate(array):
            if isinstance(item, str):
                item = yaml.load(item, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            entry = _map(item)
            name = _str(entry.get("objectName"))
            if not name:
                return None, f"`objects` entry {i + 1} has no objectName"
            out.append(
                VaultObject(
                    name,
                    _str(entry.get("objectType")) or "",
                    _str(entry.get("objectAlias")) or None,
                    i,
                )
            )
        return tuple(out), None
    except (yaml.YAMLError, RecursionError, TypeError, ValueError):
        return None, "`objects` is not valid YAML"


def secret_provider_class(r: Resource) -> SecretProviderClass | None:
    if r.kind != "SecretProviderClass" or r.group != SPC_GROUP:
        return None
    spec = _map(r.raw.get("spec"))
    params = {
        str(k): v if isinstance(v, str) else str(v) for k, v in _map(spec.get("parameters")).items()
    }
    provider = _str(spec.get("provider")) or ""
    objects, problem = (None, None)
    if provider == "azure":
        objects, problem = _vault_objects(params.get("objects"))
    synced: list[SyncedSecret] = []
    for i, so in enumerate(_list(spec.get("secretObjects"))):
        so = _map(so)
        at: Path = ("spec", "secretObjects", i)
        data = tuple(
            SyncedData(
                _str(_map(d).get("objectName")) or "",
                _str(_map(d).get("key")) or "",
                at + ("data", j),
            )
            for j, d in enumerate(_list(so.get("data")))
        )
        synced.append(
            SyncedSecret(_str(so.get("secretName")) or "", _str(so.get("type")) or "", data, at)
        )
    return SecretProviderClass(r, provider, params, objects, problem, tuple(synced))


# ============================================================================ ServiceAccounts


def automount_setting(r: Resource) -> bool | None:
    """A ServiceAccount's `automountServiceAccountToken`, when it is a boolean."""
    value = r.raw.get("automountServiceAccountToken")
    return value if isinstance(value, bool) else None


# ============================================================================ references


@dataclass(frozen=True, slots=True)
class Reference:
    """A pod's (or an Ingress's) reference to a Secret, ConfigMap, ServiceAccount or
    SecretProviderClass, at the path of the field that names it."""

    kind: str
    name: str
    path: Path  # document-relative path, without the object's List prefix
    how: str  # for messages: 'env DB_PASSWORD', 'volume "certs"', 'imagePullSecrets', ...
    container: str | None = None
    optional: bool = False
    key: str | None = None


def _env_references(w: Workload) -> Iterator[Reference]:
    for c in w.containers:
        for e in c.env:
            for field_name, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                ref = _map(e.value_from.get(field_name))
                name = _str(ref.get("name"))
                if name:
                    yield Reference(
                        kind,
                        name,
                        e.path + ("valueFrom", field_name, "name"),
                        f"env {e.name}",
                        c.name,
                        ref.get("optional") is True,
                        _str(ref.get("key")),
                    )
        for i, ef in enumerate(_list(c.raw.get("envFrom"))):
            for field_name, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = _map(_map(ef).get(field_name))
                name = _str(ref.get("name"))
                if name:
                    yield Reference(
                        kind,
                        name,
                        c.path + ("envFrom", i, field_name, "name"),
                        f"envFrom[{i}]",
                        c.name,
                        ref.get("optional") is True,
                    )


def _volume_references(w: Workload) -> Iterator[Reference]:
    for v in w.pod.volumes:
        src = v.source
        label = f'volume "{v.name}"'
        if v.type == "secret" and _str(src.get("secretName")):
            yield Reference(
                "Secret",
                str(src["secretName"]),
                v.path + ("secret", "secretName"),
                label,
                optional=src.get("optional") is True,
            )
        elif v.type == "configMap" and _str(src.get("name")):
            yield Reference(
                "ConfigMap",
                str(src["name"]),
                v.path + ("configMap", "name"),
                label,
                optional=src.get("optional") is True,
            )
        elif v.type == "projected":
            for i, s in enumerate(_list(src.get("sources"))):
                for field_name, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
                    ref = _map(_map(s).get(field_name))
                    name = _str(ref.get("name"))
                    if name:
                        yield Reference(
                            kind,
                            name,
                            v.path + ("projected", "sources", i, field_name, "name"),
                            label,
                            optional=ref.get("optional") is True,
                        )
        elif v.type == "csi":
            node_secret = _str(_map(src.get("nodePublishSecretRef")).get("name"))
            if node_secret:
                yield Reference(
                    "Secret",
                    node_secret,
                    v.path + ("csi", "nodePublishSecretRef", "name"),
                    label,
                )
            spc = _str(_map(src.get("volumeAttributes")).get("secretProviderClass"))
            if spc and src.get("driver") == SECRETS_STORE_DRIVER:
                yield Reference(
                    "SecretProviderClass",
                    spc,
                    v.path + ("csi", "volumeAttributes", "secretProviderClass"),
                    label,
                )


def references(w: Workload) -> tuple[Reference, ...]:
    """Every Secret, ConfigMap, SecretProviderClass and ServiceAccount the pod refers to."""
    spec = w.pod.spec
    out = list(_env_references(w))
    out += _volume_references(w)
    for i, s in enumerate(_list(spec.get("imagePullSecrets"))):
        name = _str(_map(s).get("name"))
        if name:
            out.append(
                Reference(
                    "Secret", name, w.pod.at(("imagePullSecrets", i, "name")), "imagePullSecrets"
                )
            )
    sa = service_account(w)
    if sa.path is not None:
        out.append(Reference("ServiceAccount", sa.name, sa.path, sa.field))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ServiceAccountUse:
    """Which ServiceAccount a pod runs as, and the field that says so."""

    name: str
    path: Path | None  # None when the pod leaves it to the default
    field: str  # serviceAccountName, serviceAccount, or "" (default)


def service_account(w: Workload) -> ServiceAccountUse:
    spec = w.pod.spec
    for name in ("serviceAccountName", "serviceAccount"):
        value = _str(spec.get(name))
        if value:
            return ServiceAccountUse(value, w.pod.at(name), name)
    return ServiceAccountUse("default", None, "")


def ingress_tls(r: Resource) -> Iterator[tuple[int, str | None, tuple[tuple[int, str], ...]]]:
    """An Ingress's `spec.tls` entries: (index, secretName, ((host index, host), ...))."""
    if r.kind != "Ingress":
        return
    for i, entry in enumerate(_list(_map(r.raw.get("spec")).get("tls"))):
        entry = _map(entry)
        hosts = tuple((j, h) for j, h in enumerate(_list(entry.get("hosts"))) if isinstance(h, str))
        yield i, _str(entry.get("secretName")), hosts


# ============================================================================ the scene


@dataclass(frozen=True)
class Index(Generic[T]):
    """Objects by name, found across a missing namespace on either side."""

    _by_name: Mapping[str, tuple[tuple[str | None, T], ...]] = field(default_factory=dict)
    _namespaces: frozenset[str | None] = frozenset()

    @classmethod
    def of(cls, items: Iterable[tuple[str | None, str, T]]) -> Index[T]:
        by_name: dict[str, list[tuple[str | None, T]]] = defaultdict(list)
        namespaces: set[str | None] = set()
        for ns, name, item in items:
            by_name[name].append((ns, item))
            namespaces.add(ns)
        return cls({k: tuple(v) for k, v in by_name.items()}, frozenset(namespaces))

    def find(self, namespace: str | None, name: str) -> T | None:
        candidates = self._by_name.get(name, ())
        for ns, item in candidates:
            if ns == namespace:
                return item
        for ns, item in candidates:
            if ns is None or namespace is None:
                return item
        return None

    def values(self) -> Iterator[T]:
        for items in self._by_name.values():
            for _, item in items:
                yield item

    def covers(self, namespace: str | None) -> bool:
        """Whether the input defines any object of this index in the namespace (an object
        without a namespace could be applied to any)."""
        if not self._namespaces:
            return False
        return namespace is None or namespace in self._namespaces or None in self._namespaces


@dataclass(frozen=True, slots=True)
class ProducedSecret:
    """A Secret that a controller creates from another object of the input."""

    producer: Resource
    how: str  # for messages
    spc: SecretProviderClass | None = None  # set for Key Vault synced Secrets


def _produced(
    inv: Inventory, spcs: Iterable[SecretProviderClass]
) -> Iterator[tuple[str | None, str, ProducedSecret]]:
    for spc in spcs:
        for s in spc.synced:
            if s.secret_name:
                yield (
                    spc.resource.namespace,
                    s.secret_name,
                    ProducedSecret(spc.resource, f"SecretProviderClass {spc.resource.name}", spc),
                )
    for r in inv.of_kind("Certificate"):  # cert-manager
        name = _str(_map(r.raw.get("spec")).get("secretName"))
        if name and r.group.endswith("cert-manager.io"):
            yield r.namespace, name, ProducedSecret(r, f"Certificate {r.name}")
    for r in inv.of_kind("ExternalSecret"):
        target = _map(_map(r.raw.get("spec")).get("target"))
        yield (
            r.namespace,
            _str(target.get("name")) or r.name,
            ProducedSecret(r, f"ExternalSecret {r.name}"),
        )
    for r in inv.of_kind("SealedSecret"):
        template = _map(_map(_map(r.raw.get("spec")).get("template")).get("metadata"))
        yield (
            r.namespace,
            _str(template.get("name")) or r.name,
            ProducedSecret(r, f"SealedSecret {r.name}"),
        )
    for r in inv.of_kind("Ingress"):  # cert-manager's ingress-shim issues the TLS Secrets
        if any(
            k in r.annotations for k in ("cert-manager.io/issuer", "cert-manager.io/cluster-issuer")
        ):
            for _, name, _ in ingress_tls(r):
                if name:
                    yield r.namespace, name, ProducedSecret(r, f"cert-manager for Ingress {r.name}")


@dataclass(frozen=True)
class CredentialScene:
    """Every Secret, ConfigMap, ServiceAccount and SecretProviderClass of the scan, the
    Secrets controllers make, the ServiceAccounts that RBAC bindings grant rights to, and
    the pods that refer to them."""

    secrets: Index[SecretView]
    produced: Index[ProducedSecret]
    config_maps: Index[Resource]
    service_accounts: Index[Resource]
    provider_classes: Index[SecretProviderClass]
    # (namespace, ServiceAccount) named as a subject of a RoleBinding or ClusterRoleBinding.
    # Group subjects (`system:serviceaccounts[:ns]`) do not count: they grant every account
    # the same thing and say nothing about which pods need a token.
    bound: frozenset[tuple[str | None, str]]
    workloads: tuple[tuple[Workload, tuple[Reference, ...]], ...]
    ingresses: tuple[Resource, ...]
    spcs: tuple[SecretProviderClass, ...]

    @classmethod
    def from_inventory(cls, inv: Inventory) -> CredentialScene:
        secrets = [v for r in inv.of_kind("Secret") if (v := secret_view(r)) is not None]
        spcs = [c for r in inv.of_kind("SecretProviderClass") if (c := secret_provider_class(r))]
        bound: set[tuple[str | None, str]] = set()
        for r in (*inv.of_kind("RoleBinding"), *inv.of_kind("ClusterRoleBinding")):
            for item in _list(r.raw.get("subjects")):
                subject = _map(item)
                name = _str(subject.get("name"))
                if subject.get("kind") == "ServiceAccount" and name:
                    bound.add((_str(subject.get("namespace")) or r.namespace, name))
        return cls(
            secrets=Index.of((s.resource.namespace, s.resource.name, s) for s in secrets),
            produced=Index.of(_produced(inv, spcs)),
            config_maps=Index.of((r.namespace, r.name, r) for r in inv.of_kind("ConfigMap")),
            service_accounts=Index.of(
                (r.namespace, r.name, r) for r in inv.of_kind("ServiceAccount")
            ),
            provider_classes=Index.of((s.resource.namespace, s.resource.name, s) for s in spcs),
            bound=frozenset(bound),
            workloads=tuple((w, references(w)) for w in inv.workloads),
            ingresses=inv.of_kind("Ingress"),
            spcs=tuple(spcs),
        )

    def is_bound(self, namespace: str | None, name: str) -> bool:
        """Whether a binding in the input names the ServiceAccount as a subject."""
        if (namespace, name) in self.bound:
            return True
        return any(n == name and (ns is None or namespace is None) for ns, n in self.bound)

    @staticmethod
    def anchor_paths(resource: Resource, workload: Workload | None) -> Iterator[Path]:
        """The paths of an object that rules over this scene report on: the engine records
        their lines while the object's file is parsed (no re-parse for scene findings)."""
        if workload is not None:
            yield workload.pod.spec_path
            yield workload.pod.meta_path
            if workload.pod.automount_service_account_token is not None:
                yield workload.pod.at("automountServiceAccountToken")
            for ref in references(workload):
                yield ref.path
            for c in workload.containers:
                yield c.path
        elif resource.kind == "Ingress":
            for i, _, hosts in ingress_tls(resource):
                yield ("spec", "tls", i, "secretName")
                for j, _ in hosts:
                    yield ("spec", "tls", i, "hosts", j)


# ============================================================================ who reads what


@dataclass(frozen=True, slots=True)
class Consumer:
    """One object that reads a Secret, and how."""

    obj: str  # "Deployment shop/api"
    container: str | None
    how: str  # 'env DB_PASSWORD (key password)', 'volume "certs"', 'imagePullSecrets', ...
    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class SecretUse:
    """A Secret of the scan (defined, produced by a controller, or only referred to), where it
    comes from, and every object of the input that reads it."""

    namespace: str | None
    name: str
    origin: str
    defined_at: tuple[str, int | None] | None  # file and line of the manifest, if any
    consumers: tuple[Consumer, ...]


def _origin(scene: CredentialScene, ns: str | None, name: str) -> tuple[str, Resource | None]:
    secret = scene.secrets.find(ns, name)
    if secret is not None:
        values = [e for e in secret.entries if not e.empty]
        if secret.encrypted:
            return "manifest, encrypted (SOPS)", secret.resource
        if values:
            return f"manifest with {len(values)} value(s) committed", secret.resource
        return f"manifest without values ({secret.type})", secret.resource
    produced = scene.produced.find(ns, name)
    if produced is not None:
        p = produced.producer
        return f"made by {produced.how}", p
    return "not in the input", None


def secret_uses(scene: CredentialScene) -> tuple[SecretUse, ...]:
    """Every Secret that is defined or read in the scan, with its readers, by namespace and
    name (a reader's namespace when the Secret is not in the input)."""
    readers: dict[tuple[str | None, str], list[Consumer]] = defaultdict(list)

    def key_of(ns: str | None, name: str) -> tuple[str | None, str]:
        found = scene.secrets.find(ns, name)
        if found is not None:
            return found.resource.namespace, name
        produced = scene.produced.find(ns, name)
        if produced is not None:
            return produced.producer.namespace, name
        return ns, name

    for w, refs in scene.workloads:
        res = w.resource
        for ref in refs:
            if ref.kind != "Secret":
                continue
            how = ref.how + (f" (key {ref.key})" if ref.key else "")
            how += " (optional)" if ref.optional else ""
            readers[key_of(res.namespace, ref.name)].append(
                Consumer(res.display, ref.container, how, res.source.file, res.source.line)
            )
    for ing in scene.ingresses:
        for i, name, _ in ingress_tls(ing):
            if name:
                readers[key_of(ing.namespace, name)].append(
                    Consumer(ing.display, None, f"tls[{i}]", ing.source.file, ing.source.line)
                )
    keys = set(readers)
    for view in scene.secrets.values():
        keys.add((view.resource.namespace, view.resource.name))
    out = []
    for ns, name in sorted(keys, key=lambda k: (k[0] or "", k[1])):
        origin, where = _origin(scene, ns, name)
        at = (where.source.file, where.source.line) if where is not None else None
        out.append(SecretUse(ns, name, origin, at, tuple(readers.get((ns, name), ()))))
    return tuple(out)


__all__ = [
    "Consumer",
    "CredentialScene",
    "Index",
    "ProducedSecret",
    "Reference",
    "SecretEntry",
    "SecretProviderClass",
    "SecretUse",
    "SecretView",
    "ServiceAccountUse",
    "VaultObject",
    "automount_setting",
    "config_map_entries",
    "ingress_tls",
    "references",
    "secret_provider_class",
    "secret_uses",
    "secret_view",
    "service_account",
]
