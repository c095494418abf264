"""RBAC objects as the Kubernetes RBAC authorizer reads them.

Roles, ClusterRoles, their bindings, binding subjects, policy rules and ServiceAccounts, typed
once, with the matching semantics of the API server's authorizer (kubernetes/kubernetes,
`pkg/apis/rbac/v1/evaluation_helpers.go` and `pkg/registry/rbac/validation/rule.go`):

- a verb, API group or resource matches when the rule lists it or `*`; a request for a
  subresource also matches `*/subresource`; `pods/*` is NOT a wildcard (it matches only a
  resource literally named so);
- `resourceNames` restricts a rule to requests that carry one of the names (a request without
  a name, such as `list` or `create`, never matches a rule with `resourceNames`);
- a non-resource URL matches when the rule lists it, `*`, or a prefix ending in `*`;
- a ServiceAccount subject is the user `system:serviceaccount:<namespace>:<name>`; without a
  namespace it takes its RoleBinding's namespace (a ClusterRoleBinding's namespace-less
  ServiceAccount subject matches nobody); unknown subject kinds match nobody.

Namespaced objects that do not say their namespace land in whatever namespace they are
applied to (`kubectl apply -n`, a Helm release, the kubeconfig context). They are kept together
in one namespace named `(unset)`: a Role and a RoleBinding without namespace belong together,
but neither is taken to be in an explicit `default`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.model.path import Path
from kubeward.model.resource import Problem, Reader, Resource
from kubeward.model.selector import checked_selector

RBAC_GROUP = "rbac.authorization.k8s.io"
UNSET_NAMESPACE = "(unset)"  # objects without metadata.namespace: their apply namespace
SA_USER_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
MASTERS = "system:masters"

ROLE_KINDS = frozenset({"Role", "ClusterRole"})
BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")


def namespace_of(resource: Resource) -> str:
    """A namespaced object's namespace: as written, else `(unset)` (the namespace it will be
    applied to, the same for every object without one)."""
    return resource.namespace or UNSET_NAMESPACE


def service_account_user(namespace: str, name: str) -> str:
    return f"{SA_USER_PREFIX}{namespace}:{name}"


def service_account_groups(namespace: str) -> tuple[str, ...]:
    """The groups the API server puts every ServiceAccount of `namespace` in."""
    return (ALL_SERVICE_ACCOUNTS, f"{ALL_SERVICE_ACCOUNTS}:{namespace}", AUTHENTICATED)


def is_rbac_object(resource: Resource) -> bool:
    return resource.group == RBAC_GROUP and (
        resource.kind in ROLE_KINDS or resource.kind in BINDING_KINDS
    )


def problems_of(resource: Resource) -> tuple[Problem, ...]:
    """Wrongly typed fields of a Role, ClusterRole, binding or ServiceAccount (the engine
    reports them as input errors when it reads the object); () for any other object."""
    if resource.group == RBAC_GROUP:
        if resource.kind in ROLE_KINDS:
            return build_role(resource).problems
        if resource.kind in BINDING_KINDS:
            return build_binding(resource).problems
    elif resource.kind == "ServiceAccount" and resource.group == "":
        return build_service_account(resource).problems
    return ()


# ================================================================================ rules


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One entry of a role's `rules`, with its position in the role."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]
    non_resource_urls: tuple[str, ...]
    index: int
    path: Path  # relative to the role object: ("rules", index)
    _verbs: frozenset[str] = field(init=False, repr=False, compare=False)
    _groups: frozenset[str] = field(init=False, repr=False, compare=False)
    _resources: frozenset[str] = field(init=False, repr=False, compare=False)
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    # what the rule grants, for telling duplicate rules apart (aggregation)
    key: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_verbs", frozenset(self.verbs))
        object.__setattr__(self, "_groups", frozenset(self.api_groups))
        object.__setattr__(self, "_resources", frozenset(self.resources))
        object.__setattr__(self, "_names", frozenset(self.resource_names))
        key = (
            self.verbs,
            self.api_groups,
            self.resources,
            self.resource_names,
            self.non_resource_urls,
        )
        object.__setattr__(self, "key", key)

    def verb_matches(self, verb: str) -> bool:
        return "*" in self._verbs or verb in self._verbs

    def allows_resource(
        self, verb: str, group: str, resource: str, subresource: str = "", name: str = ""
    ) -> bool:
        """Whether this rule allows a resource request, exactly as the RBAC authorizer."""
        if "*" not in self._verbs and verb not in self._verbs:
            return False
        if "*" not in self._groups and group not in self._groups:
            return False
        res = self._resources
        if "*" not in res:
            if subresource:
                if f"{resource}/{subresource}" not in res and f"*/{subresource}" not in res:
                    return False
            elif resource not in res:
                return False
        return not self._names or name in self._names

    def allows_url(self, verb: str, url: str) -> bool:
        """Whether this rule allows a non-resource request (`/healthz`, `/metrics`, ...)."""
        if "*" not in self._verbs and verb not in self._verbs:
            return False
        for pattern in self.non_resource_urls:
            if pattern == "*" or pattern == url:
                return True
            if pattern.endswith("*") and url.startswith(pattern.rstrip("*")):
                return True
        return False

    def text(self, limit: int = 6) -> str:
        """A compact description: `get,list on secrets`, `* on *`, `get on /healthz`."""
        verbs = ",".join(self.verbs) or "(no verbs)"
        if self.non_resource_urls and not self.resources:
            return f"{verbs} on {_shorten(self.non_resource_urls, limit)}"
        groups = ",".join(g or '""' for g in self.api_groups)
        what = _shorten(self.resources, limit) or "(no resources)"
        text = f"{verbs} on {what}"
        if self.api_groups and self.api_groups != ("",):
            text += f" (apiGroups {groups})"
        if self.resource_names:
            text += f" named {','.join(self.resource_names)}"
        return text


def _shorten(items: tuple[str, ...], limit: int) -> str:
    if len(items) <= limit:
        return ",".join(items)
    return f"{','.join(items[:limit])} and {len(items) - limit} more"


def read_rules(reader: Reader, raw: Mapping[str, Any], path: Path) -> tuple[PolicyRule, ...]:
    out: list[PolicyRule] = []
    for i, r in reader.maps(raw, "rules", path):
        at = path + ("rules", i)
        out.append(
            PolicyRule(
                verbs=reader.strings(r, "verbs", at),
                api_groups=reader.strings(r, "apiGroups", at),
                resources=reader.strings(r, "resources", at),
                resource_names=reader.strings(r, "resourceNames", at),
                non_resource_urls=reader.strings(r, "nonResourceURLs", at),
                index=i,
                path=("rules", i),
            )
        )
    return tuple(out)


# ================================================================================ roles


@dataclass(frozen=True, slots=True, eq=False)
class Role:
    """A Role or ClusterRole. `resource` is None for a built-in role known from data (one that
    exists in every cluster but is not in the input)."""

    kind: str  # Role or ClusterRole
    name: str
    namespace: str | None  # None for a ClusterRole
    labels: Mapping[str, str]
    rules: tuple[PolicyRule, ...]
    # An aggregated ClusterRole's label selectors; None when the role is not aggregated.
    aggregation: tuple[Mapping[str, Any], ...] | None
    resource: Resource | None
    problems: tuple[Problem, ...] = ()

    @property
    def cluster(self) -> bool:
        return self.kind == "ClusterRole"

    @property
    def display(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


def build_role(resource: Resource) -> Role:
    reader = Reader()
    raw = resource.raw
    cluster = resource.kind == "ClusterRole"
    aggregation: tuple[Mapping[str, Any], ...] | None = None
    if cluster and raw.get("aggregationRule") is not None:
        agg = reader.mapping(raw, "aggregationRule", ())
        selectors = []
        for i, sel in reader.maps(agg, "clusterRoleSelectors", ("aggregationRule",)):
            selectors.append(
                checked_selector(reader, sel, ("aggregationRule", "clusterRoleSelectors", i))
            )
        aggregation = tuple(selectors)
    return Role(
        kind=resource.kind,
        name=resource.name,
        namespace=None if cluster else namespace_of(resource),
        labels=resource.labels,
        rules=read_rules(reader, raw, ()),
        aggregation=aggregation,
        resource=resource,
        problems=tuple(reader.problems),
    )


# ============================================================================= bindings


@dataclass(frozen=True, slots=True)
class Subject:
    """One entry of a binding's `subjects`."""

    kind: str  # User, Group, ServiceAccount; anything else matches nobody
    name: str
    namespace: str | None  # a ServiceAccount's namespace (the RoleBinding's when not written)
    path: Path  # relative to the binding: ("subjects", index)

    @property
    def username(self) -> str | None:
        """The user name this subject grants to (None for groups and unusable subjects)."""
        if not self.name:
            return None
        if self.kind == "User":
            return self.name
        if self.kind == "ServiceAccount" and self.namespace:
            return service_account_user(self.namespace, self.name)
        return None

    @property
    def usable(self) -> bool:
        """Whether the authorizer can match this subject at all (a known kind with a name; a
        ServiceAccount also needs a namespace). The API server refuses the others."""
        return (self.kind == "Group" and bool(self.name)) or self.username is not None

    @property
    def key(self) -> str:
        """The command-line notation: `user:alice`, `group:devs`, `sa:shop/api`."""
        if self.kind == "ServiceAccount":
            return f"sa:{self.namespace or '?'}/{self.name}"
        return f"{self.kind.lower()}:{self.name}"

    @property
    def display(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace or '?'}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class RoleRef:
    kind: str
    name: str
    api_group: str


