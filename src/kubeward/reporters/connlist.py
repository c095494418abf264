"""Connection lists (`kubeward netpol list`) as text, JSON, CSV, Markdown and Graphviz dot.

The text form is line-compatible with np-guard netpol-analyzer's connlist output, so the two
can be diffed: `src => dst : conns`, sorted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from kubeward.analysis.exposure import ExposureResult
from kubeward.analysis.reachability import INGRESS_CONTROLLER, Change, Connection, Endpoint
from kubeward.model.network import EGRESS

FORMATS = ("txt", "json", "csv", "md", "dot")


def render(fmt: str, connections: Sequence[Connection], endpoints: Sequence[Endpoint] = ()) -> str:
    if fmt == "json":
        return json_text(connections)
    if fmt == "csv":
        return csv_text(connections)
    if fmt == "md":
        return md_text(connections)
    if fmt == "dot":
        return dot_text(connections, endpoints)
    return txt(connections)


def txt(connections: Sequence[Connection]) -> str:
    return "".join(c.line() + "\n" for c in connections)


def json_text(connections: Sequence[Connection]) -> str:
    rows = [{"src": c.src, "dst": c.dst, "conn": c.conns.text()} for c in connections]
    return json.dumps(rows, indent=2) + "\n"


def csv_text(connections: Sequence[Connection]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "conn"])
    for c in connections:
        writer.writerow([c.src, c.dst, c.conns.text()])
    return out.getvalue()


def md_text(connections: Sequence[Connection]) -> str:
    lines = ["| src | dst | conn |", "|-----|-----|------|"]
    lines += [f"| {c.src} | {c.dst} | {c.conns.text()} |" for c in connections]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_text(connections: Sequence[Connection], endpoints: Sequence[Endpoint]) -> str:
    """A graph with one cluster per namespace; externals red, edges labelled."""
    by_ns: dict[str, list[Endpoint]] = {}
    for e in endpoints:
        if not e.synthetic:
            by_ns.setdefault(e.namespace, []).append(e)
    lines = ["digraph {"]
    for ns in sorted(by_ns):
        lines.append(f"\tsubgraph {_quote(f'cluster_{ns}[namespace]')} {{")
        lines.append('\t\tcolor="black"')
        lines.append('\t\tfontcolor="black"')
        for e in sorted(by_ns[ns], key=lambda x: x.label):
            short = e.label.split("/", 1)[1]
            lines.append(
                f'\t\t{_quote(e.label)} [label={_quote(short)} color="blue" fontcolor="blue"]'
            )
        lines.append(f"\t\tlabel={_quote(f'{ns}[namespace]')}")
        lines.append("\t}")
    names = {c.src for c in connections} | {c.dst for c in connections}
    for name in sorted(n for n in names if n.endswith("[External]")):
        lines.append(f'\t{_quote(name)} [label={_quote(name)} color="red2" fontcolor="red2"]')
    if INGRESS_CONTROLLER in names:
        q = _quote(INGRESS_CONTROLLER)
        lines.append(f'\t{q} [label={q} color="blue" fontcolor="blue"]')
    for c in connections:
        weight = "0.5" if c.src.endswith("[External]") else "1"
        lines.append(
            f"\t{_quote(c.src)} -> {_quote(c.dst)} [label={_quote(c.conns.text())} "
            f'color="gold2" fontcolor="darkgreen" weight={weight}]'
        )
    lines.append("}")
    return "\n".join(lines)


def exposure_txt(connections: Sequence[Connection], result: ExposureResult) -> str:
    """The connection list, then the exposure sections, as netpol-analyzer lays them out."""
    rows = {
        "=>": sorted((e.endpoint.label, t, e.text(t)) for e in result.egress for t in e.targets),
        "<=": sorted((e.endpoint.label, t, e.text(t)) for e in result.ingress for t in e.targets),
    }
    width = max((len(r[0]) for rs in rows.values() for r in rs), default=0)
    blocks: list[str] = []
    if connections:
        blocks.append(txt(connections).rstrip("\n"))
    parts = ["Exposure Analysis Result:"]
    for arrow, title in (("=>", "Egress Exposure:"), ("<=", "Ingress Exposure:")):
        if rows[arrow]:
            lines = [title] + [
                f"{name.ljust(width)} \t{arrow} \t{target} : {conns}"
                for name, target, conns in rows[arrow]
            ]
            parts.append("\n".join(lines))
    unprotected = sorted(
        (ep.label, "Egress" if d == EGRESS else "Ingress") for ep, d in result.unprotected
    )
    if unprotected:
        parts.append(
            "\n".join(
                ["Workloads not protected by network policies:"]
                + [f"{name} is not protected on {d}" for name, d in unprotected]
            )
        )
    blocks.append(parts[0] + "\n" + "\n\n".join(parts[1:]))
    return "\n\n".join(blocks) + "\n"


def exposure_json(connections: Sequence[Connection], result: ExposureResult) -> str:
    data = {
        "connections": [{"src": c.src, "dst": c.dst, "conn": c.conns.text()} for c in connections],
        "egress_exposure": [
            {"src": e.endpoint.label, "dst": t, "conn": e.text(t)}
            for e in result.egress
            for t in sorted(e.targets)
        ],
        "ingress_exposure": [
            {"src": t, "dst": e.endpoint.label, "conn": e.text(t)}
            for e in result.ingress
            for t in sorted(e.targets)
        ],
        "unprotected": [
            {"workload": ep.label, "direction": "Egress" if d == EGRESS else "Ingress"}
            for ep, d in result.unprotected
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def diff_text(fmt: str, changes: Sequence[Change]) -> str:
    """Connectivity differences: `diff-type: added, source: ..., ref1: ..., ref2: ...`."""
    rows = [
        {
            "diff-type": c.kind,
            "source": c.src,
            "destination": c.dst,
            "ref1": c.old.text(),
            "ref2": c.new.text(),
            "workloads-diff-info": c.info,
        }
        for c in changes
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(rows[0]) if rows else ["diff-type", "source", "destination"])
        for r in rows:
            writer.writerow(list(r.values()))
        return out.getvalue()
    if fmt == "md":
        head = "| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |"
        lines = [head, "|" + "-----|" * 6]
        lines += ["| " + " | ".join(r.values()) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    lines = ["Connectivity diff:"]
    for r in rows:
        info = (
            f", workloads-diff-info: {r['workloads-diff-info']}" if r["workloads-diff-info"] else ""
        )
        lines.append(
            f"diff-type: {r['diff-type']}, source: {r['source']}, destination: "
            f"{r['destination']}, ref1: {r['ref1']}, ref2: {r['ref2']}{info}"
        )
    return "\n".join(lines) + "\n"
