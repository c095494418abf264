"""deploy/node-audit.yaml: the read-only DaemonSet that runs `kubeward node` on every node.

It must pass `kubeward scan` except for what a node audit has to accept, each suppressed in
its annotations with the reason; and it must really be read-only, offline and unprivileged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from kubeward.cli import main
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths
from tests.node.test_model import fake_proc, write

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "node-audit.yaml"

# What a node audit must accept, and nothing else: root in the host's user namespace (to read
# root-only files), host paths (the node's files and procfs), node credentials within /etc
# and the kubeconfig (their modes and owners are what is checked), an image whose digest the
# user pins, a namespace that allows host paths, no probes and the default priority.
ACCEPTED = {
    ("POD104", "DaemonSet"),
    ("POD106", "DaemonSet"),
    ("POD119", "DaemonSet"),
    ("POD205", "DaemonSet"),
    ("POD206", "DaemonSet"),
    ("POD212", "DaemonSet"),
    ("IMG002", "DaemonSet"),
    ("NS006", "Namespace"),
    ("UPG012", "DaemonSet"),
    ("UPG013", "DaemonSet"),
    ("UPG018", "DaemonSet"),
}


def objects() -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8"))}


def test_scan_passes_except_accepted_findings_with_reasons() -> None:
    report = scan_paths([str(MANIFEST)], default_catalogue())
    assert not report.errors, [e.one_line() for e in report.errors]
    assert not report.findings, [f"{f.rule} {f.message}" for f in report.findings]
    accepted = {(s.finding.rule, s.finding.obj.kind) for s in report.suppressed}
    assert accepted == ACCEPTED
    assert all(s.source == "annotation" and len(s.reason) > 40 for s in report.suppressed)


def test_read_only_offline_and_unprivileged() -> None:
    docs = objects()
    pod = docs["DaemonSet"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
    assert pod["automountServiceAccountToken"] is False
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["privileged"] is False
    assert all(m["readOnly"] is True for m in container["volumeMounts"])
    paths = {v["hostPath"]["path"] for v in pod["volumes"]}
    assert "/" not in paths and not any(p.startswith(("/run", "/var/run")) for p in paths)
    policy = docs["NetworkPolicy"]["spec"]
    assert policy == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_its_command_audits_a_mounted_node(tmp_path: Path) -> None:
    """The DaemonSet's own command line, on a node laid out as its mounts show it."""
    args = " ".join(objects()["DaemonSet"]["spec"]["template"]["spec"]["containers"][0]["args"])
    command = args.split("do ", 1)[1].split(";")[0].split()
    assert command[:5] == ["kubeward", "node", "--root", "/host", "--proc"]
    host = tmp_path / "host"
    write(host, "etc/hostname", "aks-nodepool1-0\n")
    write(host, "etc/ssh/sshd_config", "PermitRootLogin no\n")
    write(host, "var/lib/kubelet/kubeconfig", "apiVersion: v1\n")
    proc = fake_proc(tmp_path)
    mapped = [str(host) if a == "/host" else str(proc) if a == "/host-proc" else a for a in command]
    result = CliRunner().invoke(main, mapped[1:])
    assert result.exit_code == 0, result.output  # --fail-on none: the pod never crash-loops
    assert '"kind": "NodeHost"' in result.output and "aks-nodepool1-0" in result.output
