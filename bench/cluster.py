"""Live-scan benchmark: kubeward scanning a synthetic cluster of 20,000 pods over HTTPS.

    python bench/run.py cluster [--pods N] [--deployments N] [--page-size N] [--no-write]

A stand-in API server (tests/cluster/fakeapi.py, on 127.0.0.1, in its own process) serves a
synthetic AKS cluster: N pods of realistic size (about 3 KB of JSON each, with managedFields
and status) owned by ReplicaSets of D Deployments, one node per 110 pods. A fresh process
runs `kubeward scan --cluster` through a real kubeconfig (every rule, JSON report), and
reports its wall time, its peak resident memory, and objects listed per second. The server
makes each object when a page asks for it, so neither side holds the whole cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, write_block

SERVER_CHILD = r"""
import sys, pathlib
sys.path.insert(0, sys.argv[1])
from tests.cluster import synthetic
from tests.cluster.fakeapi import Behaviour, FakeApiServer
pods, deployments, kubeconfig = int(sys.argv[2]), int(sys.argv[3]), pathlib.Path(sys.argv[4])
server = FakeApiServer(synthetic.cluster(pods, deployments), behaviour=Behaviour())
server.kubeconfig(kubeconfig)
server.start()
print("ready", flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
server.stop()
"""

SCAN_CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
from kubeward.loaders.cluster import ClusterSettings
from kubeward.reporters import json as json_report
from kubeward.rules import default_catalogue
from kubeward.scan import scan_cluster
report, engine, read = scan_cluster(
    ClusterSettings(kubeconfig=sys.argv[1], page_size=int(sys.argv[2])), default_catalogue()
)
out = json_report.render(report)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "objects": report.stats.objects, "pods": read.pods_seen,
                  "pages": read.pages, "findings": len(report.findings),
                  "report_bytes": len(out),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py cluster", description=__doc__.split("\n")[0])
    ap.add_argument("--pods", type=int, default=20_000)
    ap.add_argument("--deployments", type=int, default=400)
    ap.add_argument("--page-size", type=int, default=500)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    kubeconfig = Path(ROOT / "bench" / ".cluster-kubeconfig")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVER_CHILD,
            str(ROOT),
            str(args.pods),
            str(args.deployments),
            str(kubeconfig),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            print("bench: the stand-in API server did not start", file=sys.stderr)
            return 2
        out = subprocess.run(
            [sys.executable, "-c", SCAN_CHILD, str(kubeconfig), str(args.page_size)],
            check=True,
            capture_output=True,
            text=True,
        )
        scan = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=60)
        kubeconfig.unlink(missing_ok=True)
    listed = scan["pods"] + args.deployments * 2 + -(-args.pods // 110)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "pods": scan["pods"],
        "deployments": args.deployments,
        "listed": listed,
        "objects_scanned": scan["objects"],
        "pages": scan["pages"],
        "findings": scan["findings"],
        "seconds": round(scan["seconds"], 2),
        "listed_per_second": round(listed / scan["seconds"]),
        "peak_rss_mb": round(scan["peak_rss_mb"]),
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_doc(result)
    return 0


def write_doc(r: dict[str, object]) -> None:
    lines = [
        f"Measured {r['date']} on {r['machine']}: a synthetic AKS cluster of {r['pods']:,} pods "
        f"({r['deployments']} Deployments with their ReplicaSets), served over HTTPS on "
        f"loopback in {r['pages']} pages of 500.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| objects listed (pods, ReplicaSets, Deployments, nodes) | {r['listed']:,} |",
        f"| objects scanned after folding pods into their owners | {r['objects_scanned']:,} |",
        f"| findings | {r['findings']:,} |",
        f"| wall time (connect, list, fold, every rule, JSON report) | {r['seconds']} s |",
        f"| objects listed per second | {r['listed_per_second']:,} |",
        f"| **peak memory of the scan process** (target under 1 GB) | **{r['peak_rss_mb']} MB** |",
    ]
    write_block("cluster", lines)


if __name__ == "__main__":
    sys.exit(main())
