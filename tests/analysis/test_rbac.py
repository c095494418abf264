"""Unit tests of the RBAC model and analysis: the authorizer's semantics point by point.

Expectations come from the Kubernetes RBAC documentation and the authorizer's rules (see the
docstring of `kubeward.model.rbac`), applied by hand to the objects written here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
import yaml

from kubeward.analysis.rbac import (
    ADMIN,
    CREATE_WORKLOADS,
    IMPERSONATE,
    NODES_PROXY,
    PV_CREATE,
    SECRETS_READ,
    TOKEN_CREATE,
    Identity,
    ManagedPattern,
    RbacGraph,
    RbacSettings,
    Request,
    builtins,
    identity_of,
    merge_permissions,
    parse_identity,
    parse_request,
)
from kubeward.model.rbac import (
    PolicyRule,
    build_binding,
    build_role,
    is_namespaced,
    parse_resource,
    problems_of,
)
from kubeward.model.resource import Resource, Source, build_resource
from kubeward.model.workload import build_workload, template_path


def resources(text: str) -> list[Resource]:
    out = []
    for i, doc in enumerate(yaml.safe_load_all(text)):
        out.append(build_resource(doc, Source("test.yaml", i, (), None)))
    return out


def graph(text: str, settings: RbacSettings | None = None, defaults: bool = True) -> RbacGraph:
    res = resources(text)
    workloads = []
    for r in res:
        t = template_path(r)
        if t is not None:
            workloads.append(build_workload(r, t))
    return RbacGraph.from_resources(res, workloads, settings, defaults=defaults)


def rule(**fields: Any) -> PolicyRule:
    return PolicyRule(
        verbs=tuple(fields.get("verbs", ())),
        api_groups=tuple(fields.get("groups", ())),
        resources=tuple(fields.get("resources", ())),
        resource_names=tuple(fields.get("names", ())),
        non_resource_urls=tuple(fields.get("urls", ())),
        index=0,
        path=("rules", 0),
    )


def user(name: str, *groups: str) -> Identity:
    return Identity(name, frozenset({"system:authenticated", *groups}), f"user:{name}")


def subjects(grants: Iterable[Any]) -> set[str]:
    return {g.subject.key for g in grants}


def role_doc(kind: str, name: str, rules: str, namespace: str | None = None) -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: {name}{ns}
rules:
{rules}
"""


def binding_doc(
    kind: str, name: str, role_kind: str, role: str, subjects: str, namespace: str | None = None
) -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: {name}{ns}
subjects:
{subjects}
roleRef:
  kind: {role_kind}
  name: {role}
  apiGroup: rbac.authorization.k8s.io
