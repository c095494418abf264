"""RBAC analysis: the authorizer, who can do what, what a subject can do, escalation paths.

`RbacGraph` holds every Role, ClusterRole, binding and ServiceAccount of a scan, plus the
built-in roles and broad bindings every cluster has (`data/rbac.yaml`), and answers:

- `authorize(identity, request)`: is the request allowed, and by which grants, exactly as the
  API server's RBAC authorizer decides (ClusterRoleBindings everywhere, RoleBindings only in
  their namespace and only for namespaced resources, aggregated ClusterRoles resolved,
  `system:masters` bypassing RBAC);
- `who_can(request)`: every binding subject the request is allowed for;
- `permissions(identity)`: everything an identity is granted, merged per resource;
- `capability_grants(capability)`: which binding gives which subject a risky capability
  (read Secrets, create pods, exec, bind/escalate, ...), the basis of the RBAC rules;
- `escalations()`: subject -> capability -> ServiceAccount it can act as.

Everything is computed from the scan's objects; nothing is fetched from a cluster.
"""

from __future__ import annotations

import fnmatch
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from typing import TYPE_CHECKING, Any

import yaml

from kubeward.model.path import Path as ModelPath
from kubeward.model.rbac import (
    ALL_SERVICE_ACCOUNTS,
    ANONYMOUS,
    AUTHENTICATED,
    KNOWN_RESOURCES,
    MASTERS,
    RBAC_GROUP,
    SA_USER_PREFIX,
    UNAUTHENTICATED,
    Binding,
    PolicyRule,
    Role,
    RoleRef,
    ServiceAccount,
    Subject,
    build_binding,
    build_role,
    build_service_account,
    is_namespaced,
    namespace_of,
    parse_resource,
    read_rules,
    read_subjects,
    service_account_groups,
    service_account_user,
)
from kubeward.model.resource import Problem, Reader, Resource
from kubeward.model.selector import matches as selector_matches
from kubeward.model.workload import POD_TEMPLATES, Workload

if TYPE_CHECKING:
    from kubeward.model.inventory import Inventory

# ============================================================================ identities


@dataclass(frozen=True, slots=True)
class Identity:
    """Who makes a request: a user name (None for "some member of these groups") and groups."""

    user: str | None
    groups: frozenset[str]
    label: str  # as the user wrote it: user:alice, group:devs, sa:shop/api

    @property
    def superuser(self) -> bool:
        """Members of `system:masters` bypass RBAC: the authorizer allows them everything."""
        return MASTERS in self.groups


def parse_identity(text: str, extra_groups: Iterable[str] = ()) -> Identity:
    """`user:NAME`, `group:NAME` or `sa:NAMESPACE/NAME` (also `serviceaccount:`), with the
    groups the API server adds: every authenticated user is in `system:authenticated`; a
    ServiceAccount is in `system:serviceaccounts` and `system:serviceaccounts:<namespace>`;
    `system:anonymous` is in `system:unauthenticated` only. Raises ValueError."""
    kind, sep, name = text.partition(":")
    kind = kind.strip().lower()
    if not sep or not name:
        raise ValueError(f"{text!r}: write user:NAME, group:NAME or sa:NAMESPACE/NAME")
    extra = frozenset(extra_groups)
    if kind in ("sa", "serviceaccount"):
        ns, slash, sa = name.partition("/")
        if not slash or not ns or not sa:
            raise ValueError(f"{text!r}: a ServiceAccount is sa:NAMESPACE/NAME")
        return Identity(
            service_account_user(ns, sa), frozenset(service_account_groups(ns)) | extra, text
        )
    if kind == "user":
        if name.startswith(SA_USER_PREFIX):
            ns, _, sa = name[len(SA_USER_PREFIX) :].partition(":")
            if ns and sa:
                return Identity(name, frozenset(service_account_groups(ns)) | extra, text)
        if name == ANONYMOUS:
            return Identity(name, frozenset({UNAUTHENTICATED}) | extra, text)
        return Identity(name, frozenset({AUTHENTICATED}) | extra, text)
    if kind == "group":
        if name == UNAUTHENTICATED:
            groups = {name}
        elif name.startswith(ALL_SERVICE_ACCOUNTS + ":"):
            groups = {name, ALL_SERVICE_ACCOUNTS, AUTHENTICATED}
        else:
            groups = {name, AUTHENTICATED}
        return Identity(None, frozenset(groups) | extra, text)
    raise ValueError(f"{text!r}: unknown subject kind {kind!r} (user, group or sa)")


def identity_of(subject: Subject) -> Identity | None:
    """The identity a binding subject stands for (None for subjects that match nobody)."""
    if not subject.usable:
        return None
    if subject.kind == "ServiceAccount":
        if not subject.namespace:
            return None
        return Identity(
            service_account_user(subject.namespace, subject.name),
            frozenset(service_account_groups(subject.namespace)),
            subject.key,
        )
    if subject.kind in ("User", "Group"):
        return parse_identity(subject.key)
    return None


# ============================================================================== requests


@dataclass(frozen=True, slots=True)
class Request:
    """What is asked: a verb on a resource (optionally a subresource, an object name and a
    namespace) or on a non-resource URL (`url`, when `resource` is empty)."""

    verb: str
    resource: str = ""
    subresource: str = ""
    group: str = ""
    name: str = ""
    namespace: str = ""  # "" for cluster-scoped resources, URLs and "all namespaces at once"
    url: str = ""

    @property
    def namespaced(self) -> bool:
        return bool(self.resource) and is_namespaced(self.group, self.resource)

    @property
    def text(self) -> str:
        if not self.resource:
            return f"{self.verb} {self.url}"
        what = self.resource + (f"/{self.subresource}" if self.subresource else "")
        if self.group:
            what += f" (API group {self.group})"
        if self.name:
            what += f" named {self.name}"
        return f"{self.verb} {what}"

    def allowed_by(self, rule: PolicyRule) -> bool:
        if not self.resource:
            return rule.allows_url(self.verb, self.url)
        return rule.allows_resource(
            self.verb, self.group, self.resource, self.subresource, self.name
        )


