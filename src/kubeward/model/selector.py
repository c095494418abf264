"""Label selectors: which labels a selector matches, with Kubernetes' semantics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
