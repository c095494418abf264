"""Suppressions: annotations on objects and pod templates, config exemptions, baselines.

A suppressed finding is never dropped silently: the engine keeps it with where the suppression
came from and its reason, counts it, and reporters show it on request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kubeward.catalogue import Catalogue
from kubeward.config import Config
from kubeward.findings import Finding

ANNOTATION = "kubeward.io/ignore"
CONTAINER_ANNOTATION_PREFIX = ANNOTATION + "."

_SELECTORS = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9-]*)*)\s*(.*)$", re.S
)


@dataclass(frozen=True)
class IgnoreAnnotation:
    selectors: tuple[str, ...]
    reason: str
    container: str | None  # None: the whole object
    key: str


def parse_annotation(key: str, value: str) -> IgnoreAnnotation | None:
    """`"POD101,POD102 reason"` -> selectors and reason. None if the value has no selector."""
    if key == ANNOTATION:
        container = None
    elif key.startswith(CONTAINER_ANNOTATION_PREFIX):
        container = key[len(CONTAINER_ANNOTATION_PREFIX) :]
    else:
        return None
    m = _SELECTORS.match(value)
    if m is None:
        return None
    selectors = tuple(s.strip() for s in m.group(1).split(","))
    return IgnoreAnnotation(selectors, m.group(2).strip(), container, key)


def annotations_of(maps: Iterable[Mapping[str, str]]) -> list[IgnoreAnnotation]:
    out = []
    for mapping in maps:
        for key, value in mapping.items():
            if key.startswith(ANNOTATION):
                parsed = parse_annotation(key, value)
                if parsed is not None:
                    out.append(parsed)
    return out


class Suppressor:
    """Decides, for one finding, whether something suppresses it, and why."""

    def __init__(self, catalogue: Catalogue, config: Config, baseline: set[str] | None) -> None:
        self.catalogue = catalogue
        self.config = config
        self.baseline = baseline or set()

    def check(
        self, finding: Finding, annotations: list[IgnoreAnnotation]
    ) -> tuple[str, str] | None:
        rule = self.catalogue.get(finding.rule)
        assert rule is not None
        for ann in annotations:
            if ann.container is not None and ann.container != finding.container:
                continue
            if any(self.catalogue.matches(rule, s) for s in ann.selectors):
                return ("annotation", ann.reason or f"{ann.key} (no reason given)")
        for ex in self.config.exemptions:
            if any(self.catalogue.matches(rule, s) for s in ex.rules) and ex.covers(
                finding.obj.kind, finding.obj.namespace, finding.obj.name, finding.container
            ):
                return ("config", ex.reason or f"exemption in {self.config.path}")
        if finding.fingerprint in self.baseline:
            return ("baseline", "present in the baseline")
        return None


BASELINE_VERSION = 1


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    entries = sorted(
        (
            {
                "fingerprint": f.fingerprint,
                "rule": f.rule,
                "object": f.obj.display,
                "container": f.container,
                "path": f.path_text,
            }
            for f in findings
        ),
        key=lambda e: (str(e["object"]), str(e["rule"]), str(e["path"])),
    )
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"version": BASELINE_VERSION, "findings": entries}, fh, indent=2)
        fh.write("\n")
    return len(entries)


class BaselineError(Exception):
    pass


def read_baseline(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as err:
        raise BaselineError(f"{path}: cannot read baseline: {err.strerror or err}") from None
    except ValueError as err:
        raise BaselineError(f"{path}: not a kubeward baseline (invalid JSON: {err})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a kubeward baseline (no findings list)")
    out = set()
    for entry in data["findings"]:
        if isinstance(entry, Mapping) and isinstance(entry.get("fingerprint"), str):
            out.add(entry["fingerprint"])
    return out
