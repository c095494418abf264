"""AKS cluster configuration as typed views: `AksCluster` and `NodePool`.

Every input shape (`az aks show` JSON, the ARM REST resource, ARM templates and Bicep,
Terraform) is turned by `kubeward.loaders.aks` into the same `ConfigSource`: a tree of `Node`s
keyed by ARM property names (matched case-insensitively), each node carrying the path where
its value is written in the source. The views read that tree once, here; rules never see the
input shape.

A value the source computes with an expression kubeward cannot resolve is an `Unknown`: rules
report it as "not evaluated" with the expression, never guess. A field of the wrong type is a
`Problem` (an input error with file and line) and is treated as unknown too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kubeward.findings import Verdict, Violation
from kubeward.model.path import Path
from kubeward.model.resource import Problem, Resource, type_name

T = TypeVar("T")

CLUSTER_KIND = "ManagedCluster"
POOL_KIND = "AgentPool"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value computed by an expression kubeward does not resolve (a parameter without a
    literal default, a reference to another resource, a function it does not evaluate)."""

    expr: str
    reason: str = ""

    def describe(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"`{_short(self.expr)}`{why}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Node:
    """One value of the configuration and the path where it is written. Mappings hold child
    nodes under lower-cased keys (ARM and az spell the same field with different case)."""

    __slots__ = ("line", "path", "value")

    def __init__(self, value: Any, path: Path = (), line: int | None = None) -> None:
        self.value = value
        self.path = path
        self.line = line  # set by loaders that evaluate expressions (templates, Bicep, HCL)

    def child(self, key: str) -> Node | None:
        if isinstance(self.value, dict):
            found = self.value.get(key.lower())
            return found if isinstance(found, Node) else None
        return None

    def items(self) -> list[Node]:
        return (
            [n for n in self.value if isinstance(n, Node)] if isinstance(self.value, list) else []
        )

    def plain(self) -> Any:
        """The value as plain data (Unknowns kept as they are)."""
        v = self.value
        if isinstance(v, dict):
            return {k: n.plain() for k, n in v.items()}
        if isinstance(v, list):
            return [n.plain() for n in v]
        return v

    def __repr__(self) -> str:
        return f"Node({self.plain()!r} @ {self.path!r})"


def node_from(data: Any, path: Path) -> Node:
    """Nodes of plain data whose paths are its own keys (JSON and YAML inputs)."""
    if isinstance(data, Mapping):
        return Node({str(k).lower(): node_from(v, path + (str(k),)) for k, v in data.items()}, path)
    if isinstance(data, list):
        return Node([node_from(v, path + (i,)) for i, v in enumerate(data)], path)
    return Node(data, path)


Speller = Callable[[Path, Sequence[str], int], Path]
"""Where an absent field would be written: (path of the deepest existing node, the field's
canonical ARM keys from the cluster or pool root, how many of them exist) -> a path in the
source's own spelling."""


def arm_spelling(parent: Path, keys: Sequence[str], depth: int) -> Path:
    return parent + tuple(keys[depth:])


@dataclass(frozen=True)
class ConfigSource:
    """What a loader hands to the model: the cluster's tree in ARM names, its pools, and how
    the source names things."""

    shape: str  # az, arm, template, bicep, terraform
    name: str
    root: Node  # the cluster object: ARM `properties` flattened into it, `identity`, `sku`
    pools: tuple[PoolSource, ...] = ()
    spell: Speller = arm_spelling
    api_version: str | None = None
    subnets: Mapping[str, Node] = field(default_factory=dict)
    """Address prefixes of subnets declared in the same source, by the subnet's id expression
    or resource id (lower-cased), for IP planning."""
    vnets: tuple[Node, ...] = ()
    diagnostics: tuple[DiagnosticSetting, ...] | None = None
    """Diagnostic settings of the cluster found in the same source; None when the shape
    cannot carry them (az and ARM REST output)."""
    field_names: Callable[[Path], str] | None = None


@dataclass(frozen=True)
class PoolSource:
    root: Node
    spell: Speller
    resource: Resource | None = None  # set when the pool is its own resource
    line_of: Callable[[Path], int | None] | None = None


@dataclass(frozen=True, slots=True)
class DiagnosticSetting:
    name: str
    categories: tuple[str, ...]  # log categories or category groups enabled
    path: Path
    unknown: Unknown | None = None


# ----------------------------------------------------------------------------- fields


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    """One field as read: its value (None when absent or unknown), where it is (or would be),
    its name as the source spells it, and the Unknown when an expression decides it."""

    value: T | None
    path: Path
    name: str
    present: bool = True
    unknown: Unknown | None = None

    @property
    def known(self) -> bool:
        return self.unknown is None

    @property
    def absent(self) -> bool:
        return not self.present and self.unknown is None

    def violation(self, message: str) -> Violation:
        return Violation(message, self.path)

    def not_evaluated(self, what: str) -> Violation:
        assert self.unknown is not None
        return Violation(
            f"{what}: {self.name} is computed by {self.unknown.describe()}, which kubeward "
            "does not resolve",
            self.path,
            verdict=Verdict.NOT_EVALUATED,
        )

    def is_true(self) -> bool:
        return self.value is True

    def text(self) -> str:
        return "" if self.value is None else str(self.value)


_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})


