"""`kubeward aks FILE...` (AKS cluster configuration checks) and `kubeward ipplan` (IP address
planning). Parse options, call the library (`kubeward.loaders.aks`, `kubeward.analysis.ipplan`),
render. No analysis here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from kubeward.analysis import ipplan
from kubeward.commands import report as report_cmd
from kubeward.loaders import aks as aks_loader
from kubeward.loaders import arm, manifests
from kubeward.model.aks import AksCluster
from kubeward.rules import default_catalogue
from kubeward.scan import Engine

CONTEXT = report_cmd.CONTEXT


@click.command("aks", context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@report_cmd.report_options(write_baseline=False)
@click.option(
    "--framework",
    "framework_id",
    metavar="ID",
    help="Report per control of a framework (cis-aks-1.8, aks-seeds).",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(exists=True, dir_okay=False),
    help="ARM parameters file (deploymentParameters JSON) for the templates and Bicep files.",
)
def aks(
    files: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    framework_id: str | None,
    parameters_file: str | None,
    config_path: str | None,
    no_config: bool,
    baseline: str | None,
    show_suppressed: bool,
) -> None:
    """Check AKS cluster configuration: `az aks show -o json` output, the ARM
    resource, ARM templates, Bicep files or Terraform (.tf) files.

    \b
    kubeward aks cluster.json                  az aks show -o json > cluster.json
    kubeward aks main.bicep --parameters prod.parameters.json
    kubeward aks infra/aks.tf --framework cis-aks-1.8
    Values computed by expressions kubeward cannot resolve are reported as
    "not evaluated", never guessed. Exit codes as for `kubeward scan`.
    """

    catalogue = default_catalogue()
    setup = report_cmd.prepare(
        catalogue,
        config_path,
        no_config,
        select,
        ignore,
        framework_id,
        baseline,
        paths=files,
        domain="AKS",
    )
    values: dict[str, Any] = {}
    engine = Engine(catalogue, setup.config, baseline=setup.baseline)
    if parameters_file:
        values = _parameters(parameters_file, engine)
    for name in files:
        engine.report.stats.files += 1
        for subject in aks_loader.load(
            name, manifests.DEFAULT_MAX_FILE_SIZE, engine.report.errors, values
        ):
            engine.add_subject(subject.view, subject.resource, subject.line_of)
    report_cmd.conclude(engine.finish(), setup, fmt, output, show_suppressed, fail_on)


def _parameters(path: str, engine: Engine) -> dict[str, Any]:
    from kubeward import cli

    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as err:
        cli._fail(f"{path}: cannot read parameters: {err}")
        return {}
    if not arm.is_parameters_file(data) and not isinstance(data.get("parameters"), dict):
        cli._fail(f"{path}: not an ARM parameters file (no `parameters` object)")
    return arm.parameter_values(data)


# ----------------------------------------------------------------------------- ipplan


@click.command("ipplan", context_settings=CONTEXT)
@click.argument("file", required=False, metavar="[FILE]")
@click.option(
    "--plugin",
    type=click.Choice(list(ipplan.PLUGINS)),
    help="Network plugin: azure (flat, pods in the subnet), kubenet, overlay.",
)
@click.option("--subnet", metavar="CIDR", help="Node subnet (pods too with --plugin azure).")
@click.option("--pod-subnet", metavar="CIDR", help="Azure CNI pod subnet.")
@click.option("--nodes", type=click.IntRange(min=0), help="Nodes now.")
@click.option("--max-nodes", type=click.IntRange(min=0), help="Autoscaler maximum.")
@click.option("--max-pods", type=click.IntRange(min=1), help="maxPods per node.")
@click.option("--max-surge", metavar="N|N%", help="Upgrade surge: node count or percentage.")
@click.option("--service-cidr", metavar="CIDR")
@click.option("--dns-service-ip", metavar="IP")
@click.option("--pod-cidr", metavar="CIDR", help="kubenet and overlay pod CIDR.")
@click.option("--vnet", multiple=True, metavar="CIDR", help="VNet address space (repeatable).")
@click.option(
    "--peered", multiple=True, metavar="CIDR", help="Connected networks (peerings, on-premises)."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def ipplan_command(
    file: str | None,
    plugin: str | None,
    subnet: str | None,
    pod_subnet: str | None,
    nodes: int | None,
    max_nodes: int | None,
    max_pods: int | None,
    max_surge: str | None,
    service_cidr: str | None,
    dns_service_ip: str | None,
    pod_cidr: str | None,
    vnet: tuple[str, ...],
    peered: tuple[str, ...],
    fmt: str,
) -> None:
    """Plan AKS IP addresses: what the subnets and pod CIDR need now, during
    an upgrade surge and at the autoscaler maximum, against what Azure leaves
    usable (5 addresses reserved per subnet); the smallest subnet that fits;
    overlaps, forbidden ranges, dnsServiceIP, kubenet and overlay limits.

    \b
    kubeward ipplan --plugin azure --nodes 50 --max-pods 30 --subnet 10.0.0.0/22
    kubeward ipplan cluster.json --subnet 10.10.0.0/24 --peered 10.0.0.0/8
    Flags override what FILE (any `kubeward aks` input) says. Exit code 1
    when the plan has problems, 2 for invalid input.
    """
    from kubeward import cli

    errors: list[Any] = []
    cluster = None
    if file is not None:
        subjects = aks_loader.load(file, manifests.DEFAULT_MAX_FILE_SIZE, errors)
        clusters = [s.view for s in subjects if isinstance(s.view, AksCluster)]
        cli._print_errors(errors)
        if not clusters:
            cli._fail(f"{file}: no AKS cluster found")
        cluster = clusters[0]
    try:
        plan = _plan(
            cluster,
            plugin,
            subnet,
            pod_subnet,
            nodes,
            max_nodes,
            max_pods,
            max_surge,
            service_cidr,
            dns_service_ip,
            pod_cidr,
            vnet,
            peered,
        )
        report = ipplan.evaluate(plan)
    except ipplan.PlanError as err:
        cli._fail(str(err))
        return
    if fmt == "json":
        sys.stdout.write(json.dumps(_as_json(report), indent=2) + "\n")
    else:
        _text(report)
    sys.exit(0 if report.ok else 1)


def cluster_plan(cluster: AksCluster) -> ipplan.Plan:
    """The address plan an AKS cluster file describes, with no flag overriding it."""
    return _plan(cluster, None, None, None, None, None, None, None, None, None, None, (), ())


def _plan(
    cluster: AksCluster | None,
    plugin: str | None,
    subnet: str | None,
    pod_subnet: str | None,
    nodes: int | None,
    max_nodes: int | None,
    max_pods: int | None,
    max_surge: str | None,
    service_cidr: str | None,
    dns_service_ip: str | None,
    pod_cidr: str | None,
    vnet: Sequence[str],
    peered: Sequence[str],
) -> ipplan.Plan:
    """Flags win over the cluster file; a file's pools keep their own values."""
    use_plugin = plugin or (cluster.effective_plugin if cluster else None) or "azure"
    if use_plugin not in ipplan.PLUGINS:
        raise ipplan.PlanError(
            f"network plugin {use_plugin!r} cannot be planned (azure, kubenet, overlay)"
        )

    def cidr(flag: str | None, field_value: str | None, what: str) -> ipplan.Range | None:
        text = flag or field_value
        return ipplan.parse_cidr(text, what) if text else None

    pools: list[ipplan.PoolPlan] = []
    if cluster is not None and cluster.pools and nodes is None:
        for p in cluster.pools:
            pools.append(
                ipplan.PoolPlan(
                    p.name,
                    p.count.value if p.count.value is not None else 1,
                    max_pods
                    or p.max_pods.value
                    or ipplan.default_max_pods(use_plugin, p.pod_subnet_id.present),
                    ipplan.Surge.parse(max_surge or p.max_surge.value),
                    max_nodes or (p.max_count.value if p.auto_scaling.is_true() else None),
                    cidr(subnet, p.subnet_cidr.value, "subnet"),
                    cidr(pod_subnet, p.pod_subnet_cidr.value, "pod subnet"),
                )
            )
    else:
        pools.append(
            ipplan.PoolPlan(
                "pool",
                nodes if nodes is not None else 3,
                max_pods or ipplan.default_max_pods(use_plugin, pod_subnet is not None),
                ipplan.Surge.parse(max_surge),
                max_nodes,
                cidr(subnet, None, "subnet"),
                cidr(pod_subnet, None, "pod subnet"),
            )
        )
    c = cluster
    return ipplan.Plan(
        use_plugin,
        tuple(pools),
        service_cidr=cidr(service_cidr, c.service_cidr.value if c else None, "service CIDR"),
        dns_service_ip=dns_service_ip or (c.dns_service_ip.value if c else None),
        pod_cidr=cidr(pod_cidr, c.pod_cidr.value if c else None, "pod CIDR"),
        vnet=ipplan.ranges(vnet, "VNet"),
        peered=ipplan.ranges(peered, "peered network"),
        docker_bridge_cidr=cidr(
            None, c.docker_bridge_cidr.value if c else None, "docker bridge CIDR"
        ),
    )


