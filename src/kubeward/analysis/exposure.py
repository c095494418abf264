"""Exposure: what workloads may reach, or be reached from, beyond the pods of the input.

For every workload and direction:

- a workload no policy isolates is exposed to the entire cluster and to every outside address,
  with every connection;
- a rule admitting every peer (no `from`/`to`), or every pod of every namespace
  (`namespaceSelector: {}` without a pod restriction), exposes it to the entire cluster;
- every other pod or namespace peer is potential exposure to the pods it describes
  (`ns/[pod with {app=x}]`, `[namespace with {team=y}]/[all pods]`, ...), with what the
  entire-cluster exposure adds to it, except a peer whose
  selectors name exact labels (`matchLabels` only) and match pods of the input: those are the
  workloads it means, shown in the connection list. Open-ended selectors (empty, `Exists`,
  `NotIn`, several values) describe pods beyond the input whether or not some exist. Egress
  named ports stay names (`TCP http`): they resolve against pods that are not known;
- connections to outside addresses are those of the connection list.

A potential peer whose connections the entire-cluster exposure already covers is not listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kubeward.analysis.reachability import (
    ALL_CONNS,
    EMPTY_CONNS,
    Connection,
    ConnSet,
    Endpoint,
    Reachability,
)
from kubeward.model.network import EGRESS, INGRESS, PROTOCOLS, NetworkPolicy, Peer
from kubeward.model.selector import LabelSelector

ENTIRE_CLUSTER = "entire-cluster"
NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass
class Exposure:
    """One workload's exposure in one direction: target description -> connections."""

    endpoint: Endpoint
    direction: str
    targets: dict[str, ConnSet] = field(default_factory=dict)
    named: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)

    def text(self, target: str) -> str:
        """The connections to a target, with unresolved port names: `TCP 8080,http`."""
        conns = self.targets[target]
        named = self.named.get(target)
        if not named:
            return conns.text()
        parts = []
        for proto in PROTOCOLS:
            numbers = ConnSet.of({proto: conns.ranges(proto)}).text().partition(" ")[2]
            words = sorted(n for p, n in named if p == proto)
            items = ([numbers] if conns.ranges(proto) else []) + words
            if items:
                parts.append(f"{proto} {','.join(items)}")
        return ",".join(parts)


@dataclass
class ExposureResult:
    egress: list[Exposure]
    ingress: list[Exposure]
    unprotected: list[tuple[Endpoint, str]]  # (endpoint, direction) no policy isolates


def _go_requirement(key: str, op: str, values: tuple[str, ...]) -> str:
    return f"{{Key:{key},Operator:{op},Values:[{' '.join(values)}],}}"


def selector_text(s: LabelSelector) -> str:
    """A selector as netpol-analyzer prints it: `{app=x}`, `{{Key:k,Operator:In,Values:[a b],}}`
    (labels, then expressions, each sorted by key; values as written)."""
    parts = [f"{k}={v}" for k, v in sorted(s.match_labels)]
    exprs = sorted(s.expressions, key=lambda r: r.key)
    parts += [_go_requirement(r.key, r.operator, r.values) for r in exprs]
    return "{" + ",".join(parts) + "}"


def _specific(s: LabelSelector | None) -> bool:
    """A selector that names labels exactly (matchLabels only): pods it matches in the input
    are the workloads it means, shown in the connection list."""
    return s is not None and not s.empty and not s.expressions


def peer_text(policy: NetworkPolicy, peer: Peer) -> str | None:
    """`ns/[pod with {...}]` and the like; None for a peer that means the entire cluster."""
    ns, pod = peer.namespace_selector, peer.pod_selector
    pod_all = pod is None or pod.empty
    if ns is not None and ns.empty and pod_all:
        return None
    if ns is None:
        ns_text = policy.namespace
    elif ns.empty:
        ns_text = "[all namespaces]"
    elif not ns.expressions and len(ns.match_labels) == 1 and ns.match_labels[0][0] == NAME_LABEL:
        ns_text = ns.match_labels[0][1]
    else:
        ns_text = f"[namespace with {selector_text(ns)}]"
    pod_text = "[all pods]" if pod is None or pod.empty else f"[pod with {selector_text(pod)}]"
    return f"{ns_text}/{pod_text}"


