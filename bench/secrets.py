"""Credentials benchmark: what the SEC rules add to a scan, and how fast detection is.

    python bench/run.py secrets [--corpus DIR] [--repeat N] [--no-write]

On the real-world corpus (default: ../shared/realworld), each in a fresh process, `--repeat`
times alternating, keeping the fastest, timed in CPU seconds of the process (a difference of
two scans is too small to survive other load on the machine in wall time):
- parse: PyYAML's CSafeLoader loading every file (the reference of the scan benchmark);
- engine: kubeward's scan with no rule (discovery, parsing with line tracking, the model);
- SEC: the same scan with every SEC rule (detect-secrets, the credential scene, TLS).
The SEC rules' cost is the difference of the last two, also given as a fraction of the parse
time (the scan benchmark's budget is scan at most 2.0 x parse for all rules together).
Then, in this process: detect-secrets over every value the SEC rules read in the corpus (env
values, command words, ConfigMap data, annotations; the cache cleared first), and the TLS
reader over the fixture certificates.
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
from typing import Any

from common import ROOT, write_block
from scan import PARSE_CHILD as WALL_PARSE_CHILD

# The scan benchmark's parse, timed with the process's CPU time like SCAN_CHILD below.
PARSE_CHILD = WALL_PARSE_CHILD.replace("time.perf_counter()", "time.process_time()")
assert PARSE_CHILD.count("time.process_time()") == 2

DEFAULT_CORPUS = ROOT.parent / "shared" / "realworld"

SCAN_CHILD = r"""
import json, sys, time
t = time.process_time()
from kubeward.config import Config
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths
catalogue = default_catalogue()
rules = [r for r in catalogue if r.code.startswith("SEC")] if sys.argv[2] == "sec" else []
report = scan_paths([sys.argv[1]], catalogue, Config(), only=rules)
print(json.dumps({"seconds": time.process_time() - t, "findings": len(report.findings),
                  "objects": report.stats.objects}))
"""


def child(code: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def corpus_values(corpus: Path) -> list[tuple[str | None, str]]:
    """Every (name, value) the credential detectors read in the corpus."""
    from kubeward.findings import InputError
    from kubeward.loaders import manifests
    from kubeward.model.secrets import LAST_APPLIED, config_map_entries
    from kubeward.model.workload import build_workload, has_template, template_path

    errors: list[InputError] = []
    values: list[tuple[str | None, str]] = []
    for name in manifests.discover([str(corpus)], errors):
        loaded = manifests.load_file(name, manifests.DEFAULT_MAX_FILE_SIZE, errors)
        if loaded is None:
            continue
        for r in manifests.objects(loaded, errors):
            values += [(e.key, e.value) for e in config_map_entries(r)]
            values += [(k, v) for k, v in r.annotations.items() if k != LAST_APPLIED]
            template = template_path(r)
            if template is None or not has_template(r, template):
                continue
            for c in build_workload(r, template).containers:
                values += [(e.name, e.value) for e in c.env if e.value is not None]
                values += [(None, word) for word in (*c.command, *c.args)]
    return values


def detection(values: list[tuple[str | None, str]]) -> dict[str, float]:
    from kubeward.analysis import secrets

    secrets.scan_value("warm up the plugins", None)
    secrets.scan_value.cache_clear()
    t = time.perf_counter()
    found = sum(len(secrets.scan_value(v, k)) for k, v in values)
    seconds = time.perf_counter() - t
    size = sum(len(v) for _, v in values)
    return {
        "values": len(values),
        "megabytes": size / 1e6,
        "seconds": seconds,
        "values_per_second": len(values) / seconds,
        "detections": found,
    }


def tls_reads(rounds: int = 200) -> dict[str, float]:
    import yaml

    from kubeward.analysis import tls

    pairs: list[tuple[bytes, bytes]] = []
    examples = ROOT / "src" / "kubeward" / "rules" / "examples"
    for path in sorted(examples.glob("SEC06*/*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            data = (doc or {}).get("stringData") or {}
            if "tls.crt" in data:
                pairs.append((data["tls.crt"].encode(), data.get("tls.key", "").encode()))
    t = time.perf_counter()
    for _ in range(rounds):
        tls.read_tls.cache_clear()
        for crt, key in pairs:
            tls.read_tls(crt, key)
    seconds = time.perf_counter() - t
    return {"pairs": len(pairs) * rounds, "pairs_per_second": len(pairs) * rounds / seconds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py secrets", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"bench: corpus {args.corpus} not found", file=sys.stderr)
        return 2
    parses, engines, secs = [], [], []
    for i in range(args.repeat):
        print(f"bench: round {i + 1}/{args.repeat}", file=sys.stderr)
        parses.append(child(PARSE_CHILD, str(args.corpus)))
        engines.append(child(SCAN_CHILD, str(args.corpus), "none"))
        secs.append(child(SCAN_CHILD, str(args.corpus), "sec"))
    parse = min(p["seconds"] for p in parses)
    engine = min(e["seconds"] for e in engines)
    sec = min(s["seconds"] for s in secs)
    values = corpus_values(args.corpus)
    det = detection(values)
    tls = tls_reads()
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "corpus": args.corpus.name,
        "objects": secs[0]["objects"],
        "parse_seconds": round(parse, 2),
        "engine_seconds": round(engine, 2),
        "sec_seconds": round(sec, 2),
        "sec_cost_seconds": round(sec - engine, 2),
        "sec_cost_of_parse": round((sec - engine) / parse, 3),
        "sec_findings": secs[0]["findings"],
        "detect_values": det["values"],
        "detect_megabytes": round(det["megabytes"], 2),
        "detect_seconds": round(det["seconds"], 3),
        "detect_values_per_second": round(det["values_per_second"]),
        "tls_pairs_per_second": round(tls["pairs_per_second"]),
        "repeat": args.repeat,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_doc(result)
    return 0


def write_doc(r: dict[str, Any]) -> None:
    lines = [
        f"Measured {r['date']} on {r['machine']}; corpus `{r['corpus']}`, {r['objects']:,} "
        f"objects; best of {r['repeat']} alternating runs, in CPU seconds of each process.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| PyYAML CSafeLoader parse of all files | {r['parse_seconds']} s |",
        f"| kubeward scan, no rule (loading, lines, model) | {r['engine_seconds']} s |",
        f"| kubeward scan with every SEC rule | {r['sec_seconds']} s |",
        f"| **cost of the SEC rules** | **{r['sec_cost_seconds']} s = "
        f"{r['sec_cost_of_parse']} x parse** |",
        f"| SEC findings | {r['sec_findings']:,} |",
        f"| detect-secrets over {r['detect_values']:,} values ({r['detect_megabytes']} MB) "
        f"| {r['detect_seconds']} s ({r['detect_values_per_second']:,} values/s) |",
        f"| TLS certificate and key pairs read | {r['tls_pairs_per_second']:,} per second |",
    ]
    write_block("secrets", lines)


if __name__ == "__main__":
    sys.exit(main())
