"""NetworkPolicy v1 semantics, point by point, on hand-made scenes.

Each expectation is derived from the Kubernetes NetworkPolicy specification for the scene
written here, not from running the engine. A property test then checks that the vectorised
class engine (`connections()`, `matrix()`) agrees with the direct rule-by-rule evaluation
(`explain()`) on random scenes.
"""

from __future__ import annotations

import random
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.analysis.reachability import ConnSet, External, Reachability
from kubeward.findings import InputError
from kubeward.loaders import manifests
from kubeward.model.inventory import Inventory
from kubeward.model.network import build_network_policy, parse_ipv4
from kubeward.model.resource import Source, build_resource
from kubeward.model.workload import build_workload, has_template, template_path


def scene(text: str, host_network: str = "node") -> Reachability:
    errors: list[InputError] = []
    docs = manifests.parse("scene.yaml", text, errors)
    loaded = manifests.LoadedFile("scene.yaml", docs, None)
    resources = list(manifests.objects(loaded, errors))
    assert not [e for e in errors if not e.warning], errors
    workloads = []
    for r in resources:
        t = template_path(r)
        if t is not None and has_template(r, t):
            workloads.append(build_workload(r, t))
    return Reachability.from_inventory(
        Inventory.build(resources, workloads), host_network=host_network
    )


def pod(name: str, ns: str = "a", labels: dict[str, str] | None = None, **extra: Any) -> str:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i:1"}]}
    ports = extra.pop("ports", None)
    if ports:
        spec["containers"][0]["ports"] = ports
    spec.update(extra)
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": name}},
        "spec": spec,
    }
    return "---\n" + yaml.safe_dump(obj)


def ns(name: str, **labels: str) -> str:
    return "---\n" + yaml.safe_dump(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    )


def policy(name: str, namespace: str = "a", **spec: Any) -> str:
    spec.setdefault("podSelector", {})
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    return "---\n" + yaml.safe_dump(obj)


def conns(r: Reachability) -> dict[tuple[str, str], str]:
    return {(c.src, c.dst): c.conns.text() for c in r.connections()}


def allowed(r: Reachability, src: str, dst: str) -> str:
    return conns(r).get((src, dst), "No Connections")


P = "[Pod]"
WORLD = "0.0.0.0-255.255.255.255[External]"


def deny_all_ingress(namespace: str = "a") -> str:
    return policy(f"deny-{namespace}", namespace, policyTypes=["Ingress"])


# ============================================================================ isolation


def test_no_policy_means_everything_both_ways() -> None:
    r = scene(pod("x") + pod("y"))
    assert allowed(r, f"a/x{P}", f"a/y{P}") == "All Connections"
    assert allowed(r, f"a/x{P}", WORLD) == "All Connections"
    assert allowed(r, WORLD, f"a/y{P}") == "All Connections"


def test_isolation_is_per_direction_and_only_by_selecting_policies() -> None:
    # An ingress-only policy selecting y: y accepts nothing, but still sends everything.
    r = scene(pod("x") + pod("y") + policy("p", podSelector={"matchLabels": {"app": "y"}}))
    assert allowed(r, f"a/x{P}", f"a/y{P}") == "No Connections"
    assert allowed(r, f"a/y{P}", f"a/x{P}") == "All Connections"
    assert allowed(r, f"a/y{P}", WORLD) == "All Connections"


def test_policy_types_default_ingress_always_egress_when_rules() -> None:
    p = build_network_policy(
        build_resource(
            yaml.safe_load(policy("p", egress=[{"to": [{"podSelector": {}}]}])),
            Source("f", 0, (), 1),
        )
    )
    assert (p.ingress, p.egress) == (True, True)
    q = build_network_policy(build_resource(yaml.safe_load(policy("q")), Source("f", 0, (), 1)))
    assert (q.ingress, q.egress) == (True, False)
    e = build_network_policy(
        build_resource(yaml.safe_load(policy("e", policyTypes=["Egress"])), Source("f", 0, (), 1))
    )
    assert (e.ingress, e.egress) == (False, True)


def test_both_egress_of_source_and_ingress_of_destination_must_allow() -> None:
    text = (
        pod("x")
        + pod("y")
        + policy(
            "x-egress",
            podSelector={"matchLabels": {"app": "x"}},
            policyTypes=["Egress"],
            egress=[{"ports": [{"port": 80}, {"port": 443}]}],
        )
        + policy(
            "y-ingress",
            podSelector={"matchLabels": {"app": "y"}},
            ingress=[{"ports": [{"port": 443}, {"port": 8443}]}],
        )
    )
    assert allowed(scene(text), f"a/x{P}", f"a/y{P}") == "TCP 443"


