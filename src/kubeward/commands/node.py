"""`kubeward node [--root DIR]`: audit a node host's hardening (seed 004 items, CIS AKS 3).

Parses options, reads the host (`kubeward.loaders.node`), runs the NODE rules through the
engine (`Engine.add_subject`) and renders with the same reporters, exit codes and notes as
`kubeward scan`. No analysis here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from kubeward.commands import report as report_cmd
from kubeward.loaders import node as node_loader
from kubeward.rules import default_catalogue
from kubeward.rules.node import THRESHOLDS
from kubeward.scan import Engine

DEFAULT_FRAMEWORK = "aks-node"


def _rule_options(values: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`CODE.key=value` (value as JSON when it parses, else a string) per rule code."""
    out: dict[str, dict[str, Any]] = {}
    catalogue = default_catalogue()
    for item in values:
        target, eq, raw = item.partition("=")
        code, dot, key = target.partition(".")
        rule = catalogue.get(code.strip())
        if not eq or not dot or rule is None or key.strip() not in rule.options:
            known = ", ".join(rule.options) if rule is not None else ""
            hint = f" ({rule.code} takes: {known})" if rule is not None and known else ""
            raise click.BadParameter(
                f"{item!r} is not CODE.option=value for a rule option{hint}",
                param_hint="--option",
            )
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(rule.code, {})[key.strip()] = value
    return out


@click.command("node", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False),
    help="Audit the root file system in DIR offline (a mounted image, a chroot, the host's / "
    "mounted into a pod). Without it, this machine is audited live.",
)
@click.option(
    "--proc",
    type=click.Path(exists=True, file_okay=False),
    help="Read runtime state from this procfs mount (live audit of --root, e.g. /host/proc "
    "in a pod). Default: /proc without --root, none with it.",
)
@click.option(
    "--offline", is_flag=True, help="Without --root: audit / from its files only, no runtime."
)
@click.option("--no-sshd", is_flag=True, help="Never run `sshd -T` (live audits run it).")
@report_cmd.report_options()
@click.option(
    "--framework",
    "framework_id",
    default=DEFAULT_FRAMEWORK,
    show_default=True,
    metavar="ID",
    help="Per-item table to print after the findings (aks-node, cis-aks-1.8, aks-seeds), or none.",
)
@click.option(
    "--thresholds",
    type=click.Choice(sorted(THRESHOLDS)),
    default="aks",
    show_default=True,
    help="Threshold preset: aks (seed 004: passwords expire in 90 days, inactive lock 30) or "
    "cis-ubuntu-22.04 (365 and 45 days, blacklisted modules, empty su group).",
)
@click.option(
    "--option",
    "rule_options",
    multiple=True,
    metavar="CODE.KEY=VALUE",
    help="Set one rule option, e.g. NODE402.max_days=365 (repeatable; over --thresholds and "
    ".kubeward.yaml).",
)
def node(
    root: str | None,
    proc: str | None,
    offline: bool,
    no_sshd: bool,
    fmt: str,
    output: str | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: str | None,
    no_config: bool,
    baseline: str | None,
    write_baseline: str | None,
    show_suppressed: bool,
    framework_id: str,
    thresholds: str,
    rule_options: tuple[str, ...],
) -> None:
    """Audit a node's host hardening: the AKS node image items (seed 004, with
    CIS Ubuntu 22.04 v2 ids) and the kubelet (CIS AKS section 3).

    \b
    kubeward node --root /mnt/image     offline: files only; runtime-only
                                        criteria are "not evaluated"
    kubeward node                       live: also /proc and `sshd -T`
    Statuses: findings (fail), manual (evidence for a person), not evaluated.
    Exit codes as for `kubeward scan`.
    """

    catalogue = default_catalogue()
    setup = report_cmd.prepare(
        catalogue,
        config_path,
        no_config,
        select,
        ignore,
        framework_id,
        baseline,
        domain="NODE",
        options=(THRESHOLDS[thresholds], _rule_options(rule_options)),
        none_allowed=True,
    )
    if root is None and not offline and proc is None:
        proc = "/proc"
    top = root or "/"
    sshd = node_loader.run_sshd_t if proc is not None and top == "/" and not no_sshd else None
    loaded = node_loader.load_host(top, proc=proc, sshd=sshd)

    engine = Engine(catalogue, setup.config, baseline=setup.baseline)
    engine.report.errors.extend(loaded.errors)
    engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
    engine.report.stats.files = loaded.files_read
    report_cmd.conclude(
        engine.finish(), setup, fmt, output, show_suppressed, fail_on, write_baseline
    )
