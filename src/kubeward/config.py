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
    rbac:                          # RBAC rules: roles and bindings Kubernetes and AKS manage
      exempt-builtin: true         # are left out (default); false reports them too
      managed:                     # more roles/bindings to treat as platform-managed (globs)
        - {kinds: [ClusterRoleBinding], names: ["gatekeeper-*"]}

The file is found as `--config FILE`, else `.kubeward.yaml` (or `.yml`) in the current
directory or the nearest parent directory that has one.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubeward.analysis.rbac import ManagedPattern, RbacSettings
from kubeward.findings import Severity
from kubeward.loaders.manifests import DocLocator, parse

if TYPE_CHECKING:
    from kubeward.catalogue import Catalogue

CONFIG_NAMES = (".kubeward.yaml", ".kubeward.yml")
TOP_KEYS = {"select", "ignore", "severity", "fail-on", "exemptions", "options", "rbac"}
RBAC_KEYS = {"exempt-builtin", "managed"}
MANAGED_KEYS = {"kinds", "names", "namespaces"}
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
    fail_on: str | None = None  # a severity label, or "none" (never fail on findings)
    exemptions: tuple[Exemption, ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rbac: RbacSettings = field(default_factory=RbacSettings)


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


def load_config(path: str, catalogue: Catalogue | None = None) -> Config:
    """Read and check a config file. With a catalogue, rule codes, prefixes, slugs and option
    names are checked too (each error names the line), and `severity` and `options` keys are
    normalised to rule codes.
    """
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

    def selectors(value: Any, at: tuple[str | int, ...]) -> tuple[str, ...]:
        """`strings`, each checked against the catalogue (when there is one)."""
        out = strings(value, at)
        if catalogue is not None:
            for i, sel in enumerate(out):
                if not catalogue.is_known_selector(sel):
                    where = at if isinstance(value, str) else at + (i,)
                    raise fail(where, f"unknown rule or prefix {sel!r} (see `kubeward rules list`)")
        return out

    def rule_code(code: Any, at: tuple[str | int, ...], what: str) -> str:
        """The code of the one rule `code` names (a code or slug), checked when possible."""
        if catalogue is None:
            return str(code).upper()
        rule = catalogue.get(str(code))
        if rule is None:
            raise fail(at, f"{what} for unknown rule {code!r} (a rule code or slug)")
        return rule.code

    severity: dict[str, Severity] = {}
    sev = data.get("severity") or {}
    if not isinstance(sev, Mapping):
        raise fail(("severity",), "expected a mapping of rule code to severity")
    for code, level in sev.items():
        key = rule_code(code, ("severity", code), "severity")
        try:
            severity[key] = Severity.parse(str(level))
        except ValueError as err:
            raise fail(("severity", code), str(err)) from None

    fail_on = None
    if data.get("fail-on") is not None:
        fail_on = str(data["fail-on"]).strip().lower()
        if fail_on != "none":
            try:
                Severity.parse(fail_on)
            except ValueError as err:
                raise fail(("fail-on",), f"{err} or none") from None

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
        rules = selectors(ex.get("rules"), at + ("rules",))
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
        key = rule_code(code, ("options", code), "options")
        rule = catalogue.get(key) if catalogue is not None else None
        unknown = [name for name in opts if rule is not None and name not in rule.options]
        if rule is not None and unknown:
            known = ", ".join(rule.options) or "none"
            raise fail(
                ("options", code, unknown[0]),
                f"unknown option {unknown[0]!r} for {key} (known: {known})",
            )
        options[key] = dict(opts)

    rbac = RbacSettings()
    raw_rbac = data.get("rbac")
    if raw_rbac is not None:
        if not isinstance(raw_rbac, Mapping):
            raise fail(("rbac",), "expected a mapping (exempt-builtin, managed)")
        for key in raw_rbac:
            if key not in RBAC_KEYS:
                raise fail(
                    ("rbac", key), f"unknown key {key!r} (known: {', '.join(sorted(RBAC_KEYS))})"
                )
        exempt = raw_rbac.get("exempt-builtin", True)
        if not isinstance(exempt, bool):
            raise fail(("rbac", "exempt-builtin"), "expected true or false")
        raw_managed = raw_rbac.get("managed") or []
        if not isinstance(raw_managed, list):
            raise fail(("rbac", "managed"), "expected a list")
        managed: list[ManagedPattern] = []
        for i, entry in enumerate(raw_managed):
            entry_at: tuple[str | int, ...] = ("rbac", "managed", i)
            if not isinstance(entry, Mapping):
                raise fail(entry_at, "expected a mapping (kinds, names, namespaces)")
            for key in entry:
                if key not in MANAGED_KEYS:
                    raise fail(
                        entry_at + (key,),
                        f"unknown key {key!r} (known: {', '.join(sorted(MANAGED_KEYS))})",
                    )
            pattern = ManagedPattern(
                kinds=strings(entry.get("kinds"), entry_at + ("kinds",)),
                names=strings(entry.get("names"), entry_at + ("names",)),
                namespaces=strings(entry.get("namespaces"), entry_at + ("namespaces",)),
            )
            if not (pattern.kinds or pattern.names or pattern.namespaces):
                raise fail(entry_at, "give at least one of kinds, names, namespaces")
            managed.append(pattern)
        rbac = RbacSettings(exempt_builtin=exempt, managed=tuple(managed))

    select = data.get("select")
    return Config(
        path=path,
        select=selectors(select, ("select",)) if select is not None else None,
        ignore=selectors(data.get("ignore"), ("ignore",)),
        severity=severity,
        fail_on=fail_on,
        exemptions=tuple(exemptions),
        options=options,
        rbac=rbac,
    )
