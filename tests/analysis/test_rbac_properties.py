"""Property tests: kubeward's RBAC authorizer against a straightforward reference.

The reference below works on the raw objects (plain dicts, as YAML gives them) and follows
the Kubernetes RBAC authorizer step by step, with no index, cache or typed model: visit every
ClusterRoleBinding, then (for a namespaced request) every RoleBinding of the request's
namespace; a binding applies when one of its subjects is the user (by kind); its role is
looked up by kind and name (a Role in the binding's namespace); aggregated ClusterRoles get
the rules of the ClusterRoles their selectors match, repeated until nothing changes; a rule
allows a request when its verb, API group, resource (or `*/subresource`) and name match, or
for a URL when a listed path equals it or a `*`-suffixed prefix covers it. Members of
`system:masters` are allowed everything.

Hypothesis generates random roles, bindings, identities and requests over small vocabularies
(so that things collide often), and kubeward must agree on every decision and on every
who-can answer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeward.analysis.rbac import Identity, RbacGraph, Request
from kubeward.model.resource import Source, build_resource

NAMESPACES = ["ns1", "ns2"]
VERBS = ["get", "list", "create", "delete", "impersonate", "*"]
GROUPS = ["", "apps", "*"]
RESOURCES = ["pods", "pods/exec", "secrets", "nodes", "nodes/proxy", "deployments", "*", "*/exec"]
RESOURCES += ["pods/*", "persistentvolumes", "serviceaccounts/token"]
NAMES = ["a", "b"]
URLS = ["/healthz", "/api", "/api/*", "/version", "*", "/heal*"]
USERS = ["alice", "bob", "system:serviceaccount:ns1:sa1", "system:serviceaccount:ns2:sa2"]
GROUP_NAMES = [
    "devs",
    "system:authenticated",
    "system:serviceaccounts",
    "system:serviceaccounts:ns1",
    "system:masters",
]
ROLE_NAMES = ["r1", "r2"]
CLUSTER_ROLE_NAMES = ["c1", "c2", "c3"]
LABELS = [{}, {"agg": "x"}, {"agg": "y"}, {"agg": "x", "tier": "t"}]
CLUSTER_SCOPED = {("", "nodes"), ("", "persistentvolumes")}

# ------------------------------------------------------------------------------ reference


def ref_rule_allows(rule: dict[str, Any], req: dict[str, Any]) -> bool:
    verbs = rule.get("verbs", [])
    if not any(v == "*" or v == req["verb"] for v in verbs):
        return False
    if req["url"] is not None:
        for u in rule.get("nonResourceURLs", []):
            if u == "*" or u == req["url"]:
                return True
            if u.endswith("*") and req["url"].startswith(u.rstrip("*")):
                return True
        return False
    if not any(g == "*" or g == req["group"] for g in rule.get("apiGroups", [])):
        return False
    combined = req["resource"] + ("/" + req["sub"] if req["sub"] else "")
    resource_ok = False
    for r in rule.get("resources", []):
        # `*`, the exact resource[/subresource], or `*/subresource` for a subresource request
        if r == "*" or r == combined or (req["sub"] and r == "*/" + req["sub"]):
            resource_ok = True
    if not resource_ok:
        return False
    names = rule.get("resourceNames", [])
    return not names or req["name"] in names


def ref_selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in selector.get("matchLabels", {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions", []):
        present = e["key"] in labels
        if e["operator"] == "In" and not (present and labels[e["key"]] in e["values"]):
            return False
        if e["operator"] == "NotIn" and present and labels[e["key"]] in e["values"]:
            return False
        if e["operator"] == "Exists" and not present:
            return False
        if e["operator"] == "DoesNotExist" and present:
            return False
    return True


def ref_cluster_role_rules(cluster_roles: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rules of every ClusterRole after aggregation (fixed point)."""
    by_name = {c["metadata"]["name"]: c for c in cluster_roles}
    rules = {n: list(c.get("rules", [])) for n, c in by_name.items()}
    aggregated = [n for n, c in by_name.items() if "aggregationRule" in c]
    for n in aggregated:
        rules[n] = []
    changed = True
    while changed:
        changed = False
        for n in aggregated:
            new: list[Any] = []
            for sel in by_name[n]["aggregationRule"]["clusterRoleSelectors"]:
                for other in sorted(by_name):
                    if other == n:
                        continue
                    if ref_selector_matches(sel, by_name[other]["metadata"].get("labels", {})):
                        for r in rules[other]:
                            if r not in new:
                                new.append(r)
            if sorted(map(repr, new)) != sorted(map(repr, rules[n])):
                rules[n] = new
                changed = True
    return rules


