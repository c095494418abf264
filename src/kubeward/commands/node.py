"""`kubeward node [--root DIR]`: audit a node host's hardening (seed 004 items, CIS AKS 3).

Parses options, reads the host (`kubeward.loaders.node`), runs the NODE rules through the
engine (`Engine.add_subject`) and renders with the same reporters, exit codes and notes as
`kubeward scan`. No analysis here.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from kubeward import frameworks
from kubeward.findings import Severity
from kubeward.loaders import node as node_loader
from kubeward.rules import default_catalogue
from kubeward.rules.node import THRESHOLDS
from kubeward.scan import Engine
from kubeward.suppressions import BaselineError, read_baseline

DEFAULT_FRAMEWORK = "aks-node"
SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]


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


def _merged(*layers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for code, opts in layer.items():
            out.setdefault(code, {}).update(opts)
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
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "junit"]),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--fail-on",
    type=click.Choice([*SEVERITIES, "none"]),
    default=None,
    help="Exit 1 when a finding is at or above this severity [default: config, else low].",
)
@click.option("--select", multiple=True, metavar="CODES", help="Run only these rules.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--no-config", is_flag=True, help="Ignore .kubeward.yaml files.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only new findings.")
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, writable=True),
    help="Record the current findings as a baseline file.",
)
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings (text).")
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
    from kubeward import cli  # the shared rendering helpers (imported late: cli imports us)

    catalogue = default_catalogue()
    config = cli._load_config(config_path, no_config, catalogue)
    sel, ign = cli._codes(select), cli._codes(ignore)
    for s in (*sel, *ign):
        if not catalogue.is_known_selector(s):
            cli._fail(f"unknown rule or prefix {s!r} (see `kubeward rules list`)")
    framework = None
    if framework_id != "none":
        framework = frameworks.available().get(framework_id)
        if framework is None:
            ids = ", ".join(frameworks.available())
            cli._fail(f"unknown framework {framework_id!r} (known: {ids}, none)")
    options = _merged(config.options, THRESHOLDS[thresholds], _rule_options(rule_options))
    config = dataclasses.replace(
        config,
        select=tuple(sel) if sel else ("NODE",),
        ignore=(*config.ignore, *ign),
        options=options,
    )
    known: set[str] = set()
    if baseline:
        try:
            known = read_baseline(baseline)
        except BaselineError as err:
            cli._fail(str(err))
    if root is None and not offline and proc is None:
        proc = "/proc"
    top = root or "/"
    sshd = node_loader.run_sshd_t if proc is not None and top == "/" and not no_sshd else None
    loaded = node_loader.load_host(top, proc=proc, sshd=sshd)

    engine = Engine(catalogue, config, baseline=known)
    engine.report.errors.extend(loaded.errors)
    engine.add_subject(loaded.host, loaded.resource, loaded.host.line_of)
    engine.report.stats.files = loaded.files_read
    report = engine.finish()

    cli._print_errors(report.errors)
    controls = (framework, frameworks.evaluate(framework, report)) if framework else None
    cli._emit(report, fmt, output, show_suppressed, controls)
    if write_baseline:
        n = cli.write_baseline_file(write_baseline, report)
        cli._stderr().print(
            f"kubeward: wrote {n} finding(s) to baseline {write_baseline}", markup=False
        )
    threshold = fail_on or config.fail_on or "low"
    sys.exit(report.exit_code(None if threshold == "none" else Severity.parse(threshold)))