"""


# ======================================================================== rule matching


@pytest.mark.parametrize(
    ("fields", "request_", "allowed"),
    [
        # verbs: listed or *
        ({"verbs": ["get"], "groups": [""], "resources": ["pods"]}, ("get", "", "pods"), True),
        ({"verbs": ["get"], "groups": [""], "resources": ["pods"]}, ("list", "", "pods"), False),
        ({"verbs": ["*"], "groups": [""], "resources": ["pods"]}, ("delete", "", "pods"), True),
        # API groups: listed or *; the core group is ""
        ({"verbs": ["get"], "groups": ["apps"], "resources": ["pods"]}, ("get", "", "pods"), False),
        ({"verbs": ["get"], "groups": ["*"], "resources": ["pods"]}, ("get", "", "pods"), True),
        # resources: listed, *, resource/sub, */sub; pods/* is NOT a wildcard
        ({"verbs": ["get"], "groups": [""], "resources": ["*"]}, ("get", "", "pods/exec"), True),
        (
            {"verbs": ["get"], "groups": [""], "resources": ["pods/exec"]},
            ("get", "", "pods/exec"),
            True,
        ),
        (
            {"verbs": ["get"], "groups": [""], "resources": ["*/exec"]},
            ("get", "", "pods/exec"),
            True,
        ),
        (
            {"verbs": ["get"], "groups": [""], "resources": ["pods/*"]},
            ("get", "", "pods/exec"),
            False,
        ),
        (
            {"verbs": ["get"], "groups": [""], "resources": ["pods"]},
            ("get", "", "pods/exec"),
            False,
        ),
        ({"verbs": ["get"], "groups": [""], "resources": ["*/exec"]}, ("get", "", "pods"), False),
        (
            {"verbs": ["get"], "groups": [""], "resources": ["*/exec"]},
            ("get", "", "pods/execute"),
            False,
        ),
        # no verbs, no groups or no resources: nothing
        ({"verbs": [], "groups": ["*"], "resources": ["*"]}, ("get", "", "pods"), False),
        ({"verbs": ["*"], "groups": [], "resources": ["*"]}, ("get", "", "pods"), False),
        ({"verbs": ["*"], "groups": ["*"], "resources": []}, ("get", "", "pods"), False),
    ],
)
def test_resource_rule_matching(
    fields: dict[str, Any], request_: tuple[str, str, str], allowed: bool
) -> None:
    verb, group, target = request_
    resource, _, sub = target.partition("/")
    assert rule(**fields).allows_resource(verb, group, resource, sub) is allowed


def test_resource_names_restrict_to_named_requests() -> None:
    r = rule(verbs=["get", "list"], groups=[""], resources=["secrets"], names=["tls"])
    assert r.allows_resource("get", "", "secrets", "", "tls")
    assert not r.allows_resource("get", "", "secrets", "", "other")
    # a list request carries no name: a rule with resourceNames never allows it
    assert not r.allows_resource("list", "", "secrets", "", "")


@pytest.mark.parametrize(
    ("patterns", "url", "allowed"),
    [
        (["/healthz"], "/healthz", True),
        (["/healthz"], "/healthz/etcd", False),
        (["/healthz/*"], "/healthz/etcd", True),
        (["/healthz/*"], "/healthz/", True),
        (["/healthz/*"], "/healthz", False),
        (["/api*"], "/apis/apps", True),
        (["*"], "/metrics", True),
        ([], "/metrics", False),
    ],
)
def test_non_resource_url_matching(patterns: list[str], url: str, allowed: bool) -> None:
    assert rule(verbs=["get"], urls=patterns).allows_url("get", url) is allowed
    assert not rule(verbs=["post"], urls=patterns).allows_url("get", url)


def test_a_resource_rule_allows_no_url_and_a_url_rule_no_resource() -> None:
    assert not rule(verbs=["*"], groups=["*"], resources=["*"]).allows_url("get", "/healthz")
    assert not rule(verbs=["*"], urls=["*"]).allows_resource("get", "", "pods")


# ============================================================================== scoping

SECRET_READER = role_doc(
    "ClusterRole",
    "secret-reader",
    '  - {apiGroups: [""], resources: [secrets, persistentvolumes, nodes/proxy], '
    "verbs: [get, list, create]}",
)


def test_role_binding_to_cluster_role_grants_only_in_its_namespace() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "RoleBinding",
            "rb",
            "ClusterRole",
            "secret-reader",
            "  - {kind: User, name: alice}",
            "shop",
        )
    )
    alice = user("alice")
    assert g.authorize(alice, Request("get", "secrets", namespace="shop")).allowed
    assert not g.authorize(alice, Request("get", "secrets", namespace="other")).allowed
    # all namespaces at once: only ClusterRoleBindings count
    assert not g.authorize(alice, Request("list", "secrets")).allowed
    # cluster-scoped resources carry no namespace: a RoleBinding never grants them
    assert not g.authorize(alice, Request("create", "persistentvolumes")).allowed
    assert not g.authorize(alice, Request("get", "nodes", "proxy")).allowed


def test_cluster_role_binding_grants_everywhere() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "crb",
            "ClusterRole",
            "secret-reader",
            "  - {kind: User, name: bob}",
        )
    )
    bob = user("bob")
    for request in (
        Request("get", "secrets", namespace="shop"),
        Request("list", "secrets"),
        Request("create", "persistentvolumes"),
        Request("get", "nodes", "proxy"),
    ):
        assert g.authorize(bob, request).allowed, request


def test_role_reference_is_resolved_in_the_bindings_namespace() -> None:
    role = role_doc(
        "Role", "reader", '  - {apiGroups: [""], resources: [pods], verbs: [get]}', "shop"
    )
    g = graph(
        role
        + "---\n"
        + binding_doc("RoleBinding", "here", "Role", "reader", "  - {kind: User, name: a}", "shop")
        + "---\n"
        + binding_doc("RoleBinding", "there", "Role", "reader", "  - {kind: User, name: b}", "web")
        + "---\n"
        + binding_doc("ClusterRoleBinding", "crb", "Role", "reader", "  - {kind: User, name: c}")
    )
    assert g.authorize(user("a"), Request("get", "pods", namespace="shop")).allowed
    # the Role is in shop, not in web: the binding in web refers to nothing
    assert not g.authorize(user("b"), Request("get", "pods", namespace="web")).allowed
    # a ClusterRoleBinding cannot refer to a Role
    assert not g.authorize(user("c"), Request("get", "pods", namespace="shop")).allowed
    assert {(b.kind, b.name) for b in g.unresolved()} == {
        ("RoleBinding", "there"),
        ("ClusterRoleBinding", "crb"),
    }


def test_objects_without_namespace_belong_together_not_to_default() -> None:
    role = role_doc("Role", "reader", '  - {apiGroups: [""], resources: [pods], verbs: [get]}')
    g = graph(
        role
        + "---\n"
        + binding_doc("RoleBinding", "rb", "Role", "reader", "  - {kind: User, name: a}")
        + "---\n"
        + binding_doc(
            "RoleBinding", "explicit", "Role", "reader", "  - {kind: User, name: b}", "default"
        )
    )
    # both without namespace: applied to the same namespace, whatever it is
    assert g.authorize(user("a"), Request("get", "pods", namespace="(unset)")).allowed
    assert not g.authorize(user("a"), Request("get", "pods", namespace="default")).allowed
    # the Role is not known to be in default
    assert not g.authorize(user("b"), Request("get", "pods", namespace="default")).allowed


# ============================================================================= subjects


def test_service_account_subject_takes_the_role_bindings_namespace() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "RoleBinding",
            "rb",
            "ClusterRole",
            "secret-reader",
            "  - {kind: ServiceAccount, name: backup}",
            "shop",
        )
    )
    assert g.authorize(
        parse_identity("sa:shop/backup"), Request("get", "secrets", namespace="shop")
    ).allowed
    assert not g.authorize(
        parse_identity("sa:other/backup"), Request("get", "secrets", namespace="shop")
    ).allowed


def test_service_account_without_namespace_in_a_cluster_binding_matches_nobody() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "crb",
            "ClusterRole",
            "secret-reader",
            "  - {kind: ServiceAccount, name: sa1}",
        )
    )
    for ns in ("default", "kube-system"):
        assert not g.authorize(parse_identity(f"sa:{ns}/sa1"), Request("list", "secrets")).allowed
    assert g.who_can(Request("list", "secrets")) == [
        gr for gr in g.who_can(Request("list", "secrets")) if gr.binding.resource is None
    ]


def test_service_account_user_name_and_groups() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "as-user",
            "ClusterRole",
            "secret-reader",
            "  - {kind: User, name: 'system:serviceaccount:shop:api'}",
        )
        + "---\n"
        + binding_doc(
            "RoleBinding",
            "ns-group",
            "ClusterRole",
            "secret-reader",
            "  - {kind: Group, name: 'system:serviceaccounts:web'}",
            "web",
        )
    )
    request = Request("get", "secrets", namespace="web")
    # a User subject with a ServiceAccount's user name is that ServiceAccount
    assert g.authorize(parse_identity("sa:shop/api"), request).allowed
    # every ServiceAccount of web is in system:serviceaccounts:web
    assert g.authorize(parse_identity("sa:web/anything"), request).allowed
    assert not g.authorize(parse_identity("sa:shop/other"), request).allowed
    assert not g.authorize(user("alice"), request).allowed


def test_unknown_subject_kinds_match_nobody() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "crb",
            "ClusterRole",
            "secret-reader",
            "  - {kind: user, name: alice}\n  - {kind: Node, name: alice}",
        )
    )
    assert not g.authorize(user("alice"), Request("list", "secrets")).allowed


def test_every_authenticated_user_is_in_system_authenticated() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "all",
            "ClusterRole",
            "secret-reader",
            "  - {kind: Group, name: 'system:authenticated'}",
        )
    )
    request = Request("list", "secrets")
    assert g.authorize(parse_identity("user:anyone"), request).allowed
    assert g.authorize(parse_identity("sa:x/y"), request).allowed
    assert g.authorize(parse_identity("group:devs"), request).allowed
    # anonymous requests are not authenticated
    assert not g.authorize(parse_identity("user:system:anonymous"), request).allowed
    assert not g.authorize(parse_identity("group:system:unauthenticated"), request).allowed


def test_system_masters_bypass_rbac() -> None:
    g = graph("", defaults=False) if False else RbacGraph.from_resources([], defaults=False)
    decision = g.authorize(parse_identity("group:system:masters"), Request("delete", "nodes"))
    assert decision.allowed and decision.superuser and decision.grants == ()
    assert g.authorize(
        parse_identity("user:admin", ["system:masters"]), Request("get", url="/anything")
    ).allowed


@pytest.mark.parametrize(
    ("text", "user_name", "groups"),
    [
        ("user:alice", "alice", {"system:authenticated"}),
        (
            "sa:shop/api",
            "system:serviceaccount:shop:api",
            {"system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"},
        ),
        (
            "user:system:serviceaccount:shop:api",
            "system:serviceaccount:shop:api",
            {"system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"},
        ),
        ("user:system:anonymous", "system:anonymous", {"system:unauthenticated"}),
        ("group:devs", None, {"devs", "system:authenticated"}),
        ("group:system:unauthenticated", None, {"system:unauthenticated"}),
        (
            "group:system:serviceaccounts:shop",
            None,
            {"system:serviceaccounts:shop", "system:serviceaccounts", "system:authenticated"},
        ),
    ],
)
def test_parse_identity(text: str, user_name: str | None, groups: set[str]) -> None:
    identity = parse_identity(text)
    assert identity.user == user_name
    assert identity.groups == frozenset(groups)


@pytest.mark.parametrize("text", ["alice", "sa:shop", "sa:/x", "robot:x", "user:"])
def test_parse_identity_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_identity(text)


def test_identity_of_subjects() -> None:
    (b,) = [
        build_binding(r)
        for r in resources(
            binding_doc(
                "RoleBinding",
                "rb",
                "Role",
                "x",
                "  - {kind: ServiceAccount, name: api}\n  - {kind: Group, name: devs}\n"
                "  - {kind: Robot, name: r2}",
                "shop",
            )
        )
    ]
    sa, group, robot = (identity_of(s) for s in b.subjects)
    assert sa is not None and sa.user == "system:serviceaccount:shop:api"
    assert group is not None and group.user is None and "devs" in group.groups
    assert robot is None


# ========================================================================== aggregation


def test_aggregated_cluster_role_is_the_union_of_the_roles_it_selects() -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {agg: top}
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}   # overwritten by the controller
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: middle, labels: {agg: top}}
aggregationRule:
  clusterRoleSelectors:
    - matchExpressions: [{key: agg, operator: In, values: [middle]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {agg: middle}}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: direct, labels: {agg: top}}
rules:
  - {apiGroups: [""], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: unlabelled}
rules:
  - {apiGroups: [""], resources: [nodes], verbs: [delete]}
---
"""
    text += binding_doc(
        "ClusterRoleBinding", "b", "ClusterRole", "top", "  - {kind: User, name: alice}"
    )
    g = graph(text, defaults=False)
    alice = user("alice")
    assert g.authorize(alice, Request("get", "secrets", namespace="x")).allowed  # via middle
    assert g.authorize(alice, Request("list", "pods")).allowed  # direct
    assert not g.authorize(alice, Request("delete", "nodes")).allowed  # not selected
    # the aggregated role's own rules are replaced: no wildcard
    assert not g.authorize(alice, Request("delete", "pods", namespace="x")).allowed
    (grant,) = g.authorize(alice, Request("get", "secrets", namespace="x")).grants
    assert [s.role.name for s in grant.sources] == ["leaf"]