def analyse(reach: Reachability, connections: list[Connection] | None = None) -> ExposureResult:
    conns = connections if connections is not None else reach.connections()
    external: dict[tuple[str, str], dict[str, ConnSet]] = defaultdict(dict)
    for c in conns:
        if c.dst.endswith("[External]"):
            external[(c.src, EGRESS)][c.dst] = c.conns
        elif c.src.endswith("[External]"):
            external[(c.dst, INGRESS)][c.src] = c.conns
    result = ExposureResult([], [], [])
    for ep in reach.real_endpoints:
        for direction in (EGRESS, INGRESS):
            exp = Exposure(ep, direction)
            exp.targets.update(external.get((ep.label, direction), {}))
            if (ep.host_network and reach.host_network_mode == "node") or not reach.isolated(
                ep, direction
            ):
                result.unprotected.append((ep, direction))
                exp.targets[ENTIRE_CLUSTER] = ALL_CONNS
            else:
                _rules(reach, ep, direction, exp)
            if exp.targets:
                (result.egress if direction == EGRESS else result.ingress).append(exp)
    return result


def _rules(reach: Reachability, ep: Endpoint, direction: str, exp: Exposure) -> None:
    cluster = EMPTY_CONNS
    potential: dict[str, ConnSet] = defaultdict(lambda: EMPTY_CONNS)
    # Peers that select alike (`app=x` and `app In [x]`) are one target, named as first seen.
    first: dict[tuple[object, ...], str] = {}
    dst = ep.variants[0] if direction == INGRESS else None
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    cluster_names: set[tuple[str, str]] = set()
    for policy in reach.isolating(ep, direction):
        for rule in policy.rules(direction):
            # Egress named ports resolve against the destination, unknown for potential pods.
            conns = reach.rule_conns(rule, dst)
            named = (
                {(p.protocol, str(p.port)) for p in rule.ports if p.named}
                if direction == EGRESS
                else set()
            )
            if conns.empty and not named:
                continue
            if rule.any_peer:
                cluster = cluster | conns
                cluster_names |= named
                continue
            for peer in rule.peers:
                if peer.ip_block is not None:
                    continue
                text = peer_text(policy, peer)
                if text is None:
                    cluster = cluster | conns
                    cluster_names |= named
                elif (
                    _specific(peer.pod_selector)
                    and (peer.namespace_selector is None or _specific(peer.namespace_selector))
                    and reach.peer_selects_any(policy, peer)
                ):
                    continue  # the workloads it names are in the input
                else:
                    key = tuple(
                        None if sel is None else sel.requirements()
                        for sel in (peer.namespace_selector, peer.pod_selector)
                    ) + ((policy.namespace,) if peer.namespace_selector is None else ())
                    known = first.get(key)
                    if known is None or known.count("{Key:") > text.count("{Key:"):
                        if known is not None:  # the labels form names the target
                            potential[text] = potential.pop(known)
                            names[text] = names.pop(known, set())
                        first[key] = known = text
                    text = known
                    potential[text] = potential[text] | conns
                    names[text] |= named
    if not cluster.empty or cluster_names:
        exp.targets[ENTIRE_CLUSTER] = cluster
        if cluster_names:
            exp.named[ENTIRE_CLUSTER] = frozenset(cluster_names)
    for text, conns in potential.items():
        if not (conns - cluster).empty or names[text] - cluster_names:
            # Pods the peer describes are in the cluster too: they get its exposure as well.
            exp.targets[text] = conns | cluster
            if names[text] | cluster_names:
                exp.named[text] = frozenset(names[text] | cluster_names)
