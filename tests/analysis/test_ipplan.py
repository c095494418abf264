"""IP planning: cases computed by hand from Microsoft's AKS planning docs."""

from __future__ import annotations

import pytest

from kubeward.analysis import ipplan
from kubeward.analysis.ipplan import PlanError, PoolPlan, Surge, parse_cidr


def plan(plugin: str, *pools: PoolPlan, **kw: object) -> ipplan.PlanReport:
    return ipplan.evaluate(ipplan.Plan(plugin, tuple(pools), **kw))  # type: ignore[arg-type]


def test_fifty_nodes_at_thirty_pods_with_surge_one_need_1581_addresses_a_slash_21() -> None:
    # docs: 51 + 51 x 30 = 1,581 addresses: a /21 (2,043 usable) fits, a /22 (1,019) does not
    report = plan("azure", PoolPlan("np", 50, 30, subnet=parse_cidr("10.0.0.0/22", "subnet")))
    need = report.needs[0]
    assert (need.now, need.upgrade, need.maximum) == (50 * 31, 1581, 1581)
    assert need.smallest_prefix == 21
    assert need.available == 1024 - 5
    assert need.fits is False
    assert [i.kind for i in report.issues] == ["capacity"]
    assert "/21" in report.issues[0].message


def test_ten_planned_extra_nodes_need_1891_addresses_still_a_slash_21() -> None:
    # docs: 61 + 61 x 30 = 1,891
    report = plan("azure", PoolPlan("np", 50, 30, max_nodes=60, subnet=None))
    assert report.needs[0].maximum == 1891
    assert report.needs[0].smallest_prefix == 21


def test_a_slash_24_holds_eight_azure_cni_nodes_at_thirty_pods() -> None:
    # docs: "/24 supports only 8 Azure CNI nodes / 240 pods at 30 pods per node"
    assert ipplan.usable(24) == 251
    assert ipplan.cni_nodes_that_fit(24, 30) == 8
    fits = plan("azure", PoolPlan("np", 7, 30, subnet=parse_cidr("10.0.1.0/24", "s")))
    assert fits.ok  # 8 x 31 = 248 <= 251 (7 nodes plus one surge node)
    full = plan("azure", PoolPlan("np", 8, 30, subnet=parse_cidr("10.0.1.0/24", "s")))
    assert not full.ok  # 9 x 31 = 279 > 251


def test_percentage_surge_is_rounded_up_and_counted_at_the_autoscaler_maximum() -> None:
    surge = Surge.parse("33%")
    assert surge.nodes(10) == 4  # ceil(3.3)
    assert surge.nodes(3) == 1
    pool = PoolPlan("np", 10, 30, surge, max_nodes=20)
    need = plan("azure", pool).needs[0]
    assert need.upgrade == (10 + 4) * 31
    assert need.maximum == (20 + 7) * 31  # ceil(6.6) = 7


def test_pools_sharing_a_subnet_are_added_together() -> None:
    subnet = parse_cidr("10.0.0.0/23", "subnet")  # 507 usable
    a = PoolPlan("a", 5, 30, subnet=subnet)
    b = PoolPlan("b", 10, 30, subnet=subnet)
    report = plan("azure", a, b)
    assert len(report.needs) == 1
    assert report.needs[0].maximum == (6 + 11) * 31  # 527 > 507
    assert report.needs[0].pools == ("a", "b")
    assert not report.ok


def test_pod_subnet_takes_the_pods_and_the_node_subnet_only_the_nodes() -> None:
    pool = PoolPlan(
        "np",
        50,
        110,
        subnet=parse_cidr("10.0.0.0/26", "node subnet"),
        pod_subnet=parse_cidr("10.1.0.0/19", "pod subnet"),
    )
    needs = {n.what: n for n in plan("azure", pool).needs}
    assert needs["nodes"].maximum == 51  # 59 usable in a /26
    assert needs["pods"].maximum == 51 * 110  # 5,610 of 8,187 usable in a /19
    assert all(n.fits for n in needs.values())