def test_allowed_traffic_is_the_union_over_policies() -> None:
    text = (
        pod("x")
        + pod("y")
        + policy(
            "p1", podSelector={"matchLabels": {"app": "y"}}, ingress=[{"ports": [{"port": 80}]}]
        )
        + policy(
            "p2",
            podSelector={"matchLabels": {"app": "y"}},
            ingress=[{"ports": [{"port": 53, "protocol": "UDP"}]}],
        )
    )
    assert allowed(scene(text), f"a/x{P}", f"a/y{P}") == "TCP 80,UDP 53"


# ============================================================================ selectors


def test_match_expressions_operators() -> None:
    # Destination t is open only to pods whose labels satisfy all four requirements.
    text = (
        pod("t", labels={"app": "t"})
        + pod("ok", labels={"tier": "web", "env": "prod", "team": "x"})
        + pod("notin-absent", labels={"tier": "web", "team": "x"})  # NotIn matches absent key
        + pod("bad-in", labels={"tier": "db", "env": "prod", "team": "x"})
        + pod("bad-notin", labels={"tier": "web", "env": "dev", "team": "x"})
        + pod("bad-exists", labels={"tier": "web", "env": "prod"})
        + pod("bad-dne", labels={"tier": "web", "env": "prod", "team": "x", "debug": "1"})
        + policy(
            "p",
            podSelector={"matchLabels": {"app": "t"}},
            ingress=[
                {
                    "from": [
                        {
                            "podSelector": {
                                "matchExpressions": [
                                    {"key": "tier", "operator": "In", "values": ["web", "api"]},
                                    {"key": "env", "operator": "NotIn", "values": ["dev"]},
                                    {"key": "team", "operator": "Exists"},
                                    {"key": "debug", "operator": "DoesNotExist"},
                                ]
                            }
                        }
                    ]
                }
            ],
        )
    )
    r = scene(text)
    got = {s for (s, d), c in conns(r).items() if d == f"a/t{P}"}
    assert got == {f"a/ok{P}", f"a/notin-absent{P}"}


def test_peer_selectors_and_within_a_peer_or_across_peers() -> None:
    text = (
        ns("a")
        + ns("b", team="blue")
        + ns("c", team="red")
        + pod("t", "a")
        + pod("blue-web", "b", {"app": "web"})
        + pod("blue-db", "b", {"app": "db"})
        + pod("red-web", "c", {"app": "web"})
        + pod("red-db", "c", {"app": "db"})
        + policy(
            "p",
            podSelector={"matchLabels": {"app": "t"}},
            ingress=[
                {
                    "from": [
                        # AND: web pods of blue namespaces
                        {
                            "namespaceSelector": {"matchLabels": {"team": "blue"}},
                            "podSelector": {"matchLabels": {"app": "web"}},
                        },
                        # OR: every pod of red namespaces
                        {"namespaceSelector": {"matchLabels": {"team": "red"}}},
                    ]
                }
            ],
        )
    )
    got = {s for (s, d) in conns(scene(text)) if d == f"a/t{P}"}
    assert got == {f"b/blue-web{P}", f"c/red-web{P}", f"c/red-db{P}"}


def test_pod_selector_alone_means_the_policy_namespace() -> None:
    text = (
        pod("t", "a")
        + pod("web", "a", {"app": "web"})
        + pod("web2", "b", {"app": "web"})
        + policy("p", podSelector={"matchLabels": {"app": "t"}},
                 ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}])
    )  # fmt: skip
    got = {s for (s, d) in conns(scene(text)) if d == f"a/t{P}"}
    assert got == {f"a/web{P}"}


def test_namespaces_match_by_automatic_name_label() -> None:
    # Namespace b's manifest does not carry kubernetes.io/metadata.name; the API server adds
    # it. Namespace c is not in the input at all: it still has the name label.
    text = (
        ns("b")
        + pod("t", "a")
        + pod("x", "b")
        + pod("z", "c")
        + policy(
            "p",
            podSelector={"matchLabels": {"app": "t"}},
            ingress=[
                {
                    "from": [
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": n}}}
                        for n in ("b", "c")
                    ]
                }
            ],
        )
    )
    got = {s for (s, d) in conns(scene(text)) if d == f"a/t{P}"}
    assert got == {f"b/x{P}", f"c/z{P}"}


# ============================================================================ ipBlock


def test_ip_block_with_except_splits_the_outside_world() -> None:
    text = pod("t") + policy(
        "p",
        podSelector={},
        ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
    )
    got = {s: c for (s, d), c in conns(scene(text)).items() if d == f"a/t{P}"}
    assert got == {
        "10.0.0.0-10.0.255.255[External]": "All Connections",
        "10.2.0.0-10.255.255.255[External]": "All Connections",
    }


