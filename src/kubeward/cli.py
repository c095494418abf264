"""The `kubeward` command: parse options, call the library, render. No analysis here."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kubeward import __version__, frameworks, ruledocs
from kubeward.analysis import pss
from kubeward.catalogue import Catalogue
from kubeward.commands import cluster as cluster_cmd
from kubeward.commands import netpol as netpol_cmd
from kubeward.commands import rbac as rbac_cmd
from kubeward.commands import report as report_cmd
from kubeward.config import Config, ConfigError, find_config, load_config
from kubeward.findings import InputError
from kubeward.loaders.cluster import ClusterError
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.reporters import json as json_report
from kubeward.reporters import junit as junit_report
from kubeward.reporters import sarif as sarif_report
from kubeward.reporters import text as text_report
from kubeward.rules import default_catalogue
from kubeward.scan import Engine, Report, scan_cluster
from kubeward.scan import Progress as ProgressFn
from kubeward.suppressions import write_baseline

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITIES = report_cmd.SEVERITIES
PROGRESS_MIN_FILES = 10

CONTEXT = report_cmd.CONTEXT


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    """A usage problem: one line on stderr, exit code 2."""
    _stderr().print(f"kubeward: error: {message}", markup=False)
    sys.exit(EXIT_ERROR)


def _size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", text, re.I)
    if m is None:
        raise click.BadParameter(f"{text!r} is not a size such as 20MB, 512k or 1G")
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def _codes(values: Sequence[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    """A progress bar on stderr for scans of many files, when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr(),
        transient=True,
    )
    task = None

    def update(done: int, total: int, current: str) -> None:
        nonlocal task
        if total < PROGRESS_MIN_FILES:
            return
        if task is None:
            bar.start()
            task = bar.add_task("scanning", total=total)
        bar.update(task, completed=done, description=f"scanning {os.path.basename(current)}")

    try:
        yield update
    finally:
        bar.stop()


def _print_errors(errors: Sequence[InputError]) -> None:
    err = _stderr()
    for e in errors:
        line = text_report.printable(e.one_line())
        err.print(f"kubeward: {line}", markup=False, style="yellow" if e.warning else "red")


def _config_start(paths: Sequence[str]) -> str | None:
    """Where config discovery starts: the first scanned path's directory (cwd for stdin)."""
    first = next((p for p in paths if p != "-"), None)
    if first is None:
        return None
    return first if os.path.isdir(first) else os.path.dirname(os.path.abspath(first))


def _load_config(
    path: str | None, no_config: bool, catalogue: Catalogue, paths: Sequence[str] = ()
) -> Config:
    if no_config:
        return Config()
    found = path or find_config(_config_start(paths)) or find_config()
    if found is None:
        return Config()
    try:
        # With the catalogue, unknown rules and options are errors naming the file and line.
        return load_config(found, catalogue)
    except ConfigError as err:
        _fail(str(err))
        raise AssertionError from None  # unreachable: _fail exits


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="kubeward")
def main() -> None:
    """Find what is unsafe in Kubernetes and AKS manifests, and why.

    \b
    Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 an input could
    not be read (the rest is still scanned) or a usage error.
    """