def parse_request(
    verb: str, target: str, namespace: str | None = None, name: str = ""
) -> tuple[Request, list[str]]:
    """A request from the command line: `VERB RESOURCE[.GROUP][/SUBRESOURCE]` or `VERB /URL`.
    Returns the request and notes about how it was read (an assumed API group, a namespace
    that does not apply). Raises ValueError for what cannot be a request."""
    notes: list[str] = []
    if not verb or not target:
        raise ValueError("give a verb and a resource (or a URL starting with /)")
    if target.startswith("/"):
        if namespace:
            notes.append("non-resource URLs have no namespace; -n is ignored")
        return Request(verb, url=target), notes
    resource, sub, group = parse_resource(target)
    if not resource:
        raise ValueError(f"{target!r}: no resource")
    if group is None:
        known = KNOWN_RESOURCES.get(resource)
        if known is not None:
            group = known[0]
        else:
            group = ""
            notes.append(
                f"{resource} is not a built-in resource; assuming the core API group "
                "(write RESOURCE.GROUP for others)"
            )
    ns = namespace or ""
    if ns and not is_namespaced(group, resource):
        notes.append(f"{resource} is cluster-scoped; -n is ignored")
        ns = ""
    return Request(verb, resource, sub, group, name, ns), notes


# ================================================================================ grants


@dataclass(frozen=True, slots=True)
class RuleSource:
    """One effective rule of a role: the rule and the role that carries it (for an aggregated
    ClusterRole, the ClusterRole it was aggregated from)."""

    role: Role
    rule: PolicyRule

    def text(self, via: Role | None = None) -> str:
        where = f"{self.role.display} rules[{self.rule.index}]"
        if via is not None and via is not self.role:
            where = f"{via.display}, aggregated from {where}"
        if self.role.resource is None:
            where += " (built-in)"
        return where


@dataclass(frozen=True, slots=True)
class Grant:
    """Why a subject may do something: binding -> role -> rules."""

    binding: Binding
    subject: Subject
    role: Role
    sources: tuple[RuleSource, ...]

    @property
    def scope(self) -> str | None:
        """None for cluster-wide (a ClusterRoleBinding), else the RoleBinding's namespace."""
        return None if self.binding.cluster else self.binding.namespace

    def text(self) -> str:
        rules = "; ".join(s.text(self.role) for s in self.sources)
        return f"{self.binding.display} -> {rules}"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    grants: tuple[Grant, ...]
    superuser: bool = False


# ============================================================================ capabilities


@dataclass(frozen=True, slots=True)
class Probe:
    """One request a capability consists of. `namespace`: only requests in this namespace."""

    verb: str
    group: str
    resource: str
    subresource: str = ""
    name: str | None = ""  # None: any name (rules restricted by resourceNames count too)
    namespace: str | None = None

    @property
    def namespaced(self) -> bool:
        return is_namespaced(self.group, self.resource)

    def allowed_by(self, rule: PolicyRule) -> bool:
        name = self.name
        if name is None:
            name = rule.resource_names[0] if rule.resource_names else ""
        return rule.allows_resource(self.verb, self.group, self.resource, self.subresource, name)

    @property
    def what(self) -> str:
        res = self.resource + (f"/{self.subresource}" if self.subresource else "")
        return f"{res} {self.name}" if self.name else res


@dataclass(frozen=True)
class Capability:
    """A risky thing to be able to do, as the requests that do it."""

    key: str
    text: str  # "read Secrets"
    probes: tuple[Probe, ...]


def _probes(
    verbs: Iterable[str],
    targets: Iterable[tuple[str, str]],
    names: Iterable[str | None] = ("",),
    namespace: str | None = None,
) -> tuple[Probe, ...]:
    out = []
    names = tuple(names)
    for group, res in targets:
        resource, _, sub = res.partition("/")
        for verb in verbs:
            for name in names:
                out.append(Probe(verb, group, resource, sub, name, namespace))
    return tuple(out)


# Resources whose objects run pods: Pods and every kind with a pod template (PodTemplates
# themselves run nothing).
WORKLOAD_RESOURCES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (group, kind.lower() + "s")
        for group, kind in POD_TEMPLATES
        if kind != "PodTemplate" and (group, kind) != ("", "DeploymentConfig")
    )
)
_CONTROLLERS = tuple(r for r in WORKLOAD_RESOURCES if r != ("", "pods"))

ADMIN = Capability(
    "admin", "do everything (every verb on every resource)", _probes(["*"], [("", "*")])
)
SECRETS_READ = Capability(
    "secrets-read", "read Secrets", _probes(["get", "list", "watch"], [("", "secrets")])
)
CREATE_WORKLOADS = Capability(
    "create-workloads", "create pods or workloads", _probes(["create"], WORKLOAD_RESOURCES)
)
CHANGE_WORKLOADS = Capability(
    "change-workloads",
    "change workloads' pod templates",
    _probes(["update", "patch"], _CONTROLLERS),
)
EXEC = Capability(
    "exec",
    "exec or attach into containers",
    _probes(["create", "get"], [("", "pods/exec"), ("", "pods/attach")])
    # an ephemeral (debug) container runs any command in the pod, with its token
    + _probes(["update", "patch"], [("", "pods/ephemeralcontainers")]),
)
PORT_FORWARD = Capability(
    "port-forward", "port-forward to pods", _probes(["create", "get"], [("", "pods/portforward")])
)
BIND_ESCALATE = Capability(
    "bind-escalate",
    "bind or escalate roles",
    _probes(["bind", "escalate"], [(RBAC_GROUP, "roles"), (RBAC_GROUP, "clusterroles")]),
)
IMPERSONATE = Capability(
    "impersonate",
    "impersonate users, groups or service accounts",
    _probes(
        ["impersonate"],
        [
            ("", "users"),
            ("", "groups"),
            ("", "serviceaccounts"),
            ("authentication.k8s.io", "uids"),
        ],
        [None],  # impersonating one named identity is still taking it over
    ),
)
PV_CREATE = Capability(
    "pv-create", "create PersistentVolumes", _probes(["create"], [("", "persistentvolumes")])
)
NODES_PROXY = Capability(
    "nodes-proxy",
    "use the nodes/proxy subresource (the kubelet API)",
    _probes(["get", "list", "watch", "create", "update", "patch", "delete"], [("", "nodes/proxy")]),
)
CSR_APPROVE = Capability(
    "csr-approve",
    "approve CertificateSigningRequests",
    _probes(["update", "patch"], [("certificates.k8s.io", "certificatesigningrequests/approval")]),
)
ADMISSION_WRITE = Capability(
    "admission-write",
    "change admission webhooks or policies",
    _probes(
        ["create", "update", "patch", "delete"],
        [
            ("admissionregistration.k8s.io", r)
            for r in (
                "mutatingwebhookconfigurations",
                "validatingwebhookconfigurations",
                "mutatingadmissionpolicies",
                "mutatingadmissionpolicybindings",
                "validatingadmissionpolicies",
                "validatingadmissionpolicybindings",
            )
        ],
    ),
)
TOKEN_CREATE = Capability(
    "token-create",
    "create ServiceAccount tokens",
    _probes(["create"], [("", "serviceaccounts/token")], [None]),  # one account is enough
)
# Unrestricted by resourceNames: tokens for, or impersonation of, any identity. (Rights over
# named identities are followed as escalation steps, which look at what those accounts hold.)
TOKEN_CREATE_ANY = Capability(
    "token-create-any",
    "create tokens for any ServiceAccount",
    _probes(["create"], [("", "serviceaccounts/token")]),
)
IMPERSONATE_ANY = Capability(
    "impersonate-any",
    "impersonate any user, group or service account",
    _probes(
        ["impersonate"],
        [
            ("", "users"),
            ("", "groups"),
            ("", "serviceaccounts"),
            ("authentication.k8s.io", "uids"),
        ],
    ),
)
ENDPOINTS_WRITE = Capability(
    "endpoints-write",
    "write Endpoints or EndpointSlices",
    _probes(
        ["create", "update", "patch"], [("", "endpoints"), ("discovery.k8s.io", "endpointslices")]
    ),
)
SERVICE_STATUS = Capability(
    "service-status",
    "change Services' status (load balancer IPs)",
    _probes(["update", "patch"], [("", "services/status")]),
)
EVENTS_DELETE = Capability(
    "events-delete",
    "delete Events",
    _probes(["delete", "deletecollection"], [("", "events"), ("events.k8s.io", "events")]),
)
BROAD_DELETE = Capability(
    "delete",
    "delete pods, workloads, Services, Secrets, ConfigMaps, volumes or namespaces",
    _probes(
        ["delete", "deletecollection"],
        [
            *WORKLOAD_RESOURCES,
            ("", "services"),
            ("", "secrets"),
            ("", "configmaps"),
            ("", "persistentvolumeclaims"),
            ("", "persistentvolumes"),
            ("", "namespaces"),
        ],
    ),
)
DNS_CONFIG = Capability(
    "dns-config",
    "change the cluster DNS configuration (ConfigMaps coredns, coredns-custom in kube-system)",
    _probes(
        ["update", "patch"], [("", "configmaps")], ("coredns", "coredns-custom"), "kube-system"
    ),
)

