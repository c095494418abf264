"""kubeward's reachability engine against np-guard netpol-analyzer's connectivity tests.

Corpus (read-only, outside the repository): ``corpora/netpol-analyzer``. ``cases.jsonl`` lists
the upstream `list` test table: an input directory (one cluster snapshot), options, and the
expected output files. Every case is put in exactly one group:

* ``plain``: a plain connection list over core kinds (NetworkPolicy, workloads, Namespaces,
  Services): the txt output must match exactly, line for line, and so must the json, csv and
  md outputs where upstream has them;
* ``ingress``: the same with Ingress objects (the ``{ingress-controller}`` pseudo-peer);
* ``exposure``: ``--exposure`` over core kinds;
* ``not supported``: cases that need kinds or options kubeward does not implement, counted by
  reason.

Upstream models hostNetwork pods as ordinary pods, so cases run with ``host_network="pod"``;
the section also counts the plain cases under kubeward's default (``node``). Every mismatch in
a compared group must be in :data:`EXPLAINED`; ``test_netpol_corpus.py`` keeps that table exact.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kubeward.analysis import exposure
from kubeward.analysis.reachability import Reachability
from kubeward.commands.netpol import load
from kubeward.reporters import connlist

CORPUS = Path("corpora") / "netpol-analyzer"

NOT_CORE = {
    "AdminNetworkPolicy": "AdminNetworkPolicy / BaselineAdminNetworkPolicy",
    "BaselineAdminNetworkPolicy": "AdminNetworkPolicy / BaselineAdminNetworkPolicy",
    "Route": "OpenShift Route",
    "UserDefinedNetwork": "OVN-Kubernetes user-defined networks, NADs, MultiNetworkPolicy",
    "ClusterUserDefinedNetwork": "OVN-Kubernetes user-defined networks, NADs, MultiNetworkPolicy",
    "NetworkAttachmentDefinition": "OVN-Kubernetes user-defined networks, NADs, MultiNetworkPolicy",
    "MultiNetworkPolicy": "OVN-Kubernetes user-defined networks, NADs, MultiNetworkPolicy",
    "VirtualMachine": "KubeVirt virtual machines",
    "VirtualMachineInstance": "KubeVirt virtual machines",
}

# Cases whose kubeward output differs from upstream's, with who is right and why.
EXPLAINED: dict[str, str] = {
    "k8s_ingress_test_new_exposure": (
        "kubeward is right: the Ingress backend names port 8080 of Service unicorn, whose only "
        "port is 5000 (targetPort 8080). An Ingress backend port is the Service's port "
        "(IngressServiceBackend.port), so this backend routes nowhere; upstream matches the "
        "number against the target port and lists `{ingress-controller} => "
        "default/unicorn[Deployment] : TCP 8080`. kubeward reports the broken backend as NET011"
    ),
    "exposure_test_with_multiple_policies_2_exposure": (
        "presentation only: two policies name the same namespace selector with its `In` "
        "values in different orders (`env-2 env-1`, `env-1 env-2`); both tools merge them into "
        "one target with the same connections, and name it after different policies"
    ),
    "exposure_test_different_but_equiv_rules_exposure": (
        "presentation only: two rules select alike (`role: monitoring` as matchLabels and as "
        "`In [monitoring]`); the matchLabels peer matches an input pod, so kubeward lists the "
        "target once, in the `In` form; upstream names it in the matchLabels form. The "
        "connections agree"
    ),
}


@dataclass(frozen=True)
class Case:
    name: str
    input_dir: Path
    group: str  # plain, ingress, exposure, not supported
    reason: str  # why not supported
    expected: dict[str, Path]
    core: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    agree: bool
    detail: str


def cases(shared: Path) -> list[Case]:
    root = shared / CORPUS
    table = root / "cases.jsonl"
    if not table.is_file():
        return []
    out: list[Case] = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        kinds = set(row["input_kinds"])
        focus = bool(
            row["focus_workloads"]
            or row["focus_workload_peers"]
            or row["focus_direction"]
            or row["focus_conn"]
        )
        unsupported = sorted({NOT_CORE[k] for k in kinds if k in NOT_CORE})
        reason = ""
        if row["multiple_networks"]:
            reason = "multiple networks (user-defined networks, NADs)"
        elif unsupported:
            reason = unsupported[0]
        elif focus:
            reason = "focus options (--focusworkload, --focus-direction, --focus-conn)"
        elif "<unparseable>" in kinds:
            reason = "deliberately malformed input"
        elif "txt" not in row["expected_outputs"]:
            reason = "no txt expectation (dot only)"
        if reason:
            group = "not supported"
        elif row["exposure"]:
            group = "exposure"
        elif "Ingress" in kinds:
            group = "ingress"
        else:
            group = "plain"
        out.append(
            Case(
                name=row["case"],
                input_dir=root / row["input_dir"],
                group=group,
                reason=reason,
                expected={k: root / v for k, v in row["expected_outputs"].items()},
                core=bool(row["core_k8s_only"]),
            )
        )
    return out


@cache
def _scene(input_dir: Path, host_network: str) -> Reachability:
    reach, _ = load([str(input_dir)], host_network)
    return reach


def outputs(case: Case, host_network: str = "pod") -> dict[str, str]:
    """kubeward's outputs for a case, by format, as `kubeward netpol list` writes them."""
    reach = _scene(case.input_dir, host_network)
    conns = reach.connections()
    if case.group == "exposure":
        result = exposure.analyse(reach, conns)
        return {"txt": connlist.exposure_txt(conns, result)}
    return {f: connlist.render(f, conns, reach.endpoints) for f in ("txt", "json", "csv", "md")}