def test_ip_blocks_do_not_match_pods() -> None:
    text = pod("t") + pod("x") + policy(
        "p", podSelector={"matchLabels": {"app": "t"}},
        ingress=[{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}],
    )  # fmt: skip
    assert allowed(scene(text), f"a/x{P}", f"a/t{P}") == "No Connections"


def test_egress_to_one_address() -> None:
    text = pod("x") + policy(
        "p",
        podSelector={},
        policyTypes=["Egress"],
        egress=[{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}],
    )
    r = scene(text)
    ep = r.real_endpoints[0]
    assert r.egress_to(ep, "169.254.169.254").empty
    assert r.egress_to(ep, "8.8.8.8").text() == "All Connections"


# ============================================================================ ports


def test_named_port_resolves_per_destination_pod() -> None:
    # One rule, port "web": 8080 on y, 9090 on z, and nothing on w (no such name), and not on
    # v, whose "web" is UDP while the rule says TCP.
    text = (
        pod("x")
        + pod("y", labels={"role": "srv"}, ports=[{"name": "web", "containerPort": 8080}])
        + pod("z", labels={"role": "srv"}, ports=[{"name": "web", "containerPort": 9090}])
        + pod("w", labels={"role": "srv"}, ports=[{"name": "metrics", "containerPort": 9100}])
        + pod("v", labels={"role": "srv"},
              ports=[{"name": "web", "containerPort": 53, "protocol": "UDP"}])
        + policy("p", podSelector={"matchLabels": {"role": "srv"}},
                 ingress=[{"ports": [{"port": "web"}]}])
    )  # fmt: skip
    r = scene(text)
    assert allowed(r, f"a/x{P}", f"a/y{P}") == "TCP 8080"
    assert allowed(r, f"a/x{P}", f"a/z{P}") == "TCP 9090"
    assert allowed(r, f"a/x{P}", f"a/w{P}") == "No Connections"
    assert allowed(r, f"a/x{P}", f"a/v{P}") == "No Connections"


def test_egress_named_port_resolves_against_the_destination() -> None:
    text = (
        pod("x")
        + pod("y", ports=[{"name": "api", "containerPort": 7000}])
        + policy("p", podSelector={"matchLabels": {"app": "x"}}, policyTypes=["Egress"],
                 egress=[{"ports": [{"port": "api"}]}])
    )  # fmt: skip
    r = scene(text)
    assert allowed(r, f"a/x{P}", f"a/y{P}") == "TCP 7000"
    assert allowed(r, f"a/x{P}", WORLD) == "No Connections"  # outside has no port names


def test_end_port_ranges_protocols_and_port_less_entries() -> None:
    text = (
        pod("x")
        + pod("y")
        + policy(
            "p",
            podSelector={"matchLabels": {"app": "y"}},
            ingress=[
                {
                    "ports": [
                        {"port": 8000, "endPort": 8010},
                        {"protocol": "SCTP", "port": 9000},
                        {"protocol": "UDP"},  # every UDP port
                    ]
                }
            ],
        )
    )
    assert allowed(scene(text), f"a/x{P}", f"a/y{P}") == "SCTP 9000,TCP 8000-8010,UDP 1-65535"


# ============================================================================ pods


