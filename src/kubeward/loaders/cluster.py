"""Reading a live cluster through its API server, page by page, into `Resource` views.

Connection and authentication come from the official `kubernetes` Python client: kubeconfig
files and contexts (`KUBECONFIG` with several files too), the in-cluster ServiceAccount, bearer
tokens, client certificates and exec credential plugins (`kubelogin` for Entra ID on AKS).
Requests go through the client's connection pool; responses are read as JSON lists, one page
(`limit`) at a time, never the whole cluster at once:

- `continue` tokens are followed; a 410 Gone (the token expired because the list took longer
  than the API server keeps its snapshot) restarts that list from the beginning, skipping the
  objects already read (by uid);
- timeouts, dropped connections, 429 and 5xx are retried with exponential backoff (honouring
  `Retry-After`, capped);
- a kind the credentials may not list (403) becomes a warning and the scan goes on; a kind
  the API server does not serve (404, such as Argo Rollouts where they are not installed) is
  skipped silently.

Pods created by a controller are folded into their top owner (a Deployment's ReplicaSet's
pods into the Deployment, a CronJob's Job's pods into the CronJob), so each workload is
checked once; only what drain verdicts need is kept of them (`PodPlacement`). ReplicaSets and
Jobs owned by a listed controller are folded the same way. Secret values are never kept: a
Secret is reduced to its metadata and type before anything else sees it. `managedFields` and
node image lists are dropped.
"""

from __future__ import annotations

import gc
import json
import os
import random
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from kubeward.analysis.drain import PodPlacement
from kubeward.config import Exemption
from kubeward.findings import InputError
from kubeward.model.resource import Resource, Source, build_resource
from kubeward.model.upgrade import LAST_APPLIED, MIRROR_POD

# ============================================================================ what is listed


@dataclass(frozen=True, slots=True)
class KindSpec:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    optional: bool = False  # a custom resource that may not be installed
    with_namespace_filter: bool = True  # listed (cluster-wide) even when -n narrows the scan

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{urllib.parse.quote(namespace, safe='')}/{self.plural}"
        return f"{base}/{self.plural}"


def _k(api: str, plural: str, kind: str, namespaced: bool = True, **flags: bool) -> KindSpec:
    group, _, version = api.rpartition("/")
    return KindSpec(group, version, plural, kind, namespaced, **flags)


