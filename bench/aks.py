"""AKS benchmark: reading cluster configuration in every shape, the AKS rules, IP planning.

    python bench/run.py aks [--repeat N] [--no-write]

Measures, in one process each, best of `--repeat` runs:
- load: reading every sample of ../shared/corpora/aks-samples and every AKS rule fixture
  (az and ARM JSON, ARM templates, Bicep, Terraform) into cluster views, without rules;
- check: the same files through `kubeward aks` (loading plus every AKS rule and the report);
- ipplan: evaluating IP plans (subnet capacity, pod CIDR, overlaps, dnsServiceIP) per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from common import ROOT, write_block

SAMPLES = ROOT.parent / "shared" / "corpora" / "aks-samples"
EXAMPLES = ROOT / "src" / "kubeward" / "rules" / "examples"

CHILD = r"""
import glob, json, sys, time
mode, files = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter()
from kubeward.loaders import aks
if mode == "load":
    errors = []
    n = 0
    for f in files:
        n += len(aks.load(f, 20 * 2**20, errors))
    print(json.dumps({"seconds": time.perf_counter() - t, "subjects": n}))
elif mode == "check":
    from kubeward.config import Config
    from kubeward.reporters import json as json_report
    from kubeward.rules import default_catalogue
    from kubeward.scan import Engine
    engine = Engine(default_catalogue(), Config(select=("AKS",)))
    n = 0
    for f in files:
        for s in aks.load(f, 20 * 2**20, engine.report.errors):
            engine.add_subject(s.view, s.resource, s.line_of)
            n += 1
    report = engine.finish()
    json_report.render(report)
    print(json.dumps({"seconds": time.perf_counter() - t, "subjects": n,
                      "findings": len(report.findings), "notes": len(report.notes)}))
else:
    from kubeward.analysis import ipplan
    pools = tuple(
        ipplan.PoolPlan(f"p{i}", 10 + i, 30, ipplan.Surge(33, True), 50 + i,
                        ipplan.parse_cidr(f"10.{i}.0.0/20", "subnet"))
        for i in range(5)
    )
    plan = ipplan.Plan("azure", pools, ipplan.parse_cidr("172.16.0.0/16", "svc"), "172.16.0.10",
                       None, (ipplan.parse_cidr("10.0.0.0/8", "vnet"),),
                       (ipplan.parse_cidr("192.168.0.0/16", "peer"),))
    n = 20000
    t = time.perf_counter()
    for _ in range(n):
        ipplan.evaluate(plan)
    print(json.dumps({"seconds": time.perf_counter() - t, "plans": n}))
"""


def inputs() -> list[str]:
    files = sorted(str(p) for p in SAMPLES.rglob("*") if p.suffix in (".json", ".bicep", ".tf"))
    files = [f for f in files if "params" not in f]
    files += sorted(
        str(p) for p in EXAMPLES.glob("AKS*/*") if p.suffix in (".json", ".bicep", ".tf")
    )
    return files


def run(mode: str, files: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, json.dumps(files)],
        check=True,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py aks", description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    if not SAMPLES.is_dir():
        print(f"bench: corpus {SAMPLES} not found", file=sys.stderr)
        return 2
    files = inputs()
    best: dict[str, dict[str, float]] = {}
    for i in range(args.repeat):
        print(f"bench: aks round {i + 1}/{args.repeat}", file=sys.stderr)
        for mode in ("load", "check", "ipplan"):
            r = run(mode, files)
            if mode not in best or r["seconds"] < best[mode]["seconds"]:
                best[mode] = r
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "files": len(files),
        "subjects": int(best["check"]["subjects"]),
        "load_seconds": round(best["load"]["seconds"], 2),
        "check_seconds": round(best["check"]["seconds"], 2),
        "files_per_second": round(len(files) / best["check"]["seconds"]),
        "findings": int(best["check"]["findings"]),
        "plans_per_second": round(best["ipplan"]["plans"] / best["ipplan"]["seconds"]),
        "repeat": args.repeat,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_block(
            "aks",
            [
                f"Measured {result['date']} on {result['machine']}; best of {result['repeat']} "
                "runs, each in a fresh process (imports included).",
                "",
                "| measure | value |",
                "|---|---|",
                f"| AKS inputs read (samples and rule fixtures: az, ARM, template, Bicep, "
                f"Terraform) | {result['files']} files, {result['subjects']} clusters and "
                "node pools |",
                f"| read into cluster views | {result['load_seconds']} s |",
                f"| `kubeward aks` on all of them (read, every AKS rule, JSON report) | "
                f"{result['check_seconds']} s ({result['files_per_second']} files/s) |",
                f"| IP plans evaluated (5 pools, capacity, overlaps, DNS IP) | "
                f"{result['plans_per_second']:,} per second |",
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
