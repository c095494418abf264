"""What the reporting commands (`scan`, `aks`, `node`) share: their report options, how they
choose rules, frameworks and the baseline before a run, and how they report and exit after it.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import click

from kubeward import frameworks
from kubeward.catalogue import Catalogue
from kubeward.config import Config
from kubeward.findings import Severity
from kubeward.scan import Report
from kubeward.suppressions import BaselineError, read_baseline

SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

F = TypeVar("F", bound=Callable[..., Any])


def report_options(*, write_baseline: bool = True) -> Callable[[F], F]:
    """The options every reporting command takes, in this order in its help."""
    options = [
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(["text", "json", "sarif", "junit"]),
            default="text",
            show_default=True,
            help="Report format.",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, writable=True),
            help="Write the report to FILE instead of standard output.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice([*SEVERITIES, "none"]),
            default=None,
            help="Exit 1 when a finding is at or above this severity "
            "[default: config fail-on, else low].",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="CODES",
            help="Run only these rules: codes, prefixes (POD, POD2) or slugs, comma-separated.",
        ),
        click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules."),
        click.option(
            "--config",
            "config_path",
            type=click.Path(exists=True, dir_okay=False),
            help="Configuration file [default: nearest .kubeward.yaml].",
        ),
        click.option("--no-config", is_flag=True, help="Ignore .kubeward.yaml files."),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False),
            help="Suppress findings recorded in this baseline file (report only new ones).",
        ),
    ]
    if write_baseline:
        options.append(
            click.option(
                "--write-baseline",
                type=click.Path(dir_okay=False, writable=True),
                help="Record the current findings as a baseline file.",
            )
        )
    options.append(
        click.option(
            "--show-suppressed",
            is_flag=True,
            help="Also list suppressed findings, with the reason (text format).",
        )
    )

    def apply(command: F) -> F:
        for option in reversed(options):  # click lists the last decorator applied first
            command = option(command)
        return command

    return apply


@dataclass(frozen=True)
class Setup:
    """A run's rule choice, framework and baseline, from the command line and the config."""

    config: Config
    framework: frameworks.Framework | None
    baseline: set[str]


def prepare(
    catalogue: Catalogue,
    config_path: str | None,
    no_config: bool,
    select: Sequence[str],
    ignore: Sequence[str],
    framework_id: str | None,
    baseline: str | None,
    *,
    paths: Sequence[str] = (),
    domain: str | None = None,
    framework_selects: bool = False,
    options: Sequence[Mapping[str, Mapping[str, Any]]] = (),
    none_allowed: bool = False,
) -> Setup:
    """Check the selectors and the framework, read the config and the baseline; exit 2 with
    one line when one of them is unusable.

    `domain` (a code prefix) is what runs without --select; without it the config decides.
    With `framework_selects`, a framework without --select runs only its rules. `options`
    are layers of rule options over the config's, the last one winning. With `none_allowed`,
    the framework id "none" means no framework.
    """
    from kubeward import cli  # its helpers print and exit (imported late: cli imports us)

    config = cli._load_config(config_path, no_config, catalogue, paths)
    sel, ign = cli._codes(select), cli._codes(ignore)
    for s in (*sel, *ign):
        if not catalogue.is_known_selector(s):
            cli._fail(f"unknown rule or prefix {s!r} (see `kubeward rules list`)")
    framework = None
    if framework_id is not None and not (none_allowed and framework_id == "none"):
        framework = frameworks.available().get(framework_id)
        if framework is None:
            known = ", ".join([*frameworks.available(), *(["none"] if none_allowed else [])])
            cli._fail(f"unknown framework {framework_id!r} (known: {known})")
            raise AssertionError  # unreachable: _fail exits
        if framework_selects and not sel:
            sel = [code for code in framework.rules if catalogue.get(code) is not None]
    default = (domain,) if domain is not None else config.select
    config = dataclasses.replace(
        config,
        select=tuple(sel) if sel else default,
        ignore=(*config.ignore, *ign),
        options=_merged(config.options, *options),
    )
    known_findings: set[str] = set()
    if baseline:
        try:
            known_findings = read_baseline(baseline)
        except BaselineError as err:
            cli._fail(str(err))
    return Setup(config, framework, known_findings)


def _merged(*layers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for code, opts in layer.items():
            out.setdefault(code, {}).update(opts)
    return out


def conclude(
    report: Report,
    setup: Setup,
    fmt: str,
    output: str | None,
    show_suppressed: bool,
    fail_on: str | None,
    write_baseline: str | None = None,
) -> NoReturn:
    """Print the input errors, render the report (with the framework's controls), write the
    baseline if asked, and exit with the report's exit code at the --fail-on threshold."""
    from kubeward import cli

    cli._print_errors(report.errors)
    framework = setup.framework
    controls = (framework, frameworks.evaluate(framework, report)) if framework else None
    cli._emit(report, fmt, output, show_suppressed, controls)
    if write_baseline:
        n = cli.write_baseline_file(write_baseline, report)
        cli._stderr().print(
            f"kubeward: wrote {n} finding(s) to baseline {write_baseline}", markup=False
        )
    threshold = fail_on or setup.config.fail_on or "low"
    sys.exit(report.exit_code(None if threshold == "none" else Severity.parse(threshold)))
