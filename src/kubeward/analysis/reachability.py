"""Exact pod-to-pod reachability under Kubernetes NetworkPolicy v1.

The semantics are the NetworkPolicy v1 specification's:

- a pod is isolated for a direction only when some policy selects it (`podSelector`, in the
  policy's namespace) with that direction among its `policyTypes` (defaulted: Ingress always,
  Egress when the policy has egress rules); a pod no policy isolates accepts or sends anything;
- what an isolated pod allows is the union of every rule of every policy that isolates it;
- a connection needs both the egress of its source and the ingress of its destination;
- within a peer, `namespaceSelector` and `podSelector` are an AND (a missing
  `namespaceSelector` means the policy's namespace); separate peers are an OR; an empty
  `from`/`to` list means every peer; namespaces match by their labels, including the automatic
  `kubernetes.io/metadata.name`;
- `ipBlock` ranges (less `except`) match addresses outside the cluster; pod addresses are not
  matched by them;
- ports: by number, number ranges (`endPort`), or by name, resolved against the DESTINATION
  pod's container ports with the rule's protocol (one rule can mean different numbers for
  different pods, and a name a pod does not define allows nothing to it); no `ports` means every
  port of every protocol; a port entry without `port` means every port of its protocol.

hostNetwork pods share their node's address. Kubernetes leaves their treatment to the network
plugin; the default here (`host_network="node"`) is the most common implementation: selectors
never match them, so no policy isolates them and they are reached, or reach isolated pods, only
through rules that admit every peer. `host_network="pod"` treats them like other pods.

The engine works on equivalence classes: pods whose namespace, labels (as far as any selector
can tell them apart) and named ports are equal behave identically, so every question is
answered once per class with NumPy vectors, and pods are folded into their top owner
(Deployment, StatefulSet, ...) only when results are listed.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from kubeward.model.inventory import Inventory
from kubeward.model.network import (
    EGRESS,
    INGRESS,
    IPV4_MAX,
    MAX_PORT,
    PROTOCOLS,
    Ingress,
    NetworkPolicy,
    Peer,
    PolicyRule,
    Service,
    build_ingress,
    build_network_policy,
    build_service,
    controller_of,
    ip_text,
    is_ingress,
    is_network_policy,
    is_service,
)
from kubeward.model.path import Path
from kubeward.model.resource import Resource
from kubeward.model.selector import LabelSelector
from kubeward.model.workload import Workload

NAME_LABEL = "kubernetes.io/metadata.name"
INGRESS_CONTROLLER = "{ingress-controller}"
HOST_NETWORK_MODES = ("node", "pod")

Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.uint32]

# ============================================================================ connection sets

Ranges = tuple[tuple[int, int], ...]
FULL: Ranges = ((1, MAX_PORT),)


def _merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _minus(a: Ranges, b: Ranges) -> Ranges:
    out = list(a)
    for blo, bhi in b:
        nxt: list[tuple[int, int]] = []
        for lo, hi in out:
            if bhi < lo or blo > hi:
                nxt.append((lo, hi))
                continue
            if lo < blo:
                nxt.append((lo, blo - 1))
            if bhi < hi:
                nxt.append((bhi + 1, hi))
        out = nxt
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ConnSet:
    """A set of (protocol, port) pairs: per protocol (SCTP, TCP, UDP) sorted disjoint ranges."""

    sctp: Ranges = ()
    tcp: Ranges = ()
    udp: Ranges = ()

    @classmethod
    def of(cls, parts: Mapping[str, Iterable[tuple[int, int]]]) -> ConnSet:
        return cls(*(_merge(parts.get(p, ())) for p in PROTOCOLS))

    def ranges(self, protocol: str) -> Ranges:
        return (self.sctp, self.tcp, self.udp)[PROTOCOLS.index(protocol)]

    @property
    def empty(self) -> bool:
        return not (self.sctp or self.tcp or self.udp)

    @property
    def all(self) -> bool:
        return self.sctp == FULL and self.tcp == FULL and self.udp == FULL

    def __or__(self, other: ConnSet) -> ConnSet:
        return ConnSet(*(_merge(a + b) for a, b in zip(self._parts(), other._parts(), strict=True)))

    def __and__(self, other: ConnSet) -> ConnSet:
        return ConnSet(
            *(_intersect(a, b) for a, b in zip(self._parts(), other._parts(), strict=True))
        )

    def __sub__(self, other: ConnSet) -> ConnSet:
        return ConnSet(*(_minus(a, b) for a, b in zip(self._parts(), other._parts(), strict=True)))

    def _parts(self) -> tuple[Ranges, Ranges, Ranges]:
        return (self.sctp, self.tcp, self.udp)

    def contains(self, protocol: str, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.ranges(protocol))

    def text(self) -> str:
        """`All Connections`, `No Connections`, or `TCP 80,8080-8090,UDP 53`."""
        if self.all:
            return "All Connections"
        if self.empty:
            return "No Connections"
        parts = []
        for proto, ranges in zip(PROTOCOLS, self._parts(), strict=True):
            if ranges:
                ports = ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
                parts.append(f"{proto} {ports}")
        return ",".join(parts)


EMPTY_CONNS = ConnSet()
ALL_CONNS = ConnSet(FULL, FULL, FULL)


class ConnTable:
    """Interned connection sets: vectors hold small integer ids; set algebra is cached."""

    EMPTY = 0
    ALL = 1

    def __init__(self) -> None:
        self.sets: list[ConnSet] = [EMPTY_CONNS, ALL_CONNS]
        self._ids: dict[ConnSet, int] = {EMPTY_CONNS: 0, ALL_CONNS: 1}
        self._union: dict[tuple[int, int], int] = {}
        self._inter: dict[tuple[int, int], int] = {}

    def id(self, conns: ConnSet) -> int:
        found = self._ids.get(conns)
        if found is None:
            found = self._ids[conns] = len(self.sets)
            self.sets.append(conns)
        return found

    def union(self, a: int, b: int) -> int:
        if a == b or b == self.EMPTY or a == self.ALL:
            return a
        if a == self.EMPTY or b == self.ALL:
            return b
        key = (a, b) if a < b else (b, a)
        found = self._union.get(key)
        if found is None:
            found = self._union[key] = self.id(self.sets[a] | self.sets[b])
        return found

    def inter(self, a: int, b: int) -> int:
        if a == b or b == self.ALL:
            return a
        if a == self.ALL:
            return b
        if a == self.EMPTY or b == self.EMPTY:
            return self.EMPTY
        key = (a, b) if a < b else (b, a)
        found = self._inter.get(key)
        if found is None:
            found = self._inter[key] = self.id(self.sets[a] & self.sets[b])
        return found

    def paint(self, row: Ids, mask: Mask, conn: int) -> None:
        """row[i] |= conn where mask[i]."""
        if conn == self.EMPTY or not mask.any():
            return
        if conn == self.ALL:
            row[mask] = self.ALL
            return
        old = row[mask]
        uniq, inverse = np.unique(old, return_inverse=True)
        new = np.fromiter((self.union(int(u), conn) for u in uniq), dtype=np.uint32)
        row[mask] = new[inverse]

    def combine(self, egress: Ids, ingress: Ids) -> Ids:
        """Elementwise intersection of two id arrays of the same shape."""
        out = np.where(
            egress == self.ALL,
            ingress,
            np.where((ingress == self.ALL) | (ingress == egress), egress, self.EMPTY),
        ).astype(np.uint32)
        slow = (egress != self.ALL) & (ingress != self.ALL) & (egress != ingress)
        slow &= (egress != self.EMPTY) & (ingress != self.EMPTY)
        if slow.any():
            pairs = (egress[slow].astype(np.uint64) << np.uint64(32)) | ingress[slow]
            uniq, inverse = np.unique(pairs, return_inverse=True)
            new = np.fromiter(
                (self.inter(int(p >> np.uint64(32)), int(p & np.uint64(0xFFFFFFFF))) for p in uniq),
                dtype=np.uint32,
            )
            out[slow] = new[inverse]
        return out


# ============================================================================ the scene


@dataclass(frozen=True, slots=True)
class NamedPort:
    protocol: str
    number: int


@dataclass
class Variant:
    """A set of identical pods of one endpoint: same labels, named ports and host network."""

    labels: Mapping[str, str]
    ports: Mapping[str, NamedPort]  # container port name -> protocol, number (first wins)
    host_network: bool
    resources: list[Resource] = field(default_factory=list)
    unit: int = -1  # index in Reachability.units


@dataclass
class Endpoint:
    """A workload as a network peer: the pods of one top owner, e.g. `shop/web[Deployment]`."""

    namespace: str
    name: str
    kind: str
    variants: list[Variant] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)  # the objects that define it
    workloads: list[Workload] = field(default_factory=list)
    synthetic: bool = False  # the {ingress-controller} pseudo-peer

    @property
    def label(self) -> str:
        if self.synthetic:
            return INGRESS_CONTROLLER
        return f"{self.namespace}/{self.name}[{self.kind}]"

    @property
    def resource(self) -> Resource | None:
        """The object findings about this endpoint are reported on."""
        return self.resources[0] if self.resources else None

    @property
    def host_network(self) -> bool:
        return any(v.host_network for v in self.variants)

    def matches(self, text: str) -> bool:
        """Whether `text` names this endpoint: `ns/name`, `name`, `ns/name[Kind]` or `Kind/name`."""
        return text in (
            self.label,
            self.name,
            f"{self.namespace}/{self.name}",
            f"{self.kind}/{self.name}",
            f"{self.namespace}/{self.kind}/{self.name}",
        )


@dataclass(frozen=True, slots=True)
class External:
    """A range of addresses outside the cluster."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return f"{ip_text(self.first)}-{ip_text(self.last)}[External]"

    def contains(self, address: int) -> bool:
        return self.first <= address <= self.last


