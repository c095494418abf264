"""Rule documentation, generated from the catalogue: docstrings plus the tested fixtures."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kubeward.catalogue import Catalogue, Rule

EXAMPLES_PACKAGE = "kubeward.rules"
EXAMPLES_DIR = "examples"


@dataclass(frozen=True)
class Example:
    name: str  # file name, e.g. fail-init-container.yaml
    passing: bool
    text: str


def examples(code: str) -> list[Example]:
    """The rule's fixtures: the same files the test suite runs, pass files first."""
    base = resources.files(EXAMPLES_PACKAGE).joinpath(EXAMPLES_DIR, code)
    if not base.is_dir():
        return []
    out = [
        Example(entry.name, entry.name.startswith("pass"), _with_expectations(base, entry.name))
        for entry in base.iterdir()
        if entry.name.endswith(FIXTURE_SUFFIXES) and not entry.name.endswith(".fixed.yaml")
    ]
    out += [
        Example(entry.name + "/", entry.name.startswith("pass"), root_fixture_text(entry))
        for entry in base.iterdir()
        if entry.is_dir() and entry.name.startswith(("pass", "fail"))
    ]
    return sorted(out, key=lambda e: (not e.passing, e.name))


def root_fixture_text(folder: Any) -> str:
    """A root file system fixture (a directory: `root/`, optional `proc/`, `expect.txt`...)
    shown as its files one after another, links as `path -> target`."""
    import pathlib

    base = pathlib.Path(str(folder))
    parts: list[str] = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base).as_posix()
        if path.is_symlink():
            parts.append(f"==> {rel} -> {os.readlink(path)} <==")
        elif path.is_file():
            text = path.read_text(encoding="utf-8").replace("\0", " ")
            parts.append(f"==> {rel} <==\n{text.rstrip(chr(10))}")
    return "\n\n".join(parts) + "\n"


# Fixture formats and their code-fence languages: manifests, and AKS cluster configuration.
FIXTURE_SUFFIXES = (".yaml", ".json", ".tf", ".bicep")
_FENCE = {".yaml": "yaml", ".json": "json", ".tf": "hcl", ".bicep": "bicep", "": "text"}


def _with_expectations(base: Any, name: str) -> str:
    """The fixture's text; JSON has no comments, so its expected lines (sidecar NAME.expect)
    are shown as `// expect:` marks, the convention of the other formats."""
    text: str = base.joinpath(name).read_text(encoding="utf-8")
    if not name.endswith(".json"):
        return text
    sidecar = base.joinpath(name[: -len(".json")] + ".expect")
    if not sidecar.is_file():
        return text
    lines = text.splitlines()
    for entry in sidecar.read_text(encoding="utf-8").splitlines():
        number, _, codes = entry.partition(":")
        if number.strip().isdigit() and 0 < int(number) <= len(lines):
            lines[int(number) - 1] += f"  // expect: {codes.strip()}"
    return "\n".join(lines) + "\n"


def _target_word(rule: Rule) -> str:
    return {
        "Container": "each container, init container and ephemeral container",
        "Workload": "each object that runs pods",
        "Resource": "each object",
        "Inventory": "all objects of the scan together",
        "CredentialScene": "pods, Secrets, ServiceAccounts and the references between them, "
        "across the scan",
        "AksCluster": "each AKS cluster (az JSON, ARM, Bicep or Terraform)",
        "NodePool": "each node pool of an AKS cluster",
        "NodeHost": "each node host (a root file system offline, or a live node)",
    }.get(rule.target.__name__, rule.target.__name__)


