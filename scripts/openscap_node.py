"""Compare `kubeward node` with OpenSCAP on two Debian roots, and record the results.

    sudo python scripts/openscap_node.py [--roots DIR] [--keep]

Builds (or reuses, with --roots DIR holding installed/ and hardened/) a Debian root made with
debootstrap and a copy hardened by tests/node/harden.sh, audits both with kubeward offline and
with OpenSCAP (`oscap-chroot`, Debian packages openscap-scanner, openscap-utils,
ssg-debderived), and writes tests/conformance/openscap_node.json, from which
`scripts/conformance.py` renders the OpenSCAP section of docs/conformance.md.

OpenSCAP is given the ComplianceAsCode content for Ubuntu 22.04 (the Debian content of this
release has none of the CIS rules): a copy with the benchmark's platform removed, so its
checks run on a Debian root, and a tailoring file that selects the rules of each seed 004
item (tests/conformance/node.py ITEMS) and sets the seed's thresholds (CAC_VALUES).
Not part of the test suite: it needs root, debootstrap, OpenSCAP and the network.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kubeward.config import Config  # noqa: E402
from kubeward.loaders.node import load_host  # noqa: E402
from kubeward.rules import default_catalogue  # noqa: E402
from kubeward.scan import Engine  # noqa: E402
from tests.conformance.node import CAC_VALUES, ITEMS, RECORD, rule_statuses  # noqa: E402
from tests.node.roots import PACKAGES, SUITE, build, remove, scratch, unavailable  # noqa: E402

CONTENT = Path("/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml")
PLATFORM = re.compile(r'<xccdf-1\.2:platform idref="cpe:/o:canonical:ubuntu_linux:22\.04[^"]*"/>')
P = "xccdf_org.ssgproject.content_"
PROFILE = "xccdf_org.kubeward_profile_seed004"
XCCDF = "{http://checklists.nist.gov/xccdf/1.2}"


def kubeward_statuses(root: Path) -> dict[str, str]:
    loaded = load_host(str(root))
    engine = Engine(default_catalogue(), Config(select=("NODE",)))
    engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
    return rule_statuses(engine.finish())


def tailoring() -> str:
    rules = sorted({r for item in ITEMS for r in item.cac})
    selects = "\n".join(f'    <xccdf:select idref="{P}rule_{r}" selected="true"/>' for r in rules)
    values = "\n".join(
        f'    <xccdf:set-value idref="{P}value_{k}">{v}</xccdf:set-value>'
        for k, v in CAC_VALUES.items()
    )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2"
    id="xccdf_org.kubeward_tailoring_seed004">
  <xccdf:version time="{now}">1</xccdf:version>
  <xccdf:Profile id="{PROFILE}">
    <xccdf:title>seed 004 (AKS node host hardening) items</xccdf:title>
{selects}
{values}
  </xccdf:Profile>
</xccdf:Tailoring>
"""


def openscap(root: Path, work: Path) -> dict[str, str]:
    results = work / f"results-{root.name}.xml"
    done = subprocess.run(
        [
            "oscap-chroot",
            str(root),
            "xccdf",
            "eval",
            "--tailoring-file",
            str(work / "tailoring.xml"),
            "--profile",
            PROFILE,
            "--results",
            str(results),
            str(work / "ds.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if not results.exists():  # exit code 2 only means "some rule failed"
        raise SystemExit(f"oscap-chroot failed ({done.returncode}):\n{done.stderr[-2000:]}")
    out = {}
    for rr in ET.parse(results).iter(f"{XCCDF}rule-result"):
        idref = rr.get("idref", "")
        result = rr.find(f"{XCCDF}result")
        if idref.startswith(P + "rule_") and result is not None and result.text != "notselected":
            out[idref[len(P) + 5 :]] = result.text or ""
    return out


def version(command: list[str], pattern: str) -> str:
    text = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    m = re.search(pattern, text)
    return m.group(1) if m else "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--roots", type=Path, help="reuse DIR/installed and DIR/hardened")
    ap.add_argument("--keep", action="store_true", help="keep the roots built here")
    args = ap.parse_args()
    if shutil.which("oscap-chroot") is None or not CONTENT.is_file():
        print(
            "openscap_node: needs oscap-chroot and ssg-debderived (apt-get install "
            "openscap-scanner openscap-utils ssg-debderived)",
            file=sys.stderr,
        )
        return 2
    base = args.roots
    built = None
    if base is None:
        why = unavailable()
        if why is not None:
            print(f"openscap_node: {why}", file=sys.stderr)
            return 2
        built = Path(tempfile.mkdtemp(prefix="kubeward-debian-", dir=scratch()))
        build(built)
        base = built
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            text = CONTENT.read_text(encoding="utf-8")
            (work / "ds.xml").write_text(PLATFORM.sub("", text, count=1), encoding="utf-8")
            (work / "tailoring.xml").write_text(tailoring(), encoding="utf-8")
            roots = {}
            for name in ("installed", "hardened"):
                root = base / name
                roots[name] = {
                    "kubeward": kubeward_statuses(root),
                    "openscap": openscap(root, work),
                }
        debian = (base / "installed" / "etc" / "debian_version").read_text().strip()
    finally:
        if built is not None and not args.keep:
            remove(built)
    record = {
        "date": datetime.date.today().isoformat(),
        "debian": f"{debian} ({SUITE})",
        "packages": list(PACKAGES),
        "oscap": version(["oscap", "--version"], r"oscap\)\s+(\S+)"),
        "content": "ssg-debderived "
        + version(["dpkg-query", "-W", "-f=${Version}", "ssg-debderived"], r"(\S+)")
        + " (ssg-ubuntu2204-ds.xml)",
        "roots": roots,
    }
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"openscap_node: wrote {RECORD.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
