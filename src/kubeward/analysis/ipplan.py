"""IP address planning for AKS: the arithmetic of Microsoft's planning rules, nothing else.

Pure functions over a `Plan` (pools, subnets and the cluster's ranges), shared by
`kubeward ipplan` and the AKS rules. Facts, from Microsoft's AKS networking docs
(concepts-network-ip-address-planning, configure-kubenet, concepts-network-azure-cni-overlay):

- Azure reserves 5 addresses in every subnet (network, gateway, two for DNS, broadcast).
- Azure CNI (flat, node subnet): every node and every pod takes a subnet address, so a pool
  needs (nodes + surge nodes) x (maxPods + 1); 50 nodes at 30 pods with a surge of 1 need
  51 + 51 x 30 = 1,581 addresses, a /21. With a pod subnet, the node subnet holds the nodes and
  the pod subnet (nodes x maxPods) the pods.
- kubenet: only nodes take subnet addresses; each node gets a /24 of the pod CIDR; a route table
  holds at most 400 routes, so at most 400 nodes.
- Azure CNI Overlay: nodes from the subnet, a /24 per node from the private pod CIDR; at most
  5,000 nodes and 250 pods per node.
- Surge: maxSurge is a node count ("5") or a percentage of the pool ("33%", rounded up).
- serviceCidr must be smaller than a /12; dnsServiceIP must be inside it and not its first
  address (the `kubernetes` Service); none of the ranges may overlap each other, the VNet or
  networks connected to it; 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24
  cannot be used.

IPv6 ranges (dual-stack clusters) are reported as not planned, never misread.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

AZURE_RESERVED = 5
SMALLEST_SUBNET_PREFIX = 29  # Azure's smallest subnet: 8 addresses, 3 usable
KUBENET_MAX_NODES = 400
OVERLAY_MAX_NODES = 5000
MAX_PODS_RANGE = (10, 250)
FORBIDDEN = tuple(
    ipaddress.IPv4Network(n)
    for n in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
)
SERVICE_CIDR_MIN_PREFIX = 13  # "smaller than /12"
PLUGINS = ("azure", "kubenet", "overlay")
# Default maxPods when a pool does not set it (az CLI and ARM).
DEFAULT_MAX_PODS = {"azure": 30, "azure-podsubnet": 110, "kubenet": 110, "overlay": 250}


class PlanError(ValueError):
    """An input that cannot be planned: an invalid CIDR, an IPv6 range, a bad surge value."""


@dataclass(frozen=True, slots=True)
class Range:
    """A named IPv4 range of the plan (`name` says what it is, e.g. "service CIDR")."""

    name: str
    network: ipaddress.IPv4Network
    text: str

    @property
    def size(self) -> int:
        return int(self.network.num_addresses)


def parse_cidr(text: str, what: str) -> Range:
    """An IPv4 CIDR. Host bits set, IPv6 and malformed text raise PlanError with a clear reason."""
    raw = text.strip()
    if "/" not in raw:
        raise PlanError(
            f"{what} {text!r} is not a CIDR (expected address/prefix, e.g. 10.0.0.0/16)"
        )
    try:
        loose = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise PlanError(f"{what} {text!r} is not a valid CIDR") from None
    if isinstance(loose, ipaddress.IPv6Network):
        raise PlanError(
            f"{what} {text!r} is an IPv6 range; kubeward plans IPv4 address space only "
            "(dual-stack and IPv6 clusters are not planned)"
        )
    try:
        ipaddress.ip_network(raw, strict=True)
    except ValueError:
        raise PlanError(
            f"{what} {text!r} has host bits set; the network is {loose} (Azure refuses it)"
        ) from None
    return Range(what, loose, raw)


def parse_ip(text: str, what: str) -> ipaddress.IPv4Address:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        raise PlanError(f"{what} {text!r} is not an IP address") from None
    if isinstance(ip, ipaddress.IPv6Address):
        raise PlanError(f"{what} {text!r} is IPv6; kubeward plans IPv4 address space only")
    return ip


_SURGE = re.compile(r"\s*(\d+)\s*(%?)\s*")


@dataclass(frozen=True, slots=True)
class Surge:
    """maxSurge: a node count, or a percentage of the pool size rounded up."""

    count: int
    percent: bool

    @classmethod
    def parse(cls, text: str | int | None) -> Surge:
        if text is None:
            return cls(1, False)  # the documented default surge of one node
        if isinstance(text, int) and not isinstance(text, bool):
            if text < 0:
                raise PlanError(f"maxSurge {text} is negative")
            return cls(text, False)
        m = _SURGE.fullmatch(str(text))
        if m is None:
            raise PlanError(f"maxSurge {text!r} is neither a node count nor a percentage")
        return cls(int(m.group(1)), bool(m.group(2)))

    def nodes(self, pool_size: int) -> int:
        if self.percent:
            return math.ceil(self.count * pool_size / 100)
        return self.count

    def __str__(self) -> str:
        return f"{self.count}%" if self.percent else str(self.count)


@dataclass(frozen=True, slots=True)
class PoolPlan:
    name: str
    nodes: int
    max_pods: int
    surge: Surge = Surge(1, False)
    max_nodes: int | None = None  # autoscaler maximum
    subnet: Range | None = None  # node subnet (Azure CNI: nodes and pods unless pod_subnet)
    pod_subnet: Range | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    plugin: str  # azure | kubenet | overlay
    pools: tuple[PoolPlan, ...]
    service_cidr: Range | None = None
    dns_service_ip: str | None = None
    pod_cidr: Range | None = None
    vnet: tuple[Range, ...] = ()
    peered: tuple[Range, ...] = ()
    docker_bridge_cidr: Range | None = None


# ----------------------------------------------------------------------------- arithmetic


def usable(prefix: int) -> int:
    """Addresses Azure lets you use in a subnet of this prefix length."""
    return max(int(2 ** (32 - prefix)) - AZURE_RESERVED, 0)


def smallest_prefix(addresses: int) -> int | None:
    """The longest prefix (smallest subnet) whose usable addresses hold `addresses`; None if
    not even a /8 does."""
    for prefix in range(SMALLEST_SUBNET_PREFIX, 7, -1):
        if usable(prefix) >= addresses:
            return prefix
    return None


def cni_addresses(nodes: int, max_pods: int) -> int:
    """Azure CNI (flat): each node and each of its pods takes a subnet address."""
    return nodes * (max_pods + 1)


def cni_nodes_that_fit(prefix: int, max_pods: int) -> int:
    """How many Azure CNI nodes (with all their pods) a subnet holds: a /24 holds 8 at 30."""
    return usable(prefix) // (max_pods + 1)


def per_node_24_capacity(pod_cidr: ipaddress.IPv4Network) -> int:
    """Nodes a kubenet or overlay pod CIDR can serve: one /24 per node."""
    if pod_cidr.prefixlen > 24:
        return 0
    return int(2 ** (24 - pod_cidr.prefixlen))


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Need:
    """Addresses one subnet needs in three moments, against what it offers."""

    subnet: Range | None
    what: str  # "nodes and pods", "nodes", "pods"
    pools: tuple[str, ...]
    now: int
    upgrade: int  # now + surge nodes (and their pods)
    maximum: int  # autoscaler maximum + surge

    @property
    def available(self) -> int | None:
        return None if self.subnet is None else usable(self.subnet.network.prefixlen)

    @property
    def smallest_prefix(self) -> int | None:
        return smallest_prefix(self.maximum)

    @property
    def fits(self) -> bool | None:
        avail = self.available
        return None if avail is None else self.maximum <= avail


@dataclass(frozen=True, slots=True)
class Issue:
    """A planning problem: `kind` is capacity, overlap, forbidden, dns, limit or range."""

    kind: str
    message: str
    ranges: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanReport:
    plan: Plan
    needs: tuple[Need, ...]
    issues: tuple[Issue, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.issues


def evaluate(plan: Plan) -> PlanReport:
    """Every check of the plan: capacity per subnet, pod CIDR capacity, plugin limits,
    overlaps, forbidden ranges, the service CIDR and the DNS service IP."""
    if plan.plugin not in PLUGINS:
        raise PlanError(f"network plugin {plan.plugin!r} (expected one of {', '.join(PLUGINS)})")
    issues: list[Issue] = []
    notes: list[str] = []
    needs = _needs(plan)
    for need in needs:
        if need.subnet is not None and need.fits is False:
            issues.append(
                Issue(
                    "capacity",
                    f"subnet {need.subnet.text} has {need.available:,} usable addresses "
                    f"({2 ** (32 - need.subnet.network.prefixlen):,} minus Azure's "
                    f"{AZURE_RESERVED} reserved) but pool(s) {', '.join(need.pools)} need "
                    f"{need.maximum:,} for {need.what} at their maximum including upgrade "
                    f"surge; the smallest subnet that fits is a /{need.smallest_prefix}",
                    (need.subnet.name,),
                )
            )
    issues += _plugin_limits(plan)
    issues += _pool_ranges(plan)
    issues += _overlaps(plan)
    issues += _forbidden(plan)
    issues += _service_range(plan)
    if plan.plugin == "kubenet" and any(p.pod_subnet for p in plan.pools):
        notes.append("kubenet ignores pod subnets: pods take addresses from the pod CIDR")
    return PlanReport(plan, tuple(needs), tuple(issues), tuple(notes))


def _needs(plan: Plan) -> list[Need]:
    """Addresses per subnet, pools sharing a subnet added together; pools with no known
    subnet are grouped under None."""
    groups: dict[tuple[str, str], list[tuple[PoolPlan, Range | None, str]]] = {}
    for pool in plan.pools:
        if plan.plugin == "azure" and pool.pod_subnet is not None:
            entries = [(pool.subnet, "nodes"), (pool.pod_subnet, "pods")]
        elif plan.plugin == "azure":
            entries = [(pool.subnet, "nodes and pods")]
        else:
            entries = [(pool.subnet, "nodes")]
        for subnet, what in entries:
            key = (str(subnet.network) if subnet else "", what)
            groups.setdefault(key, []).append((pool, subnet, what))
    out = []
    for members in groups.values():
        subnet, what = members[0][1], members[0][2]
        now = upgrade = maximum = 0
        for pool, _, _ in members:
            top = max(pool.max_nodes or 0, pool.nodes)
            surge_now = pool.surge.nodes(pool.nodes)
            surge_top = pool.surge.nodes(top)
            per = _per_node(what, pool.max_pods)
            now += pool.nodes * per
            upgrade += (pool.nodes + surge_now) * per
            maximum += (top + surge_top) * per
        out.append(Need(subnet, what, tuple(p.name for p, _, _ in members), now, upgrade, maximum))
    return out


def _per_node(what: str, max_pods: int) -> int:
    if what == "nodes and pods":
        return max_pods + 1
    if what == "pods":
        return max_pods
    return 1


def nodes_at_maximum(plan: Plan) -> int:
    """Nodes of every pool at its autoscaler maximum plus its upgrade surge."""
    total = 0
    for pool in plan.pools:
        top = max(pool.max_nodes or 0, pool.nodes)
        total += top + pool.surge.nodes(top)
    return total


def _plugin_limits(plan: Plan) -> list[Issue]:
    out: list[Issue] = []
    nodes = nodes_at_maximum(plan)
    if plan.plugin == "kubenet" and nodes > KUBENET_MAX_NODES:
        out.append(
            Issue(
                "limit",
                f"kubenet supports at most {KUBENET_MAX_NODES} nodes (one route per node in "
                f"the route table) but the pools reach {nodes:,} nodes at their maximum "
                "including upgrade surge",
            )
        )
    if plan.plugin == "overlay" and nodes > OVERLAY_MAX_NODES:
        out.append(
            Issue(
                "limit",
                f"Azure CNI Overlay supports at most {OVERLAY_MAX_NODES:,} nodes but the pools "
                f"reach {nodes:,} at their maximum including upgrade surge",
            )
        )
    if plan.plugin in ("kubenet", "overlay") and plan.pod_cidr is not None:
        capacity = per_node_24_capacity(plan.pod_cidr.network)
        if nodes > capacity:
            out.append(
                Issue(
                    "capacity",
                    f"pod CIDR {plan.pod_cidr.text} gives one /24 per node, so at most "
                    f"{capacity:,} nodes, but the pools reach {nodes:,} at their maximum "
                    f"including upgrade surge; a /{_pod_cidr_prefix(nodes)} or larger is needed",
                    (plan.pod_cidr.name,),
                )
            )
    return out


def _pod_cidr_prefix(nodes: int) -> int:
    prefix = 24
    while prefix > 0 and 2 ** (24 - prefix) < nodes:
        prefix -= 1
    return prefix


def _pool_ranges(plan: Plan) -> list[Issue]:
    out = []
    low, high = MAX_PODS_RANGE
    for pool in plan.pools:
        if not low <= pool.max_pods <= high:
            out.append(
                Issue(
                    "range",
                    f"pool {pool.name}: maxPods {pool.max_pods} is outside AKS's {low}-{high}",
                )
            )
        if pool.max_nodes is not None and pool.max_nodes < pool.nodes:
            out.append(
                Issue(
                    "range",
                    f"pool {pool.name}: autoscaler maximum {pool.max_nodes} is below its "
                    f"{pool.nodes} nodes",
                )
            )
    return out


def _named_ranges(plan: Plan) -> list[tuple[str, Range]]:
    """(role, range) of every range the cluster's networks consist of."""
    out: list[tuple[str, Range]] = [("vnet", r) for r in plan.vnet]
    seen: set[str] = set()
    for pool in plan.pools:
        for subnet in (pool.subnet, pool.pod_subnet):
            if subnet is not None and str(subnet.network) not in seen:
                seen.add(str(subnet.network))
                out.append(("subnet", subnet))
    if plan.service_cidr is not None:
        out.append(("service", plan.service_cidr))
    if plan.pod_cidr is not None and plan.plugin in ("kubenet", "overlay"):
        out.append(("pod", plan.pod_cidr))
    if plan.docker_bridge_cidr is not None:
        out.append(("docker", plan.docker_bridge_cidr))
    out += [("peered", r) for r in plan.peered]
    return out


