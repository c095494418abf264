"""kubeward benchmarks: one command runs every suite and records the numbers.

    python bench/run.py                 # every suite, results written to docs/performance.md
    python bench/run.py SUITE [ARGS]    # one suite, with its own options (--help)

Benchmarks measure; they are not tests and never run in the test suite. Each suite measures
what it compares in one run, so ratios do not depend on the machine.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Suite name -> module in bench/ with main(argv) -> exit code.
SUITES = {
    "scan": "scan",
    "netpol": "netpol",
    "cluster": "cluster",
    "aks": "aks",
    "secrets": "secrets",
    "node": "node",
    "rbac": "rbac",
}


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        print("suites:", ", ".join(SUITES))
        return 0
    if args and args[0] in SUITES:
        return int(importlib.import_module(SUITES[args[0]]).main(args[1:]))
    if args:
        print(f"bench: unknown suite {args[0]!r} (suites: {', '.join(SUITES)})", file=sys.stderr)
        return 2
    worst = 0
    for name, module in SUITES.items():
        print(f"bench: suite {name}", file=sys.stderr)
        worst = max(worst, int(importlib.import_module(module).main([])))
    return worst


if __name__ == "__main__":
    sys.exit(main())