def _same(fmt: str, got: str, expected: str) -> bool:
    if fmt == "json":
        return bool(json.loads(got) == json.loads(expected))
    return got.strip() == expected.strip()


def run(case: Case, host_network: str = "pod") -> Outcome:
    got = outputs(case, host_network)
    compared = [f for f in ("txt", "json", "csv", "md") if f in case.expected and f in got]
    bad = [
        f for f in compared if not _same(f, got[f], case.expected[f].read_text(encoding="utf-8"))
    ]
    if not bad:
        return Outcome(case, True, f"{', '.join(compared)} identical")
    return Outcome(case, False, f"differs in {', '.join(bad)}")


def run_all(shared: Path) -> list[Outcome]:
    return [run(c) for c in cases(shared) if c.group != "not supported"]


def section(shared: Path) -> str:
    all_cases = cases(shared)
    outcomes = run_all(shared)
    lines = [
        "## NetworkPolicy reachability: `kubeward netpol list` vs np-guard netpol-analyzer",
        "",
        "Corpus: `corpora/netpol-analyzer`, the connectivity tests of np-guard netpol-analyzer "
        "(IBM): every case of its `list` test table, with the expected output files compared "
        "exactly (txt line for line; json, csv and md too where upstream has them). Inputs are "
        "read through kubeward's own loader. Upstream treats hostNetwork pods as ordinary "
        "pods, so the cases run with `--host-network pod`.",
        "",
        "| group | cases | agree |",
        "|---|---|---|",
    ]
    for group in ("plain", "ingress", "exposure"):
        got = [o for o in outcomes if o.case.group == group]
        ok = sum(o.agree for o in got)
        lines.append(f"| {group} | {len(got)} | {ok} ({100 * ok / max(len(got), 1):.0f}%) |")
    core_plain = [o for o in outcomes if o.case.group == "plain" and o.case.core]
    lines += [
        "",
        f"Plain connection lists over core kinds (`core_k8s_only`, no focus options): "
        f"**{sum(o.agree for o in core_plain)} / {len(core_plain)}** identical.",
        "",
    ]
    node = [c for c in all_cases if c.group == "plain"]
    node_ok = sum(run(c, "node").agree for c in node)
    lines += [
        f"Under kubeward's default `--host-network node` (selectors never match hostNetwork "
        f"pods, the most common network plugin behaviour, which the Kubernetes documentation "
        f"describes), {node_ok} of the {len(node)} plain cases are identical; the others "
        "differ only in connections of hostNetwork pods (upstream lets policies select them).",
        "",
    ]
    missed = [o for o in outcomes if not o.agree]
    if missed:
        lines += ["### Disagreements", "", "| case | group | why |", "|---|---|---|"]
        for o in missed:
            why = EXPLAINED.get(o.case.name, "NOT EXPLAINED")
            lines.append(f"| `{o.case.name}` | {o.case.group} | {why} |")
        lines.append("")
    reasons = Counter(c.reason for c in all_cases if c.group == "not supported")
    lines += [
        "### Cases not compared",
        "",
        "| needs | cases |",
        "|---|---|",
        *[f"| {r} | {n} |" for r, n in sorted(reasons.items())],
        "",
        "AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io "
        "v1alpha1), OpenShift Routes, user-defined networks and KubeVirt machines are not "
        "analysed: their objects are read and ignored, so a scene that has them is "
        "analysed as if they were absent. Focus options are not offered (filter the list "
        "instead). Total: "
        f"{len(all_cases)} cases, {len(outcomes)} compared, "
        f"{sum(o.agree for o in outcomes)} identical.",
        "",
    ]
    return "\n".join(lines)