class _Reader:
    """Typed, case-insensitive access to a Node tree; wrong types become Problems."""

    def __init__(self, spell: Speller, namer: Callable[[Path], str] | None) -> None:
        self.spell = spell
        self.problems: list[Problem] = []
        self._namer = namer

    def name(self, path: Path) -> str:
        if self._namer is not None:
            return self._namer(path)
        return ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in path).replace(".[", "[")

    def locate(self, root: Node, keys: Sequence[str]) -> tuple[Node | None, Node, int]:
        """(the node at keys or None, the deepest existing node, how many keys it covers)."""
        node = root
        for i, key in enumerate(keys):
            nxt = node.child(key)
            if nxt is None or nxt.value is None:
                return None, node, i
            node = nxt
        return node, node, len(keys)

    def raw(self, root: Node, *keys: str) -> tuple[Any, Path, str, bool, Unknown | None]:
        found, deepest, depth = self.locate(root, keys)
        if isinstance(deepest.value, Unknown) and found is None:
            path = deepest.path
            return None, path, self.name(path), False, deepest.value
        if found is None:
            path = self.spell(deepest.path, keys, depth)
            return None, path, self.name(path), False, None
        if isinstance(found.value, Unknown):
            return None, found.path, self.name(found.path), True, found.value
        return found.value, found.path, self.name(found.path), True, None

    def boolean(self, root: Node, *keys: str) -> Field[bool]:
        value, path, name, present, unknown = self.raw(root, *keys)
        if unknown is not None or value is None:
            return Field(None, path, name, present, unknown)
        if isinstance(value, bool):
            return Field(value, path, name)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return Field(value.strip().lower() in _TRUE, path, name)  # ARM accepts "true"
        return self._wrong(path, name, "a boolean", value)

    def string(self, root: Node, *keys: str) -> Field[str]:
        value, path, name, present, unknown = self.raw(root, *keys)
        if unknown is not None or value is None:
            return Field(None, path, name, present, unknown)
        if isinstance(value, str):
            return Field(value, path, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Field(str(value), path, name)
        return self._wrong(path, name, "a string", value)

    def integer(self, root: Node, *keys: str) -> Field[int]:
        value, path, name, present, unknown = self.raw(root, *keys)
        if unknown is not None or value is None:
            return Field(None, path, name, present, unknown)
        if isinstance(value, int) and not isinstance(value, bool):
            return Field(value, path, name)
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            return Field(int(value), path, name)
        return self._wrong(path, name, "an integer", value)

    def strings(self, root: Node, *keys: str) -> Field[tuple[str | Unknown, ...]]:
        """A list of strings; items may be Unknown (computed by an expression)."""
        value, path, name, present, unknown = self.raw(root, *keys)
        if unknown is not None or value is None:
            return Field(None, path, name, present, unknown)
        if not isinstance(value, list):
            if isinstance(value, str):  # a single string where a list is expected
                return self._wrong(path, name, "a list", value)
            return self._wrong(path, name, "a list", value)
        out: list[str | Unknown] = []
        for item in value:
            v = item.value if isinstance(item, Node) else item
            if isinstance(v, str | Unknown):
                out.append(v)
            elif v is not None:
                p = item.path if isinstance(item, Node) else path
                self.problems.append(
                    Problem(p, f"{self.name(p)}: expected a string, got {type_name(v)}")
                )
        return Field(tuple(out), path, name)

    def mapping(self, root: Node, *keys: str) -> tuple[Node | None, Field[bool]]:
        """The node of a mapping (None when absent or unknown) and a presence field."""
        value, path, name, present, unknown = self.raw(root, *keys)
        if unknown is not None:
            return None, Field(None, path, name, present, unknown)
        if value is None:
            return None, Field(None, path, name, False)
        if isinstance(value, dict):
            found, _, _ = self.locate(root, keys)
            return found, Field(True, path, name)
        self._wrong(path, name, "a mapping", value)
        return None, Field(None, path, name, True, Unknown(repr(value), "wrong type"))

    def _wrong(self, path: Path, name: str, expected: str, value: Any) -> Field[Any]:
        self.problems.append(Problem(path, f"{name}: expected {expected}, got {type_name(value)}"))
        return Field(None, path, name, True, Unknown(_short(repr(value)), f"not {expected}"))


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class Addon:
    name: str
    enabled: Field[bool]
    config: Mapping[str, Field[str]]  # lower-cased config key -> value (addon config is text)

    def config_value(self, key: str) -> Field[str] | None:
        return self.config.get(key.lower())


@dataclass(frozen=True, slots=True)
class PoolContext:
    """What a node pool rule needs to know about the rest of its cluster."""

    cluster: str
    network_plugin: str | None
    has_user_pool: bool
    kubernetes_version: str | None
    ssh_keys: bool | None  # SSH public keys configured on the cluster (None: unknown)


@dataclass(frozen=True, slots=True)
class NodePool:
    name: str
    index: int
    path: Path  # the pool object itself
    mode: Field[str]
    os_type: Field[str]
    os_sku: Field[str]
    vm_size: Field[str]
    type: Field[str]
    count: Field[int]
    min_count: Field[int]
    max_count: Field[int]
    auto_scaling: Field[bool]
    max_pods: Field[int]
    max_surge: Field[str]
    node_public_ip: Field[bool]
    encryption_at_host: Field[bool]
    node_taints: Field[tuple[str | Unknown, ...]]
    ssh_access: Field[str]
    vnet_subnet_id: Field[str]
    pod_subnet_id: Field[str]
    orchestrator_version: Field[str]
    subnet_cidr: Field[str]
    pod_subnet_cidr: Field[str]
    context: PoolContext
    resource: Resource | None = None
    line_of: Callable[[Path], int | None] | None = None

    @property
    def is_system(self) -> bool:
        return (self.mode.value or "").lower() == "system"

    @property
    def is_windows(self) -> bool:
        return (self.os_type.value or "").lower() == "windows"

    @property
    def label(self) -> str:
        return f"node pool {self.name}"


@dataclass(frozen=True, slots=True)
class AksCluster:
    """One AKS managed cluster, whatever the input shape."""

    name: str
    shape: str
    api_version: str | None
    path: Path  # the cluster object (its `properties` for ARM shapes)
    kubernetes_version: Field[str]
    sku_tier: Field[str]
    support_plan: Field[str]
    authorized_ip_ranges: Field[tuple[str | Unknown, ...]]
    private_cluster: Field[bool]
    public_network_access: Field[str]
    disable_run_command: Field[bool]
    enable_rbac: Field[bool]
    aad_profile: Field[bool]
    aad_managed: Field[bool]
    aad_azure_rbac: Field[bool]
    aad_admin_groups: Field[tuple[str | Unknown, ...]]
    disable_local_accounts: Field[bool]
    identity_type: Field[str]
    service_principal: Field[str]
    network_plugin: Field[str]
    network_plugin_mode: Field[str]
    network_policy: Field[str]
    network_dataplane: Field[str]
    pod_cidr: Field[str]
    service_cidr: Field[str]
    dns_service_ip: Field[str]
    docker_bridge_cidr: Field[str]
    outbound_type: Field[str]
    load_balancer_sku: Field[str]
    upgrade_channel: Field[str]
    node_os_upgrade_channel: Field[str]
    workload_identity: Field[bool]
    oidc_issuer: Field[bool]
    pod_identity: Field[bool]
    defender: Field[bool]
    image_cleaner: Field[bool]
    kms: Field[bool]
    kms_network_access: Field[str]
    monitor_metrics: Field[bool]
    disk_encryption_set: Field[str]
    ssh_keys: Field[bool]
    addons: Mapping[str, Addon]
    addon_path: Path
    pools: tuple[NodePool, ...]
    vnets: tuple[Field[str], ...]
    diagnostics: tuple[DiagnosticSetting, ...] | None

    def addon(self, name: str) -> Addon | None:
        return self.addons.get(name.lower())

    def addon_enabled(self, *names: str) -> tuple[Field[bool] | None, str]:
        """The `enabled` field of the first of `names` present (addon keys have several
        spellings, e.g. omsagent / omsAgent), and the name to use in messages."""
        for n in names:
            a = self.addon(n)
            if a is not None:
                return a.enabled, a.name
        return None, names[0]

    @property
    def effective_plugin(self) -> str | None:
        """azure, overlay, kubenet or none (None when not known)."""
        plugin = (self.network_plugin.value or "").lower()
        if not plugin:
            return None
        if plugin == "azure" and (self.network_plugin_mode.value or "").lower() == "overlay":
            return "overlay"
        return plugin


ADDON_KEYS = (
    "azurepolicy",
    "omsagent",
    "azureKeyvaultSecretsProvider",
    "kubeDashboard",
    "httpApplicationRouting",
    "ingressApplicationGateway",
    "aciConnectorLinux",
    "openServiceMesh",
)


def build(src: ConfigSource) -> tuple[AksCluster, list[NodePool], list[Problem]]:
    """The cluster view and its pool views; problems name wrongly typed fields."""
    r = _Reader(src.spell, src.field_names)
    root = src.root
    legacy_ranges = r.strings(root, "apiServerAuthorizedIPRanges")
    ranges = r.strings(root, "apiServerAccessProfile", "authorizedIPRanges")
    if ranges.absent and legacy_ranges.present:
        ranges = legacy_ranges  # API versions 2019-02-01 to 2019-06-01
    addons: dict[str, Addon] = {}
    addon_root, _ = r.mapping(root, "addonProfiles")
    addon_path = (
        src.spell(root.path, ["addonProfiles"], 0) if addon_root is None else addon_root.path
    )
    if addon_root is not None and isinstance(addon_root.value, dict):
        for key, node in addon_root.value.items():
            if not isinstance(node, Node):
                continue
            config: dict[str, Field[str]] = {}
            cfg, _ = r.mapping(node, "config")
            if cfg is not None and isinstance(cfg.value, dict):
                for ck in cfg.value:
                    config[ck] = r.string(cfg, ck)
            addons[key] = Addon(_last_key(node.path, key), r.boolean(node, "enabled"), config)
    vnets = tuple(
        r.string(n, "addressPrefix") if n.child("addressPrefix") else _node_field(r, n)
        for n in src.vnets
    )
    cluster = AksCluster(
        name=src.name,
        shape=src.shape,
        api_version=src.api_version,
        path=root.path,
        kubernetes_version=_first(
            r.string(root, "kubernetesVersion"), r.string(root, "currentKubernetesVersion")
        ),
        sku_tier=r.string(root, "sku", "tier"),
        support_plan=r.string(root, "supportPlan"),
        authorized_ip_ranges=ranges,
        private_cluster=r.boolean(root, "apiServerAccessProfile", "enablePrivateCluster"),
        public_network_access=r.string(root, "publicNetworkAccess"),
        disable_run_command=r.boolean(root, "apiServerAccessProfile", "disableRunCommand"),
        enable_rbac=r.boolean(root, "enableRBAC"),
        aad_profile=r.mapping(root, "aadProfile")[1],
        aad_managed=r.boolean(root, "aadProfile", "managed"),
        aad_azure_rbac=r.boolean(root, "aadProfile", "enableAzureRBAC"),
        aad_admin_groups=r.strings(root, "aadProfile", "adminGroupObjectIDs"),
        disable_local_accounts=r.boolean(root, "disableLocalAccounts"),
        identity_type=r.string(root, "identity", "type"),
        service_principal=r.string(root, "servicePrincipalProfile", "clientId"),
        network_plugin=r.string(root, "networkProfile", "networkPlugin"),
        network_plugin_mode=r.string(root, "networkProfile", "networkPluginMode"),
        network_policy=r.string(root, "networkProfile", "networkPolicy"),
        network_dataplane=r.string(root, "networkProfile", "networkDataplane"),
        pod_cidr=r.string(root, "networkProfile", "podCidr"),
        service_cidr=r.string(root, "networkProfile", "serviceCidr"),
        dns_service_ip=r.string(root, "networkProfile", "dnsServiceIP"),
        docker_bridge_cidr=r.string(root, "networkProfile", "dockerBridgeCidr"),
        outbound_type=r.string(root, "networkProfile", "outboundType"),
        load_balancer_sku=r.string(root, "networkProfile", "loadBalancerSku"),
        upgrade_channel=r.string(root, "autoUpgradeProfile", "upgradeChannel"),
        node_os_upgrade_channel=r.string(root, "autoUpgradeProfile", "nodeOSUpgradeChannel"),
        workload_identity=r.boolean(root, "securityProfile", "workloadIdentity", "enabled"),
        oidc_issuer=r.boolean(root, "oidcIssuerProfile", "enabled"),
        pod_identity=r.boolean(root, "podIdentityProfile", "enabled"),
        defender=r.boolean(root, "securityProfile", "defender", "securityMonitoring", "enabled"),
        image_cleaner=r.boolean(root, "securityProfile", "imageCleaner", "enabled"),
        kms=r.boolean(root, "securityProfile", "azureKeyVaultKms", "enabled"),
        kms_network_access=r.string(
            root, "securityProfile", "azureKeyVaultKms", "keyVaultNetworkAccess"
        ),
        monitor_metrics=r.boolean(root, "azureMonitorProfile", "metrics", "enabled"),
        disk_encryption_set=r.string(root, "diskEncryptionSetID"),
        ssh_keys=_has_items(r, root, "linuxProfile", "ssh", "publicKeys"),
        addons=addons,
        addon_path=addon_path,
        pools=(),
        vnets=vnets,
        diagnostics=src.diagnostics,
    )
    plugin = (cluster.network_plugin.value or "").lower() or None
    modes = []
    pool_nodes: list[tuple[PoolSource, Node]] = [(p, p.root) for p in src.pools]
    for _, node in pool_nodes:
        pr = _Reader(src.spell, src.field_names)
        modes.append((pr.string(node, "mode").value or "").lower())
    context = PoolContext(
        cluster=src.name,
        network_plugin=plugin,
        has_user_pool="user" in modes,
        kubernetes_version=cluster.kubernetes_version.value,
        ssh_keys=cluster.ssh_keys.value if cluster.ssh_keys.known else None,
    )
    pools: list[NodePool] = []
    for index, (ps, node) in enumerate(pool_nodes):
        pr = _Reader(ps.spell, src.field_names)
        pools.append(_pool(pr, ps, node, index, context, src.subnets))
        r.problems += pr.problems
    object.__setattr__(cluster, "pools", tuple(pools))
    return cluster, pools, r.problems


def _pool(
    r: _Reader,
    src: PoolSource,
    node: Node,
    index: int,
    context: PoolContext,
    subnets: Mapping[str, Node],
) -> NodePool:
    name = r.string(node, "name")
    label = name.value if name.value else (name.unknown.expr if name.unknown else f"#{index}")
    subnet_id = r.string(node, "vnetSubnetID")
    pod_subnet_id = r.string(node, "podSubnetID")
    return NodePool(
        name=label,
        index=index,
        path=node.path,
        mode=r.string(node, "mode"),
        os_type=r.string(node, "osType"),
        os_sku=r.string(node, "osSKU"),
        vm_size=r.string(node, "vmSize"),
        type=r.string(node, "type"),
        count=r.integer(node, "count"),
        min_count=r.integer(node, "minCount"),
        max_count=r.integer(node, "maxCount"),
        auto_scaling=r.boolean(node, "enableAutoScaling"),
        max_pods=r.integer(node, "maxPods"),
        max_surge=r.string(node, "upgradeSettings", "maxSurge"),
        node_public_ip=r.boolean(node, "enableNodePublicIP"),
        encryption_at_host=r.boolean(node, "enableEncryptionAtHost"),
        node_taints=r.strings(node, "nodeTaints"),
        ssh_access=r.string(node, "securityProfile", "sshAccess"),
        vnet_subnet_id=subnet_id,
        pod_subnet_id=pod_subnet_id,
        orchestrator_version=r.string(node, "orchestratorVersion"),
        subnet_cidr=_subnet_cidr(r, subnet_id, node, subnets),
        pod_subnet_cidr=_subnet_cidr(r, pod_subnet_id, node, subnets),
        context=context,
        resource=src.resource,
        line_of=src.line_of,
    )


def _subnet_cidr(
    r: _Reader, subnet_id: Field[str], pool: Node, subnets: Mapping[str, Node]
) -> Field[str]:
    """The address prefix of the pool's subnet when the same source declares that subnet."""
    key = None
    if subnet_id.value is not None:
        key = subnet_id.value.lower()
    elif subnet_id.unknown is not None:
        key = subnet_id.unknown.expr.lower()
    found = subnets.get(key) if key else None
    if found is None or found.value is None:
        return Field(None, subnet_id.path, subnet_id.name, False)
    return _node_field(r, found)


def _node_field(r: _Reader, node: Node) -> Field[str]:
    name = r.name(node.path)
    v = node.value
    if isinstance(v, Unknown):
        return Field(None, node.path, name, True, v)
    if isinstance(v, list):  # address_prefixes = ["10.0.0.0/24"]: the first one
        first = next((n for n in v if isinstance(n, Node)), None)
        if first is None:
            return Field(None, node.path, name, False)
        return _node_field(r, first)
    if isinstance(v, str):
        return Field(v, node.path, name)
    return Field(None, node.path, name, False)


def _first(*fields: Field[T]) -> Field[T]:
    for f in fields:
        if not f.absent:
            return f
    return fields[0]


def _has_items(r: _Reader, root: Node, *keys: str) -> Field[bool]:
    value, path, name, present, unknown = r.raw(root, *keys)
    if unknown is not None:
        return Field(None, path, name, present, unknown)
    return Field(isinstance(value, list) and len(value) > 0, path, name, present)


def _last_key(path: Path, fallback: str) -> str:
    return str(path[-1]) if path and isinstance(path[-1], str) else fallback


# ----------------------------------------------------------------------------- resources


def cluster_resource(name: str, file: str, line: int | None, raw: Mapping[str, Any]) -> Resource:
    from kubeward.model.resource import Source

    return Resource(
        api_version="Microsoft.ContainerService/managedClusters",
        kind=CLUSTER_KIND,
        name=name,
        namespace=None,
        labels={},
        annotations={},
        raw=raw,
        source=Source(file, 0, (), line),
    )


def pool_resource(
    cluster: str, pool: str, file: str, line: int | None, raw: Mapping[str, Any]
) -> Resource:
    from kubeward.model.resource import Source

    return Resource(
        api_version="Microsoft.ContainerService/managedClusters/agentPools",
        kind=POOL_KIND,
        name=f"{cluster}/{pool}",
        namespace=None,
        labels={},
        annotations={},
        raw=raw,
        source=Source(file, 0, (), line),
    )


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node.value, dict):
        for child in node.value.values():
            yield from walk(child)
    elif isinstance(node.value, list):
        for child in node.value:
            if isinstance(child, Node):
                yield from walk(child)
