"""User configuration: `.kubeward.yaml`.

    select: [POD, IMG001]          # codes, prefixes or slugs to run (default: all)
    ignore: [POD106]               # ... to skip
    severity: {POD106: medium}     # severity overrides
    fail-on: medium                # default for --fail-on
    exemptions:                    # findings to suppress, with a reason
      - rules: [POD201]
        namespaces: ["kube-*"]     # shell-style globs; every given field must match
        kinds: [DaemonSet]
        names: ["node-exporter*"]
        containers: ["*"]
        reason: node exporter reads host network statistics
    options:                       # rule options
      IMG004: {allowed_registries: [myregistry.azurecr.io]}

The file is found as `--config FILE`, else `.kubeward.yaml` (or `.yml`) in the current
directory or the nearest parent directory that has one.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubeward.findings import Severity
from kubeward.loaders.manifests import DocLocator, parse

CONFIG_NAMES = (".kubeward.yaml", ".kubeward.yml")
TOP_KEYS = {"select", "ignore", "severity", "fail-on", "exemptions", "options"}
EXEMPTION_KEYS = {"rules", "namespaces", "kinds", "names", "containers", "reason"}


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Exemption:
    rules: tuple[str, ...]
    namespaces: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    reason: str = ""

    def covers(self, kind: str, namespace: str | None, name: str, container: str | None) -> bool:
        def ok(patterns: tuple[str, ...], value: str | None) -> bool:
            if not patterns:
                return True
            return value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)

        return (
            ok(self.namespaces, namespace)
            and ok(self.kinds, kind)
            and ok(self.names, name)
            and ok(self.containers, container)
        )


@dataclass(frozen=True)
class Config:
    path: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    exemptions: tuple[Exemption, ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def find_config(start: str | None = None) -> str | None:
    here = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def load_config(path: str) -> Config:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config: {err}") from None
    errors: list[Any] = []
    docs = parse(path, text, errors)
    if errors:
        raise ConfigError(errors[0].one_line())
    if not docs or docs[0].data is None:
        return Config(path=path)
    doc = docs[0]
    where = DocLocator(doc)

    def fail(at: tuple[str | int, ...], message: str) -> ConfigError:
        return ConfigError(f"{path}:{where.line(at)}: config error: {message}")

    data = doc.data
    if not isinstance(data, Mapping):
        raise fail((), "expected a mapping at the top level")
    for key in data:
        if key not in TOP_KEYS:
            raise fail((key,), f"unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})")

    def strings(value: Any, at: tuple[str | int, ...]) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise fail(at, "expected a string or a list of strings")

    severity: dict[str, Severity] = {}
    sev = data.get("severity") or {}
    if not isinstance(sev, Mapping):
        raise fail(("severity",), "expected a mapping of rule code to severity")
    for code, level in sev.items():
        try:
            severity[str(code).upper()] = Severity.parse(str(level))
        except ValueError as err:
            raise fail(("severity", code), str(err)) from None

    fail_on = None
    if data.get("fail-on") is not None:
        try:
            fail_on = Severity.parse(str(data["fail-on"]))
        except ValueError as err:
            raise fail(("fail-on",), str(err)) from None

    exemptions: list[Exemption] = []
    raw_ex = data.get("exemptions") or []
    if not isinstance(raw_ex, list):
        raise fail(("exemptions",), "expected a list")
    for i, ex in enumerate(raw_ex):
        at = ("exemptions", i)
        if not isinstance(ex, Mapping):
            raise fail(at, "expected a mapping")
        for key in ex:
            if key not in EXEMPTION_KEYS:
                raise fail(
                    at + (key,), f"unknown key {key!r} (known: {', '.join(sorted(EXEMPTION_KEYS))})"
                )
        rules = strings(ex.get("rules"), at + ("rules",))
        if not rules:
            raise fail(at, "an exemption needs `rules` (codes or prefixes, or ALL)")
        reason = ex.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise fail(at + ("reason",), "expected a string")
        exemptions.append(
            Exemption(
                rules=rules,
                namespaces=strings(ex.get("namespaces"), at + ("namespaces",)),
                kinds=strings(ex.get("kinds"), at + ("kinds",)),
                names=strings(ex.get("names"), at + ("names",)),
                containers=strings(ex.get("containers"), at + ("containers",)),
                reason=reason or "",
            )
        )

    options: dict[str, Mapping[str, Any]] = {}
    raw_opts = data.get("options") or {}
    if not isinstance(raw_opts, Mapping):
        raise fail(("options",), "expected a mapping of rule code to options")
    for code, opts in raw_opts.items():
        if not isinstance(opts, Mapping):
            raise fail(("options", code), "expected a mapping of option names to values")
        options[str(code).upper()] = dict(opts)

    select = data.get("select")
    return Config(
        path=path,
        select=strings(select, ("select",)) if select is not None else None,
        ignore=strings(data.get("ignore"), ("ignore",)),
        severity=severity,
        fail_on=fail_on,
        exemptions=tuple(exemptions),
        options=options,
    )