def test_pods_fold_into_their_top_owner() -> None:
    text = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i:1}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d9c
  namespace: a
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-abcde
  namespace: a
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true}]
spec: {containers: [{name: c, image: i:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: orphan-of-rs
  namespace: a
  labels: {app: job}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: gone-77f, controller: true}]
spec: {containers: [{name: c, image: i:1}]}
"""
    r = scene(text)
    assert [e.label for e in r.real_endpoints] == ["a/gone-77f[ReplicaSet]", "a/web[Deployment]"]
    assert len(r.real_endpoints[1].resources) == 3


def test_host_network_pods_are_not_selected_in_node_mode() -> None:
    text = (
        pod("x")
        + pod("h", hostNetwork=True)
        + policy("p", podSelector={}, policyTypes=["Ingress", "Egress"],
                 ingress=[{"from": [{"podSelector": {}}]}])
    )  # fmt: skip
    node = scene(text, "node")
    # h is not isolated: it sends and accepts everything; x accepts h only through rules
    # admitting every source, and this rule admits pods only.
    assert allowed(node, f"a/x{P}", f"a/h{P}") == "No Connections"  # x's egress is denied
    assert allowed(node, f"a/h{P}", WORLD) == "All Connections"
    assert allowed(node, f"a/h{P}", f"a/x{P}") == "No Connections"
    as_pod = scene(text, "pod")
    assert allowed(as_pod, f"a/h{P}", WORLD) == "No Connections"
    assert allowed(as_pod, f"a/h{P}", f"a/x{P}") == "No Connections"  # h's egress denied too


def test_invalid_policies_are_ignored() -> None:
    # A peer with ipBlock and podSelector together is refused by the API server, so the
    # policy does not exist: nothing is isolated.
    text = (
        pod("x")
        + pod("y")
        + policy(
            "bad",
            ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}],
        )
    )
    r = scene(text)
    assert [p.name for p in r.invalid_policies] == ["bad"]
    assert allowed(r, f"a/x{P}", f"a/y{P}") == "All Connections"


# ============================================================================ explain


def test_explain_names_the_deciding_rules() -> None:
    text = pod("x") + pod("y") + policy(
        "p", podSelector={"matchLabels": {"app": "y"}},
        ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "z"}}}]},
                 {"from": [{"podSelector": {"matchLabels": {"app": "x"}}}],
                  "ports": [{"port": 80}]}],
    )  # fmt: skip
    r = scene(text)
    x, y = r.real_endpoints
    ex = r.explain(x, y)
    assert ex.conns.text() == "TCP 80"
    assert ex.egress is not None and not ex.egress.isolated_by
    assert ex.ingress is not None
    assert [p.name for p in ex.ingress.isolated_by] == ["p"]
    assert [m.rule.index for m in ex.ingress.matches] == [1]
    denied = r.explain(y, x)  # x is not isolated: everything
    assert denied.conns.text() == "All Connections"


def test_conn_set_text() -> None:
    assert ConnSet.of({"TCP": [(80, 80), (81, 90)], "UDP": [(53, 53)]}).text() == "TCP 80-90,UDP 53"


# ============================================================================ property


def _random_scene(seed: int) -> str:
    rnd = random.Random(seed)
    apps, tiers, nss = ["a", "b", "c"], ["web", "db"], ["n1", "n2"]
    text = ns("n1", team="x") + ns("n2", team="y")
    for i in range(rnd.randint(2, 6)):
        labels = {"app": rnd.choice(apps), "tier": rnd.choice(tiers)}
        ports = [{"name": rnd.choice(["http", "grpc"]), "containerPort": rnd.choice([80, 90])}]
        text += pod(f"p{i}", rnd.choice(nss), labels, ports=ports)

    def sel() -> dict[str, Any]:
        kind = rnd.random()
        if kind < 0.3:
            return {}
        if kind < 0.6:
            return {"matchLabels": {"app": rnd.choice(apps)}}
        op = rnd.choice(["In", "NotIn", "Exists", "DoesNotExist"])
        req: dict[str, Any] = {"key": rnd.choice(["app", "tier"]), "operator": op}
        if op in ("In", "NotIn"):
            req["values"] = [rnd.choice(apps + tiers)]
        return {"matchExpressions": [req]}

    def rule(key: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if rnd.random() < 0.8:
            peers = []
            for _ in range(rnd.randint(1, 2)):
                kind = rnd.random()
                if kind < 0.2:
                    peers.append({"ipBlock": {"cidr": rnd.choice(["10.0.0.0/8", "0.0.0.0/0"])}})
                elif kind < 0.5:
                    peers.append({"podSelector": sel()})
                else:
                    peers.append({"namespaceSelector": {"matchLabels": {"team": rnd.choice("xy")}},
                                  "podSelector": sel()})  # fmt: skip
            out[key] = peers
        if rnd.random() < 0.6:
            out["ports"] = [
                rnd.choice([{"port": 80}, {"port": "http"}, {"port": 85, "endPort": 95},
                            {"protocol": "UDP", "port": 90}])
            ]  # fmt: skip
        return out

    for i in range(rnd.randint(0, 4)):
        types = rnd.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        spec: dict[str, Any] = {"podSelector": sel(), "policyTypes": types}
        if "Ingress" in types:
            spec["ingress"] = [rule("from") for _ in range(rnd.randint(0, 2))]
        if "Egress" in types:
            spec["egress"] = [rule("to") for _ in range(rnd.randint(0, 2))]
        text += policy(f"pol{i}", rnd.choice(nss), **spec)
    return text


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_class_engine_agrees_with_rule_by_rule_evaluation(seed: int) -> None:
    r = scene(_random_scene(seed))
    listed = conns(r)
    eps = r.real_endpoints
    for a in eps:
        for b in eps:
            if a is b:
                continue
            expected = r.explain(a, b).conns
            assert listed.get((a.label, b.label), "No Connections") == expected.text()
    for x in r.ip_partition("egress"):
        for a in eps:
            assert listed.get((a.label, x.label), "No Connections") == r.explain(a, x).conns.text()
    for x in r.ip_partition("ingress"):
        for b in eps:
            assert listed.get((x.label, b.label), "No Connections") == r.explain(x, b).conns.text()


def test_external_label() -> None:
    lo, hi = parse_ipv4("10.0.0.0"), parse_ipv4("10.255.255.255")
    assert lo is not None and hi is not None
    assert External(lo, hi).label == "10.0.0.0-10.255.255.255[External]"
