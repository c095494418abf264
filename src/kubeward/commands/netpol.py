"""`kubeward netpol`: who can reach whom under the NetworkPolicies of a set of manifests.

kubeward netpol list PATH... [--format txt|json|csv|md|dot] [--exposure]
kubeward netpol explain SRC DST PATH... [--port 8080/TCP]
kubeward netpol diff DIR1 DIR2 [--format txt|json|csv|md]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from kubeward.analysis import exposure as exposure_analysis
from kubeward.analysis import reachability as reach_mod
from kubeward.analysis.reachability import Endpoint, External, Reachability
from kubeward.config import Config
from kubeward.findings import InputError
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.model.inventory import Inventory
from kubeward.model.network import INGRESS, PROTOCOLS, parse_ipv4
from kubeward.reporters import connlist
from kubeward.reporters import text as text_report
from kubeward.rules import default_catalogue
from kubeward.scan import Engine

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

host_network_option = click.option(
    "--host-network",
    type=click.Choice(list(reach_mod.HOST_NETWORK_MODES)),
    default="node",
    show_default=True,
    help="How hostNetwork pods are treated: as the node (selectors never match them, the "
    "most common network plugin behaviour) or as ordinary pods.",
)


def load(paths: Sequence[str], host_network: str) -> tuple[Reachability, list[InputError]]:
    """The scene of the manifests under `paths`, and the input problems met reading them."""
    engine = Engine(default_catalogue(), Config(), only=[])
    engine.add_paths(paths, DEFAULT_MAX_FILE_SIZE)
    report = engine.finish()
    inventory = Inventory.build(engine.resources, engine.workloads)
    return Reachability.from_inventory(inventory, host_network=host_network), report.errors


def _errors(errors: Sequence[InputError]) -> bool:
    """Print input problems on stderr; True when one of them is an error."""
    for e in errors:
        click.echo(f"kubeward: {text_report.printable(e.one_line())}", err=True)
    return any(not e.warning for e in errors)


def _fail(message: str) -> None:
    click.echo(f"kubeward: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as err:
        _fail(f"{output}: cannot write: {err.strerror or err}")


@click.group(context_settings=CONTEXT)
def netpol() -> None:
    """NetworkPolicy analysis: allowed connections, exposure, explanations, diffs."""


@netpol.command("list")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(connlist.FORMATS)),
    default="txt",
    show_default=True,
    help="Output format (txt is line-compatible with np-guard netpol-analyzer).",
)
@click.option(
    "--exposure",
    is_flag=True,
    help="Also list what workloads are exposed to, or may reach, beyond the input: any "
    "namespace, namespaces or pods by label, the entire cluster, outside addresses.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@host_network_option
def list_command(
    paths: tuple[str, ...], fmt: str, exposure: bool, output: str | None, host_network: str
) -> None:
    """List every allowed connection between workloads and outside address ranges.

    Pods are folded into their top owner (`ns/name[Deployment]`). Exit code 2 when an
    input could not be read.
    """
    reach, errors = load(paths, host_network)
    failed = _errors(errors)
    connections = reach.connections()
    if exposure:
        if fmt not in ("txt", "json"):
            _fail("--exposure is available in the txt and json formats")
        result = exposure_analysis.analyse(reach, connections)
        render = connlist.exposure_json if fmt == "json" else connlist.exposure_txt
        text = render(connections, result)
    else:
        text = connlist.render(fmt, connections, reach.endpoints)
    _write(text, output)
    sys.exit(EXIT_ERROR if failed else EXIT_OK)


def _parse_port(text: str | None) -> tuple[str, int] | None:
    if text is None:
        return None
    number, _, proto = text.partition("/")
    proto = (proto or "TCP").upper()
    if not number.isdigit() or proto not in PROTOCOLS or not 1 <= int(number) <= 65535:
        raise click.BadParameter(f"{text!r} is not PORT[/TCP|UDP|SCTP], e.g. 8080/TCP")
    return proto, int(number)


def _peer(reach: Reachability, text: str) -> Endpoint | External:
    address = parse_ipv4(text)
    if address is not None:
        return External(address, address)
    if text == reach_mod.INGRESS_CONTROLLER and reach.ingress_controller is not None:
        return reach.ingress_controller
    found = [e for e in reach.real_endpoints if e.matches(text)]
    if not found:
        _fail(f"no workload named {text!r} (try `kubeward netpol list` for the names)")
    if len(found) > 1:
        _fail(f"{text!r} names several workloads: {', '.join(e.label for e in found)}")
    return found[0]


@netpol.command("explain")
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--port", help="One port to judge, as PORT[/PROTOCOL] (default protocol TCP).")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@host_network_option
def explain_command(
    src: str, dst: str, paths: tuple[str, ...], port: str | None, fmt: str, host_network: str
) -> None:
    """Explain whether SRC may connect to DST, and which policy rules decide it.

    SRC and DST name workloads (`ns/name`, `name`, `ns/name[Kind]`), an IPv4 address outside
    the cluster, or {ingress-controller}. Exit code 0 when the connection (or the port) is
    allowed, 1 when it is denied.
    """
    judged = _parse_port(port)
    reach, errors = load(paths, host_network)
    failed = _errors(errors)
    a, b = _peer(reach, src), _peer(reach, dst)
    if isinstance(a, External) and isinstance(b, External):
        _fail("one of SRC and DST must be a workload")
    ex = reach.explain(a, b)
    data = explanation_data(ex, judged)
    if fmt == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(explanation_text(data))
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if data["allowed"] else EXIT_FINDINGS)


def explanation_data(ex: reach_mod.Explanation, port: tuple[str, int] | None) -> dict[str, Any]:
    """An explanation as plain data (also the JSON output)."""

    def side(v: reach_mod.DirectionVerdict | None, who: str) -> dict[str, Any] | None:
        if v is None:
            return None
        rules = [
            {
                "policy": m.policy.ref,
                "rule": f"{m.rule.direction}[{m.rule.index}]",
                "file": m.policy.resource.source.file,
                "line": m.policy.resource.source.line,
                "allows": m.conns.text(),
                "matches_port": None if port is None else m.conns.contains(*port),
            }
            for m in v.matches
        ]
        return {
            "direction": v.direction,
            "of": who,
            "isolated_by": [p.ref for p in v.isolated_by],
            "allows": v.conns.text(),
            "rules": rules,
            "allows_port": None if port is None else v.conns.contains(*port),
        }

    allowed = not ex.conns.empty if port is None else ex.conns.contains(*port)
    return {
        "src": ex.src,
        "dst": ex.dst,
        "port": None if port is None else f"{port[1]}/{port[0]}",
        "allowed": allowed,
        "connections": ex.conns.text(),
        "egress": side(ex.egress, ex.src),
        "ingress": side(ex.ingress, ex.dst),
    }


def explanation_text(data: dict[str, Any]) -> str:
    what = f" on {data['port']}" if data["port"] else ""
    verdict = "ALLOWED" if data["allowed"] else "DENIED"
    lines = [f"{data['src']} => {data['dst']}{what}: {verdict}"]
    if data["port"] is None:
        lines.append(f"  allowed connections: {data['connections']}")
    for key in ("egress", "ingress"):
        side = data[key]
        if side is None:
            lines.append(f"  {key}: outside the cluster, not governed by NetworkPolicy")
            continue
        if not side["isolated_by"]:
            lines.append(
                f"  {key} of {side['of']}: not isolated (no NetworkPolicy selects it for "
                f"{key}): everything allowed"
            )
            continue
        lines.append(
            f"  {key} of {side['of']}: isolated by NetworkPolicy "
            f"{', '.join(side['isolated_by'])}; allows {side['allows']}"
        )
        if not side["rules"]:
            peer = "source" if key == INGRESS else "destination"
            lines.append(f"    no {key} rule of these policies admits this {peer}")
        for r in side["rules"]:
            mark = ""
            if r["matches_port"] is not None:
                mark = " (matches the port)" if r["matches_port"] else " (not this port)"
            lines.append(
                f"    allowed by {r['policy']} {r['rule']} ({r['file']}:{r['line']}): "
                f"{r['allows']}{mark}"
            )
        if side["allows_port"] is False:
            lines.append(f"    -> {key} denies {data['port']}")
    return "\n".join(lines) + "\n"


@netpol.command("diff")
@click.argument("old", metavar="DIR1")
@click.argument("new", metavar="DIR2")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["txt", "json", "csv", "md"]),
    default="txt",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@host_network_option
def diff_command(old: str, new: str, fmt: str, output: str | None, host_network: str) -> None:
    """Connections added, removed and changed between two versions of the manifests.

    Exit code 0 when nothing changed, 1 when connectivity differs.
    """
    before, e1 = load([old], host_network)
    after, e2 = load([new], host_network)
    failed = _errors([*e1, *e2])
    changes = reach_mod.diff(before, after)
    _write(connlist.diff_text(fmt, changes), output)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if changes else EXIT_OK)