# ---------------------------------------------------------------------------------- scan


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=False, metavar="[PATH...]")
@report_cmd.report_options()
@click.option(
    "--max-file-size",
    default=f"{DEFAULT_MAX_FILE_SIZE // (1024 * 1024)}MB",
    show_default=True,
    help="Refuse files larger than this.",
)
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option(
    "--framework",
    "framework_id",
    metavar="ID",
    help="Report per control of a framework (cis-aks-1.8, pss, aks-seeds) and run only its "
    "rules (unless --select is given).",
)
@cluster_cmd.cluster_options
def scan(
    paths: tuple[str, ...],
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
    max_file_size: str,
    no_progress: bool,
    framework_id: str | None,
    **live: Any,
) -> None:
    """Scan manifests, or a live cluster, for security problems.

    PATH is a file, a directory (searched recursively for *.yaml, *.yml and
    *.json) or - for standard input (for example `helm template . | kubeward scan -`).
    Multi-document YAML, JSON and List objects are understood. With --cluster,
    the objects of the live cluster are scanned instead (see docs/cluster.md).
    """
    problem = cluster_cmd.cluster_problem(live, paths)
    if problem is not None:
        _fail(problem)
    catalogue = default_catalogue()
    setup = report_cmd.prepare(
        catalogue,
        config_path,
        no_config,
        select,
        ignore,
        framework_id,
        baseline,
        paths=paths,
        framework_selects=True,
    )
    config, known = setup.config, setup.baseline
    limit = _size(max_file_size)

    if live["cluster"]:
        try:
            report = scan_cluster(
                cluster_cmd.settings_from(live),
                catalogue,
                config,
                baseline=known,
                aks_defaults=not live["no_aks_defaults"],
            )[0]
        except ClusterError as err:
            _fail(f"cluster: {err}")
            return
    else:
        engine = Engine(catalogue, config, baseline=known)
        with _progress(not no_progress) as progress:
            engine.add_paths(paths, limit, progress)
            report = engine.finish()

    report_cmd.conclude(report, setup, fmt, output, show_suppressed, fail_on, write_baseline)


def write_baseline_file(path: str, report: Report) -> int:
    # The baseline keeps what is open now plus what it already suppressed, so writing a
    # baseline while using one never forgets old entries.
    entries = report.findings + [s.finding for s in report.suppressed if s.source == "baseline"]
    try:
        return write_baseline(path, entries)
    except OSError as err:
        _fail(f"{path}: cannot write baseline: {err.strerror or err}")
        return 0


def _emit(
    report: Report,
    fmt: str,
    output: str | None,
    show_suppressed: bool,
    controls: tuple[frameworks.Framework, list[frameworks.ControlResult]] | None = None,
) -> None:
    renderers: dict[str, Callable[[Report], str]] = {
        "json": json_report.render,
        "sarif": sarif_report.render,
        "junit": junit_report.render,
    }
    try:
        with _open_output(output) as fh:
            if fmt == "text":
                console = Console(
                    file=fh,
                    highlight=False,
                    soft_wrap=True,
                    force_terminal=None if output is None else False,
                )
                text_report.render(report, console, show_suppressed=show_suppressed)
                if controls is not None:
                    text_report.render_framework(controls[0], controls[1], console)
            elif fmt == "json" and controls is not None:
                fh.write(json_report.render(report, controls))
            else:
                fh.write(renderers[fmt](report))
    except OSError as err:
        _fail(f"{output}: cannot write report: {err.strerror or err}")


@contextlib.contextmanager
def _open_output(output: str | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
    else:
        with open(output, "w", encoding="utf-8") as fh:
            yield fh


# ----------------------------------------------------------------------------------- pss


@main.command("pss", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--level",
    type=click.Choice(["baseline", "restricted", "privileged"]),
    required=True,
    help="Pod Security Standard to evaluate against.",
)
@click.option(
    "--version",
    "version_text",
    default="latest",
    show_default=True,
    metavar="v1.N|latest",
    help="Policy version, as pod-security.kubernetes.io/enforce-version.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--max-file-size",
    default=f"{DEFAULT_MAX_FILE_SIZE // (1024 * 1024)}MB",
    show_default=True,
    help="Refuse files larger than this.",
)
def pss_command(
    paths: tuple[str, ...], level: str, version_text: str, fmt: str, max_file_size: str
) -> None:
    """Evaluate pods exactly as Pod Security Admission would.

    Every object that carries a pod (Pod, Deployment, CronJob, ...) is judged
    as its pods would be in a namespace labelled
    pod-security.kubernetes.io/enforce=LEVEL and enforce-version=VERSION.
    Exit code 1 when any object's pods would be denied.
    """
    try:
        version = pss.Version.parse(version_text)
    except ValueError as err:
        _fail(str(err))
        return
    engine = Engine(default_catalogue(), Config(), only=[])
    with _progress(True) as progress:
        engine.add_paths(paths, _size(max_file_size), progress)
        report = engine.finish()
    results = []
    for w in engine.workloads:
        violations = pss.evaluate_workload(w, level, version)
        r = w.resource
        results.append(
            {
                "file": r.source.file,
                "line": r.source.line,
                "apiVersion": r.api_version,
                "kind": r.kind,
                "namespace": r.namespace,
                "name": r.name,
                "allowed": not violations,
                "violations": [
                    {"check": v.check, "level": v.level, "reason": v.reason} for v in violations
                ],
            }
        )
    _print_errors(report.errors)
    if fmt == "json":
        sys.stdout.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    else:
        _pss_text(results, level, version)
    if report.failed_inputs:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if any(not r["allowed"] for r in results) else EXIT_OK)