@dataclass(frozen=True, slots=True)
class Connection:
    src: str
    dst: str
    conns: ConnSet

    def line(self) -> str:
        return f"{self.src} => {self.dst} : {self.conns.text()}"


# ============================================================================ explanations


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A policy rule that allows part of a connection."""

    policy: NetworkPolicy
    rule: PolicyRule
    conns: ConnSet  # what this rule allows for this pair (after resolving named ports)

    @property
    def where(self) -> str:
        return f"NetworkPolicy {self.policy.ref} {self.rule.direction}[{self.rule.index}]"


@dataclass(frozen=True, slots=True)
class DirectionVerdict:
    direction: str
    isolated_by: tuple[NetworkPolicy, ...]  # empty: not isolated, everything allowed
    matches: tuple[RuleMatch, ...]
    conns: ConnSet


@dataclass(frozen=True, slots=True)
class Explanation:
    src: str
    dst: str
    egress: DirectionVerdict | None  # None: the source is outside the cluster
    ingress: DirectionVerdict | None  # None: the destination is outside the cluster
    conns: ConnSet


# ============================================================================ the engine


class Reachability:
    """Who can reach whom, for one scene. Build with `from_inventory`."""

    def __init__(
        self,
        endpoints: list[Endpoint],
        namespaces: Mapping[str, Mapping[str, str]],
        policies: list[NetworkPolicy],
        services: list[Service],
        ingresses: list[Ingress],
        *,
        host_network: str = "node",
        namespace_objects: Mapping[str, Resource] | None = None,
    ) -> None:
        if host_network not in HOST_NETWORK_MODES:
            raise ValueError(f"host_network must be one of {HOST_NETWORK_MODES}")
        self.host_network_mode = host_network
        self.endpoints = endpoints
        self.namespaces = dict(namespaces)
        self.namespace_objects = dict(namespace_objects or {})
        self.policies = [p for p in policies if p.valid]
        self.invalid_policies = [p for p in policies if not p.valid]
        self.services = services
        self.ingresses = ingresses
        self.table = ConnTable()
        # Extra boundaries of external ranges (to compare two scenes on one partition).
        self.extra_cuts: dict[str, set[int]] = {INGRESS: set(), EGRESS: set()}
        self._units: list[tuple[Endpoint, Variant]] = [
            (e, v) for e in endpoints for v in e.variants
        ]
        for i, (_, v) in enumerate(self._units):
            v.unit = i

    # ---------------------------------------------------------------- construction

    @classmethod
    def from_inventory(cls, inventory: Inventory, *, host_network: str = "node") -> Reachability:
        namespaces: dict[str, dict[str, str]] = {}
        namespace_objects: dict[str, Resource] = {}
        for ns in inventory.of_kind("Namespace"):
            if ns.group != "":
                continue
            labels = dict(ns.labels)
            labels[NAME_LABEL] = ns.name  # set by the API server, whatever the manifest says
            namespaces[ns.name] = labels
            namespace_objects[ns.name] = ns
        policies = [
            build_network_policy(r)
            for r in inventory.of_kind("NetworkPolicy")
            if is_network_policy(r)
        ]
        services = [build_service(r) for r in inventory.of_kind("Service") if is_service(r)]
        ingresses = [build_ingress(r) for r in inventory.of_kind("Ingress") if is_ingress(r)]
        endpoints = fold_endpoints(inventory.workloads)
        for name in {e.namespace for e in endpoints} | {p.namespace for p in policies}:
            namespaces.setdefault(name, {NAME_LABEL: name})
        if ingresses:
            controller = Endpoint("", "ingress-controller", "IngressController", synthetic=True)
            controller.variants.append(Variant({}, {}, False))
            endpoints.append(controller)
        return cls(
            endpoints,
            namespaces,
            policies,
            services,
            ingresses,
            host_network=host_network,
            namespace_objects=namespace_objects,
        )

    @staticmethod
    def anchor_paths(resource: Resource, workload: Workload | None) -> Iterator[Path]:
        """The paths of an object that rules over this scene report on: the engine records
        their lines while the object's file is parsed (no re-parse for scene findings)."""
        if workload is not None:
            yield workload.pod.meta_path
        elif is_network_policy(resource):
            policy = build_network_policy(resource)
            yield ("spec", "podSelector")
            for r in (*policy.ingress_rules, *policy.egress_rules):
                for peer in r.peers:
                    yield peer.path
        elif is_service(resource):
            yield ("spec", "selector")
            for port in build_service(resource).ports:
                yield port.path + ("targetPort",)
        elif is_ingress(resource):
            for b in build_ingress(resource).backends:
                yield b.path

    # ---------------------------------------------------------------- classes

    @cached_property
    def _classes(self) -> _Classes:
        return _Classes(self)

    @cached_property
    def real_endpoints(self) -> list[Endpoint]:
        return [e for e in self.endpoints if not e.synthetic]

    @property
    def ingress_controller(self) -> Endpoint | None:
        return next((e for e in self.endpoints if e.synthetic), None)

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        if namespace == "":  # the pseudo-namespace of the ingress controller: nothing known
            return {}
        return self.namespaces.get(namespace, {NAME_LABEL: namespace})

    # ---------------------------------------------------------------- per pod and policy

    def unit_selected(self, policy: NetworkPolicy, variant: Variant, namespace: str) -> bool:
        """Whether the policy's podSelector selects these pods."""
        if variant.host_network and self.host_network_mode == "node":
            return False
        return namespace == policy.namespace and policy.pod_selector.matches(variant.labels)

    def isolating(self, endpoint: Endpoint, direction: str) -> list[NetworkPolicy]:
        """Policies that select any pod of the endpoint for the direction."""
        return [
            p
            for p in self.policies
            if p.isolates(direction)
            and any(self.unit_selected(p, v, endpoint.namespace) for v in endpoint.variants)
        ]

    def selecting(self, policy: NetworkPolicy) -> list[Endpoint]:
        """Endpoints with pods the policy's podSelector selects."""
        return [
            e
            for e in self.real_endpoints
            if any(self.unit_selected(policy, v, e.namespace) for v in e.variants)
        ]

    def peer_matches(self, policy: NetworkPolicy, peer: Peer, variant: Variant, ns: str) -> bool:
        if peer.ip_block is not None:
            return False
        if variant.host_network and self.host_network_mode == "node":
            return False
        if peer.namespace_selector is None:
            if ns != policy.namespace:
                return False
        elif not peer.namespace_selector.matches(self.namespace_labels(ns)):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(variant.labels)

    def peer_endpoints(self, policy: NetworkPolicy, peer: Peer) -> list[Endpoint]:
        return [
            e
            for e in self.real_endpoints
            if any(self.peer_matches(policy, peer, v, e.namespace) for v in e.variants)
        ]

    def rule_conns(self, rule: PolicyRule, dst: Variant | None) -> ConnSet:
        """What a rule allows to a destination (None: outside the cluster)."""
        if rule.any_port:
            return ALL_CONNS
        parts: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for p in rule.ports:
            if p.port is None:
                parts[p.protocol].append(FULL[0])
            elif isinstance(p.port, int):
                parts[p.protocol].append((p.port, p.end_port or p.port))
            elif dst is not None:
                named = dst.ports.get(p.port)
                if named is not None and named.protocol == p.protocol:
                    parts[p.protocol].append((named.number, named.number))
        return ConnSet.of(parts)

    # ---------------------------------------------------------------- one pair, explained

    def explain_units(
        self,
        src: tuple[Endpoint, Variant] | External,
        dst: tuple[Endpoint, Variant] | External,
    ) -> tuple[DirectionVerdict | None, DirectionVerdict | None]:
        """The direct, rule-by-rule evaluation of one pair (also the engine's test oracle)."""
        egress = ingress = None
        if not isinstance(src, External):
            egress = self._verdict(EGRESS, src, dst)
        if not isinstance(dst, External):
            ingress = self._verdict(INGRESS, dst, src)
        return egress, ingress

    def _verdict(
        self,
        direction: str,
        subject: tuple[Endpoint, Variant],
        other: tuple[Endpoint, Variant] | External,
    ) -> DirectionVerdict:
        endpoint, variant = subject
        isolating = [
            p
            for p in self.policies
            if p.isolates(direction) and self.unit_selected(p, variant, endpoint.namespace)
        ]
        if not isolating:
            return DirectionVerdict(direction, (), (), ALL_CONNS)
        # Ports resolve against the destination: the subject itself for ingress.
        if direction == INGRESS:
            dst_variant: Variant | None = variant
        else:
            dst_variant = None if isinstance(other, External) else other[1]
        matches: list[RuleMatch] = []
        total = EMPTY_CONNS
        for p in isolating:
            for rule in p.rules(direction):
                if not self._rule_admits(p, rule, other):
                    continue
                conns = self.rule_conns(rule, dst_variant)
                matches.append(RuleMatch(p, rule, conns))
                total = total | conns
        return DirectionVerdict(direction, tuple(isolating), tuple(matches), total)

    def _rule_admits(
        self, policy: NetworkPolicy, rule: PolicyRule, other: tuple[Endpoint, Variant] | External
    ) -> bool:
        if rule.any_peer:
            return True
        for peer in rule.peers:
            if isinstance(other, External):
                block = peer.ip_block
                if block is not None and any(
                    lo <= other.first and other.last <= hi for lo, hi in block.ranges
                ):
                    return True
            elif self.peer_matches(policy, peer, other[1], other[0].namespace):
                return True
        return False

    def explain(self, src: Endpoint | External, dst: Endpoint | External) -> Explanation:
        """Which rules allow traffic from src to dst (union over the endpoints' pods)."""
        srcs: list[tuple[Endpoint, Variant] | External] = (
            [src] if isinstance(src, External) else [(src, v) for v in src.variants]
        )
        dsts: list[tuple[Endpoint, Variant] | External] = (
            [dst] if isinstance(dst, External) else [(dst, v) for v in dst.variants]
        )
        egress = ingress = None
        total = EMPTY_CONNS
        for s in srcs:
            for d in dsts:
                e, i = self.explain_units(s, d)
                conns = (e.conns if e else ALL_CONNS) & (i.conns if i else ALL_CONNS)
                total = total | conns
                egress = _merge_verdicts(egress, e)
                ingress = _merge_verdicts(ingress, i)
        if isinstance(dst, Endpoint) and dst.synthetic:
            total = EMPTY_CONNS
        if isinstance(src, Endpoint) and src.synthetic and isinstance(dst, Endpoint):
            total = total & self.ingress_ports(dst)
        return Explanation(_label(src), _label(dst), egress, ingress, total)

    # ---------------------------------------------------------------- externals

    def ip_cuts(self, direction: str) -> set[int]:
        """Boundaries of the external ranges: every ipBlock edge of the direction's rules."""
        return {e.first for e in self.ip_partition(direction)}

    def ip_partition(self, direction: str) -> list[External]:
        """Disjoint address ranges covering IPv4, split at every ipBlock boundary of the
        rules of that direction."""
        cuts = {0, IPV4_MAX + 1} | self.extra_cuts[direction]
        for p in self.policies:
            for rule in p.rules(direction):
                for peer in rule.peers:
                    if peer.ip_block is not None:
                        for lo, hi in peer.ip_block.ranges:
                            cuts.add(lo)
                            cuts.add(hi + 1)
        edges = sorted(cuts)
        return [External(a, b - 1) for a, b in itertools.pairwise(edges)]

    def egress_to_address(self, endpoint: Endpoint, address: str) -> ConnSet:
        """What the endpoint's pods may send to one address outside the cluster."""
        ip = int(ipaddress.IPv4Address(address))
        total = EMPTY_CONNS
        for v in endpoint.variants:
            verdict = self._verdict(EGRESS, (endpoint, v), External(ip, ip))
            total = total | verdict.conns
        return total

    # ---------------------------------------------------------------- ingress objects

    def ingress_ports(self, endpoint: Endpoint) -> ConnSet:
        """What Ingress objects route to the endpoint's pods, through their Services."""
        total = EMPTY_CONNS
        for _ing, _backend, svc, port in self.ingress_routes():
            if svc.namespace != endpoint.namespace or svc.selector is None:
                continue
            for v in endpoint.variants:
                if not _selects(svc.selector, v.labels):
                    continue
                total = total | _target_conns(port.protocol, port.target_port, v)
        return total

    def ingress_routes(self) -> Iterator[tuple[Ingress, Any, Service, Any]]:
        """(Ingress, backend, Service, ServicePort) for every backend that resolves."""
        by_name = {(s.namespace, s.name): s for s in self.services}
        for ing in self.ingresses:
            for backend in ing.backends:
                svc = by_name.get((ing.namespace, backend.service or ""))
                if svc is None or backend.service is None:
                    continue
                for port in svc.ports:
                    if backend.port is None:
                        continue
                    if (isinstance(backend.port, int) and port.port == backend.port) or (
                        isinstance(backend.port, str) and port.name == backend.port
                    ):
                        yield ing, backend, svc, port

    # ---------------------------------------------------------------- fast queries (rules)

    def _class_of(self, variant: Variant) -> int:
        return int(self._classes.unit_class[variant.unit])

    def isolated(self, endpoint: Endpoint, direction: str) -> bool:
        """Whether some policy isolates (any of) the endpoint's pods for the direction."""
        mask = self._classes.isolated(direction)
        return any(bool(mask[self._class_of(v)]) for v in endpoint.variants)

    def selects_any(self, policy: NetworkPolicy) -> bool:
        """Whether the policy's podSelector selects a pod of the input."""
        return bool((self._classes.subject_mask(policy) & self._classes.real).any())

    def peer_selects_any(self, policy: NetworkPolicy, peer: Peer) -> bool:
        """Whether a pod/namespace peer matches a pod of the input."""
        return bool((self._classes.peer_mask(policy, peer) & self._classes.real).any())

    def egress_to(self, endpoint: Endpoint, address: str) -> ConnSet:
        """What the endpoint's pods may send to one IPv4 address outside the cluster."""
        ip = int(ipaddress.IPv4Address(address))
        cls = self._classes
        target = External(ip, ip)
        total = EMPTY_CONNS
        for v in endpoint.variants:
            c = self._class_of(v)
            if not cls.isolated(EGRESS)[c]:
                return ALL_CONNS
            for p in cls.isolating_policies(EGRESS, c):
                for rule in p.egress_rules:
                    if self._rule_admits(p, rule, target):
                        total = total | self.rule_conns(rule, None)
        return total

    def service_endpoints(self, svc: Service) -> list[Endpoint]:
        """Endpoints with pods the Service's selector selects."""
        if not svc.selector:
            return []
        index = self._label_index.get(svc.namespace, {})
        found: set[int] | None = None
        for pair in svc.selector.items():
            members = index.get(pair, set())
            found = set(members) if found is None else found & members
            if not found:
                return []
        return [self.real_endpoints[i] for i in sorted(found or ())]

    @cached_property
    def _label_index(self) -> dict[str, dict[tuple[str, str], set[int]]]:
        """namespace -> (label, value) -> indices of real endpoints with a pod carrying it."""
        out: dict[str, dict[tuple[str, str], set[int]]] = defaultdict(lambda: defaultdict(set))
        for i, e in enumerate(self.real_endpoints):
            for v in e.variants:
                for pair in v.labels.items():
                    out[e.namespace][pair].add(i)
        return out

    def namespaces_with_pods(self) -> set[str]:
        return {e.namespace for e in self.real_endpoints}

    # ---------------------------------------------------------------- the matrix

    def matrix(self) -> ClassMatrix:
        """The full class-by-class reachability matrix (see ClassMatrix)."""
        return self._classes.matrix()

    def connections(self) -> list[Connection]:
        """Every allowed connection between endpoints and external ranges, folded by owner,
        sorted, without self pairs: the `netpol list` result."""
        cls = self._classes
        out: list[Connection] = []
        m = cls.matrix()
        unit_class = cls.unit_class
        # Endpoint pairs: union over their pods.
        by_endpoint: dict[int, list[int]] = defaultdict(list)
        for u, (e, _) in enumerate(self._units):
            by_endpoint[id(e)].append(int(unit_class[u]))
        eps = [e for e in self.endpoints if not e.synthetic]
        ep_classes = [sorted(set(by_endpoint[id(e)])) for e in eps]
        for i, src in enumerate(eps):
            rows = m.pods[ep_classes[i]]
            for j, dst in enumerate(eps):
                if i == j:
                    continue
                ids = np.unique(rows[:, ep_classes[j]])
                conn = self._union_ids(ids)
                if not conn.empty:
                    out.append(Connection(src.label, dst.label, conn))
            for x, ext in enumerate(m.egress_externals):
                ids = np.unique(m.to_external[ep_classes[i], x])
                conn = self._union_ids(ids)
                if not conn.empty:
                    out.append(Connection(src.label, ext.label, conn))
        for x, ext in enumerate(m.ingress_externals):
            for j, dst in enumerate(eps):
                ids = np.unique(m.from_external[x, ep_classes[j]])
                conn = self._union_ids(ids)
                if not conn.empty:
                    out.append(Connection(ext.label, dst.label, conn))
        controller = self.ingress_controller
        if controller is not None:
            ic = int(unit_class[controller.variants[0].unit])
            for j, dst in enumerate(eps):
                routed = self.ingress_ports(dst)
                if routed.empty:
                    continue
                ids = np.unique(m.pods[ic, ep_classes[j]])
                conn = self._union_ids(ids) & routed
                if not conn.empty:
                    out.append(Connection(INGRESS_CONTROLLER, dst.label, conn))
        out.sort(key=Connection.line)
        return out

    def blocked_ingress_routes(self) -> list[tuple[Ingress, Endpoint]]:
        """Endpoints an Ingress routes to whose policies admit no in-cluster source on the
        routed ports (the controller's own pods are not known)."""
        controller = self.ingress_controller
        if controller is None:
            return []
        out = []
        for dst in self.real_endpoints:
            routed = self.ingress_ports(dst)
            if routed.empty:
                continue
            if (self.explain(controller, dst).conns).empty:
                out.append((self.ingresses[0], dst))
        return out

    def _union_ids(self, ids: npt.NDArray[Any]) -> ConnSet:
        acc = ConnTable.EMPTY
        for i in ids:
            acc = self.table.union(acc, int(i))
        return self.table.sets[acc]


