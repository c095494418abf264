"""Network objects as Kubernetes defines them: NetworkPolicy, Service, Ingress; pod owners.

Every field is read type-checked (`Reader`); what the API server would refuse is recorded as a
problem with its path, and an invalid NetworkPolicy is marked `valid=False` (it would not exist
in a cluster, so the reachability analysis ignores it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.model.path import Path
from kubeward.model.resource import Problem, Reader, Resource
from kubeward.model.selector import LabelSelector, read_selector

PROTOCOLS = ("SCTP", "TCP", "UDP")  # sorted: the order connections are printed in
MIN_PORT, MAX_PORT = 1, 65535
IPV4_MAX = 2**32 - 1

# A port name (IANA_SVC_NAME): at most 15 lowercase letters, digits and inner single hyphens,
# with at least one letter.
_PORT_NAME = re.compile(r"(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?=[a-z0-9])){0,14}")

INGRESS, EGRESS = "ingress", "egress"


# ============================================================================ NetworkPolicy


@dataclass(frozen=True, slots=True)
class PolicyPort:
    """One `ports` entry: a protocol and a port number, range, name, or every port."""

    protocol: str
    port: int | str | None  # None: every port of the protocol; str: a named port
    end_port: int | None
    path: Path

    @property
    def named(self) -> bool:
        return isinstance(self.port, str)


@dataclass(frozen=True, slots=True)
class IPBlock:
    cidr: str
    excepts: tuple[str, ...]
    # The IPv4 addresses it covers: inclusive [first, last] intervals, sorted and disjoint.
    # Empty for IPv6 blocks (only IPv4 external ranges are analysed).
    ranges: tuple[tuple[int, int], ...]
    ipv6: bool

    def covers(self, address: int) -> bool:
        return any(lo <= address <= hi for lo, hi in self.ranges)

    @property
    def everything(self) -> bool:
        """The block is every IPv4 address (`0.0.0.0/0` without exceptions)."""
        return self.ranges == ((0, IPV4_MAX),)


@dataclass(frozen=True, slots=True)
class Peer:
    """One `from`/`to` entry. Selectors together are an AND; `namespace_selector` None means
    the policy's own namespace."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: IPBlock | None
    path: Path


@dataclass(frozen=True, slots=True)
class PolicyRule:
    direction: str  # INGRESS or EGRESS
    index: int
    peers: tuple[Peer, ...]  # empty: every source/destination, inside and outside the cluster
    ports: tuple[PolicyPort, ...]  # empty: every port and protocol
    path: Path

    @property
    def any_peer(self) -> bool:
        return not self.peers

    @property
    def any_port(self) -> bool:
        return not self.ports


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    resource: Resource
    namespace: str
    pod_selector: LabelSelector
    ingress: bool  # the policy isolates the pods it selects for ingress
    egress: bool
    ingress_rules: tuple[PolicyRule, ...]
    egress_rules: tuple[PolicyRule, ...]
    types_written: bool  # policyTypes is given (else inferred)
    problems: tuple[Problem, ...]
    valid: bool  # False when the API server would refuse the object

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> tuple[PolicyRule, ...]:
        return self.ingress_rules if direction == INGRESS else self.egress_rules

    def isolates(self, direction: str) -> bool:
        return self.ingress if direction == INGRESS else self.egress


def is_network_policy(resource: Resource) -> bool:
    return resource.kind == "NetworkPolicy" and resource.group in (
        "networking.k8s.io",
        "extensions",
    )