# What makes a compromised pod (or account) a cluster takeover when held cluster-wide or in
# kube-system.
TAKEOVER: tuple[Capability, ...] = (
    ADMIN,
    SECRETS_READ,
    CREATE_WORKLOADS,
    EXEC,
    BIND_ESCALATE,
    IMPERSONATE_ANY,
    NODES_PROXY,
    TOKEN_CREATE_ANY,
    CSR_APPROVE,
    ADMISSION_WRITE,
    PV_CREATE,
)
TAKEOVER_NAMESPACE = "kube-system"
# Every capability the RBAC rules look for, most dangerous first.
CAPABILITIES: tuple[Capability, ...] = (
    ADMIN,
    SECRETS_READ,
    CREATE_WORKLOADS,
    EXEC,
    BIND_ESCALATE,
    IMPERSONATE,
    NODES_PROXY,
    TOKEN_CREATE,
    CSR_APPROVE,
    ADMISSION_WRITE,
    PV_CREATE,
    CHANGE_WORKLOADS,
    DNS_CONFIG,
    ENDPOINTS_WRITE,
    SERVICE_STATUS,
    PORT_FORWARD,
    EVENTS_DELETE,
    BROAD_DELETE,
)


@dataclass(frozen=True, slots=True)
class Match:
    probe: Probe
    source: RuleSource


@dataclass(frozen=True, slots=True)
class CapabilityGrant:
    """A binding that gives its subjects a capability, and the rules that do it."""

    capability: Capability
    binding: Binding
    role: Role
    matches: tuple[Match, ...]

    @property
    def scope(self) -> str | None:
        return None if self.binding.cluster else self.binding.namespace

    @property
    def scope_text(self) -> str:
        return "cluster-wide" if self.scope is None else f"in namespace {self.scope}"

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.probe.verb for m in self.matches))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.probe.what for m in self.matches))

    def rules_text(self, limit: int = 2) -> str:
        """The rules that grant it: `ClusterRole x rules[0]: get,list on secrets`, the first
        `limit` of them."""
        sources = list(dict.fromkeys(m.source for m in self.matches))
        text = "; ".join(f"{s.text(self.role)}: {s.rule.text(4)}" for s in sources[:limit])
        more = len(sources) - limit
        return f"{text}; and {more} more rule{'s' if more > 1 else ''}" if more > 0 else text

    def text(self) -> str:
        """`create pods, deployments cluster-wide (ClusterRoleBinding x -> ClusterRole y ...)`"""
        return (
            f"{'/'.join(self.verbs)} {', '.join(self.targets)} {self.scope_text} "
            f"({self.binding.display} -> {self.rules_text()})"
        )


# ============================================================================== built-ins


@dataclass(frozen=True)
class ManagedPattern:
    """Roles and bindings to treat as platform-managed: shell-style globs, every given field
    must match (an empty field matches anything)."""

    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()

    def covers(self, kind: str, name: str, namespace: str | None) -> bool:
        def ok(patterns: tuple[str, ...], value: str | None) -> bool:
            if not patterns:
                return True
            return value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)

        return ok(self.kinds, kind) and ok(self.names, name) and ok(self.namespaces, namespace)


@dataclass(frozen=True)
class RbacSettings:
    """The `rbac:` section of the configuration."""

    exempt_builtin: bool = True
    managed: tuple[ManagedPattern, ...] = ()


@dataclass(frozen=True)
class Builtins:
    """What Kubernetes and AKS manage (the `managed` part of data/rbac.yaml)."""

    labels: tuple[tuple[str, str | None], ...]
    cluster_roles: frozenset[str]
    cluster_role_patterns: tuple[str, ...]
    roles: frozenset[str]  # namespace/name
    cluster_role_bindings: Mapping[str, frozenset[str] | None]  # name -> subject keys or any
    role_bindings: Mapping[str, frozenset[str] | None]  # namespace/name -> ...
    controller_prefix: str
    definitions: tuple[Role, ...]
    default_bindings: tuple[Binding, ...]

    def labelled(self, labels: Mapping[str, str]) -> bool:
        return any(
            key in labels and (value is None or labels[key] == value) for key, value in self.labels
        )

    def role_managed(self, role: Role) -> bool:
        if role.resource is None or self.labelled(role.labels):
            return True
        if role.cluster:
            return role.name in self.cluster_roles or any(
                fnmatch.fnmatchcase(role.name, p) for p in self.cluster_role_patterns
            )
        return f"{role.namespace}/{role.name}" in self.roles

    def subject_managed(self, binding: Binding, subject: Subject) -> bool:
        if binding.resource is None or self.labelled(binding.labels):
            return True
        if binding.cluster:
            if binding.name.startswith(self.controller_prefix):
                sa = binding.name[len(self.controller_prefix) :]
                return subject.key == f"sa:kube-system/{sa}"
            if binding.name not in self.cluster_role_bindings:
                return False
            allowed = self.cluster_role_bindings[binding.name]
        else:
            key = f"{binding.namespace}/{binding.name}"
            if key not in self.role_bindings:
                return False
            allowed = self.role_bindings[key]
        return allowed is None or subject.key in allowed