def _label(x: Endpoint | External) -> str:
    return x.label


def _merge_verdicts(
    a: DirectionVerdict | None, b: DirectionVerdict | None
) -> DirectionVerdict | None:
    if a is None:
        return b
    if b is None:
        return a
    isolated = tuple(dict.fromkeys(a.isolated_by + b.isolated_by))
    matches = tuple(dict.fromkeys(a.matches + b.matches))
    return DirectionVerdict(a.direction, isolated, matches, a.conns | b.conns)


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """A Service's selector (a plain label map; empty selects nothing)."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _target_conns(protocol: str, target: int | str | None, v: Variant) -> ConnSet:
    if isinstance(target, int):
        return ConnSet.of({protocol: [(target, target)]})
    if isinstance(target, str):
        named = v.ports.get(target)
        if named is not None and named.protocol == protocol:
            return ConnSet.of({protocol: [(named.number, named.number)]})
    return EMPTY_CONNS


# ============================================================================ endpoints


def fold_endpoints(workloads: Sequence[Workload]) -> list[Endpoint]:
    """Group pod-carrying objects into endpoints named by their top owner.

    A Pod (or a ReplicaSet, Job, ...) with a controller owner reference belongs to its
    controller; owners are followed while the owner is itself in the input with a controller
    of its own (Pod -> ReplicaSet -> Deployment). A PodTemplate runs nothing and is skipped.
    """
    objects: dict[tuple[str, str, str], Resource] = {}
    for w in workloads:
        r = w.resource
        objects[(r.namespace or "default", r.kind, r.name)] = r
    endpoints: dict[tuple[str, str, str], Endpoint] = {}
    for w in workloads:
        r = w.resource
        if r.kind == "PodTemplate":
            continue
        ns = r.namespace or "default"
        kind, name = r.kind, r.name
        owner = controller_of(r)
        seen = {(kind, name)}
        while owner is not None:
            kind, name = owner.kind or "Pod", owner.name
            if (kind, name) in seen:
                break
            seen.add((kind, name))
            parent = objects.get((ns, kind, name))
            owner = controller_of(parent) if parent is not None else None
        key = (ns, kind, name)
        ep = endpoints.get(key)
        if ep is None:
            ep = endpoints[key] = Endpoint(ns, name, kind)
        ep.resources.append(r)
        ep.workloads.append(w)
        _add_variant(ep, w)
    return sorted(endpoints.values(), key=lambda e: e.label)


def _add_variant(ep: Endpoint, w: Workload) -> None:
    ports: dict[str, NamedPort] = {}
    for c in w.containers:
        if c.kind.value == "ephemeralContainers":
            continue
        if c.kind.value == "initContainers" and c.raw.get("restartPolicy") != "Always":
            continue  # only sidecar init containers keep running and listening
        for p in c.ports:
            if p.name and p.container_port is not None and p.name not in ports:
                ports[p.name] = NamedPort(p.protocol, p.container_port)
    labels = dict(w.pod.labels)
    for v in ep.variants:
        if v.labels == labels and v.ports == ports and v.host_network == w.pod.host_network:
            v.resources.append(w.resource)
            return
    ep.variants.append(Variant(labels, ports, w.pod.host_network, [w.resource]))


# ============================================================================ classes


@dataclass
class ClassMatrix:
    """Reachability between equivalence classes of pods, as ids into `table.sets`.

    `pods[s, d]`: from class s to class d. `to_external[s, x]`: from class s to
    `egress_externals[x]`. `from_external[x, d]`: from `ingress_externals[x]` to class d.
    """

    table: ConnTable
    pods: Ids
    to_external: Ids
    from_external: Ids
    egress_externals: list[External]
    ingress_externals: list[External]


class _Classes:
    """Pods grouped into equivalence classes, selectors evaluated once per class."""

    def __init__(self, reach: Reachability) -> None:
        self.reach = reach
        node_mode = reach.host_network_mode == "node"
        # Label keys and values any pod selector looks at; other values are all alike.
        mentioned: dict[str, set[str]] = defaultdict(set)
        port_names: set[str] = set()
        for p in reach.policies:
            selectors = [p.pod_selector] + [
                peer.pod_selector
                for r in (*p.ingress_rules, *p.egress_rules)
                for peer in r.peers
                if peer.pod_selector is not None
            ]
            for sel in selectors:
                for k, val in sel.match_labels:
                    mentioned[k].add(val)
                for req in sel.expressions:
                    mentioned[req.key].update(req.values)
            for r in (*p.ingress_rules, *p.egress_rules):
                port_names.update(pp.port for pp in r.ports if isinstance(pp.port, str))
        keys: dict[tuple[Any, ...], int] = {}
        unit_class: list[int] = []
        reps: list[tuple[Endpoint, Variant]] = []
        for e, v in reach._units:
            abstract = tuple(
                sorted(
                    (k, v.labels[k] if v.labels[k] in mentioned[k] else None)
                    for k in v.labels
                    if k in mentioned
                )
            )
            named = tuple(sorted((n, v.ports[n]) for n in port_names if n in v.ports))
            key = (e.namespace, abstract, named, v.host_network and node_mode, e.synthetic)
            found = keys.get(key)
            if found is None:
                found = keys[key] = len(reps)
                reps.append((e, v))
            unit_class.append(found)
        self.reps = reps
        self.unit_class = np.asarray(unit_class, dtype=np.int64)
        self.n = len(reps)
        n = self.n
        ns_names = sorted({e.namespace for e, _ in reps} | set(reach.namespaces))
        self.ns_index = {name: i for i, name in enumerate(ns_names)}
        self.ns_names = ns_names
        self.class_ns = np.fromiter(
            (self.ns_index[e.namespace] for e, _ in reps), dtype=np.int64, count=n
        )
        self.host = np.fromiter(
            (v.host_network and node_mode for _, v in reps), dtype=np.bool_, count=n
        )
        # Label index over classes.
        self._pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._keys: dict[str, list[int]] = defaultdict(list)
        for i, (_, v) in enumerate(reps):
            for k, val in v.labels.items():
                if k in mentioned:
                    self._pairs[(k, val)].append(i)
                    self._keys[k].append(i)
        self._masks: dict[Any, Mask] = {}
        # Named-port profiles of classes (as far as policies name ports).
        profiles: dict[tuple[Any, ...], int] = {}
        prof: list[int] = []
        self.profile_reps: list[Variant] = []
        for _, v in reps:
            key2 = tuple(sorted((name, v.ports[name]) for name in port_names if name in v.ports))
            found = profiles.get(key2)
            if found is None:
                found = profiles[key2] = len(self.profile_reps)
                self.profile_reps.append(v)
            prof.append(found)
        self.profile = np.asarray(prof, dtype=np.int64)
        self.egress_externals = reach.ip_partition(EGRESS)
        self.ingress_externals = reach.ip_partition(INGRESS)
        self._matrix: ClassMatrix | None = None
        self._pol_by_id = {id(p): p for p in reach.policies}
        self.real = np.fromiter((not e.synthetic for e, _ in reps), dtype=np.bool_, count=n)
        self._egress: tuple[Ids, Ids] | None = None

    def isolated(self, direction: str) -> Mask:
        key = ("isolated", direction)
        found = self._masks.get(key)
        if found is None:
            found = np.zeros(self.n, dtype=np.bool_)
            for p in self.reach.policies:
                if p.isolates(direction):
                    found |= self.subject_mask(p)
            self._masks[key] = found
        return found

    def isolating_policies(self, direction: str, c: int) -> list[NetworkPolicy]:
        """The policies that isolate class c for a direction."""
        return [
            p
            for p in self.reach.policies
            if p.isolates(direction) and bool(self.subject_mask(p)[c])
        ]

    def egress_table(self) -> tuple[Ids, Ids]:
        if self._egress is None:
            self._egress = self.egress_rows()
        return self._egress

    # ---------------------------------------------------------------- masks

    def _indices(self, indices: list[int]) -> Mask:
        m = np.zeros(self.n, dtype=np.bool_)
        if indices:
            m[indices] = True
        return m

    def selector_mask(self, selector: LabelSelector) -> Mask:
        key = ("pod", selector)
        found = self._masks.get(key)
        if found is not None:
            return found
        mask = np.ones(self.n, dtype=np.bool_)
        for k, v in selector.match_labels:
            mask &= self._indices(self._pairs.get((k, v), []))
        for req in selector.expressions:
            if req.operator in ("In", "NotIn"):
                m = np.zeros(self.n, dtype=np.bool_)
                for val in req.values:
                    m |= self._indices(self._pairs.get((req.key, val), []))
                mask &= m if req.operator == "In" else ~m
            else:
                m = self._indices(self._keys.get(req.key, []))
                mask &= m if req.operator == "Exists" else ~m
        self._masks[key] = mask
        return mask

    def namespace_mask(self, selector: LabelSelector) -> Mask:
        key = ("ns", selector)
        found = self._masks.get(key)
        if found is not None:
            return found
        chosen = np.fromiter(
            (selector.matches(self.reach.namespace_labels(name)) for name in self.ns_names),
            dtype=np.bool_,
            count=len(self.ns_names),
        )
        mask = chosen[self.class_ns]
        self._masks[key] = mask
        return mask

    def in_namespace(self, namespace: str) -> Mask:
        idx = self.ns_index.get(namespace)
        if idx is None:
            return np.zeros(self.n, dtype=np.bool_)
        return np.asarray(self.class_ns == idx)

    def subject_mask(self, policy: NetworkPolicy) -> Mask:
        key = ("subject", id(policy))
        found = self._masks.get(key)
        if found is None:
            found = self.selector_mask(policy.pod_selector) & self.in_namespace(policy.namespace)
            found &= ~self.host
            self._masks[key] = found
        return found

    def peer_mask(self, policy: NetworkPolicy, peer: Peer) -> Mask:
        if peer.ip_block is not None:
            return np.zeros(self.n, dtype=np.bool_)
        if peer.namespace_selector is None:
            mask = self.in_namespace(policy.namespace)
        else:
            mask = self.namespace_mask(peer.namespace_selector).copy()
        if peer.pod_selector is not None:
            mask &= self.selector_mask(peer.pod_selector)
        return mask & ~self.host

    def external_mask(self, peer: Peer, externals: list[External]) -> Mask:
        block = peer.ip_block
        if block is None:
            return np.zeros(len(externals), dtype=np.bool_)
        return np.fromiter(
            (any(lo <= x.first and x.last <= hi for lo, hi in block.ranges) for x in externals),
            dtype=np.bool_,
            count=len(externals),
        )

    # ---------------------------------------------------------------- vectors

    def _rule_vector(
        self, policy: NetworkPolicy, rule: PolicyRule, externals: list[External]
    ) -> Mask:
        """Peers a rule admits: classes, then external ranges."""
        total = self.n + len(externals)
        if rule.any_peer:
            return np.ones(total, dtype=np.bool_)
        pods = np.zeros(self.n, dtype=np.bool_)
        ext = np.zeros(len(externals), dtype=np.bool_)
        for peer in rule.peers:
            if peer.ip_block is not None:
                ext |= self.external_mask(peer, externals)
            else:
                pods |= self.peer_mask(policy, peer)
        return np.concatenate([pods, ext])

    def isolating_sets(self, direction: str) -> tuple[list[tuple[int, ...]], Ids]:
        """Distinct sets of policies isolating classes for a direction, and each class's set."""
        pols = [p for p in self.reach.policies if p.isolates(direction)]
        if not pols:
            return [()], np.zeros(self.n, dtype=np.uint32)
        members = np.zeros((self.n, len(pols)), dtype=np.bool_)
        for j, p in enumerate(pols):
            members[:, j] = self.subject_mask(p)
        packed = np.packbits(members, axis=1)
        uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
        sets: list[tuple[int, ...]] = []
        for row in uniq:
            bits = np.unpackbits(row)[: len(pols)]
            sets.append(tuple(id(pols[j]) for j in np.flatnonzero(bits)))
        return sets, inverse.reshape(-1).astype(np.uint32)

    def egress_rows(self) -> tuple[Ids, Ids]:
        """Distinct egress vectors (over classes then egress externals) and each class's row."""
        sets, group = self.isolating_sets(EGRESS)
        externals = self.egress_externals
        width = self.n + len(externals)
        table = self.reach.table
        rows = np.zeros((len(sets), width), dtype=np.uint32)
        # Named ports resolve per destination: profiles of classes; externals resolve none.
        dst_profile = np.concatenate([self.profile, np.full(len(externals), -1, dtype=np.int64)])
        for g, pol_ids in enumerate(sets):
            row = rows[g]
            if not pol_ids:
                row[:] = table.ALL
                continue
            for pid in pol_ids:
                policy = self._pol_by_id[pid]
                for rule in policy.egress_rules:
                    admitted = self._rule_vector(policy, rule, externals)
                    if not admitted.any():
                        continue
                    if any(p.named for p in rule.ports):
                        for prof in np.unique(dst_profile[admitted]):
                            v = self.profile_reps[int(prof)] if prof >= 0 else None
                            conn = table.id(self.reach.rule_conns(rule, v))
                            table.paint(row, admitted & (dst_profile == prof), conn)
                    else:
                        conn = table.id(self.reach.rule_conns(rule, None))
                        table.paint(row, admitted, conn)
        return rows, group

    def ingress_columns(self) -> tuple[Ids, Ids]:
        """Distinct ingress vectors (over source classes then ingress externals) and each
        destination class's column."""
        sets, group = self.isolating_sets(INGRESS)
        externals = self.ingress_externals
        table = self.reach.table
        # A column depends on the isolating policies and, for named ports, the destination's
        # own ports.
        named = [
            any(
                p.named
                for pid in pol_ids
                for r in self._pol_by_id[pid].ingress_rules
                for p in r.ports
            )
            for pol_ids in sets
        ]
        keys: dict[tuple[int, int], int] = {}
        col_of = np.zeros(self.n, dtype=np.uint32)
        specs: list[tuple[tuple[int, ...], int]] = []
        for c in range(self.n):
            g = int(group[c])
            key = (g, int(self.profile[c]) if named[g] else -1)
            found = keys.get(key)
            if found is None:
                found = keys[key] = len(specs)
                specs.append((sets[g], int(self.profile[c])))
            col_of[c] = found
        cols = np.zeros((len(specs), self.n + len(externals)), dtype=np.uint32)
        for g, (pol_ids, prof) in enumerate(specs):
            col = cols[g]
            if not pol_ids:
                col[:] = table.ALL
                continue
            dst = self.profile_reps[prof]
            for pid in pol_ids:
                policy = self._pol_by_id[pid]
                for rule in policy.ingress_rules:
                    admitted = self._rule_vector(policy, rule, externals)
                    conn = table.id(self.reach.rule_conns(rule, dst))
                    table.paint(col, admitted, conn)
        return cols, col_of

    def matrix(self, block: int = 1024) -> ClassMatrix:
        if self._matrix is not None:
            return self._matrix
        n = self.n
        table = self.reach.table
        rows, row_of = self.egress_table()
        cols, col_of = self.ingress_columns()
        pods = np.zeros((n, n), dtype=np.uint32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            egress = rows[row_of[start:stop], :n]  # (b, n): to every destination class
            ingress = cols[col_of][:, start:stop].T  # (b, n): into every class, from these
            pods[start:stop] = table.combine(egress, ingress)
        to_external = rows[row_of, n:]
        from_external = cols[col_of, n:].T.copy()
        self._matrix = ClassMatrix(
            table, pods, to_external, from_external, self.egress_externals, self.ingress_externals
        )
        return self._matrix


# ============================================================================ diff


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # changed, added, removed
    src: str
    dst: str
    old: ConnSet
    new: ConnSet
    info: str  # e.g. "workload shop/web[Deployment] added"


KIND_ORDER = {"changed": 0, "added": 1, "removed": 2}


def diff(before: Reachability, after: Reachability) -> list[Change]:
    """Connections that differ between two scenes, external ranges on one partition."""
    for d in (INGRESS, EGRESS):
        cuts = before.ip_cuts(d) | after.ip_cuts(d)
        before.extra_cuts[d] = after.extra_cuts[d] = cuts
    old = {(c.src, c.dst): c.conns for c in before.connections()}
    new = {(c.src, c.dst): c.conns for c in after.connections()}
    old_eps = {e.label for e in before.endpoints}
    new_eps = {e.label for e in after.endpoints}
    out: list[Change] = []
    for key in set(old) | set(new):
        a, b = old.get(key, EMPTY_CONNS), new.get(key, EMPTY_CONNS)
        if a == b:
            continue
        kind = "changed" if not a.empty and not b.empty else "added" if a.empty else "removed"
        info = []
        for name in key:
            if name in new_eps and name not in old_eps and name != INGRESS_CONTROLLER:
                info.append(f"workload {name} added")
            elif name in old_eps and name not in new_eps and name != INGRESS_CONTROLLER:
                info.append(f"workload {name} removed")
        out.append(Change(kind, key[0], key[1], a, b, ", ".join(info)))
    out.sort(key=lambda c: (KIND_ORDER[c.kind], c.src, c.dst))
    return out


__all__ = [
    "ALL_CONNS",
    "EMPTY_CONNS",
    "Change",
    "ClassMatrix",
    "ConnSet",
    "Connection",
    "Endpoint",
    "Explanation",
    "External",
    "Reachability",
    "fold_endpoints",
]