def build_network_policy(resource: Resource) -> NetworkPolicy:
    reader = Reader()
    invalid: list[Problem] = []

    def refuse(path: Path, message: str) -> None:
        invalid.append(Problem(path, f"{message} (the API server refuses this NetworkPolicy)"))

    spec = reader.mapping(resource.raw, "spec", ())
    sp: Path = ("spec",)
    selector = read_selector(reader, spec, "podSelector", sp) or LabelSelector()
    types = reader.strings(spec, "policyTypes", sp)
    for i, t in enumerate(types):
        if t not in ("Ingress", "Egress"):
            refuse(sp + ("policyTypes", i), f"policyTypes: unknown type {t!r}")
    ingress_rules = tuple(
        _rule(reader, refuse, INGRESS, i, r, sp + ("ingress", i))
        for i, r in reader.maps(spec, "ingress", sp)
    )
    egress_rules = tuple(
        _rule(reader, refuse, EGRESS, i, r, sp + ("egress", i))
        for i, r in reader.maps(spec, "egress", sp)
    )
    written = spec.get("policyTypes") is not None and isinstance(spec.get("policyTypes"), list)
    if written:
        ingress, egress = "Ingress" in types, "Egress" in types
    else:  # the API server's defaulting: Ingress always, Egress when there are egress rules
        ingress, egress = True, bool(egress_rules)
    problems = tuple(reader.problems) + tuple(invalid)
    selectors = [selector] + [
        s
        for r in (*ingress_rules, *egress_rules)
        for p in r.peers
        for s in (p.pod_selector, p.namespace_selector)
        if s is not None
    ]
    return NetworkPolicy(
        resource=resource,
        namespace=resource.namespace or "default",
        pod_selector=selector,
        ingress=ingress,
        egress=egress,
        ingress_rules=ingress_rules,
        egress_rules=egress_rules,
        types_written=written,
        problems=problems,
        valid=not invalid and all(s.valid for s in selectors),
    )


def _rule(
    reader: Reader,
    refuse: Any,
    direction: str,
    index: int,
    raw: Mapping[str, Any],
    path: Path,
) -> PolicyRule:
    key = "from" if direction == INGRESS else "to"
    peers: list[Peer] = []
    for i, p in reader.maps(raw, key, path):
        at = path + (key, i)
        pod = read_selector(reader, p, "podSelector", at)
        ns = read_selector(reader, p, "namespaceSelector", at)
        block = _ip_block(reader, refuse, p, at) if p.get("ipBlock") is not None else None
        if pod is None and ns is None and block is None:
            refuse(at, "a peer must set podSelector, namespaceSelector or ipBlock")
        elif block is not None and (pod is not None or ns is not None):
            refuse(at, "ipBlock cannot be combined with podSelector or namespaceSelector")
        peers.append(Peer(pod, ns, block, at))
    ports: list[PolicyPort] = []
    for i, p in reader.maps(raw, "ports", path):
        at = path + ("ports", i)
        protocol = reader.string(p, "protocol", at) or "TCP"
        if protocol not in PROTOCOLS:
            refuse(at + ("protocol",), f"unknown protocol {protocol!r} (TCP, UDP or SCTP)")
        port: int | str | None = None
        raw_port = p.get("port")
        if isinstance(raw_port, bool) or not isinstance(raw_port, int | str | None):
            reader.wrong(at + ("port",), "an integer or a port name", raw_port)
        elif isinstance(raw_port, int):
            port = raw_port
            if not MIN_PORT <= raw_port <= MAX_PORT:
                refuse(at + ("port",), f"port {raw_port} is not between 1 and 65535")
        elif isinstance(raw_port, str):
            port = raw_port
            if not _PORT_NAME.fullmatch(raw_port):
                refuse(at + ("port",), f"port {raw_port!r} is neither a number nor a port name")
        end = reader.integer(p, "endPort", at)
        if end is not None:
            if not isinstance(port, int):
                refuse(at + ("endPort",), "endPort needs a numeric port")
            elif end < port or end > MAX_PORT:
                refuse(at + ("endPort",), f"endPort {end} must be between port {port} and 65535")
        ports.append(PolicyPort(protocol, port, end, at))
    return PolicyRule(direction, index, tuple(peers), tuple(ports), path)


def _ip_block(reader: Reader, refuse: Any, peer: Mapping[str, Any], at: Path) -> IPBlock | None:
    node = reader.mapping(peer, "ipBlock", at)
    where = at + ("ipBlock",)
    cidr = reader.string(node, "cidr", where)
    excepts = reader.strings(node, "except", where)
    if cidr is None:
        refuse(where, "ipBlock needs a cidr")
        return IPBlock("", excepts, (), False)
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        refuse(where + ("cidr",), f"{cidr!r} is not a CIDR")
        return IPBlock(cidr, excepts, (), False)
    holes: list[tuple[int, int]] = []
    for i, text in enumerate(excepts):
        try:
            sub = ipaddress.ip_network(text, strict=False)
        except ValueError:
            refuse(where + ("except", i), f"{text!r} is not a CIDR")
            continue
        if sub.version != net.version or not sub.subnet_of(net) or sub == net:  # type: ignore[arg-type]
            refuse(where + ("except", i), f"{text} is not a strict subset of {cidr}")
            continue
        holes.append((int(sub.network_address), int(sub.broadcast_address)))
    if net.version == 6:
        return IPBlock(cidr, excepts, (), True)
    ranges = subtract([(int(net.network_address), int(net.broadcast_address))], holes)
    return IPBlock(cidr, excepts, tuple(ranges), False)