def rule_page(rule: Rule) -> str:
    lines = [
        f"# {rule.code} {rule.slug}",
        "",
        f"**{rule.title}**",
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {rule.severity.label} |",
        f"| Checks | {_target_word(rule)} |",
    ]
    if rule.options:
        opts = ", ".join(f"`{k}` (default `{json.dumps(v)}`)" for k, v in rule.options.items())
        lines.append(f"| Options | {opts} |")
    if rule.aliases:
        lines.append(f"| Aliases | {', '.join(rule.aliases)} |")
    lines += ["", rule.summary, ""]
    for name in ("Why it matters", "Fix", "References"):
        lines += [f"## {name}", "", rule.section(name), ""]
    exs = examples(rule.code)
    if exs:
        lines += [
            "## Examples",
            "",
            "These are the rule's test fixtures. A `# expect:` comment marks each line where "
            "the rule reports a finding.",
            "",
        ]
        for ex in exs:
            verdict = "passes" if ex.passing else "fails"
            lines += [
                f"### `{ex.name}` ({verdict})",
                "",
                f"```{_FENCE.get(os.path.splitext(ex.name)[1], 'yaml')}",
                ex.text.rstrip("\n"),
                "```",
                "",
            ]
    if rule.target.__name__ in ("AksCluster", "NodePool"):  # not a Kubernetes object
        suppress = (
            f"Add an exemption for `{rule.code}` to `.kubeward.yaml` (`kinds: [ManagedCluster]` "
            "or `[AgentPool]`, `names: [...]`), or record it in a baseline. See "
            "[suppressions](../suppressions.md)."
        )
    elif rule.target.__name__ == "NodeHost":  # a host, not a Kubernetes object
        suppress = (
            f"Add an exemption for `{rule.code}` to `.kubeward.yaml` (`kinds: [NodeHost]`, "
            "`names: [<hostname>]`), or record it in a baseline. See "
            "[suppressions](../suppressions.md)."
        )
    else:
        suppress = (
            f'Annotate the object or its pod template with `kubeward.io/ignore: "{rule.code} '
            'reason"` (or `kubeward.io/ignore.<container>` for one container), or add an '
            "exemption to `.kubeward.yaml`. See [suppressions](../suppressions.md)."
        )
    lines += ["## Suppress", "", suppress, ""]
    return "\n".join(lines)


def index_page(catalogue: Catalogue) -> str:
    lines = [
        "# Rules",
        "",
        "Generated by `kubeward rules docs` from the rule catalogue; do not edit by hand.",
        "",
        "| Code | Slug | Severity | Title |",
        "|---|---|---|---|",
    ]
    for r in catalogue:
        title = r.title.replace("|", "\\|")
        lines.append(f"| [{r.code}]({r.code}.md) | {r.slug} | {r.severity.label} | {title} |")
    lines.append("")
    return "\n".join(lines)


def generate(catalogue: Catalogue) -> dict[str, str]:
    """File name -> content for docs/rules/."""
    pages = {f"{r.code}.md": rule_page(r) for r in catalogue}
    pages["README.md"] = index_page(catalogue)
    return pages


def _differs(path: str, text: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read() != text
    except OSError:
        return True


def _orphans(directory: str, pages: dict[str, str]) -> list[str]:
    if not os.path.isdir(directory):
        return []
    return [
        os.path.join(directory, n)
        for n in sorted(os.listdir(directory))
        if n.endswith(".md") and n not in pages
    ]


def write(catalogue: Catalogue, directory: str) -> list[str]:
    """Write the pages; remove pages of rules that no longer exist. Returns changed files."""
    os.makedirs(directory, exist_ok=True)
    pages = generate(catalogue)
    changed = []
    for name, text in pages.items():
        path = os.path.join(directory, name)
        if _differs(path, text):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            changed.append(path)
    for path in _orphans(directory, pages):
        os.remove(path)
        changed.append(path)
    return changed


def stale(catalogue: Catalogue, directory: str) -> list[str]:
    """Pages that differ from what `write` would produce."""
    pages = generate(catalogue)
    out = [p for name, text in pages.items() if _differs(p := os.path.join(directory, name), text)]
    return sorted(out + _orphans(directory, pages))