def test_aggregation_cycles_and_empty_selectors() -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {ring: b}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {ring: a}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {ring: a}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {ring: b}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: c, labels: {ring: a}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything-selector}
aggregationRule:
  clusterRoleSelectors: [{}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: no-selectors}
aggregationRule: {}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
"""
    g = graph(text, defaults=False)
    rules_of = {name: {s.role.name for s in g.rules_of(g.cluster_roles[name])} for name in "abc"}
    # a selects b and c (label ring=a): it gets c's rule, and b's aggregated rules (a's: c's)
    assert rules_of["a"] == {"c"}
    assert rules_of["b"] == {"c"}  # b selects a (ring=b), whose aggregated rules are c's
    every = {s.role.name for s in g.rules_of(g.cluster_roles["everything-selector"])}
    assert every == {"c"}  # an empty selector selects every other ClusterRole
    assert g.rules_of(g.cluster_roles["no-selectors"]) == ()


def test_built_in_roles_are_known_and_aggregated() -> None:
    g = graph(
        binding_doc(
            "RoleBinding", "e", "ClusterRole", "edit", "  - {kind: User, name: dev}", "shop"
        )
        + "---\n"
        + binding_doc(
            "RoleBinding", "v", "ClusterRole", "view", "  - {kind: User, name: viewer}", "shop"
        )
        + "---\n"
        + binding_doc(
            "RoleBinding", "a", "ClusterRole", "admin", "  - {kind: User, name: owner}", "shop"
        )
    )
    in_shop = {"namespace": "shop"}
    assert g.authorize(user("dev"), Request("create", "pods", **in_shop)).allowed
    assert g.authorize(user("dev"), Request("list", "secrets", **in_shop)).allowed
    assert g.authorize(user("dev"), Request("list", "deployments", group="apps", **in_shop)).allowed
    assert not g.authorize(
        user("dev"), Request("create", "roles", group="rbac.authorization.k8s.io", **in_shop)
    ).allowed
    assert g.authorize(user("viewer"), Request("list", "pods", **in_shop)).allowed
    assert not g.authorize(user("viewer"), Request("get", "secrets", **in_shop)).allowed
    assert g.authorize(
        user("owner"),
        Request("create", "rolebindings", group="rbac.authorization.k8s.io", **in_shop),
    ).allowed
    assert g.authorize(user("owner"), Request("create", "pods", "exec", **in_shop)).allowed
    # every authenticated user may read /version through the built-in binding
    assert g.authorize(user("anyone"), Request("get", url="/version")).allowed


def test_roles_in_the_input_take_precedence_over_built_in_definitions() -> None:
    g = graph(
        role_doc("ClusterRole", "view", '  - {apiGroups: [""], resources: [secrets], verbs: [get]}')
        + "---\n"
        + binding_doc("ClusterRoleBinding", "v", "ClusterRole", "view", "  - {kind: User, name: u}")
    )
    assert g.authorize(user("u"), Request("get", "secrets", namespace="x")).allowed
    assert not g.authorize(user("u"), Request("list", "pods", namespace="x")).allowed


# ============================================================================= who-can


def test_who_can_scope() -> None:
    g = graph(
        SECRET_READER
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding", "crb", "ClusterRole", "secret-reader", "  - {kind: User, name: c}"
        )
        + "---\n"
        + binding_doc(
            "RoleBinding",
            "rb1",
            "ClusterRole",
            "secret-reader",
            "  - {kind: User, name: s}",
            "shop",
        )
        + "---\n"
        + binding_doc(
            "RoleBinding", "rb2", "ClusterRole", "secret-reader", "  - {kind: User, name: w}", "web"
        ),
        defaults=False,
    )
    assert subjects(g.who_can(Request("get", "secrets", namespace="shop"))) == {"user:c", "user:s"}
    assert subjects(g.who_can(Request("get", "secrets"))) == {"user:c"}
    anywhere = g.who_can(Request("get", "secrets"), anywhere=True)
    assert {(gr.subject.key, gr.scope) for gr in anywhere} == {
        ("user:c", None),
        ("user:s", "shop"),
        ("user:w", "web"),
    }
    # cluster-scoped: RoleBindings never count
    assert subjects(g.who_can(Request("create", "persistentvolumes"), anywhere=True)) == {"user:c"}


@pytest.mark.parametrize(
    ("verb", "target", "namespace", "expected", "notes"),
    [
        ("get", "pods", "shop", Request("get", "pods", namespace="shop"), 0),
        ("create", "pods/exec", None, Request("create", "pods", "exec"), 0),
        ("list", "deployments", None, Request("list", "deployments", group="apps"), 0),
        (
            "list",
            "widgets.example.com",
            "shop",
            Request("list", "widgets", group="example.com", namespace="shop"),
            0,
        ),
        ("list", "widgets", None, Request("list", "widgets"), 1),
        ("get", "nodes", "shop", Request("get", "nodes"), 1),
        ("get", "/healthz", None, Request("get", url="/healthz"), 0),
        ("get", "/healthz", "x", Request("get", url="/healthz"), 1),
    ],
)
def test_parse_request(
    verb: str, target: str, namespace: str | None, expected: Request, notes: int
) -> None:
    request, got_notes = parse_request(verb, target, namespace)
    assert request == expected
    assert len(got_notes) == notes


def test_resource_scope_table() -> None:
    assert parse_resource("Deployments.apps/scale") == ("deployments", "scale", "apps")
    assert not is_namespaced("", "nodes")
    assert not is_namespaced("rbac.authorization.k8s.io", "clusterroles")
    assert is_namespaced("rbac.authorization.k8s.io", "roles")
    assert is_namespaced("example.com", "widgets")


# ========================================================================= capabilities


def test_capabilities_respect_binding_scope() -> None:
    text = (
        role_doc(
            "ClusterRole",
            "wide",
            '  - {apiGroups: [""], resources: [persistentvolumes, nodes/proxy, users, '
            "serviceaccounts], verbs: [create, get, impersonate]}",
        )
        + "---\n"
        + binding_doc("RoleBinding", "rb", "ClusterRole", "wide", "  - {kind: User, name: r}", "x")
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding", "crb", "ClusterRole", "wide", "  - {kind: User, name: c}"
        )
    )
    g = graph(text, defaults=False)

    def holders(cap: Any) -> set[str]:
        return {s.key for cg in g.capability_grants(cap) for s in cg.binding.subjects}

    assert holders(PV_CREATE) == {"user:c"}
    assert holders(NODES_PROXY) == {"user:c"}
    # serviceaccounts are namespaced: the RoleBinding grants impersonating them in x
    assert holders(IMPERSONATE) == {"user:c", "user:r"}
    (rb_grant,) = [cg for cg in g.capability_grants(IMPERSONATE) if cg.scope == "x"]
    assert {m.probe.resource for m in rb_grant.matches} == {"serviceaccounts"}


def test_full_control_subsumes_narrower_capabilities() -> None:
    text = (
        role_doc("Role", "core", '  - {apiGroups: [""], resources: ["*"], verbs: ["*"]}', "x")
        + "---\n"
        + binding_doc("RoleBinding", "rb", "Role", "core", "  - {kind: User, name: u}", "x")
        + "---\n"
        + role_doc(
            "ClusterRole",
            "core-and-rbac",
            '  - {apiGroups: [""], resources: ["*"], verbs: ["*"]}\n'
            "  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind]}\n"
            "  - {apiGroups: [apps], resources: [deployments], verbs: [create]}",
        )
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding", "crb", "ClusterRole", "core-and-rbac", "  - {kind: User, name: v}"
        )
    )
    g = graph(text, defaults=False)
    (secrets_x,) = [cg for cg in g.capability_grants(SECRETS_READ) if cg.scope == "x"]
    assert g.subsumed(secrets_x)
    (create_v,) = [cg for cg in g.capability_grants(CREATE_WORKLOADS) if cg.scope is None]
    # pods (core) are implied, deployments (apps) are not
    assert not g.subsumed(create_v)
    assert len(g.capability_grants(ADMIN)) == 2


def test_exemptions_of_built_in_bindings() -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin}
subjects:
  - {kind: Group, name: 'system:masters'}
  - {kind: Group, name: devs}
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: 'system:controller:job-controller'}
subjects:
  - {kind: ServiceAccount, name: job-controller, namespace: kube-system}
  - {kind: ServiceAccount, name: intruder, namespace: kube-system}
roleRef:
  {kind: ClusterRole, name: 'system:controller:job-controller', apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: 'gatekeeper-admin', labels: {addonmanager.kubernetes.io/mode: Reconcile}}
subjects: [{kind: ServiceAccount, name: gatekeeper, namespace: gatekeeper-system}]
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: 'my-platform'}
subjects: [{kind: Group, name: platform}]
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
"""
    g = graph(text)
    exempt = {(b.name, s.key): g.exempt(b, s) for b in g.bindings if b.resource for s in b.subjects}
    assert exempt == {
        ("cluster-admin", "group:system:masters"): True,
        ("cluster-admin", "group:devs"): False,  # added to a built-in binding
        ("system:controller:job-controller", "sa:kube-system/job-controller"): True,
        ("system:controller:job-controller", "sa:kube-system/intruder"): False,
        ("gatekeeper-admin", "sa:gatekeeper-system/gatekeeper"): True,  # addon-managed label
        ("my-platform", "group:platform"): False,
    }
    configured = graph(
        text,
        RbacSettings(managed=(ManagedPattern(kinds=("ClusterRoleBinding",), names=("my-*",)),)),
    )
    assert all(
        configured.exempt(b, s)
        for b in configured.bindings
        if b.name == "my-platform"
        for s in b.subjects
    )
    # configured patterns hold even when the built-in exemptions are off
    both = graph(
        text,
        RbacSettings(
            exempt_builtin=False,
            managed=(ManagedPattern(names=("my-platform",)),),
        ),
    )
    assert {
        (b.name, s.key)
        for b in both.bindings
        if b.resource
        for s in b.subjects
        if both.exempt(b, s)
    } == {("my-platform", "group:platform")}
    reported = graph(text, RbacSettings(exempt_builtin=False))
    assert not any(
        reported.exempt(b, s) for b in reported.bindings if b.resource for s in b.subjects
    )