def _as_json(report: ipplan.PlanReport) -> dict[str, Any]:
    plan = report.plan
    return {
        "plugin": plan.plugin,
        "pools": [
            {
                "name": p.name,
                "nodes": p.nodes,
                "max_nodes": p.max_nodes,
                "max_pods": p.max_pods,
                "max_surge": str(p.surge),
                "subnet": p.subnet.text if p.subnet else None,
                "pod_subnet": p.pod_subnet.text if p.pod_subnet else None,
            }
            for p in plan.pools
        ],
        "subnets": [
            {
                "subnet": n.subnet.text if n.subnet else None,
                "holds": n.what,
                "pools": list(n.pools),
                "needed_now": n.now,
                "needed_during_upgrade": n.upgrade,
                "needed_at_maximum": n.maximum,
                "available": n.available,
                "smallest_prefix": n.smallest_prefix,
                "fits": n.fits,
            }
            for n in report.needs
        ],
        "nodes_at_maximum": ipplan.nodes_at_maximum(plan),
        "pod_cidr_node_capacity": (
            ipplan.per_node_24_capacity(plan.pod_cidr.network)
            if plan.pod_cidr is not None and plan.plugin in ("kubenet", "overlay")
            else None
        ),
        "issues": [{"kind": i.kind, "message": i.message} for i in report.issues],
        "notes": list(report.notes),
        "ok": report.ok,
    }


