"""Integration: the node audit on two real Debian roots (see conftest.py), and kubeward's reading
of sshd_config against OpenSSH's own (`sshd -T` run in the root with chroot).

Expected statuses come from Debian's defaults and from what tests/node/harden.sh applies:

- as installed, Debian fails every item it does not harden: no module is disabled, root's
  password is locked, /etc/issue names the OS, no network sysctl is set, /etc/crontab is 0644,
  sshd_config has `X11Forwarding yes` and OpenSSH's defaults (6 tries, prohibit-password,
  SHA-1 and 64-bit MACs, no idle timeout, 120 s grace, no banner), pwquality's minlen is 8,
  PASS_MAX_DAYS is 99999, INACTIVE is unset, UMASK is 022 and pam_wheel is commented out.
  It passes what Debian already gets right: banner files 0644 root:root, PermitUserEnvironment
  no, and no azure.json to protect;
- hardened, every item that files decide passes; the module and sysctl items are "not
  evaluated" offline (whether a module is loaded, and the current sysctl values, are runtime
  state); logging is manual; the kubelet items are "not evaluated" (Debian has no kubelet).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubeward.cli import main
from kubeward.config import Config
from kubeward.loaders.node import load_host
from kubeward.model.node import SSHD_DEFAULTS, apply_algorithm_list, parse_ssh_time
from kubeward.rules import default_catalogue
from kubeward.scan import Engine, Report
from tests.conformance.node import openscap_record, rule_statuses
from tests.node.roots import DebianRoots


def codes(text: str) -> list[str]:
    return text.split()


KUBELET = codes(
    "NODE501 NODE502 NODE505 NODE506 NODE511 NODE512 NODE513 NODE514 NODE515 NODE516 "
    "NODE517 NODE518 NODE519 NODE520"
)
INSTALLED_FAIL = codes(
    "NODE101 NODE102 NODE103 NODE104 NODE105 NODE106 NODE107 NODE108 NODE109 NODE201 "
    "NODE202 NODE205 NODE301 NODE302 NODE303 NODE305 NODE306 NODE307 NODE308 NODE401 "
    "NODE402 NODE403 NODE404 NODE405"
)
INSTALLED_PASS = codes("NODE203 NODE204 NODE304 NODE503 NODE504")
HARDENED_PASS = codes(
    "NODE103 NODE201 NODE202 NODE203 NODE204 NODE205 NODE301 NODE302 NODE303 NODE304 "
    "NODE305 NODE306 NODE307 NODE308 NODE401 NODE402 NODE403 NODE404 NODE405 NODE503 "
    "NODE504"
)
RUNTIME = codes("NODE101 NODE102 NODE104 NODE105 NODE106 NODE107 NODE108 NODE109")

INSTALLED = {
    **dict.fromkeys(INSTALLED_FAIL, "fail"),
    **dict.fromkeys(INSTALLED_PASS, "pass"),
    "NODE206": "manual",
    **dict.fromkeys(KUBELET, "not evaluated"),
}
HARDENED = {
    **dict.fromkeys(HARDENED_PASS, "pass"),
    **dict.fromkeys(RUNTIME, "not evaluated"),
    "NODE206": "manual",
    **dict.fromkeys(KUBELET, "not evaluated"),
}


def audit(root: Path) -> Report:
    loaded = load_host(str(root))
    engine = Engine(default_catalogue(), Config(select=("NODE",)))
    engine.report.errors.extend(loaded.errors)
    engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
    return engine.finish()


def test_expectations_cover_every_node_rule() -> None:
    codes = {r.code for r in default_catalogue() if r.prefix == "NODE"}
    assert set(INSTALLED) == codes
    assert set(HARDENED) == codes


def test_debian_as_installed_fails_what_debian_does_not_harden(debian_roots: DebianRoots) -> None:
    report = audit(debian_roots.installed)
    assert not report.failed_inputs, [e.one_line() for e in report.failed_inputs]
    got = rule_statuses(report)
    assert got == INSTALLED
    # Findings point into the root's own files.
    files = {f.obj.file for f in report.findings}
    assert f"{debian_roots.installed}/etc/ssh/sshd_config" in files
    x11 = [f for f in report.findings if f.rule == "NODE301"]
    text = (debian_roots.installed / "etc/ssh/sshd_config").read_text(encoding="utf-8")
    assert [f.line for f in x11] == [
        n for n, line in enumerate(text.splitlines(), 1) if line.startswith("X11Forwarding")
    ]


def test_hardened_debian_passes_every_item_its_files_decide(debian_roots: DebianRoots) -> None:
    report = audit(debian_roots.hardened)
    assert not report.failed_inputs, [e.one_line() for e in report.failed_inputs]
    assert not report.findings, [f"{f.rule} {f.message}" for f in report.findings]
    got = rule_statuses(report)
    assert got == HARDENED


def test_recorded_openscap_comparison_is_what_kubeward_reports_today(
    debian_roots: DebianRoots,
) -> None:
    """docs/conformance.md's OpenSCAP section is rendered from a recorded run; kubeward's side
    of it must still be what kubeward reports on freshly built roots."""
    record = openscap_record()
    assert record is not None, "run scripts/openscap_node.py"
    for name in ("installed", "hardened"):
        report = audit(getattr(debian_roots, name))
        now = rule_statuses(report)
        assert now == record["roots"][name]["kubeward"], name


def test_cli_exit_codes_and_json(debian_roots: DebianRoots) -> None:
    runner = CliRunner()
    hardened = runner.invoke(main, ["node", "--root", str(debian_roots.hardened), "--no-config"])
    assert hardened.exit_code == 0, hardened.output
    assert "5.4.1.1" in hardened.output  # the per-item table
    installed = runner.invoke(
        main, ["node", "--root", str(debian_roots.installed), "-f", "json", "--no-config"]
    )
    assert installed.exit_code == 1, installed.output
    data = json.loads(installed.output)
    controls = {c["id"]: c["status"] for c in data["framework"]["controls"]}
    assert controls["5.2.4"] == "fail"
    assert controls["1.7.1.5"] == "pass"
    assert controls["4.2.1.2"] == "manual"
    assert controls["2.1.5"] == "not evaluated"
    # The CIS Ubuntu 22.04 thresholds change the verdicts the seed's would give.
    seed = runner.invoke(
        main,
        [
            "node",
            "--root",
            str(debian_roots.hardened),
            "--select",
            "NODE402",
            "--no-config",
            "--option",
            "NODE402.max_days=60",
        ],
    )
    assert seed.exit_code == 1 and "at most 60" in seed.output


# ------------------------------------------------------------------ sshd_config vs sshd -T

KEYWORDS = (
    "x11forwarding",
    "maxauthtries",
    "permitrootlogin",
    "permituserenvironment",
    "macs",
    "clientaliveinterval",
    "clientalivecountmax",
    "logingracetime",
    "banner",
)


def _normal(keyword: str, value: str) -> str:
    if keyword == "permitrootlogin" and value == "without-password":
        return "prohibit-password"
    if keyword in ("clientaliveinterval", "logingracetime"):
        return str(parse_ssh_time(value))
    if keyword == "macs":
        return ",".join(apply_algorithm_list(SSHD_DEFAULTS["macs"], value))
    return value.lower() if keyword in ("x11forwarding", "permituserenvironment") else value


def sshd_t(root: Path, *connection: str) -> dict[str, str]:
    (root / "run" / "sshd").mkdir(parents=True, exist_ok=True)
    args = ["chroot", str(root), "/usr/sbin/sshd", "-T"]
    if connection:
        args += ["-C", ",".join(connection)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    out: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        out.setdefault(key, value)
    return out


def ours(root: Path) -> dict[str, str]:
    host = load_host(str(root)).host
    return {kw: _normal(kw, host.sshd.value(kw).value) for kw in KEYWORDS}


@pytest.mark.parametrize("which", ["installed", "hardened"])
def test_sshd_config_read_as_openssh_reads_it(debian_roots: DebianRoots, which: str) -> None:
    root = getattr(debian_roots, which)
    truth = sshd_t(root)
    assert ours(root) == {kw: _normal(kw, truth[kw]) for kw in KEYWORDS}


SCENARIOS = {
    # Include globs in order, first value wins, `=`, quotes, trailing comments; a Match block
    # opened in an included file ends with that file.
    "includes-and-matches": {
        "sshd_config": (
            "Include /etc/ssh/sshd_config.d/*.conf\n"
            'MaxAuthTries "5" # five tries\n'
            "PermitRootLogin=yes\n"
            "Banner /etc/issue.net\n"
            "Match User deploy\n"
            "    X11Forwarding yes\n"
            "    MaxAuthTries 2\n"
        ),
        "sshd_config.d/10-a.conf": (
            "LoginGraceTime 1m30s\n"
            "MACs -umac-64*,hmac-sha1*\n"
            "Match User auditor\n"
            "    PermitRootLogin yes\n"
        ),
        "sshd_config.d/20-b.conf": "PermitRootLogin no\nClientAliveInterval 2m\n",
    },
    # Algorithm list edits and keepalive values.
    "algorithm-edits": {
        "sshd_config": (
            "MACs ^hmac-sha2-512,hmac-sha1-etm@openssh.com\n"
            "ClientAliveCountMax 0\n"
            "X11Forwarding No\n"
            "LoginGraceTime 0\n"
        ),
    },
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_sshd_scenarios_read_as_openssh_reads_them(
    debian_roots: DebianRoots, scenario: str
) -> None:
    root = debian_roots.installed.parent / f"scenario-{scenario}"  # same file system
    # Hard links: a copy in no time. Files are replaced (unlinked first), never written in place,
    # so the shared installed root stays as it is.
    subprocess.run(["cp", "-al", str(debian_roots.installed), str(root)], check=True)
    try:
        ssh = root / "etc" / "ssh"
        for name in [p for p in (ssh / "sshd_config.d").iterdir() if p.is_file()]:
            name.unlink()
        for rel, text in SCENARIOS[scenario].items():
            (ssh / rel).unlink(missing_ok=True)
            (ssh / rel).write_text(text, encoding="utf-8")
        assert ours(root) == {kw: _normal(kw, sshd_t(root)[kw]) for kw in KEYWORDS}
        # Match blocks: OpenSSH's values for that user are the block's values.
        host = load_host(str(root)).host
        for block in host.sshd.matches:
            user = block.criteria.split()[1]
            truth = sshd_t(root, f"user={user}", "host=client.example", "addr=192.0.2.10")
            for kw, setting in block.settings.items():
                assert _normal(kw, " ".join(setting.value)) == _normal(kw, truth[kw]), (
                    block.criteria,
                    kw,
                )
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)