@cache
def builtins() -> Builtins:
    """The packaged data/rbac.yaml."""
    text = package_files.files("kubeward").joinpath("data", "rbac.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    managed, definitions = data["managed"], data["definitions"]

    def subjects(value: Any) -> frozenset[str] | None:
        return None if value == "any" else frozenset(value or ())

    reader = Reader()
    roles = []
    for d in definitions["cluster-roles"]:
        aggregation = None
        if d.get("aggregationRule") is not None:
            aggregation = tuple(d["aggregationRule"]["clusterRoleSelectors"])
        roles.append(
            Role(
                "ClusterRole",
                d["name"],
                None,
                dict(d.get("labels") or {}),
                read_rules(reader, d, ()),
                aggregation,
                None,
            )
        )
    bindings = []
    for d in definitions["cluster-role-bindings"]:
        raw = {
            "subjects": [_subject_entry(key) for key in d["subjects"]],
        }
        bindings.append(
            Binding(
                "ClusterRoleBinding",
                d["name"],
                None,
                {},
                RoleRef("ClusterRole", d["role"], RBAC_GROUP),
                read_subjects(reader, raw, None),
                None,
            )
        )
    assert not reader.problems, reader.problems  # the packaged data is well formed
    return Builtins(
        labels=tuple((entry["key"], entry.get("value")) for entry in managed["labels"]),
        cluster_roles=frozenset(managed["cluster-roles"]["names"]),
        cluster_role_patterns=tuple(managed["cluster-roles"]["patterns"]),
        roles=frozenset(managed["roles"]),
        cluster_role_bindings={
            name: subjects(v) for name, v in managed["cluster-role-bindings"].items()
        },
        role_bindings={name: subjects(v) for name, v in managed["role-bindings"].items()},
        controller_prefix=managed["controller-binding-prefix"],
        definitions=tuple(roles),
        default_bindings=tuple(bindings),
    )


def _subject_entry(key: str) -> dict[str, str]:
    kind, _, name = key.partition(":")
    if kind == "sa":
        ns, _, sa = name.partition("/")
        return {"kind": "ServiceAccount", "name": sa, "namespace": ns}
    return {"kind": kind.capitalize(), "name": name}


# ================================================================================= graph


@dataclass(frozen=True, slots=True)
class Escalation:
    """One step: `source` can act as `gained` because of `capability` (granted by `grant`)."""

    source: str  # identity key: user:x, group:x, sa:ns/x
    capability: Capability
    grant: CapabilityGrant
    via_subject: Subject  # the binding subject that gives `source` the capability
    gained: str  # sa:ns/name
    how: str  # "create pods in namespace ci"
    certain: bool = True  # False: only if the account has a long-lived token Secret

    def text(self) -> str:
        grant = self.grant
        return f"{self.how}: {self.capability.text} {grant.scope_text} ({grant.binding.display})"


@dataclass(frozen=True, slots=True)
class EscalationPath:
    """Steps from a binding subject to a ServiceAccount, and what that account holds (cluster-
    wide or in kube-system) that the first subject does not."""

    steps: tuple[Escalation, ...]
    gains: tuple[tuple[CapabilityGrant, Subject], ...]

    @property
    def source(self) -> str:
        return self.steps[0].source

    @property
    def gained(self) -> str:
        return self.steps[-1].gained

    @property
    def certain(self) -> bool:
        return all(s.certain for s in self.steps)

    def chain(self) -> str:
        """`user:jane -> create pods in namespace ci -> sa:ci/deployer`"""
        parts = [self.source]
        for s in self.steps:
            parts += [s.how, s.gained]
        return " -> ".join(parts)


def identity_for_key(key: str) -> Identity | None:
    try:
        return parse_identity(key)
    except ValueError:
        return None


@dataclass
class RbacGraph:
    """Every RBAC object of a scan, indexed; see the module documentation."""

    roles: dict[tuple[str, str], Role]  # (namespace, name)
    cluster_roles: dict[str, Role]
    bindings: list[Binding]
    service_accounts: dict[tuple[str, str], ServiceAccount]
    workloads: tuple[Workload, ...] = ()
    token_secrets: frozenset[tuple[str, str]] = frozenset()  # (namespace, account) with a token
    settings: RbacSettings = field(default_factory=RbacSettings)
    problems: list[tuple[Resource, Problem]] = field(default_factory=list)
    _effective: dict[str, tuple[RuleSource, ...]] = field(default_factory=dict, repr=False)
    _by_user: dict[str, list[tuple[Binding, Subject]]] = field(default_factory=dict, repr=False)
    _by_group: dict[str, list[tuple[Binding, Subject]]] = field(default_factory=dict, repr=False)
    _cluster_bindings: list[Binding] = field(default_factory=list, repr=False)
    _ns_bindings: dict[str, list[Binding]] = field(default_factory=dict, repr=False)
    _probe_cache: dict[tuple[int, Probe], tuple[RuleSource, ...]] = field(
        default_factory=dict, repr=False
    )
    _cap_cache: dict[str, list[CapabilityGrant]] = field(default_factory=dict, repr=False)
    _cap_of: dict[tuple[int, str], CapabilityGrant | None] = field(default_factory=dict, repr=False)
    _own_rules: dict[int, tuple[RuleSource, ...]] = field(default_factory=dict, repr=False)
    _steps_cache: list[_Steps] | None = field(default=None, repr=False)
    _paths_cache: list[EscalationPath] | None = field(default=None, repr=False)
    _takeover: dict[str, list[tuple[CapabilityGrant, Subject]]] = field(
        default_factory=dict, repr=False
    )

    # ------------------------------------------------------------------ building

    @classmethod
    def from_inventory(cls, inventory: Inventory, config: Any = None) -> RbacGraph:
        """The graph of a scan. `config` (a Config) may carry `rbac` settings."""
        settings = getattr(config, "rbac", None)
        return cls.from_resources(
            inventory.resources,
            inventory.workloads,
            settings if isinstance(settings, RbacSettings) else RbacSettings(),
        )

    @classmethod
    def from_resources(
        cls,
        resources: Iterable[Resource],
        workloads: Iterable[Workload] = (),
        settings: RbacSettings | None = None,
        *,
        defaults: bool = True,
    ) -> RbacGraph:
        """Build from objects. `defaults`: add the built-in roles and broad bindings every
        cluster has (objects in the input with the same names take precedence)."""
        data = builtins()
        roles: dict[tuple[str, str], Role] = {}
        cluster_roles: dict[str, Role] = {}
        bindings: list[Binding] = []
        accounts: dict[tuple[str, str], ServiceAccount] = {}
        tokens: set[tuple[str, str]] = set()
        problems: list[tuple[Resource, Problem]] = []
        for r in resources:
            kind = r.kind
            if r.group == RBAC_GROUP:
                if kind == "Role" or kind == "ClusterRole":
                    role = build_role(r)
                    problems += [(r, p) for p in role.problems]
                    if role.cluster:
                        cluster_roles[role.name] = role
                    else:
                        roles[(role.namespace or "", role.name)] = role
                elif kind == "RoleBinding" or kind == "ClusterRoleBinding":
                    binding = build_binding(r)
                    problems += [(r, p) for p in binding.problems]
                    bindings.append(binding)
            elif kind == "ServiceAccount" and r.group == "":
                sa = build_service_account(r)
                problems += [(r, p) for p in sa.problems]
                accounts[(sa.namespace, sa.name)] = sa
            elif (
                kind == "Secret"
                and r.group == ""
                and r.raw.get("type") == "kubernetes.io/service-account-token"
            ):
                account = r.annotations.get("kubernetes.io/service-account.name")
                if account:
                    tokens.add((namespace_of(r), account))
        if defaults:
            for role in data.definitions:
                cluster_roles.setdefault(role.name, role)
            present = {b.name for b in bindings if b.cluster}
            bindings += [b for b in data.default_bindings if b.name not in present]
        graph = cls(
            roles,
            cluster_roles,
            bindings,
            accounts,
            tuple(workloads),
            frozenset(tokens),
            settings or RbacSettings(),
            problems,
        )
        graph._index()
        return graph

    @staticmethod
    def anchor_paths(resource: Resource, workload: Workload | None) -> Iterator[ModelPath]:
        """The paths the RBAC rules report on: the engine records their lines while the file
        is parsed, so findings need no re-parse of their file."""
        if workload is not None:
            yield workload.pod.spec_path
            for key in ("serviceAccountName", "serviceAccount"):
                if key in workload.pod.spec:
                    yield workload.pod.at(key)
            return
        if resource.group != RBAC_GROUP:
            return
        raw = resource.raw
        if resource.kind in ("RoleBinding", "ClusterRoleBinding"):
            subjects = raw.get("subjects")
            if isinstance(subjects, list):
                for i in range(len(subjects)):
                    yield ("subjects", i)
        elif resource.kind in ("Role", "ClusterRole"):
            rules = raw.get("rules")
            for i, r in enumerate(rules if isinstance(rules, list) else ()):
                if isinstance(r, Mapping):
                    for key in ("verbs", "resources", "apiGroups"):
                        values = r.get(key)
                        if isinstance(values, list) and any(
                            isinstance(v, str) and v.startswith("*") for v in values
                        ):
                            yield ("rules", i, key)

    def _index(self) -> None:
        self._effective = _aggregate(self.cluster_roles)
        by_user: dict[str, list[tuple[Binding, Subject]]] = defaultdict(list)
        by_group: dict[str, list[tuple[Binding, Subject]]] = defaultdict(list)
        ns_bindings: dict[str, list[Binding]] = defaultdict(list)
        for b in self.bindings:
            if b.cluster:
                self._cluster_bindings.append(b)
            else:
                ns_bindings[b.namespace or ""].append(b)
            for s in b.subjects:
                if s.kind == "Group":
                    by_group[s.name].append((b, s))
                else:
                    user = s.username
                    if user is not None:
                        by_user[user].append((b, s))
        self._by_user, self._by_group, self._ns_bindings = by_user, by_group, ns_bindings

    # ------------------------------------------------------------------ roles

    def role_of(self, binding: Binding) -> Role | None:
        """The role a binding refers to, None when it is not in the input nor built in (or the
        reference is invalid: a ClusterRoleBinding can only refer to a ClusterRole)."""
        ref = binding.role_ref
        if ref.kind == "ClusterRole":
            return self.cluster_roles.get(ref.name)
        if ref.kind == "Role" and not binding.cluster:
            return self.roles.get((binding.namespace or "", ref.name))
        return None

    def rules_of(self, role: Role) -> tuple[RuleSource, ...]:
        """A role's effective rules (an aggregated ClusterRole's come from the roles it
        selects; its own `rules` field is overwritten by the aggregation controller)."""
        if role.cluster and role.aggregation is not None:
            return self._effective.get(role.name, ())
        hit = self._own_rules.get(id(role))
        if hit is None:
            hit = self._own_rules[id(role)] = tuple(RuleSource(role, r) for r in role.rules)
        return hit

    def managed_role(self, role: Role) -> bool:
        return builtins().role_managed(role) or self._configured(
            role.kind, role.name, role.namespace
        )

    def exempt_role(self, role: Role) -> bool:
        """Role-level findings leave this role out: built in (unless `exempt-builtin` is off)
        or configured as managed."""
        if role.resource is None:
            return True
        if self._configured(role.kind, role.name, role.namespace):
            return True
        return self.settings.exempt_builtin and builtins().role_managed(role)

    def managed_subject(self, binding: Binding, subject: Subject) -> bool:
        return builtins().subject_managed(binding, subject) or self._configured(
            binding.kind, binding.name, binding.namespace
        )

    def exempt(self, binding: Binding, subject: Subject) -> bool:
        """Findings about what this binding grants this subject are left out: a built-in
        binding's own subject (unless `exempt-builtin` is off), a binding configured as
        managed, and bindings known only from the built-in data (not in the input)."""
        if binding.resource is None:
            return True
        if self._configured(binding.kind, binding.name, binding.namespace):
            return True
        return self.settings.exempt_builtin and builtins().subject_managed(binding, subject)

    def _configured(self, kind: str, name: str, namespace: str | None) -> bool:
        return any(p.covers(kind, name, namespace) for p in self.settings.managed)

    # ------------------------------------------------------------------ authorizer

    def _allowing(self, role: Role, request: Request | Probe) -> tuple[RuleSource, ...]:
        return tuple(s for s in self.rules_of(role) if request.allowed_by(s.rule))

    def authorize(self, identity: Identity, request: Request) -> Decision:
        """The RBAC authorizer's decision, with every grant that allows the request."""
        if identity.superuser:
            return Decision(True, (), superuser=True)
        ns = request.namespace if request.namespaced else ""
        candidates: list[tuple[Binding, Subject]] = []
        if identity.user is not None:
            candidates += self._by_user.get(identity.user, ())
        for group in sorted(identity.groups):
            candidates += self._by_group.get(group, ())
        grants = []
        seen: set[int] = set()
        for binding, subject in candidates:
            if id(binding) in seen or not (binding.cluster or (ns and binding.namespace == ns)):
                continue
            seen.add(id(binding))
            role = self.role_of(binding)
            if role is None:
                continue
            sources = self._allowing(role, request)
            if sources:
                grants.append(Grant(binding, subject, role, sources))
        return Decision(bool(grants), tuple(grants))

    def who_can(self, request: Request, *, anywhere: bool = False) -> list[Grant]:
        """Every binding subject the request is allowed for. With `anywhere` and a namespaced
        request without a namespace, RoleBindings of every namespace count too (each grant
        says its scope)."""
        if request.namespaced and request.namespace:
            bindings = self._cluster_bindings + self._ns_bindings.get(request.namespace, [])
        elif request.namespaced and anywhere:
            bindings = self.bindings
        else:
            bindings = self._cluster_bindings
        by_role: dict[int, tuple[RuleSource, ...]] = {}
        out: list[Grant] = []
        for binding in bindings:
            role = self.role_of(binding)
            if role is None:
                continue
            key = id(role)
            sources = by_role.get(key)
            if sources is None:
                sources = by_role[key] = self._allowing(role, request)
            if not sources:
                continue
            for subject in binding.subjects:
                if subject.usable:
                    out.append(Grant(binding, subject, role, sources))
        return out

    def unresolved(self) -> list[Binding]:
        """Bindings whose role is neither in the input nor built in: they grant nothing here
        (and in the cluster, nothing until the role exists)."""
        return [b for b in self.bindings if self.role_of(b) is None]

    def grants_to(self, identity: Identity) -> list[Grant]:
        """Every binding that applies to the identity, with all its role's rules."""
        if identity.superuser:
            return []
        candidates: list[tuple[Binding, Subject]] = []
        if identity.user is not None:
            candidates += self._by_user.get(identity.user, ())
        for group in sorted(identity.groups):
            candidates += self._by_group.get(group, ())
        out = []
        seen: set[int] = set()
        for binding, subject in candidates:
            if id(binding) in seen:
                continue
            seen.add(id(binding))
            role = self.role_of(binding)
            if role is not None:
                out.append(Grant(binding, subject, role, self.rules_of(role)))
        return out

    def permissions(self, identity: Identity) -> list[Permission]:
        """Everything the identity is granted, one row per scope and resource (or URL)."""
        return merge_permissions(self.grants_to(identity))

    # ------------------------------------------------------------------ capabilities

    def _probe_sources(self, role: Role, probe: Probe) -> tuple[RuleSource, ...]:
        key = (id(role), probe)
        hit = self._probe_cache.get(key)
        if hit is None:
            hit = self._probe_cache[key] = self._allowing(role, probe)
        return hit

    def capability_of(self, binding: Binding, capability: Capability) -> CapabilityGrant | None:
        """Whether the binding gives its subjects the capability (respecting its scope)."""
        key = (id(binding), capability.key)
        if key in self._cap_of:
            return self._cap_of[key]
        grant = self._capability_of(binding, capability)
        self._cap_of[key] = grant
        return grant

    def _capability_of(self, binding: Binding, capability: Capability) -> CapabilityGrant | None:
        role = self.role_of(binding)
        if role is None:
            return None
        matches = []
        for probe in capability.probes:
            if not binding.cluster:
                if not probe.namespaced:
                    continue  # a RoleBinding cannot grant cluster-scoped resources
                if probe.namespace is not None and probe.namespace != binding.namespace:
                    continue
            for source in self._probe_sources(role, probe):
                matches.append(Match(probe, source))
        return CapabilityGrant(capability, binding, role, tuple(matches)) if matches else None

    def capability_grants(self, capability: Capability) -> list[CapabilityGrant]:
        """Every binding that gives the capability, in input order."""
        hit = self._cap_cache.get(capability.key)
        if hit is None:
            hit = [g for b in self.bindings if (g := self.capability_of(b, capability)) is not None]
            self._cap_cache[capability.key] = hit
        return hit

    def full_control(self, binding: Binding, group: str) -> bool:
        """Whether the binding grants every verb on every resource of an API group (`*` for
        every group) in its scope."""
        role = self.role_of(binding)
        return role is not None and bool(self._probe_sources(role, Probe("*", group, "*")))

    def essential(self, grants: Iterable[CapabilityGrant]) -> list[CapabilityGrant]:
        """The grants that full control (ADMIN) does not already imply, and ADMIN itself."""
        return [g for g in grants if g.capability is ADMIN or not self.subsumed(g)]

    def subsumed(self, grant: CapabilityGrant) -> bool:
        """A capability grant that full control of its API groups already implies (reported
        once, as full control, instead of once per narrower capability)."""
        groups = {m.probe.group for m in grant.matches}
        return self.full_control(grant.binding, "*") or all(
            self.full_control(grant.binding, g) for g in groups
        )

    def capabilities_of(
        self, identity: Identity, capabilities: Sequence[Capability] = TAKEOVER
    ) -> list[tuple[CapabilityGrant, Subject]]:
        """The capabilities an identity holds, each with the grant and the subject entry."""
        out = []
        for grant in self.grants_to(identity):
            for cap in capabilities:
                cg = self.capability_of(grant.binding, cap)
                if cg is not None:
                    out.append((cg, grant.subject))
        return out

    # ------------------------------------------------------------------ workloads

    def token_mounted(self, workload: Workload) -> bool:
        """Whether the pods get their ServiceAccount's token: the pod's
        automountServiceAccountToken wins, then the ServiceAccount's, default true."""
        pod = workload.pod
        if pod.automount_service_account_token is not None:
            return pod.automount_service_account_token
        sa = self.service_accounts.get(
            (namespace_of(workload.resource), pod.service_account_name or "default")
        )
        if sa is not None and sa.automount is not None:
            return sa.automount
        return True

    # ------------------------------------------------------------------ escalation

    def accounts(self) -> list[str]:
        """The ServiceAccounts that hold rights of their own: those a binding names (as a
        ServiceAccount subject or by user name), as `sa:namespace/name`, sorted. Others have
        only what their groups have, which every account of their namespace shares."""
        keys = set()
        for b in self.bindings:
            for s in b.subjects:
                user = s.username
                if user is not None and user.startswith(SA_USER_PREFIX):
                    ns, _, name = user[len(SA_USER_PREFIX) :].partition(":")
                    if ns and name:
                        keys.add(f"sa:{ns}/{name}")
        return sorted(keys)

    def escalations(self) -> list[Escalation]:
        """Every step by which a binding subject can act as a ServiceAccount that holds rights
        of its own: creating pods or workloads (or changing workloads' pod templates) in its
        namespace, creating a token for it, impersonating it, reading its token Secret, or exec
        into a pod that mounts its token. Built-in bindings' own subjects are left out as
        sources (their accounts are the platform's) unless configured otherwise."""
        return [e for group in self._step_groups() for e in group.expand()]

    def _step_groups(self) -> list[_Steps]:
        if self._steps_cache is not None:
            return self._steps_cache
        with _collector_paused():
            groups = self._compute_step_groups()
        self._steps_cache = groups
        return groups

    def _compute_step_groups(self) -> list[_Steps]:
        accounts: dict[str, list[str]] = defaultdict(list)  # namespace -> account names
        for key in self.accounts():
            ns, _, name = key[3:].partition("/")
            accounts[ns].append(name)
        keys = {ns: tuple(f"sa:{ns}/{n}" for n in names) for ns, names in accounts.items()}
        mounted: dict[str, set[str]] = defaultdict(set)  # namespace -> accounts with tokens
        for w in self.workloads:
            ns, name = namespace_of(w.resource), w.pod.service_account_name or "default"
            if name in accounts.get(ns, ()) and self.token_mounted(w):
                mounted[ns].add(name)
        out: list[_Steps] = []
        for cap in (CREATE_WORKLOADS, CHANGE_WORKLOADS, TOKEN_CREATE, IMPERSONATE, SECRETS_READ):
            for grant in self.capability_grants(cap):
                namespaces = [grant.scope] if grant.scope else sorted(accounts)
                subjects = [
                    s
                    for s in grant.binding.subjects
                    if s.usable and not self.exempt(grant.binding, s)
                ]
                if not subjects:
                    continue
                can_list = any(m.probe.verb in ("list", "watch") for m in grant.matches)
                for ns in namespaces:
                    where = f"in namespace {ns}"
                    names = accounts.get(ns, [])
                    if not names:
                        continue
                    targets: list[tuple[tuple[str, ...], str, bool]] = []
                    if cap is CREATE_WORKLOADS:
                        targets.append(
                            (keys[ns], f"create pods or workloads {where} that run as it", True)
                        )
                    elif cap is CHANGE_WORKLOADS:
                        targets.append((keys[ns], f"change workloads {where} to run as it", True))
                    elif cap is TOKEN_CREATE:
                        allowed = self._named(grant, "create", "token", ns, names)
                        targets.append((allowed, f"create a token for it {where}", True))
                    elif cap is IMPERSONATE:
                        allowed = self._named(grant, "impersonate", "", ns, names)
                        targets.append((allowed, f"impersonate it {where}", True))
                    elif can_list:
                        known = tuple(
                            k
                            for k, n in zip(keys[ns], names, strict=True)
                            if (ns, n) in self.token_secrets
                        )
                        other = tuple(k for k in keys[ns] if k not in known)
                        targets.append((known, f"read its token Secret {where}", True))
                        targets.append((other, f"read its token Secret {where}", False))
                    for subject in subjects:
                        for targets_, how, certain in targets:
                            if targets_:
                                out.append(
                                    _Steps(subject.key, cap, grant, subject, how, certain, targets_)
                                )
        for grant in self.capability_grants(EXEC):
            namespaces = [grant.scope] if grant.scope else sorted(mounted)
            for subject in grant.binding.subjects:
                if not subject.usable or self.exempt(grant.binding, subject):
                    continue
                for ns in namespaces:
                    targets_ = tuple(f"sa:{ns}/{n}" for n in sorted(mounted.get(ns, ())))
                    if targets_:
                        how = f"exec into pods in namespace {ns} that mount its token"
                        out.append(_Steps(subject.key, EXEC, grant, subject, how, True, targets_))
        return out

    def _named(
        self, grant: CapabilityGrant, verb: str, sub: str, ns: str, names: Sequence[str]
    ) -> tuple[str, ...]:
        """The accounts of `ns` a name-restricted rule (token creation, impersonation) covers."""
        return tuple(
            f"sa:{ns}/{n}"
            for n in names
            if self._probe_allows(grant, verb, "", "serviceaccounts", sub, n)
        )

    def _probe_allows(
        self, grant: CapabilityGrant, verb: str, group: str, res: str, sub: str, name: str
    ) -> bool:
        probe = Probe(verb, group, res, sub, name)
        return bool(self._probe_sources(grant.role, probe))

    def takeover_of(self, account: str) -> list[tuple[CapabilityGrant, Subject]]:
        """The takeover-class capabilities an account holds cluster-wide or in kube-system."""
        hit = self._takeover.get(account)
        if hit is None:
            identity = parse_identity(account)
            hit = self._takeover[account] = [
                (g, s)
                for g, s in self.capabilities_of(identity, TAKEOVER)
                if g.scope is None or g.scope == TAKEOVER_NAMESPACE
            ]
        return hit

    def risky_paths(self, max_steps: int = 3) -> list[EscalationPath]:
        """Escalation paths that end in a ServiceAccount holding takeover-class capabilities
        (cluster-wide or in kube-system) that the path's first subject does not hold itself.
        One path per (first subject, account), the shortest (breadth first)."""
        if self._paths_cache is not None:
            return self._paths_cache
        with _collector_paused():
            paths = self._compute_risky_paths(max_steps)
        self._paths_cache = paths
        return paths

    def _compute_risky_paths(self, max_steps: int) -> list[EscalationPath]:
        by_source: dict[str, dict[str, _Steps]] = defaultdict(dict)
        for group in self._step_groups():
            targets = by_source[group.source]
            for account in group.accounts:
                if account == group.source:
                    continue
                current = targets.get(account)
                if current is None or (group.certain and not current.certain):
                    targets[account] = group  # one step per (source, target)
        outgoing: dict[str, list[tuple[str, _Steps]]] = {}

        def out_of(node: str) -> list[tuple[str, _Steps]]:
            hit = outgoing.get(node)
            if hit is None:
                identity = parse_identity(node)
                keys = [node, f"user:{identity.user}", *(f"group:{g}" for g in identity.groups)]
                merged: dict[str, _Steps] = {}
                for k in keys:
                    for target, group in by_source.get(k, {}).items():
                        merged.setdefault(target, group)
                hit = outgoing[node] = list(merged.items())
            return hit

        out: list[EscalationPath] = []
        for source in sorted(by_source):
            identity = identity_for_key(source)
            if identity is None:
                continue
            own = {(g.capability.key, g.scope) for g, _ in self.capabilities_of(identity)}
            visited = {source}
            frontier: list[tuple[tuple[str, _Steps], ...]] = []
            for account, group in sorted(by_source[source].items()):
                visited.add(account)
                frontier.append(((account, group),))
            for _ in range(max_steps):
                following: list[tuple[tuple[str, _Steps], ...]] = []
                for path in frontier:
                    target = path[-1][0]
                    new = [
                        (g, s)
                        for g, s in self.takeover_of(target)
                        if (g.capability.key, None) not in own
                        and (g.capability.key, g.scope) not in own
                    ]
                    if new:
                        steps = tuple(
                            group.step(account, prev)
                            for (account, group), prev in zip(
                                path, [source, *(a for a, _ in path)], strict=False
                            )
                        )
                        out.append(EscalationPath(steps, tuple(new)))
                    for account, group in out_of(target):
                        if account not in visited:
                            visited.add(account)
                            following.append((*path, (account, group)))
                frontier = following
        return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The analysis allocates many small acyclic objects; the cyclic garbage collector would
    walk the whole scan's heap again and again meanwhile (the engine's objects are no longer
    frozen at that point)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class _Steps:
    """Steps one grant gives one subject towards each of some accounts (one namespace)."""

    source: str
    capability: Capability
    grant: CapabilityGrant
    subject: Subject
    how: str
    certain: bool
    accounts: tuple[str, ...]

    def step(self, account: str, source: str | None = None) -> Escalation:
        return Escalation(
            source or self.source,
            self.capability,
            self.grant,
            self.subject,
            account,
            self.how,
            self.certain,
        )

    def expand(self) -> Iterator[Escalation]:
        for account in self.accounts:
            if account != self.source:
                yield self.step(account)


