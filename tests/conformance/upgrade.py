"""kubeward's UPG rules (probes, requests and limits, unmanaged pods, rolling updates, dangling
autoscalers) against Checkov's and Kubescape's expected results.

The corpora and the object comparison are those of `peers.py` (see there): for each mapped
check, only the mapped UPG codes run on the case's input files and every object the peer
judged is compared. Each peer check below is MAPPED to the UPG codes that judge the same
thing, with one line of justification; every disagreement is in :data:`DISAGREEMENTS` with
who is right and why, and ``test_upgrade_conformance.py`` keeps that table exact in both
directions. The peers' other checks are classified in `peers.py`.

The removed-API table is checked against the Kubernetes deprecation guide in
``tests/test_removed_apis.py`` (no corpus here carries it).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tests.conformance import peers
from tests.conformance.peers import (
    KUBEWARD,
    PEER,
    SCOPE,
    Explained,
    ObjectResult,
    PeerMapping,
    PeerRun,
    Reason,
)


def _m(check: str, codes: str, why: str, kinds: tuple[str, ...] = ()) -> PeerMapping:
    return PeerMapping(check, tuple(codes.split()), why, kinds)


CHECKOV_MAPPINGS: tuple[PeerMapping, ...] = (
    _m("CKV_K8S_8", "UPG013", "no `livenessProbe` on a container"),
    _m("CKV_K8S_9", "UPG012", "no `readinessProbe` on a container"),
    _m("CKV_K8S_10", "UPG015", "no CPU request (a CPU limit defaults it, in both)"),
    _m("CKV_K8S_11", "UPG017", "no CPU limit"),
    _m("CKV_K8S_12", "UPG022", "no memory request (a memory limit defaults it, in both)"),
    _m("CKV_K8S_13", "UPG016", "no memory limit"),
)

KUBESCAPE_MAPPINGS: tuple[PeerMapping, ...] = (
    _m("configured-liveness-probe", "UPG013", "no `livenessProbe` on a container"),
    _m("configured-readiness-probe", "UPG012", "no `readinessProbe` on a container"),
    _m("resources-cpu-requests", "UPG015", "no CPU request"),
    _m("resources-cpu-limits", "UPG017", "no CPU limit"),
    _m("resources-memory-requests", "UPG022", "no memory request"),
    _m("resources-memory-limits", "UPG016", "no memory limit"),
    _m(
        "resources-cpu-limit-and-request",
        "UPG015 UPG017",
        "CPU request (UPG015) or limit (UPG017) missing",
    ),
    _m(
        "resources-memory-limit-and-request",
        "UPG022 UPG016",
        "memory request (UPG022) or limit (UPG016) missing",
    ),
    _m("naked-pods", "UPG006", "a Pod no controller owns", ("Pod",)),
    _m(
        "no-rolling-update-strategy",
        "UPG014",
        "Deployment `Recreate`, StatefulSet or DaemonSet `OnDelete`",
    ),
    _m(
        "hpa-has-target",
        "UPG009",
        "autoscaler whose `scaleTargetRef` names no object of the input",
        ("HorizontalPodAutoscaler",),
    ),
)

# ============================================================================ disagreements


def _x(peer: str, case: str, obj: str, kw: str, pv: str, right: str, r: Reason) -> Explained:
    return Explained(peer, case, obj, kw, pv, right, r)


F, N = peers.FLAGGED, peers.NOT_FLAGGED

_LIMIT_DEFAULTS_REQUEST = Reason(
    "a limit sets the request",
    "The container sets a limit and no request for that resource. Kubernetes: 'If you "
    "specify a limit for a resource, but do not specify any request, and no admission-time "
    "mechanism has applied a default request for that resource, then Kubernetes copies the "
    "limit you specified and uses it as the requested value for the resource' (Resource "
    "Management for Pods and Containers). The scheduler sees a request; Kubescape still "
    "demands it be written. Checkov's CKV_K8S_10/12 accept the limit, as kubeward does.",
)
_CONFIGURED_BOUNDS = Reason(
    "configured minimum and maximum",
    "The container sets both request and limit; Kubescape flags it because its posture "
    "configuration (`data.json`: `cpu_request_max`, `memory_limit_min`, ...) bounds the "
    "values. kubeward checks that requests and limits are set, not their size, and has no "
    "such bounds (a LimitRange enforces them in the cluster). Scope difference.",
)


def _bounds(rule: str, case: str, obj: str) -> Explained:
    return _x("kubescape", f"{rule}/{case}", obj, N, F, SCOPE, _CONFIGURED_BOUNDS)


DISAGREEMENTS: tuple[Explained, ...] = (
    *(
        _x(
            "kubescape",
            f"{rule}/pod-only-requests",
            "Pod.(none).frontend",
            N,
            F,
            KUBEWARD,
            _LIMIT_DEFAULTS_REQUEST,
        )
        for rule in (
            "resources-cpu-limit-and-request",
            "resources-cpu-requests",
            "resources-memory-limit-and-request",
            "resources-memory-requests",
        )
    ),
    _bounds(
        "resources-cpu-limit-and-request",
        "workload-exceeded",
        "Deployment.default.health-check-deployment",
    ),
    _bounds("resources-cpu-limit-and-request", "workload-mixed-unit", "Deployment.default.hot"),
    _bounds("resources-memory-limit-and-request", "workload-exceeded", "Deployment.default.test"),
    _bounds(
        "resources-memory-limit-and-request", "workload-milli-suffix", "Deployment.default.milli"
    ),
    _bounds("resources-memory-limit-and-request", "workload-mixed-unit", "Deployment.default.huge"),
)


# ============================================================================ runs


@cache
def checkov_run(shared: Path) -> PeerRun:
    return peers.mapped_checkov_run(shared, CHECKOV_MAPPINGS)


@cache
def kubescape_run(shared: Path) -> PeerRun:
    return peers.mapped_kubescape_run(shared, KUBESCAPE_MAPPINGS)


def unexplained(run: PeerRun) -> list[ObjectResult]:
    return peers.unexplained(run, DISAGREEMENTS)


def stale_explanations(run: PeerRun) -> list[Explained]:
    return peers.stale_explanations(run, DISAGREEMENTS)


# ============================================================================ Markdown


def _peer(run: PeerRun, title: str, peer_name: str) -> str:
    text = peers._section(run, title, "", peer_name, DISAGREEMENTS)
    # The peers' other checks are classified in the POD/IMG/NS sections: no table here.
    return text.split("### Out of scope for these rules", 1)[0].rstrip() + "\n"


def section(shared: Path) -> str:
    intro = (
        "## Upgrade readiness and availability: UPG rules\n\n"
        "Same corpora and comparison as the Checkov and Kubescape sections above: for each "
        "mapped check only the mapped UPG codes run on the case's input, and every object the "
        "peer judged is compared. Harness: `tests/conformance/upgrade.py`. The removed-API "
        "table is checked against the Kubernetes Deprecated API Migration Guide (every "
        "removal of 1.16 to 1.32, with its replacements) in `tests/test_removed_apis.py`; no "
        "corpus carries it.\n"
    )
    parts = [
        intro,
        _peer(checkov_run(shared), "UPG vs Checkov", "Checkov").replace("## UPG", "### UPG", 1),
        _peer(kubescape_run(shared), "UPG vs Kubescape", "Kubescape").replace(
            "## UPG", "### UPG", 1
        ),
    ]
    text = "\n".join(p.replace("\n### ", "\n#### ") for p in parts)
    return re.sub(r"\n{3,}", "\n\n", text)


__all__ = [
    "CHECKOV_MAPPINGS",
    "DISAGREEMENTS",
    "KUBESCAPE_MAPPINGS",
    "KUBEWARD",
    "PEER",
    "SCOPE",
    "checkov_run",
    "kubescape_run",
    "section",
    "stale_explanations",
    "unexplained",
]