def test_built_in_data_is_consistent() -> None:
    data = builtins()
    names = {r.name for r in data.definitions}
    assert {"cluster-admin", "admin", "edit", "view"} <= names
    # every default binding refers to a defined role
    assert all(b.role_ref.name in names for b in data.default_bindings)
    # every defined role is also listed as managed
    assert names <= set(data.cluster_roles)


# ============================================================================ workloads


WORKLOAD_SA = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet, namespace: app}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: app}
spec: {serviceAccountName: quiet, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: app}
spec:
  {serviceAccountName: quiet, automountServiceAccountToken: true, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p3, namespace: app}
spec: {automountServiceAccountToken: false, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p4, namespace: app}
spec: {containers: [{name: c, image: x}]}
"""


def test_token_mounted_precedence() -> None:
    g = graph(WORKLOAD_SA, defaults=False)
    mounted = {w.name: g.token_mounted(w) for w in g.workloads}
    # the pod's setting wins; then the ServiceAccount's; the default is true
    assert mounted == {"p1": False, "p2": True, "p3": False, "p4": True}


# ============================================================================ escalation


ESCALATION = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: dev}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-deploys, namespace: dev}
subjects: [{kind: User, name: alice}]
roleRef: {kind: Role, name: deployer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: token-maker, namespace: ops}
rules:
  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [root]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-bot-tokens, namespace: ops}
subjects: [{kind: ServiceAccount, name: bot, namespace: dev}]
roleRef: {kind: Role, name: token-maker, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: root}
subjects: [{kind: ServiceAccount, name: root, namespace: ops}]
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: helper, namespace: ops}
"""