def ref_applies(subject: dict[str, Any], user: str | None, groups: set[str], ns: str) -> bool:
    kind = subject["kind"]
    if kind == "User":
        return user == subject["name"]
    if kind == "Group":
        return subject["name"] in groups
    if kind == "ServiceAccount":
        sa_ns = subject.get("namespace") or ns
        if not sa_ns:
            return False
        return user == f"system:serviceaccount:{sa_ns}:{subject['name']}"
    return False


def ref_binding_rules(
    binding: dict[str, Any], objects: list[dict[str, Any]], cr_rules: dict[str, list[Any]]
) -> list[Any] | None:
    ref = binding["roleRef"]
    ns = binding["metadata"].get("namespace", "") if binding["kind"] == "RoleBinding" else ""
    if ref["kind"] == "ClusterRole":
        return cr_rules.get(ref["name"])
    if ref["kind"] == "Role":
        for o in objects:
            if (
                o["kind"] == "Role"
                and o["metadata"]["name"] == ref["name"]
                and o["metadata"]["namespace"] == ns
                and ns
            ):
                return list(o.get("rules", []))
    return None


def ref_authorize(
    objects: list[dict[str, Any]], user: str | None, groups: set[str], req: dict[str, Any]
) -> bool:
    if "system:masters" in groups:
        return True
    cr_rules = ref_cluster_role_rules([o for o in objects if o["kind"] == "ClusterRole"])
    for b in objects:
        if b["kind"] == "ClusterRoleBinding":
            ns = ""
        elif b["kind"] == "RoleBinding" and req["namespace"] != "":
            ns = b["metadata"]["namespace"]
            if ns != req["namespace"]:
                continue
        else:
            continue
        if not any(ref_applies(s, user, groups, ns) for s in b.get("subjects", [])):
            continue
        rules = ref_binding_rules(b, objects, cr_rules)
        if rules and any(ref_rule_allows(r, req) for r in rules):
            return True
    return False


def ref_who_can(objects: list[dict[str, Any]], req: dict[str, Any]) -> set[tuple[str, str, int]]:
    """(binding kind, binding name, subject index) of every usable subject allowed."""
    cr_rules = ref_cluster_role_rules([o for o in objects if o["kind"] == "ClusterRole"])
    out = set()
    for b in objects:
        if b["kind"] == "ClusterRoleBinding":
            ns = ""
        elif b["kind"] == "RoleBinding" and req["namespace"] != "":
            ns = b["metadata"]["namespace"]
            if ns != req["namespace"]:
                continue
        else:
            continue
        rules = ref_binding_rules(b, objects, cr_rules)
        if not rules or not any(ref_rule_allows(r, req) for r in rules):
            continue
        for i, s in enumerate(b.get("subjects", [])):
            usable = s["kind"] in ("User", "Group") or (
                s["kind"] == "ServiceAccount" and (s.get("namespace") or ns)
            )
            if usable:
                out.add((b["kind"], b["metadata"]["name"], i))
    return out


# ----------------------------------------------------------------------------- strategies

rules = st.fixed_dictionaries(
    {
        "verbs": st.lists(st.sampled_from(VERBS), min_size=1, max_size=3),
        "apiGroups": st.lists(st.sampled_from(["", "", *GROUPS]), min_size=1, max_size=2),
        "resources": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3),
    },
    optional={
        "resourceNames": st.lists(st.sampled_from(NAMES), min_size=1, max_size=2),
        "nonResourceURLs": st.lists(st.sampled_from(URLS), min_size=1, max_size=2),
    },
)
rules = st.one_of(
    rules,
    rules,
    rules,
    st.fixed_dictionaries(  # empty lists allow nothing
        {
            "verbs": st.lists(st.sampled_from(VERBS), max_size=1),
            "apiGroups": st.lists(st.sampled_from(GROUPS), max_size=1),
            "resources": st.lists(st.sampled_from(RESOURCES), max_size=1),
        }
    ),
)

subjects = st.one_of(
    st.builds(lambda n: {"kind": "User", "name": n}, st.sampled_from(USERS)),
    st.builds(lambda n: {"kind": "Group", "name": n}, st.sampled_from(GROUP_NAMES)),
    st.builds(
        lambda n, ns: {"kind": "ServiceAccount", "name": n, **({"namespace": ns} if ns else {})},
        st.sampled_from(["sa1", "sa2"]),
        st.sampled_from([None, *NAMESPACES]),
    ),
    st.builds(lambda n: {"kind": "Robot", "name": n}, st.sampled_from(USERS)),
)

selectors = st.one_of(
    st.builds(lambda v: {"matchLabels": {"agg": v}}, st.sampled_from(["x", "y"])),
    st.builds(
        lambda op, vals: {"matchExpressions": [{"key": "agg", "operator": op, "values": vals}]},
        st.sampled_from(["In", "NotIn"]),
        st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda op: {"matchExpressions": [{"key": "tier", "operator": op}]},
        st.sampled_from(["Exists", "DoesNotExist"]),
    ),
    st.just({}),
)