def _overlaps(plan: Plan) -> list[Issue]:
    """Every pair of ranges that must be disjoint and is not. Subnets inside their VNet are
    expected; a subnet outside every given VNet is reported."""
    ranges = _named_ranges(plan)
    out: list[Issue] = []
    for i, (role_a, a) in enumerate(ranges):
        for role_b, b in ranges[i + 1 :]:
            if {role_a, role_b} == {"vnet", "subnet"} or (role_a == role_b == "vnet"):
                continue
            if role_a == role_b == "peered":
                continue
            if a.network.overlaps(b.network):
                out.append(
                    Issue(
                        "overlap",
                        f"{a.name} {a.text} overlaps {b.name} {b.text}",
                        (a.name, b.name),
                    )
                )
    vnets = [r for role, r in ranges if role == "vnet"]
    if vnets:
        for role, r in ranges:
            if role == "subnet" and not any(r.network.subnet_of(v.network) for v in vnets):
                out.append(
                    Issue(
                        "range",
                        f"{r.name} {r.text} is not inside the VNet "
                        f"({', '.join(v.text for v in vnets)})",
                        (r.name,),
                    )
                )
    return out


def _forbidden(plan: Plan) -> list[Issue]:
    out = []
    for role, r in _named_ranges(plan):
        if role == "peered":
            continue
        for bad in FORBIDDEN:
            if r.network.overlaps(bad):
                out.append(
                    Issue(
                        "forbidden",
                        f"{r.name} {r.text} overlaps {bad}, which AKS does not allow for "
                        "cluster, service, pod or VNet ranges",
                        (r.name,),
                    )
                )
    return out