# ============================================================================ aggregation


def _aggregate(cluster_roles: Mapping[str, Role]) -> dict[str, tuple[RuleSource, ...]]:
    """Rules of every aggregated ClusterRole, as the aggregation controller keeps them: the
    union of the rules of every other ClusterRole one of its selectors matches (in name order,
    duplicates once), where an aggregated ClusterRole contributes its aggregated rules. Cycles
    converge to the least fixed point."""
    aggregated = {n: r for n, r in cluster_roles.items() if r.aggregation is not None}
    if not aggregated:
        return {}
    index: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, role in cluster_roles.items():
        for kv in role.labels.items():
            index[kv].append(name)
    selected: dict[str, list[str]] = {}
    for name, role in aggregated.items():
        chosen: set[str] = set()
        for selector in role.aggregation or ():
            labels = selector.get("matchLabels") or {}
            if labels:
                first = next(iter(labels.items()))
                candidates: Iterable[str] = index.get((str(first[0]), str(first[1])), ())
            else:
                candidates = cluster_roles
            for other in candidates:
                if other != name and selector_matches(selector, cluster_roles[other].labels):
                    chosen.add(other)
        selected[name] = sorted(chosen)
    own = {
        n: tuple(RuleSource(r, rule) for rule in r.rules)
        for n, r in cluster_roles.items()
        if n not in aggregated
    }
    effective: dict[str, tuple[RuleSource, ...]] = {n: () for n in aggregated}

    def union(name: str) -> tuple[RuleSource, ...]:
        rules: list[RuleSource] = []
        seen: set[tuple[tuple[str, ...], ...]] = set()
        for other in selected[name]:
            for source in effective[other] if other in aggregated else own[other]:
                key = _rule_key(source.rule)
                if key not in seen:
                    seen.add(key)
                    rules.append(source)
        return tuple(rules)

    # Dependencies first (strongly connected components in reverse topological order): each
    # role is computed once; only roles that aggregate each other in a cycle iterate.
    deps = {n: [o for o in selected[n] if o in aggregated] for n in aggregated}
    for component in _components(deps):
        changed = True
        while changed:
            changed = False
            for name in component:
                new = union(name)
                if len(new) != len(effective[name]):  # rules only ever get added
                    effective[name] = new
                    changed = len(component) > 1
    return effective


