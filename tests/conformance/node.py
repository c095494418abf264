"""kubeward's node audit (NODE rules) against two other projects.

* Kubescape's kubelet rule tests (``corpora/kubescape-regolibrary``, inputs of kind
  ``KubeletInfo`` from its host sensor: the kubelet's command line, its config file's content,
  and the modes and owners of its files). Each input becomes a host (an in-memory file system
  plus the command line as the running kubelet's) and the mapped NODE rule runs on it; a case
  agrees when Kubescape alerts exactly when kubeward reports a finding.
* OpenSCAP (ComplianceAsCode content) on two Debian roots built with debootstrap, one as
  installed and one hardened: ``scripts/openscap_node.py`` runs both tools and records the
  results in ``openscap_node.json`` beside this module (OpenSCAP and debootstrap are not part
  of the test suite); the section below is rendered from that record, and the integration
  test checks that kubeward's recorded statuses are still what it reports today.

Every disagreement must be explained (``KUBESCAPE_DISAGREEMENTS``,
``OPENSCAP_DISAGREEMENTS``); ``tests/conformance/test_node_conformance.py`` keeps both tables
exact in both directions.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kubeward.config import Config
from kubeward.model.node import FileStat, NodeHost, Runtime, parse_kubelet_args
from kubeward.rules import default_catalogue
from kubeward.scan import Engine, Report

KUBESCAPE = Path("corpora") / "kubescape-regolibrary"
RECORD = Path(__file__).resolve().parent / "openscap_node.json"

# ============================================================================ Kubescape


@dataclass(frozen=True)
class KubeletMapping:
    rule: str  # Kubescape rule name
    code: str
    options: Mapping[str, Any]
    why: str


def _k(rule: str, code: str, why: str, **options: Any) -> KubeletMapping:
    return KubeletMapping(rule, code, options, why)


KUBESCAPE_MAPPINGS: tuple[KubeletMapping, ...] = (
    _k("anonymous-requests-to-kubelet-updated", "NODE511", "anonymous auth off"),
    _k("kubelet-authorization-mode-alwaysAllow", "NODE512", "authorization mode not AlwaysAllow"),
    _k("enforce-kubelet-client-tls-authentication-updated", "NODE513", "client CA file set"),
    _k("read-only-port-enabled-updated", "NODE514", "read-only port 0"),
    _k("kubelet-streaming-connection-idle-timeout", "NODE515", "streaming timeout not 0"),
    _k("kubelet-ip-tables", "NODE516", "make-iptables-util-chains true"),
    _k("kubelet-event-qps", "NODE517", "event rate limit, a manual check in kubeward"),
    _k("kubelet-rotate-certificates", "NODE518", "client certificate rotation"),
    _k("kubelet-rotate-kubelet-server-certificate", "NODE519", "server certificate gate"),
    _k("kubelet-protect-kernel-defaults", "NODE520", "protect kernel defaults"),
    _k(
        "Ensure-that-the-kubeconfig-file-permissions-are-set-to-644-or-more-restrictive",
        "NODE501",
        "kubeconfig mode 644, CIS AKS 3.1.1",
        max_mode="0644",
    ),
    _k(
        "ensure-that-the-kubeconfig-kubelet.conf-file-permissions-are-set-to-600-or-more-restrictive",
        "NODE501",
        "kubeconfig mode 600, CIS Kubernetes 4.1.5",
        max_mode="0600",
    ),
    _k(
        "ensure-that-the-kubeconfig-kubelet.conf-file-ownership-is-set-to-root-root",
        "NODE502",
        "kubeconfig owner",
    ),
    _k(
        "ensure-that-the-kubelet-configuration-file-has-permissions-set-to-644-or-more-restrictive",
        "NODE505",
        "config file mode 644",
        max_mode="0644",
    ),
    _k(
        "if-the-kubelet-config.yaml-configuration-file-is-being-used-validate-permissions-set-to-600-or-more-restrictive",
        "NODE505",
        "config file mode 600",
        max_mode="0600",
    ),
    _k(
        "ensure-that-the-kubelet-configuration-file-ownership-is-set-to-root-root",
        "NODE506",
        "config file owner",
    ),
)

# Kubescape's kubelet rules that kubeward has no rule for, and why.
KUBESCAPE_NOT_BUILT: Mapping[str, str] = {
    "kubelet-hostname-override": "CIS Kubernetes 4.2.8 (not in CIS AKS 1.8); not built",
    "kubelet-set-pod-limit": "pod PID limit (podPidsLimit); not built",
    "kubelet-strong-cryptography-ciphers": "TLS cipher suites; not built",
    "validate-kubelet-tls-configuration-updated": "serving certificate files; not built",
    "ensure-that-the-kubelet-service-file-ownership-is-set-to-root-root": (
        "unit file owner, CIS Kubernetes 4.1.2 (not in CIS AKS 1.8); not built"
    ),
    "ensure-that-the-kubelet-service-file-permissions-are-set-to-600-or-more-restrictive": (
        "unit file mode, CIS Kubernetes 4.1.1 (not in CIS AKS 1.8); not built"
    ),
    "ensure-that-the-certificate-authorities-file-permissions-are-set-to-600-or-more-restrictive": (
        "client CA file mode, CIS Kubernetes 4.1.7; not built"
    ),
    "ensure-that-the-client-certificate-authorities-file-ownership-is-set-to-root-root": (
        "client CA file owner, CIS Kubernetes 4.1.8; not built"
    ),
}

FLAGGED, PASSED = "flagged", "not flagged"


class MemoryFiles:
    """`model.node.Files` over files given as data (path -> text, stat)."""

    def __init__(self, files: Mapping[str, tuple[str | None, FileStat]]) -> None:
        self.files = dict(files)

    def read(self, path: str) -> str | None:
        entry = self.files.get(path)
        return entry[0] if entry is not None else None

    def exists(self, path: str) -> bool:
        return path in self.files or any(p.startswith(path.rstrip("/") + "/") for p in self.files)

    def stat(self, path: str) -> FileStat | None:
        entry = self.files.get(path)
        return entry[1] if entry is not None else None

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted({p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)})

    def display(self, path: str) -> str:
        return path


def _stat(entry: Mapping[str, Any]) -> FileStat:
    owner = entry.get("ownership") or {}
    return FileStat(
        int(entry.get("permissions", 0o644)) & 0o7777,
        owner.get("uid", 0),
        owner.get("gid", 0),
        True,
    )


def kubelet_host(info: Mapping[str, Any]) -> NodeHost:
    """A host as Kubescape's sensor saw it: its kubelet command line runs, its config file
    (if the sensor read it) sits where the command line's --config says, and the files the
    sensor stat()ed have the modes and owners it reported. The sensor names the kubeconfig it
    found; kubeward is told through --kubeconfig when the command line does not say."""
    data = info.get("data") or {}
    argv = str(data.get("cmdLine", "")).split()
    if argv and argv[0].startswith("-"):
        argv.insert(0, "kubelet")  # some command lines were recorded without the program
    flags = parse_kubelet_args([(w, None) for w in argv[1:]]).flags
    files: dict[str, tuple[str | None, FileStat]] = {}
    config = data.get("configFile") or {}
    content = config.get("content")
    path = flags["config"][0] if "config" in flags else config.get("path")
    if path and (content or "permissions" in config):
        text = base64.b64decode(content).decode("utf-8") if content else None
        files[path] = (text, _stat(config))
    kubeconfig = data.get("kubeConfigFile") or {}
    if kubeconfig.get("path"):
        files.setdefault(kubeconfig["path"], ("", _stat(kubeconfig)))
        # The sensor says which file is the kubelet's kubeconfig; the last flag wins.
        argv.append(f"--kubeconfig={kubeconfig['path']}")
    runtime = Runtime(
        proc="/proc",
        sysctls={},
        net_visible=False,
        modules=frozenset(),
        kubelet_argv=tuple(argv) if argv else None,
        kubelet_pid=1,
        sshd=None,
        kernel_cmdline=None,
    )
    return NodeHost.build(MemoryFiles(files), runtime, root="/")


@dataclass(frozen=True)
class KubeletCase:
    rule: str
    case: str
    code: str
    peer: str  # FLAGGED or PASSED
    ours: str  # FLAGGED, PASSED, "not evaluated", "manual"
    detail: str

    @property
    def key(self) -> str:
        return f"{self.rule}/{self.case}"

    @property
    def agrees(self) -> bool:
        return self.peer == self.ours


def _audit(host: NodeHost, code: str, options: Mapping[str, Any]) -> Report:
    catalogue = default_catalogue()
    rule = catalogue.get(code)
    assert rule is not None, code
    engine = Engine(catalogue, Config(options={code: dict(options)}), only=[rule])
    engine.add_subject(host, host.resource_for(), host.line_of)
    return engine.finish()


@cache
def kubescape_kubelet_run(shared: Path) -> tuple[KubeletCase, ...]:
    root = shared / KUBESCAPE
    rows = [
        json.loads(line)
        for line in (root / "cases.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    by_rule = {m.rule: m for m in KUBESCAPE_MAPPINGS}
    out: list[KubeletCase] = []
    for row in rows:
        mapping = by_rule.get(row["rule"])
        if mapping is None:
            continue
        ours: list[str] = []
        details: list[str] = []
        for rel in row["inputs"]:
            info = json.loads((root / rel).read_text(encoding="utf-8"))
            report = _audit(kubelet_host(info), mapping.code, mapping.options)
            if report.findings:
                ours.append(FLAGGED)
                details += [f.message for f in report.findings]
            elif report.notes:
                ours.append(report.notes[0].verdict.value)
                details += [n.message for n in report.notes]
            else:
                ours.append(PASSED)
        verdict = FLAGGED if FLAGGED in ours else next((o for o in ours if o != PASSED), PASSED)
        peer = FLAGGED if row["expected_alert_count"] else PASSED
        out.append(
            KubeletCase(row["rule"], row["case"], mapping.code, peer, verdict, "; ".join(details))
        )
    return tuple(out)


# Every case where Kubescape and kubeward differ, with who is right and why.
_SENSOR_FAILED = (
    "the host sensor could not read the kubelet config file named by --config. Kubescape "
    "alerts; kubeward reports the setting as not evaluated, because its value is unknown (the "
    "kubelet itself would refuse to start without the file). Neither pass nor fail is right."
)
_NO_CONFIG_FLAG = (
    "the command line has no --config, so the kubelet reads no config file whatever the sensor "
    "found on disk, and the flag default applies: {default}. kubeward is right (kubelet "
    "command-line reference: flag defaults; a KubeletConfiguration file is only read with "
    "--config)."
)
_ROTATE_DEFAULT = (
    "rotateCertificates is not set; its default is false both as a flag and in "
    "KubeletConfiguration v1beta1, so client certificates are not rotated. Kubescape (like "
    "kube-bench) passes an unset value; kubeward fails it. kubeward is right per the kubelet "
    "documentation of rotateCertificates (default false)."
)
_EVENT_QPS = (
    "kubeward's NODE517 is a manual check (CIS AKS 3.2.7 accepts 0 = no limit, or any level "
    "that keeps appropriate events); Kubescape fails 0 and passes other values. Judging the "
    "right level needs the operator, so kubeward reports the value as evidence."
)
KUBESCAPE_DISAGREEMENTS: Mapping[str, str] = {
    "anonymous-requests-to-kubelet-updated/no-cli-params": _NO_CONFIG_FLAG.format(
        default="--anonymous-auth=true, so anonymous requests are allowed"
    ),
    "enforce-kubelet-client-tls-authentication-updated/fail-config-sensor-failed": _SENSOR_FAILED,
    "kubelet-authorization-mode-alwaysAllow/fail-sensor-failed": _SENSOR_FAILED,
    "kubelet-event-qps/fail-sensor-failed": _SENSOR_FAILED,
    "kubelet-ip-tables/fail-sensor-failed": _SENSOR_FAILED,
    "kubelet-rotate-certificates/fail-sensor-failed": _SENSOR_FAILED,
    "kubelet-streaming-connection-idle-timeout/fail-sensor-failed": _SENSOR_FAILED,
    "kubelet-event-qps/fail-eventRecordQPS=0-config": _EVENT_QPS,
    "kubelet-event-qps/pass-event-qps-via-command": _EVENT_QPS,
    "kubelet-event-qps/pass-eventRecordQPS=3-config": _EVENT_QPS,
    "kubelet-event-qps/pass-argument-and-config-not-present": _EVENT_QPS,
    "kubelet-rotate-certificates/pass-cli-argument-not-set": _NO_CONFIG_FLAG.format(
        default="--rotate-certificates=false"
    ),
    "kubelet-rotate-certificates/pass-not-present-in-config-file": _ROTATE_DEFAULT,
    "ensure-that-the-kubeconfig-kubelet.conf-file-ownership-is-set-to-root-root/passed": (
        'the file\'s group is gid 1, which the sensor reports by the name "root"; Kubescape '
        "compares names, kubeward compares ids (uid 0, gid 0), as CIS's `chown root:root` "
        "means on a standard system where gid 0 is root. kubeward is right: a group named "
        "root that is not gid 0 is not the root group."
    ),
    "ensure-that-the-kubelet-configuration-file-ownership-is-set-to-root-root/passed": (
        'as for the kubeconfig: gid 1 reported under the name "root"; kubeward compares ids.'
    ),
}


def kubescape_kubelet_section(shared: Path) -> str:
    cases = kubescape_kubelet_run(shared)
    agree = sum(c.agrees for c in cases)
    lines = [
        "## Node audit: kubelet checks vs Kubescape's kubelet rule tests",
        "",
        "Corpus: `corpora/kubescape-regolibrary`, the rule tests whose inputs are `KubeletInfo` "
        "objects from Kubescape's host sensor (the kubelet's command line, its config file, "
        "the modes and owners of its files). Each input becomes a host (an in-memory file "
        "system, the command line as the running kubelet's) and only the mapped NODE rule "
        "runs; a case agrees when Kubescape alerts exactly when kubeward reports a finding. "
        "Harness: `tests/conformance/node.py`.",
        "",
        f"**{agree} / {len(cases)} cases agree ({100 * agree / len(cases):.1f}%).** "
        f"{len(cases) - agree} disagreements, each explained below.",
        "",
        "| Kubescape rule | kubeward | cases | agree |",
        "|---|---|---|---|",
    ]
    for m in KUBESCAPE_MAPPINGS:
        mine = [c for c in cases if c.rule == m.rule]
        if mine:
            lines.append(
                f"| {m.rule} | {m.code}: {m.why} | {len(mine)} | {sum(c.agrees for c in mine)} |"
            )
    lines += ["", "### Disagreements", ""]
    lines += _grouped(
        (
            f"`{c.key}` (Kubescape {c.peer}, kubeward {c.ours})",
            KUBESCAPE_DISAGREEMENTS.get(c.key, "UNEXPLAINED"),
        )
        for c in cases
        if not c.agrees
    )
    lines += ["", "Kubescape kubelet rules without a kubeward rule (not built):", ""]
    lines += [f"- `{rule}`: {why}" for rule, why in KUBESCAPE_NOT_BUILT.items()]
    lines.append("")
    return "\n".join(lines)


# ============================================================================ OpenSCAP


@dataclass(frozen=True)
class Item:
    """A seed 004 item, the NODE rules that check it, and the ComplianceAsCode rules of the
    OpenSCAP content for the same item (empty: the content has none)."""

    id: str
    title: str
    codes: tuple[str, ...]
    cac: tuple[str, ...]


def _mods(names: str) -> tuple[str, ...]:
    return tuple(f"kernel_module_{m}_disabled" for m in names.split())


def _sysctls(*keys: str) -> tuple[str, ...]:
    return tuple(f"sysctl_{k.replace('.', '_')}" for k in keys)


ITEMS: tuple[Item, ...] = (
    Item(
        "1.1.1.1-5", "filesystem modules", ("NODE101",), _mods("cramfs freevxfs jffs2 hfs hfsplus")
    ),
    Item("1.4.3", "single user mode authentication", ("NODE103",), ()),
    Item("1.7.1.2", "local login banner", ("NODE201",), ()),
    Item("1.7.1.3", "remote login banner", ("NODE202",), ("banner_etc_issue_net",)),
    Item(
        "1.7.1.5",
        "/etc/issue permissions",
        ("NODE203",),
        ("file_permissions_etc_issue", "file_owner_etc_issue", "file_groupowner_etc_issue"),
    ),
    Item("1.7.1.6", "/etc/issue.net permissions", ("NODE204",), ()),
    Item("2.1.5", "kubelet streaming timeout", ("NODE515",), ()),
    Item(
        "3.1.2",
        "send redirects",
        ("NODE104",),
        _sysctls("net.ipv4.conf.all.send_redirects", "net.ipv4.conf.default.send_redirects"),
    ),
    Item(
        "3.2.1",
        "source routed packets",
        ("NODE105",),
        _sysctls(
            "net.ipv4.conf.all.accept_source_route",
            "net.ipv4.conf.default.accept_source_route",
            "net.ipv6.conf.all.accept_source_route",
            "net.ipv6.conf.default.accept_source_route",
        ),
    ),
    Item(
        "3.2.2",
        "ICMP redirects",
        ("NODE106",),
        _sysctls(
            "net.ipv4.conf.all.accept_redirects",
            "net.ipv4.conf.default.accept_redirects",
            "net.ipv6.conf.all.accept_redirects",
            "net.ipv6.conf.default.accept_redirects",
        ),
    ),
    Item(
        "3.2.3",
        "secure ICMP redirects",
        ("NODE107",),
        _sysctls("net.ipv4.conf.all.secure_redirects", "net.ipv4.conf.default.secure_redirects"),
    ),
    Item(
        "3.2.4",
        "log martians",
        ("NODE108",),
        _sysctls("net.ipv4.conf.all.log_martians", "net.ipv4.conf.default.log_martians"),
    ),
    Item(
        "3.3.1",
        "IPv6 router advertisements",
        ("NODE109",),
        _sysctls("net.ipv6.conf.all.accept_ra", "net.ipv6.conf.default.accept_ra"),
    ),
    Item("3.5.1-4", "network protocol modules", ("NODE102",), _mods("dccp sctp rds tipc")),
    Item(
        "4.2.1.2",
        "logging configured",
        ("NODE206",),
        ("package_rsyslog_installed", "service_rsyslog_enabled"),
    ),
    Item(
        "5.1.2",
        "/etc/crontab permissions",
        ("NODE205",),
        ("file_permissions_crontab", "file_owner_crontab", "file_groupowner_crontab"),
    ),
    Item("5.2.4", "SSH X11 forwarding", ("NODE301",), ("sshd_disable_x11_forwarding",)),
    Item("5.2.5", "SSH MaxAuthTries", ("NODE302",), ("sshd_set_max_auth_tries",)),
    Item("5.2.8", "SSH root login", ("NODE303",), ("sshd_disable_root_login",)),
    Item("5.2.10", "SSH PermitUserEnvironment", ("NODE304",), ("sshd_do_not_permit_user_env",)),
    Item("5.2.11", "SSH MACs", ("NODE305",), ("sshd_use_approved_macs",)),
    Item(
        "5.2.12", "SSH idle timeout", ("NODE306",), ("sshd_set_idle_timeout", "sshd_set_keepalive")
    ),
    Item("5.2.13", "SSH LoginGraceTime", ("NODE307",), ("sshd_set_login_grace_time",)),
    Item("5.2.15", "SSH banner", ("NODE308",), ("sshd_enable_warning_banner_net",)),
    Item(
        "5.3.1",
        "password quality",
        ("NODE401",),
        (
            "package_pam_pwquality_installed",
            "accounts_password_pam_minlen",
            "accounts_password_pam_minclass",
        ),
    ),
    Item(
        "5.4.1.1",
        "password expiry",
        ("NODE402",),
        ("accounts_maximum_age_login_defs", "accounts_password_set_max_life_existing"),
    ),
    Item("5.4.1.4", "inactive lock", ("NODE403",), ("account_disable_post_pw_expiration",)),
    Item(
        "5.4.4",
        "default umask",
        ("NODE404",),
        (
            "accounts_umask_etc_login_defs",
            "accounts_umask_etc_profile",
            "accounts_umask_etc_bashrc",
        ),
    ),
    Item("5.6", "su restricted", ("NODE405",), ("use_pam_wheel_for_su",)),
)

# ComplianceAsCode values set in the tailoring, so both tools judge by the seed's thresholds.
CAC_VALUES: Mapping[str, str] = {
    "sshd_max_auth_tries_value": "4",
    "sshd_idle_timeout_value": "300",
    "var_sshd_set_keepalive": "3",
    "var_sshd_set_login_grace_time": "60",
    "sshd_approved_macs": (
        "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,"
        "hmac-sha2-512,hmac-sha2-256,umac-128@openssh.com"
    ),
    "var_password_pam_minlen": "14",
    "var_password_pam_minclass": "4",
    "var_accounts_maximum_age_login_defs": "90",
    "var_account_disable_post_pw_expiration": "30",
    "var_accounts_user_umask": "027",
    "login_banner_text": "Authorized uses only. All activity may be monitored and reported.",
}

ORDER = ("fail", "not evaluated", "manual", "pass")


def rule_statuses(report: Report) -> dict[str, str]:
    """Each rule's status on the one host of a report: a failure wins, then not evaluated,
    then manual; otherwise pass."""
    out = {}
    for code, t in report.tallies.items():
        if t.failed:
            out[code] = "fail"
        elif t.not_evaluated:
            out[code] = "not evaluated"
        elif t.manual:
            out[code] = "manual"
        else:
            out[code] = "pass"
    return out


def kubeward_item(statuses: Mapping[str, str], item: Item) -> str:
    found = [statuses[c] for c in item.codes]
    return next(s for s in ORDER if s in found)


def openscap_item(results: Mapping[str, str], item: Item) -> str:
    if not item.cac:
        return "no rule in the content"
    found = [results.get(r, "not run") for r in item.cac]
    if "fail" in found:
        return "fail"
    if all(r == "pass" for r in found):
        return "pass"
    return next(r for r in found if r != "pass")


def agree(ours: str, theirs: str) -> bool:
    return ours == theirs


# (root/item) -> explanation of the difference: who is right and why.
_MODULES_OFFLINE = (
    "CIS audits both `modprobe -n -v` (configuration) and `lsmod` (loaded now). "
    "ComplianceAsCode's kernel_module_disabled template checks the modprobe.d configuration "
    "only, so OpenSCAP passes offline; kubeward finds the configuration right too, but reports "
    "the item not evaluated because whether a module is loaded is runtime state that an "
    "offline audit cannot see. kubeward is right not to pass it."
)
_SYSCTL_OFFLINE = (
    "ComplianceAsCode's sysctl check is a runtime criterion AND a configuration criterion. "
    'Offline the sysctl probe is unsupported: its OVAL result is "not applicable", which the '
    "AND ignores (recorded in OpenSCAP's OVAL results), so the configuration alone passes the "
    "item. kubeward finds the same configuration and reports the runtime part not evaluated. "
    "kubeward is right not to pass a runtime criterion it did not see."
)
_SSHD_INCLUDE = (
    "OpenSCAP's sshd rules read /etc/ssh/sshd_config only, not the files it `Include`s. Debian "
    "12's sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf`, and the hardening "
    "drop-in there is what sshd uses (the first value of a keyword wins): `sshd -T` in the "
    "root prints the hardened values, which tests/node/test_debian_roots.py checks against "
    "kubeward's reading. kubeward is right."
)
_LOGGING = (
    "CIS does not score 4.2.1.2; kubeward reports it as manual with the evidence (rsyslog "
    "rules, journald storage). OpenSCAP's proxy rules give rsyslog installed: pass, and "
    "rsyslog enabled: unknown (the systemd unit probe needs a running systemd, which an "
    "offline root has not). Neither tool can pass or fail it."
)
OPENSCAP_DISAGREEMENTS: Mapping[str, str] = {
    "installed/4.2.1.2": _LOGGING,
    "hardened/4.2.1.2": _LOGGING,
    "installed/5.2.10": (
        "Debian's sshd_config does not mention PermitUserEnvironment, and OpenSSH's default is "
        "`no` (sshd_config(5); `sshd -T` in the root prints `permituserenvironment no`). "
        "ComplianceAsCode requires the line to be written out. kubeward is right: the setting "
        "is what CIS asks for."
    ),
    "hardened/1.1.1.1-5": _MODULES_OFFLINE,
    "hardened/3.5.1-4": _MODULES_OFFLINE,
    **{
        f"hardened/{item}": _SYSCTL_OFFLINE
        for item in ("3.1.2", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.3.1")
    },
    **{
        f"hardened/{item}": _SSHD_INCLUDE
        for item in ("5.2.4", "5.2.5", "5.2.8", "5.2.10", "5.2.11", "5.2.12", "5.2.13", "5.2.15")
    },
    "hardened/5.3.1": (
        "`package_pam_pwquality_installed` looks for the dpkg package `libpwquality`, Red Hat's "
        "name; Debian's are libpam-pwquality and libpwquality1, both installed in the root, and "
        "its other two rules (minlen, minclass) pass. kubeward reads the PAM stack and "
        "pwquality.conf, which enforce minlen 14 and minclass 4. kubeward is right."
    ),
    "hardened/5.4.1.1": (
        "`accounts_password_set_max_life_existing` uses OpenSCAP's shadow probe, which is not "
        "supported offline (result: notapplicable), so existing accounts are not checked; "
        "`accounts_maximum_age_login_defs` passes. kubeward reads the root's /etc/shadow: "
        "root, the one account with a password, expires after 90 days. kubeward is right."
    ),
    "hardened/5.4.4": (
        "`accounts_umask_etc_bashrc` reads /etc/bashrc, Red Hat's path; Debian's is "
        "/etc/bash.bashrc (which sets `umask 027` in the hardened root), so the rule finds no "
        "value and fails; its login.defs and profile rules pass. kubeward is right."
    ),
}


def _grouped(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """One bullet per explanation, listing every case it explains."""
    groups: dict[str, list[str]] = {}
    for what, why in pairs:
        groups.setdefault(why, []).append(what)
    return [f"- {'; '.join(whats)}: {why}" for why, whats in groups.items()]


def openscap_record() -> dict[str, Any] | None:
    if not RECORD.is_file():
        return None
    data: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return data


def openscap_rows(record: Mapping[str, Any]) -> list[tuple[str, Item, str, str]]:
    """(root, item, kubeward status, OpenSCAP status) for every item and root."""
    rows = []
    for root in ("installed", "hardened"):
        data = record["roots"][root]
        for item in ITEMS:
            rows.append(
                (
                    root,
                    item,
                    kubeward_item(data["kubeward"], item),
                    openscap_item(data["openscap"], item),
                )
            )
    return rows


def openscap_section(shared: Path) -> str:
    record = openscap_record()
    lines = ["## Node audit: kubeward node vs OpenSCAP on two Debian roots", ""]
    if record is None:
        return "\n".join(lines + ["Not recorded yet: run `scripts/openscap_node.py`.", ""])
    rows = openscap_rows(record)
    compared = [r for r in rows if r[3] != "no rule in the content"]
    agreeing = [r for r in compared if agree(r[2], r[3])]
    lines += [
        f"Recorded {record['date']} by `scripts/openscap_node.py` (run as root; not part of the "
        f"test suite): Debian {record['debian']} built with debootstrap (`--variant=minbase`, "
        "packages: " + ", ".join(record["packages"]) + "), once as installed and once hardened "
        f"by `tests/node/harden.sh`. OpenSCAP {record['oscap']} (`oscap-chroot`) with "
        f"{record['content']}; the benchmark's platform (Ubuntu 22.04) is removed from a copy "
        "so its checks run on Debian, and a tailoring file selects the ComplianceAsCode rules "
        "of each seed 004 item and sets the seed's thresholds. kubeward audits the same roots "
        "offline (`kubeward node --root`). An item's status is its worst rule result "
        "(fail, then not evaluated or OpenSCAP's notapplicable/notchecked/error, then manual, "
        "then pass).",
        "",
        f"**{len(agreeing)} / {len(compared)} item results agree "
        f"({100 * len(agreeing) / max(len(compared), 1):.1f}%)** over the items the content "
        f"covers; {len(rows) - len(compared)} item results have no ComplianceAsCode rule in "
        "this content. Every disagreement is explained below the table.",
        "",
        "| item | | kubeward installed | OpenSCAP installed | kubeward hardened | "
        "OpenSCAP hardened | ComplianceAsCode rules |",
        "|---|---|---|---|---|---|---|",
    ]
    by_key = {(r[0], r[1].id): r for r in rows}
    for item in ITEMS:
        i, h = by_key[("installed", item.id)], by_key[("hardened", item.id)]

        def cell(r: tuple[str, Item, str, str], theirs: bool) -> str:
            value = r[3] if theirs else r[2]
            mark = "" if r[3] == "no rule in the content" or agree(r[2], r[3]) else " ≠"
            return value + mark

        lines.append(
            f"| {item.id} | {item.title} | {cell(i, False)} | {cell(i, True)} | "
            f"{cell(h, False)} | {cell(h, True)} | {', '.join(item.cac) or '-'} |"
        )
    lines += ["", "### Disagreements", ""]
    lines += _grouped(
        (
            f"`{root}/{item.id}` {item.title} (kubeward {ours}, OpenSCAP {theirs})",
            OPENSCAP_DISAGREEMENTS.get(f"{root}/{item.id}", "UNEXPLAINED"),
        )
        for root, item, ours, theirs in compared
        if not agree(ours, theirs)
    )
    lines.append("")
    return "\n".join(lines)


def unexplained_openscap() -> list[str]:
    record = openscap_record()
    if record is None:
        return []
    return [
        f"{root}/{item.id}"
        for root, item, ours, theirs in openscap_rows(record)
        if theirs != "no rule in the content"
        and not agree(ours, theirs)
        and f"{root}/{item.id}" not in OPENSCAP_DISAGREEMENTS
    ]


def stale_openscap() -> list[str]:
    record = openscap_record()
    if record is None:
        return sorted(OPENSCAP_DISAGREEMENTS)
    differing = {
        f"{root}/{item.id}"
        for root, item, ours, theirs in openscap_rows(record)
        if theirs != "no rule in the content" and not agree(ours, theirs)
    }
    return sorted(set(OPENSCAP_DISAGREEMENTS) - differing)


def kubescape_problems(cases: Sequence[KubeletCase]) -> tuple[list[str], list[str]]:
    """(unexplained disagreements, explanations of cases that agree or do not exist)."""
    differing = {c.key for c in cases if not c.agrees}
    return sorted(differing - set(KUBESCAPE_DISAGREEMENTS)), sorted(
        set(KUBESCAPE_DISAGREEMENTS) - differing
    )


def node_sections(shared: Path) -> list[str]:
    return [kubescape_kubelet_section(shared), openscap_section(shared)]


__all__ = [
    "CAC_VALUES",
    "ITEMS",
    "KUBESCAPE_DISAGREEMENTS",
    "KUBESCAPE_MAPPINGS",
    "OPENSCAP_DISAGREEMENTS",
    "RECORD",
    "Item",
    "kubelet_host",
    "kubescape_kubelet_run",
    "kubescape_kubelet_section",
    "kubescape_problems",
    "node_sections",
    "openscap_section",
    "rule_statuses",
    "stale_openscap",
    "unexplained_openscap",
]