# Order matters: owners before what they own (controllers before ReplicaSets and Jobs, those
# before Pods), nodes first (AKS detection).
KINDS: tuple[KindSpec, ...] = (
    _k("v1", "namespaces", "Namespace", False),
    _k("v1", "nodes", "Node", False),
    _k("apps/v1", "deployments", "Deployment"),
    _k("apps/v1", "statefulsets", "StatefulSet"),
    _k("apps/v1", "daemonsets", "DaemonSet"),
    _k("argoproj.io/v1alpha1", "rollouts", "Rollout", optional=True),
    _k("batch/v1", "cronjobs", "CronJob"),
    _k("v1", "replicationcontrollers", "ReplicationController"),
    _k("apps/v1", "replicasets", "ReplicaSet"),
    _k("batch/v1", "jobs", "Job"),
    _k("v1", "pods", "Pod"),
    _k("v1", "services", "Service"),
    _k("v1", "serviceaccounts", "ServiceAccount"),
    _k("v1", "configmaps", "ConfigMap"),
    _k("v1", "secrets", "Secret"),
    _k("v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    _k("v1", "persistentvolumes", "PersistentVolume", False),
    _k("v1", "resourcequotas", "ResourceQuota"),
    _k("v1", "limitranges", "LimitRange"),
    _k("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    _k("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    _k("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
    _k("networking.k8s.io/v1", "ingresses", "Ingress"),
    _k("networking.k8s.io/v1", "ingressclasses", "IngressClass", False),
    _k("rbac.authorization.k8s.io/v1", "roles", "Role"),
    _k("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
    _k("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False),
    _k(
        "rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        False,
        with_namespace_filter=False,
    ),
    _k("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", False),
    _k("storage.k8s.io/v1", "storageclasses", "StorageClass", False),
    _k(
        "admissionregistration.k8s.io/v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
        with_namespace_filter=False,
    ),
    _k(
        "admissionregistration.k8s.io/v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
        with_namespace_filter=False,
    ),
)

# Kinds whose objects owned by a listed controller are folded into it.
FOLDED_KINDS = frozenset({"ReplicaSet", "Job", "Pod"})
AKS_CLUSTER_LABEL = "kubernetes.azure.com/cluster"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 10.0


# ============================================================================ settings, errors


@dataclass(frozen=True)
class ClusterSettings:
    """How to reach the cluster and how patiently to read it."""

    kubeconfig: str | None = None  # None: $KUBECONFIG or ~/.kube/config, else in-cluster
    context: str | None = None
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    page_size: int = 500
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 0.5  # seconds; doubled per retry, with jitter
    max_restarts: int = 3  # list restarts after 410 Gone
    kinds: tuple[KindSpec, ...] = KINDS


class ClusterError(Exception):
    """The cluster cannot be read at all (no configuration, unreachable, unauthorized)."""


class _Forbidden(Exception):
    pass


class _NotServed(Exception):
    pass


class _Gone(Exception):
    pass


# ============================================================================ connection


@dataclass
class ClusterInfo:
    """What the report says about the scanned cluster."""

    name: str
    context: str | None
    server: str
    version: str | None = None
    aks: bool = False

    @property
    def label(self) -> str:
        """The `file` of every object read from this cluster."""
        return f"cluster:{self.context or self.name}"


class Connection:
    """An authenticated HTTP(S) connection to one API server, made by the kubernetes client."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        try:
            from kubernetes import client, config
            from kubernetes.config.config_exception import ConfigException
        except ImportError as err:  # pragma: no cover - a dependency
            raise ClusterError(f"the kubernetes Python client is not installed ({err})") from None
        cfg = client.Configuration()
        name, context = "in-cluster", None
        try:
            if self._use_kubeconfig():
                config_file = settings.kubeconfig or os.environ.get("KUBECONFIG") or None
                listed = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                    config_file=config_file
                )
                contexts: list[dict[str, Any]] = list(listed[0] or [])
                active: dict[str, Any] | None = listed[1]
                chosen = (
                    next((c for c in contexts if c.get("name") == settings.context), None)
                    if settings.context
                    else active
                )
                if settings.context and chosen is None:
                    known = ", ".join(str(c.get("name")) for c in contexts)
                    raise ClusterError(f"no context {settings.context!r} (known: {known})")
                context = str((chosen or {}).get("name") or "") or None
                name = str(((chosen or {}).get("context") or {}).get("cluster") or context)
                config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=config_file,
                    context=settings.context,
                    client_configuration=cfg,
                    persist_config=False,
                )
            else:
                config.load_incluster_config(  # type: ignore[no-untyped-call]
                    client_configuration=cfg
                )
        except ClusterError:
            raise
        except (ConfigException, OSError, ValueError, KeyError, TypeError) as err:
            raise ClusterError(f"cannot load the cluster configuration: {err}") from None
        except Exception as err:  # exec plugins and token files fail in many ways
            raise ClusterError(
                f"cannot load the cluster configuration ({type(err).__name__}: {err})"
            ) from None
        self._config = cfg
        self._api = client.ApiClient(cfg)
        self._pool = self._api.rest_client.pool_manager
        self.info = ClusterInfo(name=name, context=context, server=str(cfg.host).rstrip("/"))

    def _use_kubeconfig(self) -> bool:
        s = self.settings
        if s.kubeconfig or s.context or os.environ.get("KUBECONFIG"):
            return True
        default = os.path.expanduser("~/.kube/config")
        if os.path.exists(default):
            return True
        return not os.environ.get("KUBERNETES_SERVICE_HOST")

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "kubeward"}
        # auth_settings() refreshes expiring tokens (exec plugins) before answering.
        auth: Any = self._config.auth_settings()  # its TypedDict differs between versions
        for setting in auth.values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[str(setting["key"])] = str(setting["value"])
        return headers

    def get(self, path: str, query: Mapping[str, str | int] | None = None) -> Any:
        """GET a path and decode its JSON body, with retries. Raises _Forbidden, _NotServed,
        _Gone for 403, 404, 410, ClusterError for what retries cannot fix."""
        import urllib3

        s = self.settings
        url = self.info.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        timeout = urllib3.Timeout(connect=s.connect_timeout, read=s.read_timeout)
        attempt = 0
        while True:
            delay = s.backoff * (2**attempt) * (1 + random.random() / 2)
            try:
                resp = self._pool.request(
                    "GET",
                    url,
                    headers=self._headers(),
                    timeout=timeout,
                    retries=False,
                    preload_content=False,
                )
                try:
                    body = resp.read()
                finally:
                    resp.release_conn()
            except urllib3.exceptions.HTTPError as err:
                if attempt >= s.retries:
                    raise ClusterError(
                        f"{path}: {_reason(err)} (after {attempt + 1} tries)"
                    ) from None
                attempt += 1
                time.sleep(delay)
                continue
            status = resp.status
            if status == 200:
                try:
                    return json.loads(body)
                except ValueError:
                    raise ClusterError(f"{path}: the API server sent invalid JSON") from None
            if status in RETRY_STATUSES and attempt < s.retries:
                retry_after = resp.headers.get("Retry-After")
                if retry_after and retry_after.isdigit():
                    delay = min(float(retry_after), MAX_RETRY_AFTER)
                attempt += 1
                time.sleep(delay)
                continue
            message = _status_message(body) or resp.reason or ""
            if status == 403:
                raise _Forbidden(message)
            if status == 404:
                raise _NotServed(message)
            if status == 410:
                raise _Gone(message)
            if status == 401:
                raise ClusterError(f"unauthorized (401): {message or 'check the credentials'}")
            raise ClusterError(f"{path}: HTTP {status} {message}".rstrip())

    def server_version(self) -> str | None:
        try:
            data = self.get("/version")
        except (_Forbidden, _NotServed, _Gone):
            return None
        version = data.get("gitVersion") if isinstance(data, Mapping) else None
        return str(version) if version else None

    def list_pages(
        self, spec: KindSpec, namespace: str | None, on_restart: Callable[[str], None]
    ) -> Iterator[list[dict[str, Any]]]:
        """Every item of one list, page by page. After a 410 the list restarts and items
        already yielded (by uid) are skipped."""
        s = self.settings
        seen: set[str] = set()
        restarts = 0
        token: str | None = None
        while True:
            query: dict[str, str | int] = {"limit": s.page_size}
            if token:
                query["continue"] = token
            try:
                page = self.get(spec.path(namespace), query)
            except _Gone:
                if restarts >= s.max_restarts:
                    raise ClusterError(
                        f"listing {spec.plural}: the continue token expired {restarts + 1} "
                        "times; the list is incomplete"
                    ) from None
                restarts += 1
                on_restart(
                    f"the continue token of the {spec.plural} list expired (410 Gone); "
                    f"listing again from the start (restart {restarts})"
                )
                token = None
                continue
            if not isinstance(page, Mapping):
                raise ClusterError(f"{spec.path(namespace)}: the API server sent no list")
            raw_items = page.get("items")
            items = (
                [i for i in raw_items if isinstance(i, dict)] if isinstance(raw_items, list) else []
            )
            fresh: list[dict[str, Any]] = []
            for item in items:
                uid = _uid(item)
                if uid is not None:
                    if uid in seen:
                        continue
                    seen.add(uid)
                fresh.append(item)
            if fresh:
                yield fresh
            meta = page.get("metadata")
            token = meta.get("continue") if isinstance(meta, Mapping) else None
            if not token:
                return


def _uid(item: Mapping[str, Any]) -> str | None:
    meta = item.get("metadata")
    uid = meta.get("uid") if isinstance(meta, Mapping) else None
    return uid if isinstance(uid, str) else None


def _reason(err: Exception) -> str:
    reason = getattr(err, "reason", None)
    return str(reason or err)


def _status_message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("message") or "") if isinstance(data, Mapping) else ""


# ============================================================================ reduction


def _strip(item: dict[str, Any], spec: KindSpec) -> dict[str, Any]:
    """What kubeward keeps of a listed object: apiVersion and kind (list items omit them), no
    managedFields, no node image list, and of a Secret only its metadata and type."""
    meta = item.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    out: dict[str, Any] = {"apiVersion": spec.api_version, "kind": spec.kind}
    if spec.kind == "Secret":
        if isinstance(meta, dict):
            annotations = meta.get("annotations")
            if isinstance(annotations, dict):
                # kubectl apply keeps the whole applied Secret, values included, here
                annotations.pop(LAST_APPLIED, None)
            out["metadata"] = meta
        if "type" in item:
            out["type"] = item["type"]
        if "immutable" in item:
            out["immutable"] = item["immutable"]
        return out
    if spec.kind == "Node":
        status = item.get("status")
        if isinstance(status, dict):
            status.pop("images", None)
    for key, value in item.items():
        if key not in ("apiVersion", "kind"):
            out[key] = value
    return out


def _controller_ref(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    meta = item.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, Mapping) else None
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, Mapping) and ref.get("controller") is True:
                return ref
    return None


@dataclass
class _Owner:
    kind: str
    namespace: str
    name: str
    parent: str | None  # controller's uid
    emitted: bool


@dataclass
class ClusterRead:
    """Everything a live read produces besides the resources themselves."""

    info: ClusterInfo
    placements: list[PodPlacement] = field(default_factory=list)
    # (namespace, kind, name) of the workload pods were folded into, for drain verdicts
    folded: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # (namespace, kind, name) of a controller that was not listed -> the pod checked for it
    stand_ins: dict[tuple[str, str, str], str] = field(default_factory=dict)
    pods_seen: int = 0
    pages: int = 0


class ClusterReader:
    """Reads one cluster. `resources(errors)` yields every object to scan; `read` holds the
    cluster's description, pod placements and counters once it is exhausted."""

    def __init__(self, settings: ClusterSettings, *, keep_placements: bool = False) -> None:
        self.settings = settings
        self.connection = Connection(settings)
        self.read = ClusterRead(self.connection.info)
        self.keep_placements = keep_placements
        self._owners: dict[str, _Owner] = {}
        self._representatives: dict[str, str] = {}  # unlisted owner uid -> pod shown for it
        self._labels: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}

    def close(self) -> None:
        self.connection.close()

    def probe(self, errors: list[InputError]) -> list[Resource]:
        """Version and nodes first: whether the cluster is AKS decides the defaults of the
        scan before any workload is read. Returns the Node objects."""
        info = self.read.info
        info.version = self.connection.server_version()
        nodes = [r for r in self._resources_of(self._spec("Node"), errors)]
        info.aks = any(is_aks_node(n) for n in nodes)
        return nodes

    def _spec(self, kind: str) -> KindSpec:
        return next(s for s in self.settings.kinds if s.kind == kind)

    def resources(self, errors: list[InputError]) -> Iterator[Resource]:
        """Every object except Nodes (which `probe` returns), folded and reduced. The objects
        read so far are frozen out of the cyclic garbage collector after each page."""
        try:
            for spec in self.settings.kinds:
                if spec.kind == "Node":
                    continue
                yield from self._resources_of(spec, errors)
        finally:
            gc.unfreeze()

    def _resources_of(self, spec: KindSpec, errors: list[InputError]) -> Iterator[Resource]:
        s = self.settings
        if s.namespaces and not spec.namespaced and not spec.with_namespace_filter:
            return  # cluster-wide objects are out of a scan narrowed to namespaces
        scopes: Sequence[str | None] = s.namespaces if s.namespaces and spec.namespaced else [None]
        label = self.read.info.label

        def restarted(message: str) -> None:
            errors.append(InputError(label, None, message, warning=True))

        for scope in scopes:
            try:
                for page in self.connection.list_pages(spec, scope, restarted):
                    self.read.pages += 1
                    for item in page:
                        res = self._accept(spec, item)
                        if res is not None and self._in_scope(res):
                            yield res
                    gc.freeze()  # kept objects are long-lived and acyclic
            except _Forbidden as err:
                where = f" in namespace {scope}" if scope else ""
                errors.append(
                    InputError(
                        label,
                        None,
                        f"not allowed to list {spec.plural} ({spec.api_version}){where}: "
                        f"{err or 'forbidden'}; checks that need them are incomplete",
                        warning=True,
                    )
                )
            except _NotServed:
                if not spec.optional:
                    errors.append(
                        InputError(
                            label,
                            None,
                            f"{spec.api_version} {spec.plural} is not served by this API "
                            "server; not scanned",
                            warning=True,
                        )
                    )

    def _in_scope(self, res: Resource) -> bool:
        namespaces = self.settings.namespaces
        if not namespaces or res.kind != "Namespace":
            return True
        return res.name in namespaces

    def _accept(self, spec: KindSpec, item: dict[str, Any]) -> Resource | None:
        """Fold or keep one listed object."""
        meta = item.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        uid = meta.get("uid") if isinstance(meta.get("uid"), str) else None
        namespace = str(meta.get("namespace") or "")
        name = str(meta.get("name") or "")
        ref = _controller_ref(item)
        parent = str(ref.get("uid")) if ref is not None and ref.get("uid") else None
        if spec.kind == "Pod":
            return self._pod(spec, item, namespace, name, ref, parent)
        folded = spec.kind in FOLDED_KINDS and parent is not None and parent in self._owners
        if uid is not None:
            self._owners[uid] = _Owner(spec.kind, namespace, name, parent, not folded)
        if folded:
            return None
        return _resource(_strip(item, spec), self.read.info.label)

    def _top(self, uid: str | None) -> _Owner | None:
        """The topmost listed controller above `uid`, following folded owners upwards."""
        hops = 0
        owner = self._owners.get(uid) if uid else None
        while owner is not None and not owner.emitted and hops < 10:
            owner = self._owners.get(owner.parent) if owner.parent else None
            hops += 1
        return owner if owner is not None and owner.emitted else None

    def _pod(
        self,
        spec: KindSpec,
        item: dict[str, Any],
        namespace: str,
        name: str,
        ref: Mapping[str, Any] | None,
        parent: str | None,
    ) -> Resource | None:
        self.read.pods_seen += 1
        top = self._top(parent)
        keep: Resource | None = None
        if ref is None:
            owner = None
            keep = _resource(_strip(item, spec), self.read.info.label)
        elif top is not None:
            owner = (top.kind, top.name)
        else:
            # Its controller was not listed (a custom resource, or a list we may not read):
            # one pod stands for all pods of that controller.
            owner = (str(ref.get("kind") or ""), str(ref.get("name") or ""))
            if parent is not None and parent not in self._representatives:
                self._representatives[parent] = name
                keep = _resource(_strip(item, spec), self.read.info.label)
                self.read.stand_ins[(namespace, *owner)] = name
        if owner is not None:
            key = (namespace, *owner)
            self.read.folded[key] = self.read.folded.get(key, 0) + 1
        if self.keep_placements:
            self.read.placements.append(self._placement(item, namespace, name, owner, top))
        return keep

    def _placement(
        self,
        item: Mapping[str, Any],
        namespace: str,
        name: str,
        owner: tuple[str, str] | None,
        top: _Owner | None,
    ) -> PodPlacement:
        meta = item.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        spec = item.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        status = item.get("status")
        phase = status.get("phase") if isinstance(status, Mapping) else None
        labels = meta.get("labels")
        label_map = (
            {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
        )
        key = tuple(sorted(label_map.items()))
        shared = self._labels.setdefault(key, label_map)  # pods of one owner share labels
        volumes = spec.get("volumes")
        empty = tuple(
            str(v.get("name"))
            for v in (volumes if isinstance(volumes, list) else [])
            if isinstance(v, Mapping) and "emptyDir" in v
        )
        annotations = meta.get("annotations")
        mirror = isinstance(annotations, Mapping) and MIRROR_POD in annotations
        node = spec.get("nodeName")
        return PodPlacement(
            namespace=namespace,
            name=name,
            node=str(node) if node else None,
            owner=owner,
            labels=shared,
            daemon=(top is not None and top.kind == "DaemonSet")
            or (owner is not None and owner[0] == "DaemonSet"),
            mirror=mirror,
            emptydir=empty,
            finished=phase in ("Succeeded", "Failed"),
        )


def _resource(raw: dict[str, Any], label: str) -> Resource:
    return build_resource(raw, Source(label, 0, (), None))


def aks_exemptions() -> tuple[Exemption, ...]:
    """The AKS-managed system objects (`kubeward/data/aks-managed.yaml`) as exemptions."""
    text = resources.files("kubeward.data").joinpath("aks-managed.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    reason = str(data["reason"])
    return tuple(
        Exemption(
            rules=("ALL",),
            namespaces=tuple(str(n) for n in entry.get("namespaces") or ()),
            names=tuple(str(n) for n in entry.get("names") or ()),
            reason=reason,
        )
        for entry in data["exemptions"]
    )


def is_aks_node(node: Resource) -> bool:
    """A node of an AKS cluster: the label AKS puts on every node, or an Azure provider ID."""
    if AKS_CLUSTER_LABEL in node.labels:
        return True
    spec = node.raw.get("spec")
    provider = spec.get("providerID") if isinstance(spec, Mapping) else None
    return isinstance(provider, str) and provider.startswith("azure://")


__all__ = [
    "KINDS",
    "ClusterError",
    "ClusterInfo",
    "ClusterRead",
    "ClusterReader",
    "ClusterSettings",
    "Connection",
    "KindSpec",
    "aks_exemptions",
    "is_aks_node",
]