def _components(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of `graph` (node -> successors), each after every
    component it reaches (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if i < len(successors):
                work.append((node, i + 1))
                nxt = successors[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _rule_key(rule: PolicyRule) -> tuple[tuple[str, ...], ...]:
    return rule.key


# ============================================================================ permissions


@dataclass(frozen=True, slots=True)
class Permission:
    """What an identity may do on one resource (or URL) in one scope, and why."""

    scope: str | None  # None: cluster-wide
    group: str | None  # None for a non-resource URL
    resource: str  # resource[/subresource], `*`, or the URL
    names: tuple[str, ...]  # resourceNames; () for any
    verbs: tuple[str, ...]
    via: tuple[str, ...]  # "ClusterRoleBinding x -> ClusterRole y rules[0]"


def merge_permissions(grants: Iterable[Grant]) -> list[Permission]:
    rows: dict[tuple[Any, ...], tuple[set[str], dict[str, None]]] = {}
    for g in grants:
        scope = g.scope
        for source in g.sources:
            rule = source.rule
            via = f"{g.binding.display} -> {source.text(g.role)}"
            targets: list[tuple[str | None, str]] = []
            if rule.resources:
                for api_group in rule.api_groups:
                    for res in rule.resources:
                        head = res.partition("/")[0]
                        if scope is not None and not is_namespaced(api_group, head):
                            continue  # a RoleBinding cannot grant cluster-scoped resources
                        targets.append((api_group, res))
            if rule.non_resource_urls and scope is None:
                targets += [(None, url) for url in rule.non_resource_urls]
            for group, res in targets:
                key = (scope or "", group is None, group or "", res, rule.resource_names)
                verbs, vias = rows.setdefault(key, (set(), {}))
                verbs.update(rule.verbs)
                vias[via] = None
    out = []
    for key in sorted(rows):
        scope, _, group, res, names = key
        verbs, vias = rows[key]
        is_url = key[1]
        out.append(
            Permission(
                scope or None,
                None if is_url else group,
                res,
                names,
                ("*",) if "*" in verbs else tuple(sorted(verbs)),
                tuple(vias),
            )
        )
    return out