def subtract(ranges: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive integer intervals minus other intervals, sorted and disjoint."""
    out = sorted(ranges)
    for hlo, hhi in sorted(holes):
        nxt: list[tuple[int, int]] = []
        for lo, hi in out:
            if hhi < lo or hlo > hi:
                nxt.append((lo, hi))
                continue
            if lo < hlo:
                nxt.append((lo, hlo - 1))
            if hhi < hi:
                nxt.append((hhi + 1, hi))
        out = nxt
    return out


def ip_text(address: int) -> str:
    return str(ipaddress.IPv4Address(address))


def parse_ipv4(text: str) -> int | None:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        return None


# ============================================================================ Service


@dataclass(frozen=True, slots=True)
class ServicePort:
    name: str | None
    protocol: str
    port: int | None
    target_port: int | str | None  # the container port (number or name); defaults to `port`
    node_port: int | None
    path: Path


@dataclass(frozen=True, slots=True)
class Service:
    resource: Resource
    namespace: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    selector: Mapping[str, str] | None  # None: no selector (endpoints managed elsewhere)
    ports: tuple[ServicePort, ...]
    external_ips: tuple[tuple[str, Path], ...]
    source_ranges: tuple[str, ...]  # loadBalancerSourceRanges
    problems: tuple[Problem, ...]

    @property
    def name(self) -> str:
        return self.resource.name


def is_service(resource: Resource) -> bool:
    return resource.kind == "Service" and resource.group == ""


def build_service(resource: Resource) -> Service:
    reader = Reader()
    spec = reader.mapping(resource.raw, "spec", ())
    sp: Path = ("spec",)
    selector = reader.string_map(spec, "selector", sp) if spec.get("selector") is not None else None
    ports: list[ServicePort] = []
    for i, p in reader.maps(spec, "ports", sp):
        at = sp + ("ports", i)
        port = reader.integer(p, "port", at)
        target = p.get("targetPort")
        target_port: int | str | None
        if target is None:
            target_port = port
        elif isinstance(target, int | str) and not isinstance(target, bool):
            target_port = target
        else:
            reader.wrong(at + ("targetPort",), "an integer or a port name", target)
            target_port = port
        ports.append(
            ServicePort(
                name=reader.string(p, "name", at),
                protocol=reader.string(p, "protocol", at) or "TCP",
                port=port,
                target_port=target_port,
                node_port=reader.integer(p, "nodePort", at),
                path=at,
            )
        )
    ips = tuple(
        (ip, sp + ("externalIPs", i))
        for i, ip in enumerate(reader.strings(spec, "externalIPs", sp))
    )
    return Service(
        resource=resource,
        namespace=resource.namespace or "default",
        type=reader.string(spec, "type", sp) or "ClusterIP",
        selector=selector,
        ports=tuple(ports),
        external_ips=ips,
        source_ranges=reader.strings(spec, "loadBalancerSourceRanges", sp),
        problems=tuple(reader.problems),
    )


# ============================================================================ Ingress


@dataclass(frozen=True, slots=True)
class IngressBackend:
    service: str | None  # None: a resource backend, not a Service
    port: int | str | None  # service port number or name
    path: Path


@dataclass(frozen=True, slots=True)
class IngressTLS:
    hosts: tuple[str, ...]
    secret: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class IngressRule:
    host: str | None
    backends: tuple[IngressBackend, ...]
    path: Path


@dataclass(frozen=True, slots=True)
class Ingress:
    resource: Resource
    namespace: str
    class_name: str | None  # spec.ingressClassName, else the kubernetes.io/ingress.class annotation
    tls: tuple[IngressTLS, ...]
    rules: tuple[IngressRule, ...]
    default_backend: IngressBackend | None
    problems: tuple[Problem, ...]

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def backends(self) -> tuple[IngressBackend, ...]:
        out = [b for r in self.rules for b in r.backends]
        if self.default_backend is not None:
            out.insert(0, self.default_backend)
        return tuple(out)


def is_ingress(resource: Resource) -> bool:
    return resource.kind == "Ingress" and resource.group in ("networking.k8s.io", "extensions")


def build_ingress(resource: Resource) -> Ingress:
    reader = Reader()
    spec = reader.mapping(resource.raw, "spec", ())
    sp: Path = ("spec",)
    tls = tuple(
        IngressTLS(
            reader.strings(t, "hosts", sp + ("tls", i)),
            reader.string(t, "secretName", sp + ("tls", i)),
            sp + ("tls", i),
        )
        for i, t in reader.maps(spec, "tls", sp)
    )
    rules: list[IngressRule] = []
    for i, r in reader.maps(spec, "rules", sp):
        at = sp + ("rules", i)
        http = reader.mapping(r, "http", at)
        backends = tuple(
            _backend(reader, p, at + ("http", "paths", j))
            for j, p in reader.maps(http, "paths", at + ("http",))
        )
        rules.append(IngressRule(reader.string(r, "host", at) or None, backends, at))
    default = None
    for key in ("defaultBackend", "backend"):  # v1, then extensions/v1beta1
        if isinstance(spec.get(key), Mapping):
            default = _backend_node(reader, reader.mapping(spec, key, sp), sp + (key,))
            break
    class_name = reader.string(spec, "ingressClassName", sp) or resource.annotations.get(
        "kubernetes.io/ingress.class"
    )
    return Ingress(
        resource=resource,
        namespace=resource.namespace or "default",
        class_name=class_name,
        tls=tls,
        rules=tuple(rules),
        default_backend=default,
        problems=tuple(reader.problems),
    )


def _backend(reader: Reader, path_entry: Mapping[str, Any], at: Path) -> IngressBackend:
    return _backend_node(reader, reader.mapping(path_entry, "backend", at), at + ("backend",))


def _backend_node(reader: Reader, node: Mapping[str, Any], at: Path) -> IngressBackend:
    if isinstance(node.get("service"), Mapping):  # networking.k8s.io/v1
        svc = reader.mapping(node, "service", at)
        port = reader.mapping(svc, "port", at + ("service",))
        where = at + ("service", "port")
        number = reader.integer(port, "number", where)
        name = reader.string(port, "name", where)
        return IngressBackend(
            reader.string(svc, "name", at + ("service",)),
            number if number is not None else name,
            at + ("service",),
        )
    if node.get("serviceName") is not None:  # extensions/v1beta1, networking.k8s.io/v1beta1
        raw = node.get("servicePort")
        legacy: int | str | None = (
            raw if isinstance(raw, int | str) and not isinstance(raw, bool) else None
        )
        return IngressBackend(reader.string(node, "serviceName", at), legacy, at)
    return IngressBackend(None, None, at)


# ============================================================================ pods and owners


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str


def controller_of(resource: Resource) -> OwnerRef | None:
    """The controller named in `metadata.ownerReferences` (the entry with `controller: true`),
    or None. Node owners (static pods' mirror pods) are not controllers of the pod's traffic
    identity, so they count as none."""
    meta = resource.raw.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, Mapping) else None
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if not isinstance(ref, Mapping) or ref.get("controller") is not True:
            continue
        name, kind = ref.get("name"), ref.get("kind")
        if not isinstance(name, str) or not name or kind == "Node":
            return None
        return OwnerRef(kind if isinstance(kind, str) and kind else "", name)
    return None


def problems_of(resource: Resource) -> tuple[Problem, ...]:
    """Problems of a network object's fields (wrong types, values the API server refuses);
    the engine reports them as input errors while it reads the object."""
    if is_network_policy(resource):
        return build_network_policy(resource).problems
    if is_service(resource):
        return build_service(resource).problems
    if is_ingress(resource):
        return build_ingress(resource).problems
    return ()
