"""Node audit benchmark: `kubeward node --root` on a large synthetic host, and on real roots.

    python bench/run.py node [--repeat N] [--root DIR ...] [--openscap] [--no-write]

Measures, best of `--repeat` (the whole command in a fresh process, and the audit alone):
- a synthetic host built here, larger than real nodes in every file the audit reads (40 sshd
  drop-ins, 120 sysctl.d and 40 modprobe.d files, a kernel tree of 6,000 modules, 3,000
  accounts, 60 profile.d scripts, a kubelet unit with drop-ins and a config file): the whole
  `kubeward node --root DIR -f json` command (start-up, reading, every NODE rule, JSON
  report) and its peak memory;
- each `--root DIR` given (e.g. the Debian roots of the test suite), the same way;
- with `--openscap`, OpenSCAP's `oscap-chroot` on those roots with the seed 004 tailoring of
  scripts/openscap_node.py, for comparison (needs root, openscap-utils and ssg-debderived).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, write_block

# The audit alone (read the host, every NODE rule, the JSON report), in the child process.
AUDIT_CHILD = r"""
import json, sys, time
from kubeward.config import Config
from kubeward.loaders.node import load_host
from kubeward.reporters import json as json_report
from kubeward.rules import default_catalogue
from kubeward.scan import Engine
catalogue = default_catalogue()
t = time.perf_counter()
loaded = load_host(sys.argv[1])
engine = Engine(catalogue, Config(select=("NODE",)))
engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
out = json_report.render(engine.finish())
print(json.dumps({"seconds": time.perf_counter() - t, "files": loaded.files_read}))
"""


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def synthetic_host(root: Path) -> None:
    """A host larger than any real node in every file the audit reads."""
    _write(root, "etc/hostname", "bench-node\n")
    _write(root, "etc/os-release", 'NAME="Ubuntu"\nID=ubuntu\n')
    _write(
        root,
        "etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\n"
        + "".join(f"AcceptEnv LC_{i}\n" for i in range(200))
        + "".join(f"Match User u{i}\n  X11Forwarding no\n" for i in range(50)),
    )
    for i in range(40):
        _write(
            root, f"etc/ssh/sshd_config.d/{i:02d}-site.conf", f"# drop-in {i}\nMaxSessions {i}\n"
        )
    for d, n in (("etc/sysctl.d", 100), ("usr/lib/sysctl.d", 20)):
        for i in range(n):
            _write(
                root,
                f"{d}/{i:02d}-bench.conf",
                "".join(f"net.ipv4.conf.eth{j}.rp_filter = 1\n" for j in range(20))
                + "net.ipv4.conf.*.send_redirects = 0\n",
            )
    for i in range(40):
        _write(root, f"etc/modprobe.d/{i:02d}-bench.conf", f"options mod{i} debug=0\n" * 10)
    _write(root, "etc/modprobe.d/99-cis.conf", "install cramfs /bin/false\n" * 3)
    _write(
        root,
        "usr/lib/modules/6.8.0-1021-azure/modules.dep",
        "".join(
            f"kernel/drivers/x/mod{i}.ko.zst: kernel/lib/dep{i % 50}.ko.zst\n" for i in range(6000)
        ),
    )
    _write(
        root,
        "usr/lib/modules/6.8.0-1021-azure/modules.builtin",
        "".join(f"kernel/builtin/b{i}.ko\n" for i in range(1000)),
    )
    _write(
        root,
        "etc/shadow",
        "root:*:20000:0:99999:7:::\n"
        + "".join(f"user{i}:$y$j9T$salt$hash{i}:20000:0:90:7:30::\n" for i in range(3000)),
    )
    _write(root, "etc/group", "".join(f"g{i}:x:{1000 + i}:user{i}\n" for i in range(3000)))
    _write(root, "etc/login.defs", "PASS_MAX_DAYS 90\nUMASK 027\n" + "# comment\n" * 300)
    _write(root, "etc/pam.d/common-password", "password requisite pam_pwquality.so retry=3\n")
    _write(root, "etc/pam.d/su", "auth required pam_wheel.so use_uid\n")
    for i in range(60):
        _write(root, f"etc/profile.d/{i:02d}.sh", "export A=1\n" * 30 + "umask 027\n")
    _write(
        root,
        "etc/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=/etc/default/kubelet\n"
        "ExecStart=/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml $KUBELET_FLAGS\n",
    )
    for i in range(10):
        _write(
            root,
            f"etc/systemd/system/kubelet.service.d/{i:02d}.conf",
            f"[Service]\nEnvironment=X{i}=1\n",
        )
    _write(
        root,
        "etc/default/kubelet",
        "KUBELET_FLAGS=" + " ".join(f"--v={i}" for i in range(200)) + "\n",
    )
    _write(
        root,
        "var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        + "".join(f"extra{i}: {i}\n" for i in range(500)),
    )


def command(root: Path) -> dict[str, float]:
    """The whole `kubeward node` command in a fresh process: wall time and peak memory."""
    args = [sys.executable, "-m", "kubeward", "node", "--root", str(root), "-f", "json"]
    t = time.perf_counter()
    proc = subprocess.Popen([*args, "--no-config"], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
    proc.returncode = 0
    seconds = time.perf_counter() - t
    peak = usage.ru_maxrss / 1024
    report = json.loads(out)
    return {
        "seconds": seconds,
        "findings": len(report["findings"]),
        "notes": len(report["notes"]),
        "peak_rss_mb": peak,
    }


def audit(root: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", AUDIT_CHILD, str(root)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def best(root: Path, repeat: int) -> dict[str, float]:
    runs = [command(root) for _ in range(repeat)]
    audits = [audit(root) for _ in range(repeat)]
    fastest = min(runs, key=lambda r: r["seconds"])
    return {
        **fastest,
        "audit_seconds": min(a["seconds"] for a in audits),
        "files": audits[0]["files"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def openscap_seconds(root: Path, work: Path) -> float | None:
    sys.path.insert(0, str(ROOT))
    from scripts import openscap_node  # the same content, tailoring and profile

    if shutil.which("oscap-chroot") is None or not openscap_node.CONTENT.is_file():
        return None
    text = openscap_node.CONTENT.read_text(encoding="utf-8")
    (work / "ds.xml").write_text(openscap_node.PLATFORM.sub("", text, count=1), encoding="utf-8")
    (work / "tailoring.xml").write_text(openscap_node.tailoring(), encoding="utf-8")
    t = time.perf_counter()
    openscap_node.openscap(root, work)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py node", description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--root", type=Path, action="append", default=[], help="a real root too")
    ap.add_argument("--openscap", action="store_true", help="also time oscap-chroot on --root")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    rows: list[tuple[str, dict[str, float], float | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic"
        synthetic_host(synthetic)
        print("bench: synthetic host", file=sys.stderr)
        rows.append(("synthetic host (built by the benchmark)", best(synthetic, args.repeat), None))
        measured = []
        for root in args.root:
            print(f"bench: {root}", file=sys.stderr)
            measured.append((root, best(root, args.repeat)))
        # OpenSCAP last: its 30 MB content grows this process, whose size a forked child
        # would report as its own peak.
        for root, r in measured:
            oscap = openscap_seconds(root, Path(tmp)) if args.openscap else None
            rows.append((f"`{root.name}` root", r, oscap))
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "repeat": args.repeat,
        "rows": [
            {"host": name, **{k: round(v, 3) for k, v in r.items()}, "openscap_seconds": o}
            for name, r, o in rows
        ],
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        lines = [
            f"Measured {result['date']} on {result['machine']}; best of {args.repeat} runs. "
            "*command*: `kubeward node --root DIR -f json` in a fresh process (Python start-up, "
            "importing kubeward, reading the host, every NODE rule, the per-item table, the JSON "
            "report); *audit*: the same minus start-up and imports, in-process. Peak memory is "
            "the command process's largest resident size.",
            "",
            "| host | files read | findings | notes | command | audit | peak memory | OpenSCAP |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r, o in rows:
            oscap = f"{o:.1f} s (`oscap-chroot`)" if o is not None else "-"
            lines.append(
                f"| {name} | {int(r['files'])} | {int(r['findings'])} | {int(r['notes'])} | "
                f"{r['seconds']:.2f} s | {r['audit_seconds'] * 1000:.0f} ms | "
                f"{r['peak_rss_mb']:.0f} MB | {oscap} |"
            )
        write_block("node", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