def test_escalation_steps_and_a_two_step_risky_path() -> None:
    g = graph(ESCALATION)
    steps = {(s.source, s.gained, s.capability.key) for s in g.escalations()}
    # alice creates deployments in dev: she can run as any account of dev (bot)
    assert ("user:alice", "sa:dev/bot", "create-workloads") in steps
    # bot may create tokens only for ops/root (resourceNames), not for ops/helper
    assert ("sa:dev/bot", "sa:ops/root", "token-create") in steps
    assert ("sa:dev/bot", "sa:ops/helper", "token-create") not in steps
    paths = {p.chain(): p for p in g.risky_paths()}
    chain = (
        "user:alice -> create pods or workloads in namespace dev that run as it -> sa:dev/bot"
        " -> create a token for it in namespace ops -> sa:ops/root"
    )
    assert chain in paths
    assert {cg.capability.key for cg, _ in paths[chain].gains} >= {"admin", "secrets-read"}
    # bot's own path is one step
    assert any(p.source == "sa:dev/bot" and len(p.steps) == 1 for p in paths.values())


def test_no_risky_path_when_the_subject_already_holds_the_rights() -> None:
    text = ESCALATION.replace("subjects: [{kind: User, name: alice}]", "subjects: []") + (
        "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "alice-admin",
            "ClusterRole",
            "cluster-admin",
            "  - {kind: User, name: alice}",
        )
        + "---\n"
        + binding_doc(
            "RoleBinding",
            "alice-deploys-2",
            "Role",
            "deployer",
            "  - {kind: User, name: alice}",
            "dev",
        )
    )
    g = graph(text)
    assert not [p for p in g.risky_paths() if p.source == "user:alice"]