def _text(report: ipplan.PlanReport) -> None:
    from rich.console import Console
    from rich.markup import escape

    out = Console(highlight=False, soft_wrap=True)
    plan = report.plan
    out.print(
        f"[bold]plugin[/] {plan.plugin}; nodes at maximum with surge: "
        f"{ipplan.nodes_at_maximum(plan):,}"
    )
    for n in report.needs:
        where = n.subnet.text if n.subnet else "(subnet not given)"
        avail = f"{n.available:,}" if n.available is not None else "?"
        verdict = {True: "[green]fits[/]", False: "[bold red]too small[/]", None: ""}[n.fits]
        out.print(
            f"\n[bold]{escape(where)}[/] {escape(n.what)} of {escape(', '.join(n.pools))}\n"
            f"  needed now {n.now:,}, during upgrade {n.upgrade:,}, at maximum {n.maximum:,}\n"
            f"  usable {avail} (Azure reserves 5); smallest subnet that fits: "
            f"/{n.smallest_prefix} {verdict}"
        )
    if plan.pod_cidr is not None and plan.plugin in ("kubenet", "overlay"):
        cap = ipplan.per_node_24_capacity(plan.pod_cidr.network)
        out.print(
            f"\n[bold]pod CIDR {escape(plan.pod_cidr.text)}[/]: a /24 per node, {cap:,} nodes"
        )
    if report.issues:
        out.print("\n[bold red]problems[/]")
        for i in report.issues:
            out.print(f"  {escape(i.kind):<9} {escape(i.message)}")
    else:
        out.print("\n[green]no problems found[/]")
    for note in report.notes:
        out.print(f"  note: {escape(note)}")