def _service_range(plan: Plan) -> list[Issue]:
    out: list[Issue] = []
    svc = plan.service_cidr
    if svc is not None and svc.network.prefixlen < SERVICE_CIDR_MIN_PREFIX:
        out.append(
            Issue(
                "range",
                f"{svc.name} {svc.text} is too large: AKS requires a range smaller than a /12",
                (svc.name,),
            )
        )
    if plan.dns_service_ip is None:
        return out
    try:
        ip = parse_ip(plan.dns_service_ip, "dnsServiceIP")
    except PlanError as err:
        return [*out, Issue("dns", str(err), ("dnsServiceIP",))]
    if svc is None:
        return out
    out += [Issue("dns", m, ("dnsServiceIP",)) for m in dns_service_ip_problems(ip, svc)]
    return out


def dns_service_ip_problems(ip: ipaddress.IPv4Address, svc: Range) -> list[str]:
    net = svc.network
    if ip not in net:
        return [f"dnsServiceIP {ip} is not inside {svc.name} {svc.text}"]
    if ip == net.network_address:
        return [f"dnsServiceIP {ip} is the network address of {svc.name} {svc.text}"]
    if ip == net.network_address + 1:
        return [
            f"dnsServiceIP {ip} is the first address of {svc.name} {svc.text}, which the "
            "`kubernetes` Service takes; use the .10 address"
        ]
    if ip == net.broadcast_address:
        return [f"dnsServiceIP {ip} is the last (broadcast) address of {svc.name} {svc.text}"]
    return []