# ======================================================================== bad input


def test_wrongly_typed_fields_are_problems_not_crashes() -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: odd}
rules:
  - {apiGroups: "", resources: [pods, 3], verbs: get}
  - not-a-rule
aggregationRule: {clusterRoleSelectors: [{matchLabels: [a]}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: odd}
subjects: {kind: User, name: x}
roleRef: [ClusterRole, odd]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: odd}
automountServiceAccountToken: "no"
"""
    res = resources(text)
    found = {r.kind: [p.message for p in problems_of(r)] for r in res}
    assert any("rules[0].apiGroups: expected a list" in m for m in found["ClusterRole"])
    assert any("rules[0].resources[1]: expected a string" in m for m in found["ClusterRole"])
    assert any("rules[1]: expected a mapping" in m for m in found["ClusterRole"])
    assert any("subjects: expected a list" in m for m in found["ClusterRoleBinding"])
    assert any("roleRef: expected a mapping" in m for m in found["ClusterRoleBinding"])
    assert any("automountServiceAccountToken" in m for m in found["ServiceAccount"])
    g = RbacGraph.from_resources(res)
    assert g.authorize(user("x"), Request("get", "pods", namespace="a")).allowed is False
    role = build_role(res[0])
    assert role.rules[0].resources == ("pods",)


def test_merge_permissions_per_scope_and_resource() -> None:
    text = (
        role_doc(
            "ClusterRole",
            "r",
            '  - {apiGroups: [""], resources: [pods, nodes], verbs: [get]}\n'
            '  - {apiGroups: [""], resources: [pods], verbs: [list]}\n'
            "  - {nonResourceURLs: [/metrics], verbs: [get]}",
        )
        + "---\n"
        + binding_doc("RoleBinding", "rb", "ClusterRole", "r", "  - {kind: User, name: u}", "x")
        + "---\n"
        + binding_doc("ClusterRoleBinding", "crb", "ClusterRole", "r", "  - {kind: User, name: u}")
    )
    g = graph(text, defaults=False)
    rows = {
        (p.scope, p.group, p.resource): p.verbs for p in merge_permissions(g.grants_to(user("u")))
    }
    assert rows == {
        (None, "", "pods"): ("get", "list"),
        (None, "", "nodes"): ("get",),
        (None, None, "/metrics"): ("get",),
        # in the RoleBinding's namespace: no cluster-scoped nodes, no URLs
        ("x", "", "pods"): ("get", "list"),
    }


def test_named_tokens_are_not_takeover_but_unrestricted_ones_are() -> None:
    text = (
        role_doc(
            "ClusterRole",
            "named",
            '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], '
            "resourceNames: [cni]}",
        )
        + "---\n"
        + role_doc(
            "ClusterRole",
            "any",
            '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}',
        )
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "n",
            "ClusterRole",
            "named",
            "  - {kind: ServiceAccount, name: agent, namespace: kube-system}",
        )
        + "---\n"
        + binding_doc(
            "ClusterRoleBinding",
            "a",
            "ClusterRole",
            "any",
            "  - {kind: ServiceAccount, name: minter, namespace: tools}",
        )
    )
    g = graph(text, defaults=False)
    # both can create tokens (RBAC013), but only an unrestricted rule is a takeover right
    assert {s.key for cg in g.capability_grants(TOKEN_CREATE) for s in cg.binding.subjects} == {
        "sa:kube-system/agent",
        "sa:tools/minter",
    }
    assert g.takeover_of("sa:kube-system/agent") == []
    assert [cg.capability.key for cg, _ in g.takeover_of("sa:tools/minter")] == ["token-create-any"]
