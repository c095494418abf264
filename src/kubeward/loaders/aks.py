"""AKS cluster configuration from any of its shapes, as `AksCluster` and `NodePool` views.

Shapes, recognised by content:

1. `az aks show -o json` (and `-o yaml`, and `az aks list`'s array): flattened camelCase keys.
2. The ARM REST resource (`properties`, ARM casing), including `{"value": [...]}` lists and the
   `x-ms-example` wrapper of the REST API specs (`responses.200.body`).
3. ARM templates (Bicep compiles to these): resources of type
   `Microsoft.ContainerService/managedClusters` and `.../agentPools`, expressions evaluated by
   `kubeward.loaders.arm`; Bicep source itself through `kubeward.loaders.bicep`.
4. Terraform: `azurerm_kubernetes_cluster` and `azurerm_kubernetes_cluster_node_pool` in the
   `.tf` files of a module directory, provider v3 and v4 argument names.

Keys are matched case-insensitively. Every problem is an `InputError` with file and line;
nothing here raises for bad input.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeward.findings import InputError
from kubeward.loaders import arm, bicep, manifests, terraform
from kubeward.model import aks as model
from kubeward.model.aks import (
    AksCluster,
    ConfigSource,
    DiagnosticSetting,
    Node,
    NodePool,
    PoolSource,
    Unknown,
    node_from,
)
from kubeward.model.path import Path
from kubeward.model.path import render as render_path
from kubeward.model.resource import Resource

CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
POOL_TYPE = "microsoft.containerservice/managedclusters/agentpools"
SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets"
VNET_TYPE = "microsoft.network/virtualnetworks"
DIAG_TYPES = ("microsoft.insights/diagnosticsettings", "/providers/diagnosticsettings")
TOP_LEVEL = frozenset(
    {"id", "name", "type", "location", "tags", "identity", "sku", "extendedlocation", "etag"}
)
TF_CLUSTER = "azurerm_kubernetes_cluster"
TF_POOL = "azurerm_kubernetes_cluster_node_pool"

LineOf = Callable[[Path], "int | None"]


@dataclass
class Subject:
    """One view for the engine: the cluster or a pool, the Resource naming it, its lines."""

    view: AksCluster | NodePool
    resource: Resource
    line_of: LineOf


# ============================================================================ az spelling

# ARM name -> `az aks show` name, where they differ by more than case (az converts the SDK's
# snake_case attribute names back to camelCase: enable_rbac -> enableRbac).
AZ_NAMES = {
    "enableRBAC": "enableRbac",
    "dnsServiceIP": "dnsServiceIp",
    "osSKU": "osSku",
    "enableNodePublicIP": "enableNodePublicIp",
    "vnetSubnetID": "vnetSubnetId",
    "podSubnetID": "podSubnetId",
    "diskEncryptionSetID": "diskEncryptionSetId",
    "authorizedIPRanges": "authorizedIpRanges",
    "enableAzureRBAC": "enableAzureRbac",
    "nodeOSUpgradeChannel": "nodeOsUpgradeChannel",
    "azurePortalFQDN": "azurePortalFqdn",
    "privateFQDN": "privateFqdn",
}


def _az_spell(parent: Path, keys: Sequence[str], depth: int) -> Path:
    return parent + tuple(AZ_NAMES.get(k, k) for k in keys[depth:])


def _arm_spell(root: Path) -> model.Speller:
    """ARM shapes keep cluster fields under `properties` (flattened into the root node)."""

    def spell(parent: Path, keys: Sequence[str], depth: int) -> Path:
        rest = tuple(keys[depth:])
        if parent == root and rest and rest[0].lower() not in TOP_LEVEL:
            return root + ("properties",) + rest
        return parent + rest

    return spell


def _namer(root: Path) -> Callable[[Path], str]:
    """Field names for messages: relative to the object, without `properties`."""

    def name(path: Path) -> str:
        rel = path[len(root) :] if path[: len(root)] == root else path
        if rel[:1] == ("properties",):
            rel = rel[1:]
        return render_path(rel) or "(the cluster)"

    return name


# ============================================================================ detection


def _lower_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in data.items()}


def _is_cluster_type(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == CLUSTER_TYPE


def shape_of(data: Any) -> str | None:
    """az, arm, template, arm-example, list, or None for data that is no AKS configuration."""
    if isinstance(data, list):
        return "list" if data and all(shape_of(d) in ("az", "arm") for d in data) else None
    if not isinstance(data, Mapping) or ("kind" in data and "apiVersion" in data):
        return None
    if arm.is_template(data):
        res = arm.resources_of(data)
        return "template" if any(_type_of(r) in (CLUSTER_TYPE, POOL_TYPE) for _, r in res) else None
    keys = _lower_keys(data)
    if "responses" in keys and isinstance(keys["responses"], Mapping):
        return "arm-example" if _example_body(data) is not None else None
    if "value" in keys and isinstance(keys["value"], list) and len(keys) <= 2:
        return (
            "list" if keys["value"] and all(shape_of(d) == "arm" for d in keys["value"]) else None
        )
    props = keys.get("properties")
    if isinstance(props, Mapping):
        p = _lower_keys(props)
        if _is_cluster_type(keys.get("type")) or (
            "agentpoolprofiles" in p and ("dnsprefix" in p or "kubernetesversion" in p)
        ):
            return "arm"
        return None
    if _is_cluster_type(keys.get("type")) or (
        "agentpoolprofiles" in keys and ("dnsprefix" in keys or "kubernetesversion" in keys)
    ):
        return "az"
    return None


def _type_of(r: Mapping[str, Any]) -> str:
    t = r.get("type")
    return t.lower() if isinstance(t, str) else ""


def _example_body(data: Mapping[str, Any]) -> tuple[Path, Mapping[str, Any]] | None:
    responses = _lower_keys(data).get("responses")
    if not isinstance(responses, Mapping):
        return None
    for code in ("200", "201"):
        resp = responses.get(code)
        if isinstance(resp, Mapping) and isinstance(resp.get("body"), Mapping):
            body = resp["body"]
            if shape_of(body) == "arm":
                key = next(k for k in data if str(k).lower() == "responses")
                return (key, code, "body"), body
    return None


# ============================================================================ JSON shapes


def from_document(
    name: str,
    data: Any,
    line_of: LineOf,
    errors: list[InputError],
    parameters: Mapping[str, Any] | None = None,
) -> list[Subject]:
    """Subjects of one JSON/YAML document in any of the JSON shapes ([] if none)."""
    shape = shape_of(data)
    if shape is None:
        return []
    out: list[Subject] = []
    if shape == "list":
        items = data if isinstance(data, list) else _lower_keys(data)["value"]
        prefix: Path = () if isinstance(data, list) else ("value",)
        for i, item in enumerate(items):
            sub = "az" if shape_of(item) == "az" else "arm"
            out += _rest(name, item, (*prefix, i), sub, line_of, errors, None)
    elif shape == "arm-example":
        found = _example_body(data)
        assert found is not None
        api = None
        params = _lower_keys(data).get("parameters")
        if isinstance(params, Mapping):
            v = params.get("api-version")
            api = v if isinstance(v, str) else None
        out += _rest(name, found[1], found[0], "arm", line_of, errors, api)
    elif shape in ("az", "arm"):
        out += _rest(name, data, (), shape, line_of, errors, None)
    else:
        out += _template(name, data, line_of, errors, parameters or {})
    return out


def _rest(
    name: str,
    data: Mapping[str, Any],
    prefix: Path,
    shape: str,
    line_of: LineOf,
    errors: list[InputError],
    api_version: str | None,
) -> list[Subject]:
    root = node_from(data, prefix)
    if shape == "arm":
        root = _flatten(root)
        api_version = api_version or _api_from_id(data)
    spell = _az_spell if shape == "az" else _arm_spell(prefix)
    pools_node = root.child("agentPoolProfiles")
    pools = tuple(PoolSource(p, spell) for p in pools_node.items()) if pools_node else ()
    cname = _plain_name(root) or "<unnamed>"
    src = ConfigSource(
        shape=shape,
        name=cname,
        root=root,
        pools=pools,
        spell=spell,
        api_version=api_version,
        field_names=_namer(prefix),
    )
    res = model.cluster_resource(cname, name, line_of(prefix), data)
    return _subjects(src, res, line_of, errors)


def _flatten(root: Node) -> Node:
    """ARM shape -> one node: `properties` children next to `identity`, `sku`, `name`."""
    if not isinstance(root.value, dict):
        return root
    merged = {k: v for k, v in root.value.items() if k != "properties"}
    props = root.value.get("properties")
    if props is not None and isinstance(props.value, dict):
        for k, v in props.value.items():
            merged.setdefault(k, v)
    return Node(merged, root.path, root.line)


def _plain_name(root: Node) -> str | None:
    n = root.child("name")
    return n.value if n is not None and isinstance(n.value, str) else None


def _api_from_id(data: Mapping[str, Any]) -> str | None:
    return None


# ============================================================================ subjects


def _subjects(
    src: ConfigSource, res: Resource, line_of: LineOf, errors: list[InputError]
) -> list[Subject]:
    try:
        cluster, pools, problems = model.build(src)
    except Exception as err:  # a model bug must not end the scan
        errors.append(
            InputError(
                res.source.file,
                res.source.line,
                f"internal error reading this cluster ({type(err).__name__}: {err}); "
                "please report this",
                obj=res.display,
            )
        )
        return []
    for p in problems:
        pool = next((pl for pl in pools if p.path[: len(pl.path)] == pl.path and pl.resource), None)
        where = pool.resource if pool is not None and pool.resource is not None else res
        lines = pool.line_of if pool is not None and pool.line_of is not None else line_of
        errors.append(InputError(where.source.file, lines(p.path), p.message, obj=where.display))
    out = [Subject(cluster, res, line_of)]
    for pool in pools:
        pres = pool.resource or model.pool_resource(
            cluster.name, pool.name, res.source.file, line_of(pool.path), res.raw
        )
        out.append(Subject(pool, pres, pool.line_of or line_of))
    return out


# ============================================================================ templates


def _template(
    name: str,
    data: Mapping[str, Any],
    line_of: LineOf,
    errors: list[InputError],
    values: Mapping[str, Any],
) -> list[Subject]:
    params = data.get("parameters") if isinstance(data.get("parameters"), Mapping) else {}
    variables = data.get("variables") if isinstance(data.get("variables"), Mapping) else {}
    scope = arm.TemplateScope(params or {}, variables or {}, values, line_of)
    resources = arm.resources_of(data)
    evaluated: list[tuple[Path, str, Node]] = []
    for path, r in resources:
        t = _type_of(r)
        if t in (CLUSTER_TYPE, POOL_TYPE, SUBNET_TYPE, VNET_TYPE) or any(
            t.endswith(d) or t == d for d in DIAG_TYPES
        ):
            node = _place(scope.value(r, path), path)
            evaluated.append((path, t, node))
    lines = _lines(evaluated_nodes=[n for _, _, n in evaluated])

    def lookup(p: Path) -> int | None:
        return _nearest(lines, p) or line_of(p)

    clusters = [(p, n) for p, t, n in evaluated if t == CLUSTER_TYPE]
    pools = [(p, n) for p, t, n in evaluated if t == POOL_TYPE]
    subnets = {}
    for p, t, n in evaluated:
        if t == SUBNET_TYPE:
            sname = n.child("name")
            if sname is not None:
                subnets[_id_key(p, sname)] = _prefix_node(n)
    out: list[Subject] = []
    for path, node in clusters:
        flat = _flatten(node)
        cname = _node_name(flat, f"resources[{path[-1]}]")
        own_pools = [
            (pp, _flatten(pn)) for pp, pn in pools if _parent_matches(pn, cname, len(clusters) == 1)
        ]
        spell = _arm_spell(path)
        inline = flat.child("agentPoolProfiles")
        pool_sources = [PoolSource(p, spell) for p in (inline.items() if inline else [])]
        for pp, pn in own_pools:
            pname = _node_name(pn, "pool").split("/")[-1]
            pres = model.pool_resource(cname, pname, name, lookup(pp), data)
            pool_sources.append(PoolSource(pn, _arm_spell(pp), pres, lookup))
        diags = _template_diagnostics(evaluated, len(clusters) == 1)
        api = data_api(node)
        src = ConfigSource(
            shape="template",
            name=cname,
            root=flat,
            pools=tuple(pool_sources),
            spell=spell,
            api_version=api,
            subnets=subnets,
            diagnostics=diags,
            field_names=_namer(path),
        )
        res = model.cluster_resource(cname, name, lookup(path), data)
        out += _subjects(src, res, lookup, errors)
    return out


def data_api(node: Node) -> str | None:
    v = node.child("apiVersion")
    return v.value if v is not None and isinstance(v.value, str) else None


def _id_key(path: Path, name: Node) -> str:
    return str(name.value).lower() if isinstance(name.value, str) else ""


def _prefix_node(n: Node) -> Node:
    flat = _flatten(n)
    found = flat.child("addressPrefix")
    if found is not None:
        return found
    many = flat.child("addressPrefixes")
    return many if many is not None else Node(None, n.path, n.line)


def _parent_matches(pool: Node, cluster_name: str, only_cluster: bool) -> bool:
    name = pool.child("name")
    if name is not None and isinstance(name.value, str) and "/" in name.value:
        return name.value.split("/")[0] == cluster_name
    return only_cluster


def _node_name(node: Node, fallback: str) -> str:
    n = node.child("name")
    if n is None:
        return fallback
    if isinstance(n.value, str):
        return n.value
    if isinstance(n.value, Unknown):
        return fallback
    return fallback


def _template_diagnostics(
    evaluated: list[tuple[Path, str, Node]], only_cluster: bool
) -> tuple[DiagnosticSetting, ...]:
    out = []
    for p, t, n in evaluated:
        if not any(t.endswith(d) or t == d for d in DIAG_TYPES):
            continue
        scope = n.child("scope")
        targets_cluster = t.startswith(CLUSTER_TYPE) or (
            scope is not None
            and "managedclusters"
            in (
                str(scope.value) if not isinstance(scope.value, Unknown) else scope.value.expr
            ).lower()
        )
        if not (targets_cluster or (only_cluster and scope is None)):
            continue
        out.append(_diag(_flatten(n), p))
    return tuple(out)


def _diag(flat: Node, path: Path) -> DiagnosticSetting:
    logs = flat.child("logs")
    cats: list[str] = []
    unknown_: Unknown | None = None
    if logs is not None and isinstance(logs.value, Unknown):
        unknown_ = logs.value
    for entry in logs.items() if logs is not None else []:
        enabled = entry.child("enabled")
        if enabled is not None and enabled.value is False:
            continue
        for key in ("category", "categoryGroup"):
            c = entry.child(key)
            if c is not None and isinstance(c.value, str):
                cats.append(c.value)
            elif c is not None and isinstance(c.value, Unknown):
                unknown_ = c.value
    name = flat.child("name")
    label = name.value if name is not None and isinstance(name.value, str) else "diagnostic setting"
    return DiagnosticSetting(label, tuple(cats), path, unknown_)


# ============================================================================ evaluated trees


def _place(node: Node, path: Path) -> Node:
    """A copy of an evaluated tree whose nodes carry their paths (keys in their own spelling)."""
    v = node.value
    if isinstance(v, dict) and not isinstance(v, arm.Namespace):
        out: dict[str, Node] = {}
        for k, child in v.items():
            spelled = child.path[-1] if child.path and isinstance(child.path[-1], str) else k
            out[k] = _place(child, (*path, spelled))
        return Node(out, path, node.line)
    if isinstance(v, list):
        return Node(
            [_place(c, (*path, i)) for i, c in enumerate(v) if isinstance(c, Node)], path, node.line
        )
    if isinstance(v, arm.Namespace):
        return Node(Unknown(v.__class__.__name__, "not a value"), path, node.line)
    return Node(v, path, node.line)


def _lines(evaluated_nodes: Sequence[Node]) -> dict[Path, int]:
    table: dict[Path, int] = {}
    for root in evaluated_nodes:
        for n in model.walk(root):
            if n.line is not None:
                table.setdefault(n.path, n.line)
    return table


def _nearest(table: Mapping[Path, int], path: Path) -> int | None:
    for cut in range(len(path), -1, -1):
        hit = table.get(path[:cut])
        if hit is not None:
            return hit
    return None


def _table_line_of(table: Mapping[Path, int]) -> LineOf:
    def line_of(path: Path) -> int | None:
        return _nearest(table, path)

    return line_of


# ============================================================================ Bicep


def from_bicep(
    name: str, text: str, errors: list[InputError], values: Mapping[str, Any] | None = None
) -> list[Subject]:
    try:
        parsed = bicep.parse(text)
    except bicep.BicepError as err:
        errors.append(InputError(name, err.line, f"Bicep: {err.message}"))
        return []
    scope = bicep.BicepScope(parsed, values or {})
    decls = [d for d in parsed.all() if d.kind == "resource"]

    def typ(d: bicep.Declaration) -> str:
        t = d.type.lower()
        if d.parent is not None and "/" not in t.split("microsoft.")[-1] and "." not in t:
            parent = next((p for p in decls if p.name == d.parent), None)
            if parent is not None:
                return f"{typ(parent)}/{t}"
        return t

    evaluated: dict[str, tuple[bicep.Declaration, str, Node]] = {}
    for d in decls:
        t = typ(d)
        wanted = t in (CLUSTER_TYPE, POOL_TYPE, SUBNET_TYPE, VNET_TYPE) or t.endswith(
            "diagnosticsettings"
        )
        if not wanted or d.value is None:
            continue
        if d.condition is not None and scope.evaluator.eval(d.condition).value is False:
            continue  # deployed only when a condition holds, and it does not
        node = _place(scope.evaluator.eval(d.value), ())
        evaluated[d.name] = (d, t, node)
    subnets: dict[str, Node] = {}
    for sym, (d, t, node) in evaluated.items():
        if t == SUBNET_TYPE and not d.existing:
            keys = [f"{sym}.id"] + ([f"{d.parent}::{sym}.id"] if d.parent else [])
            for k in keys:
                subnets[k.lower()] = _prefix_node(node)
    vnets: list[Node] = []
    out: list[Subject] = []
    for sym, (d, t, node) in evaluated.items():
        if t != CLUSTER_TYPE or d.existing:
            continue
        flat = _flatten(node)
        cname = _node_name(flat, sym)
        if cname == sym or not cname:
            cname = sym
        inline = flat.child("agentPoolProfiles")
        pool_sources = [PoolSource(p, _arm_spell(())) for p in (inline.items() if inline else [])]
        for psym, (pd, pt, pnode) in evaluated.items():
            if pt != POOL_TYPE:
                continue
            parent = pnode.child("parent")
            parent_sym = pd.parent or (
                parent.value.expr.split(".")[0]
                if parent is not None and isinstance(parent.value, Unknown)
                else None
            )
            if parent_sym != sym:
                continue
            pflat = _flatten(pnode)
            pname = _node_name(pflat, psym).split("/")[-1]
            pl = _bicep_lines(pnode, pd)
            pres = model.pool_resource(cname, pname, name, pd.line, {})
            pool_sources.append(PoolSource(pflat, _arm_spell(()), pres, pl))
        diags = tuple(
            _diag(_flatten(n), ())
            for s2, (d2, t2, n2) in evaluated.items()
            for n in [n2]
            if t2.endswith("diagnosticsettings") and _scope_is(n2, sym)
        )
        src = ConfigSource(
            shape="bicep",
            name=cname,
            root=flat,
            pools=tuple(pool_sources),
            spell=_arm_spell(()),
            api_version=d.api_version or None,
            subnets=subnets,
            vnets=tuple(vnets),
            diagnostics=diags,
            field_names=_namer(()),
        )
        res = model.cluster_resource(cname, name, d.line, {})
        out += _subjects(src, res, _bicep_lines(node, d), errors)
    return out


def _bicep_lines(node: Node, d: bicep.Declaration) -> LineOf:
    table = _lines([node])
    table[()] = d.line
    return _table_line_of(table)


def _scope_is(node: Node, sym: str) -> bool:
    scope = node.child("scope")
    if scope is None:
        return False
    v = scope.value
    if isinstance(v, dict):  # a symbol reference evaluates to the symbol's object
        ident = scope.child("id")
        return (
            ident is not None
            and isinstance(ident.value, Unknown)
            and ident.value.expr == f"{sym}.id"
        )
    return False


# ============================================================================ Terraform

# (Terraform path, ARM path, transform). First entry per ARM path is the provider v4 name.
TF_CLUSTER_MAP: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("kubernetes_version",), ("kubernetesVersion",), ""),
    (("sku_tier",), ("sku", "tier"), ""),
    (("support_plan",), ("supportPlan",), ""),
    (("private_cluster_enabled",), ("apiServerAccessProfile", "enablePrivateCluster"), ""),
    (
        ("api_server_access_profile", "authorized_ip_ranges"),
        ("apiServerAccessProfile", "authorizedIPRanges"),
        "",
    ),
    (("api_server_authorized_ip_ranges",), ("apiServerAccessProfile", "authorizedIPRanges"), ""),
    (("run_command_enabled",), ("apiServerAccessProfile", "disableRunCommand"), "not"),
    (("role_based_access_control_enabled",), ("enableRBAC",), ""),
    (("role_based_access_control", "enabled"), ("enableRBAC",), ""),
    (("azure_active_directory_role_based_access_control",), ("aadProfile",), "aad"),
    (
        ("azure_active_directory_role_based_access_control", "azure_rbac_enabled"),
        ("aadProfile", "enableAzureRBAC"),
        "",
    ),
    (
        ("azure_active_directory_role_based_access_control", "admin_group_object_ids"),
        ("aadProfile", "adminGroupObjectIDs"),
        "",
    ),
    (("local_account_disabled",), ("disableLocalAccounts",), ""),
    (("identity", "type"), ("identity", "type"), ""),
    (("service_principal", "client_id"), ("servicePrincipalProfile", "clientId"), ""),
    (("network_profile", "network_plugin"), ("networkProfile", "networkPlugin"), ""),
    (("network_profile", "network_plugin_mode"), ("networkProfile", "networkPluginMode"), ""),
    (("network_profile", "network_policy"), ("networkProfile", "networkPolicy"), ""),
    (("network_profile", "network_data_plane"), ("networkProfile", "networkDataplane"), ""),
    (("network_profile", "ebpf_data_plane"), ("networkProfile", "networkDataplane"), ""),
    (("network_profile", "pod_cidr"), ("networkProfile", "podCidr"), ""),
    (("network_profile", "service_cidr"), ("networkProfile", "serviceCidr"), ""),
    (("network_profile", "dns_service_ip"), ("networkProfile", "dnsServiceIP"), ""),
    (("network_profile", "docker_bridge_cidr"), ("networkProfile", "dockerBridgeCidr"), ""),
    (("network_profile", "outbound_type"), ("networkProfile", "outboundType"), ""),
    (("network_profile", "load_balancer_sku"), ("networkProfile", "loadBalancerSku"), ""),
    (("automatic_upgrade_channel",), ("autoUpgradeProfile", "upgradeChannel"), ""),
    (("automatic_channel_upgrade",), ("autoUpgradeProfile", "upgradeChannel"), ""),
    (("node_os_upgrade_channel",), ("autoUpgradeProfile", "nodeOSUpgradeChannel"), ""),
    (("node_os_channel_upgrade",), ("autoUpgradeProfile", "nodeOSUpgradeChannel"), ""),
    (("workload_identity_enabled",), ("securityProfile", "workloadIdentity", "enabled"), ""),
    (("oidc_issuer_enabled",), ("oidcIssuerProfile", "enabled"), ""),
    (
        ("microsoft_defender",),
        ("securityProfile", "defender", "securityMonitoring", "enabled"),
        "present",
    ),
    (("image_cleaner_enabled",), ("securityProfile", "imageCleaner", "enabled"), ""),
    (("key_management_service",), ("securityProfile", "azureKeyVaultKms", "enabled"), "present"),
    (
        ("key_management_service", "key_vault_network_access"),
        ("securityProfile", "azureKeyVaultKms", "keyVaultNetworkAccess"),
        "",
    ),
    (
        ("key_vault_secrets_provider",),
        ("addonProfiles", "azureKeyvaultSecretsProvider", "enabled"),
        "present",
    ),
    (
        ("key_vault_secrets_provider", "secret_rotation_enabled"),
        ("addonProfiles", "azureKeyvaultSecretsProvider", "config", "enableSecretRotation"),
        "text",
    ),
    (("azure_policy_enabled",), ("addonProfiles", "azurepolicy", "enabled"), ""),
    (("oms_agent",), ("addonProfiles", "omsagent", "enabled"), "present"),
    (
        ("http_application_routing_enabled",),
        ("addonProfiles", "httpApplicationRouting", "enabled"),
        "",
    ),
    (
        ("ingress_application_gateway",),
        ("addonProfiles", "ingressApplicationGateway", "enabled"),
        "present",
    ),
    (
        ("addon_profile", "kube_dashboard", "enabled"),
        ("addonProfiles", "kubeDashboard", "enabled"),
        "",
    ),
    (
        ("addon_profile", "http_application_routing", "enabled"),
        ("addonProfiles", "httpApplicationRouting", "enabled"),
        "",
    ),
    (("addon_profile", "azure_policy", "enabled"), ("addonProfiles", "azurepolicy", "enabled"), ""),
    (("addon_profile", "oms_agent", "enabled"), ("addonProfiles", "omsagent", "enabled"), ""),
    (("monitor_metrics",), ("azureMonitorProfile", "metrics", "enabled"), "present"),
    (("disk_encryption_set_id",), ("diskEncryptionSetID",), ""),
    (("linux_profile", "ssh_key"), ("linuxProfile", "ssh", "publicKeys"), "list"),
    (("public_network_access_enabled",), ("publicNetworkAccess",), "access"),
)

TF_POOL_MAP: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("name",), ("name",), ""),
    (("vm_size",), ("vmSize",), ""),
    (("node_count",), ("count",), ""),
    (("min_count",), ("minCount",), ""),
    (("max_count",), ("maxCount",), ""),
    (("auto_scaling_enabled",), ("enableAutoScaling",), ""),
    (("enable_auto_scaling",), ("enableAutoScaling",), ""),
    (("max_pods",), ("maxPods",), ""),
    (("os_sku",), ("osSKU",), ""),
    (("os_type",), ("osType",), ""),
    (("mode",), ("mode",), ""),
    (("type",), ("type",), ""),
    (("vnet_subnet_id",), ("vnetSubnetID",), ""),
    (("pod_subnet_id",), ("podSubnetID",), ""),
    (("node_public_ip_enabled",), ("enableNodePublicIP",), ""),
    (("enable_node_public_ip",), ("enableNodePublicIP",), ""),
    (("host_encryption_enabled",), ("enableEncryptionAtHost",), ""),
    (("enable_host_encryption",), ("enableEncryptionAtHost",), ""),
    (("node_taints",), ("nodeTaints",), ""),
    (("only_critical_addons_enabled",), ("nodeTaints",), "critical"),
    (("orchestrator_version",), ("orchestratorVersion",), ""),
    (("upgrade_settings", "max_surge"), ("upgradeSettings", "maxSurge"), ""),
)

CRITICAL_TAINT = "CriticalAddonsOnly=true:NoSchedule"


def _tf_spell(
    table: Sequence[tuple[tuple[str, ...], tuple[str, ...], str]], root: Path
) -> model.Speller:
    names: dict[tuple[str, ...], tuple[str, ...]] = {}
    for tf_path, arm_path, _ in table:
        names.setdefault(tuple(k.lower() for k in arm_path), tf_path)

    def spell(parent: Path, keys: Sequence[str], depth: int) -> Path:
        found = names.get(tuple(k.lower() for k in keys))
        if found is not None:
            return root + found
        return parent + tuple(_snake(k) for k in keys[depth:])

    return spell


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class _TfBuilder:
    """Evaluates a resource block and lays its arguments out under their ARM names."""

    def __init__(self, scope: terraform.ModuleScope, block: terraform.Block, root: Path) -> None:
        self.scope = scope
        self.block = block
        self.root = root
        self.tree = Node({}, root, block.line)

    def put(self, arm_path: tuple[str, ...], node: Node) -> None:
        cur = self.tree
        for key in arm_path[:-1]:
            nxt = cur.value.get(key.lower())
            if nxt is None or not isinstance(nxt.value, dict):
                nxt = Node({}, cur.path, cur.line)
                cur.value[key.lower()] = nxt
            cur = nxt
        cur.value.setdefault(arm_path[-1].lower(), node)

    def find(self, tf_path: tuple[str, ...]) -> tuple[Node, Path, int] | None:
        """The evaluated argument (or block presence) at a Terraform path."""
        block = self.block
        path: Path = self.root
        for i, key in enumerate(tf_path):
            last = i == len(tf_path) - 1
            if last and key in block.attributes:
                attr = block.attributes[key]
                node = _place(self.scope.eval(attr.expr), (*path, key))
                node.line = attr.line  # where the argument is set, even through a variable
                return node, (*path, key), attr.line
            subs = block.block(key)
            if not subs:
                return None
            path = (*path, key) if len(subs) == 1 else (*path, key, 0)
            block = subs[0]
            if last:
                return Node(True, path, block.line), path, block.line
        return None

    def apply(self, table: Sequence[tuple[tuple[str, ...], tuple[str, ...], str]]) -> None:
        for tf_path, arm_path, how in table:
            found = self.find(tf_path)
            if found is None:
                continue
            node, path, line = found
            v = node.value
            if how == "not" and isinstance(v, bool):
                node = Node(not v, path, line)
            elif how == "present":
                node = Node(True, path, line)
            elif how == "text" and isinstance(v, bool):
                node = Node("true" if v else "false", path, line)
            elif how == "access" and isinstance(v, bool):
                node = Node("Enabled" if v else "Disabled", path, line)
            elif how == "list":
                node = Node([Node("key", path, line)], path, line)
            elif how == "critical":
                if v is True:
                    node = Node([Node(CRITICAL_TAINT, path, line)], path, line)
                elif v is False:
                    continue
            elif how == "aad":
                managed = self.find((*tf_path, "managed"))
                legacy = any(self.find((*tf_path, k)) for k in ("client_app_id", "server_app_id"))
                flag = managed[0] if managed else Node(not legacy, path, line)
                self.put((*arm_path, "managed"), flag)
                node = Node({"managed": flag}, path, line)
                self.put(arm_path, node)
                continue
            node.line = node.line or line
            self.put(arm_path, node)


def from_terraform(
    files: Sequence[str], errors: list[InputError], module: terraform.Module | None = None
) -> list[Subject]:
    """Clusters declared in `files` (the module of their directory is read for variables)."""
    if module is None:
        directory = os.path.dirname(files[0]) if files else "."
        module = terraform.load_module(directory)
    for file, line, message in module.problems:
        if file in files or not files:
            errors.append(InputError(file, line, f"Terraform: {message}"))
    wanted = {os.path.realpath(f) for f in files}
    scope = terraform.ModuleScope(module)
    out: list[Subject] = []
    pools = module.resources(TF_POOL)
    for block in module.resources(TF_CLUSTER):
        if os.path.realpath(block.file) not in wanted or len(block.labels) < 2:
            continue
        label = block.labels[1]
        address = f"{TF_CLUSTER}.{label}"
        cb = _TfBuilder(scope, block, ())
        cb.apply(TF_CLUSTER_MAP)
        text = _file_text(module, block.file)
        table = _block_lines(block, ())
        pool_sources: list[PoolSource] = []
        for i, dnp in enumerate(block.block("default_node_pool")):
            pb = _TfBuilder(scope, dnp, ("default_node_pool",))
            pb.apply(TF_POOL_MAP)
            pb.put(("mode",), Node("System", ("default_node_pool",), dnp.line))
            pool_sources.append(PoolSource(pb.tree, _tf_spell(TF_POOL_MAP, ("default_node_pool",))))
            del i
        for pblock in pools:
            ref = pblock.attributes.get("kubernetes_cluster_id")
            if ref is None or not _refers_to(ref.expr, address):
                continue
            pb = _TfBuilder(scope, pblock, ())
            pb.apply(TF_POOL_MAP)
            pb.put(("mode",), Node("User", (), pblock.line))
            pname = f"{TF_POOL}.{pblock.labels[1]}" if len(pblock.labels) > 1 else "pool"
            pres = model.pool_resource(address, pname, pblock.file, pblock.line, {})
            ptable = _block_lines(pblock, ())
            pool_sources.append(
                PoolSource(pb.tree, _tf_spell(TF_POOL_MAP, ()), pres, _table_line_of(ptable))
            )
        subnets, vnets = _tf_network(module, scope)
        src = ConfigSource(
            shape="terraform",
            name=address,
            root=cb.tree,
            pools=tuple(pool_sources),
            spell=_tf_spell(TF_CLUSTER_MAP, ()),
            api_version=None,
            subnets=subnets,
            vnets=tuple(vnets),
            diagnostics=_tf_diagnostics(module, scope, address),
        )
        del text
        res = model.cluster_resource(address, block.file, block.line, {})
        out += _subjects(src, res, _table_line_of(table), errors)
    return out


def _file_text(module: terraform.Module, file: str) -> str:
    return next((f.text for f in module.files if f.name == file), "")


def _block_lines(block: terraform.Block, root: Path) -> dict[Path, int]:
    table: dict[Path, int] = {root: block.line}
    for name, attr in block.attributes.items():
        table[(*root, name)] = attr.line
    groups: dict[str, list[terraform.Block]] = {}
    for b in block.blocks:
        groups.setdefault(b.type, []).append(b)
    for btype, bs in groups.items():
        for i, b in enumerate(bs):
            sub = (*root, btype) if len(bs) == 1 else (*root, btype, i)
            table.update(_block_lines(b, sub))
    return table


def _refers_to(e: arm.Expr, address: str) -> bool:
    return e.text.replace(" ", "").startswith(address + ".") or e.text.strip() == address


def _tf_network(
    module: terraform.Module, scope: terraform.ModuleScope
) -> tuple[dict[str, Node], list[Node]]:
    subnets: dict[str, Node] = {}
    vnets: list[Node] = []
    for b in module.resources("azurerm_subnet"):
        if len(b.labels) < 2:
            continue
        attr = b.attributes.get("address_prefixes") or b.attributes.get("address_prefix")
        if attr is None:
            continue
        node = _place(scope.eval(attr.expr), (attr.name,))
        node.line = node.line or attr.line
        subnets[f"azurerm_subnet.{b.labels[1]}.id"] = node
    for b in module.resources("azurerm_virtual_network"):
        attr = b.attributes.get("address_space")
        if attr is not None:
            node = _place(scope.eval(attr.expr), (attr.name,))
            vnets.append(node)
    return subnets, vnets


def _tf_diagnostics(
    module: terraform.Module, scope: terraform.ModuleScope, address: str
) -> tuple[DiagnosticSetting, ...]:
    out = []
    for b in module.resources("azurerm_monitor_diagnostic_setting"):
        target = b.attributes.get("target_resource_id")
        if target is None or not _refers_to(target.expr, address):
            continue
        cats: list[str] = []
        for kind in ("enabled_log", "log"):
            for lb in b.block(kind):
                enabled = lb.attributes.get("enabled")
                if enabled is not None and scope.eval(enabled.expr).value is False:
                    continue
                for key in ("category", "category_group"):
                    a = lb.attributes.get(key)
                    if a is not None:
                        v = scope.eval(a.expr).value
                        if isinstance(v, str):
                            cats.append(v)
        out.append(DiagnosticSetting(".".join(b.labels), tuple(cats), ()))
    return tuple(out)


def terraform_declares_cluster(text: str) -> bool:
    """Cheap content test: a .tf file that declares an AKS cluster or node pool."""
    return f'"{TF_CLUSTER}"' in text or f'"{TF_POOL}"' in text


def bicep_declares_cluster(text: str) -> bool:
    return "microsoft.containerservice/managedclusters" in text.lower()


def modules_called(module: terraform.Module, files: Sequence[str]) -> list[tuple[str, int, str]]:
    """(file, line, source) of module calls in `files`: kubeward does not follow them."""
    wanted = {os.path.realpath(f) for f in files}
    out = []
    for b in module.blocks("module"):
        if os.path.realpath(b.file) in wanted:
            src = b.attributes.get("source")
            text = src.expr.text if src is not None else "?"
            out.append((b.file, b.line, f"module {b.labels[0] if b.labels else '?'} ({text})"))
    return out


# ============================================================================ files


def load(
    name: str,
    max_size: int,
    errors: list[InputError],
    parameters: Mapping[str, Any] | None = None,
) -> list[Subject]:
    """Every cluster in one file of any supported format (`kubeward aks FILE`)."""
    if name.endswith(".tf"):
        subjects = from_terraform([name], errors)
        if not subjects and not any(e.file == name and not e.warning for e in errors):
            module = terraform.load_module(os.path.dirname(name) or ".", [name])
            calls = modules_called(module, [name])
            hint = (
                "; it calls " + ", ".join(c[2] for c in calls) + ", which kubeward does not "
                "follow: scan the module's own directory"
                if calls
                else ""
            )
            errors.append(
                InputError(
                    name,
                    calls[0][1] if calls else None,
                    f"no {TF_CLUSTER} resource in this file{hint}",
                    warning=True,
                )
            )
        return subjects
    data = manifests.read_bytes(name, max_size, errors)
    if data is None:
        return []
    label = manifests.STDIN_NAME if name == manifests.STDIN else name
    text = manifests.decode(label, data, errors)
    if text is None:
        return []
    if name.endswith(".bicep"):
        subjects = from_bicep(label, text, errors, parameters)
        if not subjects:
            errors.append(
                InputError(
                    label,
                    None,
                    "no Microsoft.ContainerService/managedClusters resource",
                    warning=True,
                )
            )
        return subjects
    out: list[Subject] = []
    docs = manifests.parse(label, text, errors)
    for doc in docs:
        loc = manifests.DocLocator(doc)
        found = from_document(label, doc.data, loc.line, errors, parameters)
        if not found and arm.is_parameters_file(doc.data):
            errors.append(
                InputError(
                    label,
                    None,
                    "an ARM parameters file: pass it with --parameters next to its template",
                    warning=True,
                )
            )
        elif not found:
            errors.append(
                InputError(
                    label,
                    loc.line(()),
                    "not an AKS cluster configuration (az aks show JSON, ARM resource or "
                    "template, Bicep, Terraform)",
                    warning=True,
                )
            )
        out += found
    return out


def subjects_in(loaded: manifests.LoadedFile, errors: list[InputError]) -> list[Subject]:
    """AKS configurations among a scanned file's documents; those documents are removed from
    `loaded` so they are not read as Kubernetes objects."""
    found: list[Subject] = []
    keep = []
    for doc in loaded.documents:
        data = doc.data
        if isinstance(data, Mapping) and "kind" in data and "apiVersion" in data:
            keep.append(doc)
            continue
        if shape_of(data) is None:
            keep.append(doc)
            continue
        loc = manifests.DocLocator(doc)
        found += from_document(loaded.name, data, loc.line, errors)
    if len(keep) != len(loaded.documents):
        loaded.documents[:] = keep
    return found


def iter_views(subjects: Sequence[Subject]) -> Iterator[AksCluster]:
    for s in subjects:
        if isinstance(s.view, AksCluster):
            yield s.view


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


def handles(name: str) -> bool:
    """Files the scan hands to this loader instead of the manifest parser."""
    return name.endswith((".tf", ".bicep"))


def load_for_scan(name: str, errors: list[InputError], cache: dict[str, Any]) -> list[Subject]:
    """Clusters of a Terraform or Bicep file met by `kubeward scan` (files that declare no AKS
    cluster are skipped silently). `cache` keeps each Terraform module read once per scan."""
    try:
        with open(name, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        errors.append(InputError(name, None, f"cannot read: {err}"))
        return []
    if name.endswith(".bicep"):
        return from_bicep(name, text, errors) if bicep_declares_cluster(text) else []
    if not terraform_declares_cluster(text):
        return []
    directory = os.path.dirname(name) or "."
    module = cache.get(directory)
    if module is None:
        module = cache[directory] = terraform.load_module(directory)
        problems = module.problems
    else:
        problems = []
    fresh = terraform.Module(module.directory, module.files, module.tfvars, problems)
    return from_terraform([name], errors, fresh)