@dataclass(frozen=True, slots=True, eq=False)
class Binding:
    """A RoleBinding or ClusterRoleBinding. `resource` is None for a built-in binding known
    from data."""

    kind: str
    name: str
    namespace: str | None  # None for a ClusterRoleBinding
    labels: Mapping[str, str]
    role_ref: RoleRef
    subjects: tuple[Subject, ...]
    resource: Resource | None
    problems: tuple[Problem, ...] = ()

    @property
    def cluster(self) -> bool:
        return self.kind == "ClusterRoleBinding"

    @property
    def display(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


def build_binding(resource: Resource) -> Binding:
    reader = Reader()
    raw = resource.raw
    cluster = resource.kind == "ClusterRoleBinding"
    namespace = None if cluster else namespace_of(resource)
    ref = reader.mapping(raw, "roleRef", ())
    role_ref = RoleRef(
        kind=reader.string(ref, "kind", ("roleRef",)) or "",
        name=reader.string(ref, "name", ("roleRef",)) or "",
        api_group=reader.string(ref, "apiGroup", ("roleRef",)) or "",
    )
    return Binding(
        kind=resource.kind,
        name=resource.name,
        namespace=namespace,
        labels=resource.labels,
        role_ref=role_ref,
        subjects=read_subjects(reader, raw, namespace),
        resource=resource,
        problems=tuple(reader.problems),
    )


def read_subjects(
    reader: Reader, raw: Mapping[str, Any], binding_namespace: str | None
) -> tuple[Subject, ...]:
    out = []
    for i, s in reader.maps(raw, "subjects", ()):
        at = ("subjects", i)
        kind = reader.string(s, "kind", at) or ""
        namespace = reader.string(s, "namespace", at) or None
        if kind == "ServiceAccount" and namespace is None:
            namespace = binding_namespace
        out.append(Subject(kind, reader.string(s, "name", at) or "", namespace, at))
    return tuple(out)


# ====================================================================== service accounts


@dataclass(frozen=True, slots=True, eq=False)
class ServiceAccount:
    name: str
    namespace: str
    automount: bool | None  # automountServiceAccountToken; None when not set (true)
    resource: Resource
    problems: tuple[Problem, ...] = ()


def build_service_account(resource: Resource) -> ServiceAccount:
    reader = Reader()
    automount = reader.boolean(resource.raw, "automountServiceAccountToken", ())
    return ServiceAccount(
        resource.name, namespace_of(resource), automount, resource, tuple(reader.problems)
    )


# ============================================================================ resources

# Built-in resources the RBAC rules and commands name, by plural: API group and whether the
# resource is namespaced. A request for a cluster-scoped resource carries no namespace, so a
# RoleBinding can never grant it.
_CORE_NAMESPACED = (
    "pods bindings configmaps endpoints events limitranges persistentvolumeclaims podtemplates "
    "replicationcontrollers resourcequotas secrets serviceaccounts services"
)
_CORE_CLUSTER = "componentstatuses namespaces nodes persistentvolumes users groups"
_GROUPED: tuple[tuple[str, str, bool], ...] = (
    ("apps", "controllerrevisions daemonsets deployments replicasets statefulsets", True),
    ("batch", "cronjobs jobs", True),
    ("autoscaling", "horizontalpodautoscalers", True),
    ("policy", "poddisruptionbudgets", True),
    ("networking.k8s.io", "ingresses networkpolicies", True),
    ("networking.k8s.io", "ingressclasses ipaddresses servicecidrs", False),
    ("discovery.k8s.io", "endpointslices", True),
    ("events.k8s.io", "events", True),
    ("coordination.k8s.io", "leases", True),
    ("storage.k8s.io", "csistoragecapacities", True),
    (
        "storage.k8s.io",
        "csidrivers csinodes storageclasses volumeattachments volumeattributesclasses",
        False,
    ),
    (RBAC_GROUP, "roles rolebindings", True),
    (RBAC_GROUP, "clusterroles clusterrolebindings", False),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations validatingwebhookconfigurations "
        "validatingadmissionpolicies validatingadmissionpolicybindings "
        "mutatingadmissionpolicies mutatingadmissionpolicybindings",
        False,
    ),
    ("certificates.k8s.io", "certificatesigningrequests clustertrustbundles signers", False),
    ("apiextensions.k8s.io", "customresourcedefinitions", False),
    ("apiregistration.k8s.io", "apiservices", False),
    ("scheduling.k8s.io", "priorityclasses", False),
    ("node.k8s.io", "runtimeclasses", False),
    ("authentication.k8s.io", "tokenreviews selfsubjectreviews uids userextras", False),
    (
        "authorization.k8s.io",
        "subjectaccessreviews selfsubjectaccessreviews selfsubjectrulesreviews",
        False,
    ),
    ("authorization.k8s.io", "localsubjectaccessreviews", True),
    ("flowcontrol.apiserver.k8s.io", "flowschemas prioritylevelconfigurations", False),
    ("resource.k8s.io", "deviceclasses resourceslices", False),
    ("resource.k8s.io", "resourceclaims resourceclaimtemplates", True),
)


