"""Scan benchmark: kubeward's scan against PyYAML's parse of the same real-world corpus.

    python bench/run.py scan [--corpus DIR] [--repeat N] [--checkov] [--no-write]

Measures, on the same manifest corpus (default: ../shared/realworld):
- parse: PyYAML's CSafeLoader loading every file (the floor any YAML-based scanner pays);
- scan: kubeward's whole scan (discovery, parsing with line tracking, model, every rule,
  suppressions) plus rendering the JSON report;
each in a fresh process, `--repeat` times alternating, keeping the fastest run, and the
scan's peak resident memory. Reports scan/parse ratio and objects per second. With --checkov
(and checkov on PATH) it also times `checkov -d DIR --framework kubernetes`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, write_block

DEFAULT_CORPUS = ROOT.parent / "shared" / "realworld"

PARSE_CHILD = r"""
import json, os, resource, sys, time, yaml
from kubeward.loaders.manifests import discover
files = discover([sys.argv[1]], [])
t = time.perf_counter()
docs = 0
for name in files:
    with open(name, "rb") as fh:
        data = fh.read()
    try:
        docs += sum(1 for _ in yaml.load_all(data, Loader=yaml.CSafeLoader))
    except Exception:
        pass
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "files": len(files), "documents": docs,
                  "bytes": sum(os.path.getsize(f) for f in files),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SCAN_CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths
from kubeward.reporters import json as json_report
report = scan_paths([sys.argv[1]], default_catalogue())
out = json_report.render(report)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "objects": report.stats.objects,
                  "findings": len(report.findings), "errors": len(report.failed_inputs),
                  "report_bytes": len(out),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, corpus: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(corpus)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def checkov_seconds(corpus: Path) -> float | None:
    exe = shutil.which("checkov")
    if exe is None:
        return None
    t = time.perf_counter()
    subprocess.run(
        [exe, "-d", str(corpus), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py scan", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--checkov", action="store_true", help="also time checkov if installed")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"bench: corpus {args.corpus} not found", file=sys.stderr)
        return 2
    parses, scans = [], []
    for i in range(args.repeat):
        print(f"bench: round {i + 1}/{args.repeat}", file=sys.stderr)
        parses.append(child(PARSE_CHILD, args.corpus))
        scans.append(child(SCAN_CHILD, args.corpus))
    parse = min(parses, key=lambda r: r["seconds"])
    scan = min(scans, key=lambda r: r["seconds"])
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "corpus": str(args.corpus.name),
        "files": int(parse["files"]),
        "megabytes": round(parse["bytes"] / 1e6, 1),
        "objects": int(scan["objects"]),
        "findings": int(scan["findings"]),
        "parse_seconds": round(parse["seconds"], 2),
        "scan_seconds": round(scan["seconds"], 2),
        "ratio": round(scan["seconds"] / parse["seconds"], 2),
        "objects_per_second": round(scan["objects"] / scan["seconds"]),
        "scan_peak_rss_mb": round(max(s["peak_rss_mb"] for s in scans)),
        "repeat": args.repeat,
    }
    if args.checkov:
        secs = checkov_seconds(args.corpus)
        result["checkov_seconds"] = round(secs, 1) if secs is not None else None
        if secs is not None:
            result["checkov_ratio"] = round(secs / scan["seconds"], 1)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_doc(result)
    return 0


def write_doc(r: dict[str, object]) -> None:
    lines = [
        f"Measured {r['date']} on {r['machine']}; corpus `{r['corpus']}`: {r['files']} files, "
        f"{r['megabytes']} MB, {r['objects']} objects; best of {r['repeat']} alternating runs.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| PyYAML CSafeLoader parse of all files | {r['parse_seconds']} s |",
        f"| kubeward scan (all rules) + JSON report | {r['scan_seconds']} s |",
        f"| **ratio scan / parse** (target at most 2.0) | **{r['ratio']}** |",
        f"| objects per second | {r['objects_per_second']:,} |",
        f"| peak memory of the scan process (target under 500 MB) | {r['scan_peak_rss_mb']} MB |",
        f"| findings | {r['findings']:,} |",
    ]
    if "checkov_seconds" in r:
        if r["checkov_seconds"] is None:
            lines.append("| checkov -d DIR --framework kubernetes | not installed |")
        else:
            lines.append(f"| checkov -d DIR --framework kubernetes | {r['checkov_seconds']} s |")
            lines.append(f"| checkov time / kubeward time | {r['checkov_ratio']}x |")
    write_block("scan", lines)


if __name__ == "__main__":
    sys.exit(main())