@st.composite
def scenes(draw: st.DrawFn) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for name in CLUSTER_ROLE_NAMES:
        if draw(st.booleans()):
            role: dict[str, Any] = {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": name, "labels": dict(draw(st.sampled_from(LABELS)))},
                "rules": draw(st.lists(rules, max_size=3)),
            }
            if draw(st.integers(0, 3)) == 0:
                role["aggregationRule"] = {
                    "clusterRoleSelectors": draw(st.lists(selectors, min_size=1, max_size=2))
                }
            objects.append(role)
    for ns in NAMESPACES:
        for name in ROLE_NAMES:
            if draw(st.booleans()):
                objects.append(
                    {
                        "apiVersion": "rbac.authorization.k8s.io/v1",
                        "kind": "Role",
                        "metadata": {"name": name, "namespace": ns},
                        "rules": draw(st.lists(rules, max_size=3)),
                    }
                )
    for i in range(draw(st.integers(0, 8))):
        cluster = draw(st.booleans())
        ref_kind = draw(st.sampled_from(["ClusterRole", "Role"]))
        ref_name = draw(
            st.sampled_from(CLUSTER_ROLE_NAMES if ref_kind == "ClusterRole" else ROLE_NAMES)
        )
        meta: dict[str, Any] = {"name": f"b{i}"}
        if not cluster:
            meta["namespace"] = draw(st.sampled_from(NAMESPACES))
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding" if cluster else "RoleBinding",
                "metadata": meta,
                "subjects": draw(st.lists(subjects, max_size=3)),
                "roleRef": {
                    "kind": ref_kind,
                    "name": ref_name,
                    "apiGroup": "rbac.authorization.k8s.io",
                },
            }
        )
    return objects


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:
        return {
            "verb": draw(st.sampled_from(["get", "post", "*"])),
            "url": draw(st.sampled_from(["/healthz", "/healthz/etcd", "/api", "/api/v1", "/x"])),
            "namespace": "",
        }
    target = draw(
        st.sampled_from(
            ["pods", "pods/exec", "pods/log", "secrets", "nodes", "nodes/proxy", "deployments"]
            + ["persistentvolumes", "serviceaccounts/token", "*"]
        )
    )
    resource, _, sub = target.partition("/")
    group = draw(st.sampled_from(["", "", "apps"]))
    namespaced = (group, resource) not in CLUSTER_SCOPED
    namespace = draw(st.sampled_from(["", *NAMESPACES])) if namespaced else ""
    return {
        "verb": draw(st.sampled_from(["get", "list", "create", "delete", "impersonate"])),
        "group": group,
        "resource": resource,
        "sub": sub,
        "name": draw(st.sampled_from(["", "a", "b"])),
        "namespace": namespace,
        "url": None,
    }


ORDINARY_GROUPS = [g for g in GROUP_NAMES if g != "system:masters"]
identities = st.tuples(
    st.one_of(st.sampled_from(USERS), st.none()),
    st.sets(st.sampled_from(ORDINARY_GROUPS), max_size=3)
    | st.sets(st.sampled_from(GROUP_NAMES), max_size=2),  # sometimes with system:masters
)


planted_rules = st.fixed_dictionaries(
    {
        "verbs": st.lists(st.sampled_from(VERBS), min_size=1, max_size=2),
        "apiGroups": st.lists(st.sampled_from(["", *GROUPS]), min_size=1, max_size=2),
        "resources": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
    },
    optional={
        "resourceNames": st.lists(st.sampled_from(NAMES), min_size=1, max_size=1),
        "nonResourceURLs": st.lists(st.sampled_from(URLS), min_size=1, max_size=2),
    },
)