def _known_resources() -> dict[str, tuple[str, bool]]:
    table = {r: ("", True) for r in _CORE_NAMESPACED.split()}
    table.update({r: ("", False) for r in _CORE_CLUSTER.split()})
    for group, names, namespaced in _GROUPED:
        for r in names.split():
            table.setdefault(r, (group, namespaced))
    return table


# plural -> (API group, namespaced); `events` is the core group's (events.k8s.io serves it too)
KNOWN_RESOURCES: Mapping[str, tuple[str, bool]] = _known_resources()
CLUSTER_SCOPED_RESOURCES = frozenset(
    (group, r) for r, (group, namespaced) in KNOWN_RESOURCES.items() if not namespaced
) | frozenset(
    (group, r) for group, names, namespaced in _GROUPED if not namespaced for r in names.split()
)


def is_namespaced(group: str, resource: str) -> bool:
    """Whether requests for the resource carry a namespace. Resources not known here (custom
    resources) are taken to be namespaced."""
    return (group, resource) not in CLUSTER_SCOPED_RESOURCES


def parse_resource(text: str) -> tuple[str, str, str | None]:
    """`RESOURCE[.GROUP][/SUBRESOURCE]` as kubectl writes it -> (resource, subresource, group).
    The group is None when not written (look it up in KNOWN_RESOURCES)."""
    head, _, sub = text.partition("/")
    resource, dot, group = head.partition(".")
    return resource.lower(), sub, group if dot else None