def default_max_pods(plugin: str, pod_subnet: bool = False) -> int:
    if plugin == "azure" and pod_subnet:
        return DEFAULT_MAX_PODS["azure-podsubnet"]
    return DEFAULT_MAX_PODS.get(plugin, 30)


def ranges(texts: Iterable[str], what: str) -> tuple[Range, ...]:
    return tuple(parse_cidr(t, what) for t in texts)


# ----------------------------------------------------------------------------- upgrade surge


@dataclass(frozen=True, slots=True)
class SurgeRoom:
    """Whether one address range holds the pools' current nodes plus their upgrade surge.

    AKS adds the surge nodes (and, with flat Azure CNI, addresses for all their pods) before
    it drains a node; when the subnet or pod CIDR cannot hold them, the upgrade fails.
    """

    range: Range
    holds: str  # "nodes and pods", "nodes", "pods", "a /24 per node"
    pools: tuple[str, ...]
    needed: int  # addresses (or /24 blocks for a pod CIDR) during the upgrade
    available: int

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def text(self) -> str:
        unit = "/24 blocks" if self.holds == "a /24 per node" else "addresses"
        verdict = "fits" if self.fits else "does NOT fit"
        return (
            f"{self.range.name} {self.range.text} ({self.holds}; pool(s) "
            f"{', '.join(self.pools)}): {self.needed:,} {unit} needed during the upgrade, "
            f"{self.available:,} available: {verdict}"
        )


def upgrade_surge(plan: Plan) -> tuple[SurgeRoom, ...]:
    """Room for the upgrade surge in every range the plan knows: each pool subnet (nodes, and
    pods with flat Azure CNI), and the pod CIDR of kubenet and overlay (one /24 per node).
    Ranges the plan does not know are left out."""
    out = [
        SurgeRoom(n.subnet, n.what, n.pools, n.upgrade, usable(n.subnet.network.prefixlen))
        for n in _needs(plan)
        if n.subnet is not None
    ]
    if plan.plugin in ("kubenet", "overlay") and plan.pod_cidr is not None:
        nodes = sum(p.nodes + p.surge.nodes(p.nodes) for p in plan.pools)
        out.append(
            SurgeRoom(
                plan.pod_cidr,
                "a /24 per node",
                tuple(p.name for p in plan.pools),
                nodes,
                per_node_24_capacity(plan.pod_cidr.network),
            )
        )
    return tuple(out)