def test_kubenet_gives_a_slash_24_per_node_and_stops_at_400_nodes() -> None:
    # 10.244.0.0/16 gives 256 /24s: node 1 10.244.0.0/24, node 2 10.244.1.0/24 ...
    assert ipplan.per_node_24_capacity(parse_cidr("10.244.0.0/16", "pod").network) == 256
    report = plan(
        "kubenet",
        PoolPlan("np", 300, 110, max_nodes=450),
        pod_cidr=parse_cidr("10.244.0.0/14", "pod CIDR"),
    )
    kinds = [i.kind for i in report.issues]
    assert kinds == ["limit"]  # 451 > 400; a /14 holds 1,024 nodes
    small = plan("kubenet", PoolPlan("np", 300, 110), pod_cidr=parse_cidr("10.244.0.0/16", "pod"))
    assert [i.kind for i in small.issues] == ["capacity"]  # 301 > 256
    assert "a /15 or larger" in small.issues[0].message


def test_kubenet_subnet_holds_only_nodes_251_in_a_slash_24() -> None:
    ok = plan("kubenet", PoolPlan("np", 250, 110, subnet=parse_cidr("10.0.0.0/24", "s")))
    assert ok.needs[0].maximum == 251 and ok.ok
    too_many = plan("kubenet", PoolPlan("np", 251, 110, subnet=parse_cidr("10.0.0.0/24", "s")))
    assert not too_many.ok


def test_overlay_stops_at_5000_nodes() -> None:
    report = plan(
        "overlay", PoolPlan("np", 4999, 250, max_nodes=5000), pod_cidr=parse_cidr("10.0.0.0/8", "p")
    )
    assert any(i.kind == "limit" for i in report.issues)  # 5,000 nodes plus 1 surge node


def test_overlaps_forbidden_ranges_and_a_too_large_service_cidr() -> None:
    report = plan(
        "kubenet",
        PoolPlan("np", 3, 110, subnet=parse_cidr("10.0.0.0/24", "subnet")),
        service_cidr=parse_cidr("10.0.0.0/11", "service CIDR"),
        pod_cidr=parse_cidr("172.31.0.0/16", "pod CIDR"),
        vnet=(parse_cidr("10.0.0.0/16", "VNet"),),
        peered=(parse_cidr("10.0.128.0/20", "peered network"),),
    )
    messages = [(i.kind, i.message) for i in report.issues]
    overlaps = [m for k, m in messages if k == "overlap"]
    # the subnet inside its VNet is expected; the service CIDR overlaps VNet, subnet, peering
    assert "VNet 10.0.0.0/16 overlaps service CIDR 10.0.0.0/11" in overlaps
    assert "subnet 10.0.0.0/24 overlaps service CIDR 10.0.0.0/11" in overlaps
    assert "service CIDR 10.0.0.0/11 overlaps peered network 10.0.128.0/20" in overlaps
    assert "VNet 10.0.0.0/16 overlaps peered network 10.0.128.0/20" in overlaps
    assert not any("VNet 10.0.0.0/16 overlaps subnet" in m for m in overlaps)
    assert any(k == "forbidden" and "172.31.0.0/16" in m for k, m in messages)
    assert any(k == "range" and "smaller than a /12" in m for k, m in messages)


def test_subnet_outside_the_vnet_is_reported() -> None:
    report = plan(
        "azure",
        PoolPlan("np", 3, 30, subnet=parse_cidr("10.1.0.0/24", "subnet")),
        vnet=(parse_cidr("10.0.0.0/16", "VNet"),),
    )
    assert [i.message for i in report.issues] == [
        "subnet 10.1.0.0/24 is not inside the VNet (10.0.0.0/16)"
    ]