def _concrete(value: str, choices: list[str]) -> str:
    return value.replace("*", choices[0]) if "*" in value else value


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], tuple[str | None, set[str]], Any]:
    """A random scene, identity and request; three times in four, a grant is planted in the
    scene for the identity (a role with one rule, maybe reached through an aggregated
    ClusterRole, and a binding of either kind naming the identity one way or another), and the
    request is built from that rule and then perturbed (namespace, verb, name), so that
    decisions turn on the fine points of the semantics rather than on empty scenes."""
    objects = draw(scenes())
    user, groups = draw(identities)
    req = draw(requests())
    if draw(st.integers(0, 3)) == 0:
        return objects, (user, groups), req
    rule = draw(planted_rules)
    url_case = "nonResourceURLs" in rule and draw(st.booleans())
    ns = draw(st.sampled_from(NAMESPACES))
    role_kinds = ["ClusterRole"] * (5 if url_case else 2) + ["Role"]
    role_kind = draw(st.sampled_from(role_kinds))
    role: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": role_kind,
        "metadata": {"name": "planted", "labels": {"agg": "p"}},
        "rules": [rule],
    }
    role_name = "planted"
    if role_kind == "Role":
        role["metadata"]["namespace"] = draw(st.sampled_from([ns, ns, "ns2"]))
    objects = [*objects, role]
    if role_kind == "ClusterRole" and draw(st.integers(0, 2)) == 0:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": "planted-aggregate"},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "p"}}]},
                "rules": [],
            }
        )
        role_name = "planted-aggregate"
    cluster_binding = draw(st.sampled_from([True] * (4 if url_case else 1) + [False]))
    way = draw(st.sampled_from(["user", "group", "sa", "sa-no-namespace"]))
    if way == "user" and user is not None:
        subject = {"kind": "User", "name": user}
    elif way == "group" and groups:
        subject = {"kind": "Group", "name": draw(st.sampled_from(sorted(groups)))}
    else:
        sa_ns = draw(st.sampled_from(NAMESPACES))
        user = f"system:serviceaccount:{sa_ns}:robot"
        subject = {"kind": "ServiceAccount", "name": "robot"}
        if way != "sa-no-namespace" or cluster_binding:
            subject["namespace"] = sa_ns
    binding: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding" if cluster_binding else "RoleBinding",
        "metadata": {"name": "planted"},
        "subjects": [subject],
        "roleRef": {"kind": role_kind, "name": role_name, "apiGroup": "rbac.authorization.k8s.io"},
    }
    if not cluster_binding:
        binding["metadata"]["namespace"] = ns
    objects.append(binding)
    verb = _concrete(draw(st.sampled_from(rule["verbs"])), ["delete"])
    if draw(st.integers(0, 4)) == 0:
        verb = draw(st.sampled_from(["get", "list", "create"]))
    if url_case:
        url = draw(st.sampled_from(rule["nonResourceURLs"])).replace("*", "z")
        return objects, (user, groups), {"verb": verb, "url": url or "/", "namespace": ""}
    target = draw(st.sampled_from(rule["resources"]))
    resource, _, sub = target.partition("/")
    resource = resource.replace("*", draw(st.sampled_from(["pods", "nodes", "secrets"])))
    sub = sub.replace("*", draw(st.sampled_from(["exec", "log"])))
    group = draw(st.sampled_from(rule["apiGroups"])).replace(
        "*", draw(st.sampled_from(["", "apps"]))
    )
    namespaced = (group, resource) not in CLUSTER_SCOPED
    name = draw(st.sampled_from([*rule.get("resourceNames", []), "", "a"]))
    namespace = draw(st.sampled_from([ns, ns, "", "ns2"])) if namespaced else ""
    request = {
        "verb": verb,
        "group": group,
        "resource": resource,
        "sub": sub,
        "name": name,
        "namespace": namespace,
        "url": None,
    }
    return objects, (user, groups), request


def kubeward_graph(objects: list[dict[str, Any]]) -> RbacGraph:
    res = [build_resource(o, Source("p.yaml", i, (), None)) for i, o in enumerate(objects)]
    return RbacGraph.from_resources(res, defaults=False)


def kubeward_request(req: dict[str, Any]) -> Request:
    if req["url"] is not None:
        return Request(req["verb"], url=req["url"])
    return Request(
        req["verb"], req["resource"], req["sub"], req["group"], req["name"], req["namespace"]
    )


PROPERTY_SETTINGS = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(cases())
def test_authorize_agrees_with_the_reference(case: Any) -> None:
    objects, (user, groups), req = case
    g = kubeward_graph(objects)
    decision = g.authorize(Identity(user, frozenset(groups), "test"), kubeward_request(req))
    assert decision.allowed == ref_authorize(objects, user, groups, req)
    # every grant kubeward names really allows the request
    for grant in decision.grants:
        assert all(kubeward_request(req).allowed_by(s.rule) for s in grant.sources)


@PROPERTY_SETTINGS
@given(cases())
def test_who_can_agrees_with_the_reference(case: Any) -> None:
    objects, _, req = case
    g = kubeward_graph(objects)
    got = {
        (gr.binding.kind, gr.binding.name, gr.subject.path[1])
        for gr in g.who_can(kubeward_request(req))
    }
    assert got == ref_who_can(objects, req)


@PROPERTY_SETTINGS
@given(cases())
def test_every_subject_who_can_is_authorized(case: Any) -> None:
    """who-can and the authorizer tell the same story: each subject listed (as the
    identity it stands for) is allowed."""
    objects, _, req = case
    g = kubeward_graph(objects)
    for grant in g.who_can(kubeward_request(req)):
        s = grant.subject
        if s.kind == "Group":
            user, groups = None, {s.name}
        else:
            user, groups = s.username, set()
        assert ref_authorize(objects, user, groups, req), (s, req)
