"""Label selectors: which labels a selector matches, with Kubernetes' semantics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.model.path import Path
from kubeward.model.resource import Problem, Reader

OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})


def matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool | None:
    """Whether `labels` satisfy a LabelSelector (`matchLabels` AND every `matchExpressions`
    entry). None when the selector is invalid (an unknown operator), which the API server
    would refuse. An empty selector matches everything."""
    match_labels = selector.get("matchLabels") or {}
    for key, value in match_labels.items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = str(expr.get("key", "")), expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op not in OPERATORS:
            return None
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def checked_selector(reader: Reader, raw: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    """A LabelSelector as a plain mapping, in the shape `matches` reads, its fields type-checked
    (problems go to `reader`, found at `path`)."""
    expressions = []
    for i, e in reader.maps(raw, "matchExpressions", path):
        at = path + ("matchExpressions", i)
        expressions.append(
            {
                "key": reader.string(e, "key", at) or "",
                "operator": reader.string(e, "operator", at) or "",
                "values": list(reader.strings(e, "values", at)),
            }
        )
    return {
        "matchLabels": reader.string_map(raw, "matchLabels", path),
        "matchExpressions": expressions,
    }


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `matchExpressions` entry (or one `matchLabels` pair, as `In` with one value)."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None  # DoesNotExist

    def text(self) -> str:
        """kubectl's notation: `app=web`, `tier in (a,b)`, `!env`."""
        values = ",".join(sorted(self.values))
        if self.operator == "In":
            return f"{self.key}={values}" if len(self.values) == 1 else f"{self.key} in ({values})"
        if self.operator == "NotIn":
            return f"{self.key} notin ({values})"
        if self.operator == "Exists":
            return self.key
        return f"!{self.key}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A typed LabelSelector: `matchLabels` AND every `matchExpressions` requirement.

    An empty selector (no labels, no expressions) selects everything. Built by
    `read_selector`, which reports malformed fields and invalid requirements.
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()
    valid: bool = True  # False when the API server would refuse one of its requirements

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(r.matches(labels) for r in self.expressions)

    def requirements(self) -> tuple[Requirement, ...]:
        """Every requirement, `matchLabels` pairs as single-value `In`, sorted by key: two
        selectors that select the same way by construction have equal requirements."""
        reqs = [Requirement(k, "In", (v,)) for k, v in self.match_labels]
        reqs += [
            Requirement(r.key, r.operator, tuple(sorted(set(r.values)))) for r in self.expressions
        ]
        return tuple(sorted(set(reqs), key=lambda r: (r.key, r.operator, r.values)))

    def text(self) -> str:
        """kubectl's notation, `{}` for the empty selector."""
        if self.empty:
            return "{}"
        return ",".join(r.text() for r in self.requirements())


def read_selector(
    reader: Reader, parent: Mapping[str, Any], key: str, path: Path
) -> LabelSelector | None:
    """The LabelSelector at `parent[key]`, None when absent or null. Wrongly typed fields are
    reported and ignored; requirements the API server refuses (an unknown operator, `In`
    without values, `Exists` with values) are reported too and select nothing."""
    if parent.get(key) is None:
        return None
    node = reader.mapping(parent, key, path)
    at = path + (key,)
    labels = reader.string_map(node, "matchLabels", at)
    expressions: list[Requirement] = []
    valid = True
    for i, e in reader.maps(node, "matchExpressions", at):
        where = at + ("matchExpressions", i)
        req_key = reader.string(e, "key", where) or ""
        op = reader.string(e, "operator", where) or ""
        values = reader.strings(e, "values", where)
        if op not in OPERATORS or (op in ("In", "NotIn")) != bool(values):
            valid = False
        if op not in OPERATORS:
            reader.problems.append(
                Problem(where + ("operator",), f"unknown selector operator {op!r}")
            )
            expressions.append(Requirement(req_key, "In", ()))  # selects nothing
        elif op in ("In", "NotIn") and not values:
            reader.problems.append(
                Problem(where + ("values",), f"operator {op} needs at least one value")
            )
            expressions.append(Requirement(req_key, "In", ()))
        elif op in ("Exists", "DoesNotExist") and values:
            reader.problems.append(Problem(where + ("values",), f"operator {op} takes no values"))
            expressions.append(Requirement(req_key, "In", ()))
        else:
            expressions.append(Requirement(req_key, op, values))
    return LabelSelector(tuple(sorted(labels.items())), tuple(expressions), valid)