@pytest.mark.parametrize(
    ("ip", "problem"),
    [
        ("10.0.0.10", None),
        ("10.0.0.1", "first address"),
        ("10.0.0.0", "network address"),
        ("10.0.255.255", "broadcast"),
        ("10.1.0.10", "not inside"),
        ("10.0.0.300", "not an IP address"),
        ("fd00::10", "IPv6"),
    ],
)
def test_dns_service_ip(ip: str, problem: str | None) -> None:
    report = plan(
        "azure",
        PoolPlan("np", 3, 30),
        service_cidr=parse_cidr("10.0.0.0/16", "service CIDR"),
        dns_service_ip=ip,
    )
    dns = [i.message for i in report.issues if i.kind == "dns"]
    if problem is None:
        assert dns == []
    else:
        assert len(dns) == 1 and problem in dns[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.0.0.0", "is not a CIDR"),
        ("10.0.0.0/33", "is not a valid CIDR"),
        ("banana/8", "is not a valid CIDR"),
        ("10.0.0.1/16", "host bits set; the network is 10.0.0.0/16"),
        ("fd00::/64", "IPv6"),
    ],
)
def test_bad_cidrs_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(PlanError, match="subnet") as err:
        parse_cidr(text, "subnet")
    assert message in str(err.value)


@pytest.mark.parametrize("text", ["x", "-1", "1.5", "%", "10%%"])
def test_bad_surge_values_are_refused(text: str) -> None:
    with pytest.raises(PlanError):
        Surge.parse(text)


def test_max_pods_outside_ten_to_250_is_reported() -> None:
    report = plan("azure", PoolPlan("np", 3, 300))
    assert [i.kind for i in report.issues] == ["range"]


def test_unknown_plugin_is_refused() -> None:
    with pytest.raises(PlanError, match="network plugin"):
        plan("flannel", PoolPlan("np", 3, 30))


def test_upgrade_surge_room_of_an_azure_cni_subnet() -> None:
    # 7 nodes + 1 surge node at 30 pods: 8 x 31 = 248 of 251 usable in a /24; 8 nodes: 279
    subnet = parse_cidr("10.0.1.0/24", "subnet")
    [fits] = ipplan.upgrade_surge(ipplan.Plan("azure", (PoolPlan("np", 7, 30, subnet=subnet),)))
    assert (fits.needed, fits.available, fits.fits) == (248, 251, True)
    [full] = ipplan.upgrade_surge(ipplan.Plan("azure", (PoolPlan("np", 8, 30, subnet=subnet),)))
    assert (full.needed, full.fits) == (279, False)
    assert "does NOT fit" in full.text() and "10.0.1.0/24" in full.text()


def test_upgrade_surge_counts_the_surge_now_not_at_the_autoscaler_maximum() -> None:
    subnet = parse_cidr("10.0.1.0/24", "subnet")
    pool = PoolPlan("np", 4, 30, Surge.parse("50%"), max_nodes=40, subnet=subnet)
    [room] = ipplan.upgrade_surge(ipplan.Plan("azure", (pool,)))
    assert room.needed == (4 + 2) * 31


def test_upgrade_surge_of_kubenet_nodes_and_pod_cidr() -> None:
    subnet = parse_cidr("10.0.0.0/28", "subnet")  # 11 usable: node addresses only
    pod_cidr = parse_cidr("10.244.0.0/22", "pod CIDR")  # four /24 blocks
    pools = (PoolPlan("a", 2, 110, subnet=subnet), PoolPlan("b", 2, 110, Surge(0, False)))
    rooms = ipplan.upgrade_surge(ipplan.Plan("kubenet", pools, pod_cidr=pod_cidr))
    by_holds = {r.holds: r for r in rooms}
    assert (by_holds["nodes"].needed, by_holds["nodes"].fits) == (3, True)
    pods = by_holds["a /24 per node"]
    assert (pods.needed, pods.available, pods.fits) == (5, 4, False)  # 2 + 1 surge + 2 + 0


def test_upgrade_surge_leaves_out_ranges_nobody_gave() -> None:
    assert ipplan.upgrade_surge(ipplan.Plan("azure", (PoolPlan("np", 3, 30),))) == ()
