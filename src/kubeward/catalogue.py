"""Rules: the @rule decorator, the Rule record, and catalogue lookup.

A rule is one pure function of one typed view. The decorator records only what cannot be
derived from the function: its code, default severity, whether it can be fixed, and its options
with their defaults. The slug is the function's name, the title and documentation its
docstring, the target the type of its first parameter.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.findings import Severity, Violation

CODE = re.compile(r"^(POD|SEC|IMG|NS|NET|RBAC|UPG|AKS|NODE)\d{3}$")
REQUIRED_SECTIONS = ("Why it matters", "Fix", "References")


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    severity: Severity
    target: type
    func: Callable[..., Iterator[Violation]]
    doc: str
    fixable: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        return self.code.rstrip("0123456789")

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.slug

    @property
    def body(self) -> str:
        """The docstring after the title line."""
        lines = self.doc.strip().splitlines()[1:]
        return inspect.cleandoc("\n".join(lines)) if lines else ""

    def section(self, name: str) -> str:
        """One `## name` section of the docstring."""
        text = self.body
        m = re.search(rf"^## {re.escape(name)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
        return m.group(1).strip() if m else ""

    @property
    def summary(self) -> str:
        """The docstring text before the first section."""
        return self.body.split("\n## ", 1)[0].strip()

    def run(self, subject: Any, options: Mapping[str, Any] | None = None) -> Iterator[Violation]:
        if self.options:
            merged = {**self.options, **(options or {})}
            return self.func(subject, merged)
        return self.func(subject)


def rule(
    code: str,
    *,
    severity: Severity,
    fixable: bool = False,
    options: Mapping[str, Any] | None = None,
    aliases: Iterable[str] = (),
) -> Callable[[Callable[..., Iterator[Violation]]], Rule]:
    """Turn a function into a Rule. Registers nothing: modules list their rules explicitly."""

    def wrap(func: Callable[..., Iterator[Violation]]) -> Rule:
        hints = typing.get_type_hints(func)
        params = list(inspect.signature(func).parameters)
        if not params:
            raise TypeError(f"{code}: a rule takes the view it checks as its first parameter")
        target = hints.get(params[0])
        if not isinstance(target, type):
            raise TypeError(f"{code}: annotate the first parameter with the view type")
        if options and params[1:2] != ["options"]:
            raise TypeError(f"{code}: a rule with options takes them as a second parameter")
        return Rule(
            code=code,
            slug=func.__name__.replace("_", "-"),
            severity=severity,
            target=target,
            func=func,
            doc=inspect.cleandoc(func.__doc__ or ""),
            fixable=fixable,
            options=dict(options or {}),
            aliases=tuple(aliases),
        )

    return wrap


class Catalogue:
    """All rules, looked up by code, slug or alias, and selected by code or prefix."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: r.code))
        self._by_key: dict[str, Rule] = {}
        for r in self.rules:
            for key in (r.code, r.slug, *r.aliases):
                if key in self._by_key:
                    raise ValueError(f"duplicate rule key {key!r} ({r.code})")
                self._by_key[key] = r

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, key: str) -> Rule | None:
        return self._by_key.get(key) or self._by_key.get(key.upper())

    def matches(self, rule: Rule, selector: str) -> bool:
        """A selector is a code, a prefix of codes (POD, POD1), a slug, or ALL."""
        sel = selector.strip()
        if sel.upper() == "ALL":
            return True
        if sel in (rule.slug, *rule.aliases):
            return True
        return rule.code.startswith(sel.upper())

    def is_known_selector(self, selector: str) -> bool:
        return any(self.matches(r, selector) for r in self.rules)

    def select(self, select: Iterable[str] | None, ignore: Iterable[str] = ()) -> list[Rule]:
        chosen = [
            r
            for r in self.rules
            if (select is None or any(self.matches(r, s) for s in select))
            and not any(self.matches(r, s) for s in ignore)
        ]
        return chosen
