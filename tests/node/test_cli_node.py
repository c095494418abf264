"""`kubeward node`: formats, exit codes, thresholds, suppressions and live runtime state, on
small roots built here (the Debian roots are in test_debian_roots.py)."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from kubeward.cli import main
from tests.node.test_model import fake_proc, write
from tests.test_reporters import _validate

SSHD = "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nX11Forwarding no\n"
SHADOW = "root:$y$j9T$fixture$0000000000000000000000000000000000000000000:20000:0:180:7:30::\n"


def host(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    write(root, "etc/hostname", "node-7\n")
    write(root, "etc/ssh/sshd_config", SSHD)
    write(root, "etc/shadow", SHADOW)
    write(root, "etc/login.defs", "PASS_MAX_DAYS 180\nUMASK 027\n")
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["node", "--no-config", *args])


def test_text_report_names_file_line_and_item(tmp_path: Path) -> None:
    root = host(tmp_path)
    result = run("--root", str(root), "--select", "NODE303,NODE301")
    assert result.exit_code == 1, result.output
    assert f"{root}/etc/ssh/sshd_config" in result.output
    assert "NodeHost node-7" in result.output
    assert "PermitRootLogin is yes (expected no)" in result.output
    # The per-item table: 5.2.8 fails, 5.2.4 passes, items whose rules did not run.
    table = dict(
        (m.group(2), m.group(1))
        for line in result.output.splitlines()
        if (m := re.match(r"  (PASS|FAIL|MANUAL|NOT EVALUATED)\s+(\S+)", line))
    )
    assert table["5.2.8"] == "FAIL" and table["5.2.4"] == "PASS"
    assert table["5.6"] == "NOT EVALUATED"  # NODE405 was not selected


def test_json_report(tmp_path: Path) -> None:
    result = run("--root", str(host(tmp_path)), "--select", "NODE303,NODE402", "-f", "json")
    data: dict[str, Any] = json.loads(result.output)
    found = sorted(
        (f["rule"], f["file"].rsplit("/root", 1)[1], f["line"], f["kind"], f["name"])
        for f in data["findings"]
    )
    assert found == [
        ("NODE303", "/etc/ssh/sshd_config", 2, "NodeHost", "node-7"),
        ("NODE402", "/etc/login.defs", 1, "NodeHost", "node-7"),  # PASS_MAX_DAYS 180
        ("NODE402", "/etc/shadow", 1, "NodeHost", "node-7"),  # root's maximum: 180 days
    ]
    assert data["framework"]["id"] == "aks-node"


def test_thresholds_and_options(tmp_path: Path) -> None:
    root = str(host(tmp_path))
    assert run("--root", root, "--select", "NODE402").exit_code == 1  # 180 > 90 (seed)
    cis = run("--root", root, "--select", "NODE402", "--thresholds", "cis-ubuntu-22.04")
    assert cis.exit_code == 0, cis.output  # 180 <= 365 (CIS Ubuntu 22.04 v2)
    one = run("--root", root, "--select", "NODE402", "--option", "NODE402.max_days=200")
    assert one.exit_code == 0, one.output
    bad = run("--root", root, "--option", "NODE402.maximum=200")
    assert bad.exit_code == 2 and "NODE402 takes: max_days" in bad.output


def test_sarif_and_junit(tmp_path: Path) -> None:
    root = str(host(tmp_path))
    sarif = json.loads(run("--root", root, "--select", "NODE303,NODE206", "-f", "sarif").output)
    _validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {(r["ruleId"], r.get("kind", "fail")) for r in results} == {
        ("NODE303", "fail"),
        ("NODE206", "review"),
    }
    junit = ET.fromstring(run("--root", root, "--select", "NODE303", "-f", "junit").output)
    failures = [f.get("message") or f.text or "" for f in junit.iter("failure")]
    assert any("PermitRootLogin" in f for f in failures)


def test_config_exemption_suppresses_a_host_finding(tmp_path: Path) -> None:
    root = host(tmp_path)
    config = write(
        tmp_path,
        "kubeward.yaml",
        "exemptions:\n  - rules: [NODE303]\n    kinds: [NodeHost]\n    names: [node-*]\n"
        "    reason: break-glass root login, tracked in the risk register\n",
    )
    result = CliRunner().invoke(
        main, ["node", "--root", str(root), "--select", "NODE303", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "1 suppressed" in result.output


def test_baseline_round_trip(tmp_path: Path) -> None:
    root = str(host(tmp_path))
    baseline = str(tmp_path / "baseline.json")
    first = run("--root", root, "--select", "NODE303", "--write-baseline", baseline)
    assert first.exit_code == 1
    again = run("--root", root, "--select", "NODE303", "--baseline", baseline)
    assert again.exit_code == 0, again.output


def test_live_state_from_a_procfs(tmp_path: Path) -> None:
    root = host(tmp_path)
    write(root, "etc/sysctl.d/60-net.conf", "net.ipv4.conf.all.send_redirects = 0\n")
    proc = fake_proc(tmp_path)
    result = run(
        "--root",
        str(root),
        "--proc",
        str(proc),
        "--select",
        "NODE104,NODE102",
        "-f",
        "json",
        "--framework",
        "none",
    )
    data = json.loads(result.output)
    where = {(f["rule"], f["file"]) for f in data["findings"]}
    # The running value wins over the persistent one; files under --proc are shown as they are.
    assert ("NODE104", f"{proc}/sys/net/ipv4/conf/all/send_redirects") in where
    assert ("NODE102", f"{proc}/modules") in where  # sctp is loaded
    assert "framework" not in data


def test_this_machine_live(tmp_path: Path) -> None:
    """A live audit of the machine running the tests: whatever it finds, it reads /proc and
    reports in the documented shape, without an input error when run as root."""
    result = run("-f", "json", "--no-sshd")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    if os.geteuid() == 0:
        assert not [e for e in data["errors"] if e["level"] == "error"], data["errors"]
    assert data["summary"]["kinds"] == {"NodeHost": 1}


def test_unknown_framework_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--root", str(host(tmp_path)), "--framework", "nist")
    assert result.exit_code == 2 and "unknown framework" in result.output