def _pss_text(results: list[dict[str, Any]], level: str, version: pss.Version) -> None:
    out = Console(highlight=False, soft_wrap=True)

    def safe(value: object) -> str:  # text from the input: neither markup nor control codes
        return escape(text_report.printable(str(value)))

    for r in results:
        ns = f"{r['namespace']}/" if r["namespace"] else ""
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        verdict = "[green]allowed[/]" if r["allowed"] else "[bold red]denied [/]"
        out.print(f"{verdict}  {safe(r['kind'])} {safe(ns + r['name'])}  [dim]{safe(where)}[/]")
        for v in r["violations"]:
            out.print(f"         [bold]{safe(v['check'])}[/]: {safe(v['reason'])}", markup=True)
    denied = sum(1 for r in results if not r["allowed"])
    out.print(f"\n{len(results) - denied} allowed, {denied} denied at {level} {version}")


# --------------------------------------------------------------------------------- rules


@main.group(context_settings=CONTEXT)
def rules() -> None:
    """The rule catalogue: list, explain, generate docs."""


@rules.command("list")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_list(fmt: str) -> None:
    """List every rule."""
    cat = default_catalogue()
    if fmt == "json":
        data = [
            {
                "code": r.code,
                "slug": r.slug,
                "severity": r.severity.label,
                "title": r.title,
                "options": dict(r.options),
            }
            for r in cat
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    out = Console(highlight=False, soft_wrap=True)
    for r in cat:
        out.print(f"[bold]{r.code:<7}[/] {r.severity.label:<8} {r.slug:<38} {r.title}", markup=True)


@rules.command("explain")
@click.argument("code")
def rules_explain(code: str) -> None:
    """Explain one rule (by code or slug), with its examples."""
    rule = default_catalogue().get(code)
    if rule is None:
        _fail(f"unknown rule {code!r} (see `kubeward rules list`)")
        return
    Console().print(Markdown(ruledocs.rule_page(rule)))


@rules.command("docs")
@click.option(
    "-o",
    "--output",
    default="docs/rules",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory for the generated pages.",
)
@click.option(
    "--check", is_flag=True, help="Only check that the pages are current (exit 1 if not)."
)
def rules_docs(output: str, check: bool) -> None:
    """Generate the rule reference pages (Markdown)."""
    cat = default_catalogue()
    if check:
        stale = ruledocs.stale(cat, output)
        for path in stale:
            _stderr().print(f"kubeward: stale: {path}", markup=False)
        if stale:
            _stderr().print("kubeward: run `kubeward rules docs` to regenerate", markup=False)
            sys.exit(EXIT_FINDINGS)
        return
    changed = ruledocs.write(cat, output)
    _stderr().print(f"kubeward: {len(changed)} page(s) written to {output}", markup=False)


from kubeward.commands.upgrade import upgrade as upgrade_command  # noqa: E402

main.add_command(upgrade_command)

main.add_command(rbac_cmd.rbac)


main.add_command(netpol_cmd.netpol)

from kubeward.commands.node import node as node_command  # noqa: E402

main.add_command(node_command)

from kubeward.commands.aks import aks as aks_command  # noqa: E402
from kubeward.commands.aks import ipplan_command  # noqa: E402

main.add_command(aks_command)
main.add_command(ipplan_command)

from kubeward.commands.secrets import secrets as secrets_command  # noqa: E402

main.add_command(secrets_command)

if __name__ == "__main__":  # pragma: no cover
    main()
