"""`kubeward secrets`: which object reads which Secret, and where each Secret comes from.

kubeward secrets PATH... [--format text|json] [-o FILE]

No value is ever shown: a Secret is described by its name, its origin (a committed manifest,
a controller that makes it, or nothing in the input) and its readers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click

from kubeward.config import Config
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.model.inventory import Inventory
from kubeward.model.secrets import CredentialScene, SecretUse, secret_uses
from kubeward.reporters import text as text_report
from kubeward.rules import default_catalogue
from kubeward.scan import Engine

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_OK, EXIT_ERROR = 0, 2


def _name(u: SecretUse) -> str:
    return f"{u.namespace}/{u.name}" if u.namespace else u.name


def _text(uses: Sequence[SecretUse]) -> str:
    lines: list[str] = []
    for u in uses:
        where = f"  {u.defined_at[0]}:{u.defined_at[1] or '?'}" if u.defined_at else ""
        lines.append(f"Secret {_name(u)}: {u.origin}{where}")
        if not u.consumers:
            lines.append("  read by nothing in the input")
        for c in u.consumers:
            container = f' container "{c.container}"' if c.container else ""
            lines.append(f"  {c.obj}{container}: {c.how}  ({c.file}:{c.line or '?'})")
    read = sum(1 for u in uses if u.consumers)
    lines.append(f"{len(uses)} Secret(s), {read} read by objects of the input")
    return "\n".join(text_report.printable(line) for line in lines) + "\n"


def _json(uses: Sequence[SecretUse]) -> str:
    doc = [
        {
            "namespace": u.namespace,
            "name": u.name,
            "origin": u.origin,
            "file": u.defined_at[0] if u.defined_at else None,
            "line": u.defined_at[1] if u.defined_at else None,
            "readers": [
                {
                    "object": c.obj,
                    "container": c.container,
                    "how": c.how,
                    "file": c.file,
                    "line": c.line,
                }
                for c in u.consumers
            ],
        }
        for u in uses
    ]
    return json.dumps({"secrets": doc}, indent=2) + "\n"


@click.command("secrets", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("-o", "--output", help="Write to this file instead of standard output.")
def secrets(paths: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Which objects read which Secrets, and where each Secret comes from (never its value)."""
    engine = Engine(default_catalogue(), Config(), only=[])
    engine.add_paths(list(paths), DEFAULT_MAX_FILE_SIZE)
    report = engine.finish()
    for e in report.errors:
        click.echo(f"kubeward: {text_report.printable(e.one_line())}", err=True)
    scene = CredentialScene.from_inventory(Inventory.build(engine.resources, engine.workloads))
    uses = secret_uses(scene)
    text = _json(uses) if fmt == "json" else _text(uses)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            click.echo(f"kubeward: error: {output}: cannot write: {err.strerror or err}", err=True)
            sys.exit(EXIT_ERROR)
    sys.exit(EXIT_ERROR if report.failed_inputs else EXIT_OK)
