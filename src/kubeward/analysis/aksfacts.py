"""Dated AKS facts (supported Kubernetes versions, isolated VM sizes) read from
`kubeward/data/aks-facts.yaml`, and the questions rules ask of them."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Minor:
    version: tuple[int, int]
    end_of_life: datetime.date
    lts_end_of_life: datetime.date | None

    @property
    def text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


@dataclass(frozen=True, slots=True)
class Facts:
    versions_as_of: datetime.date
    versions_source: str
    minors: tuple[Minor, ...]
    isolated_as_of: datetime.date
    isolated_source: str
    isolated: frozenset[str]  # lower-cased size names
    retired_isolation: dict[str, datetime.date]


def _date(text: Any) -> datetime.date:
    return datetime.date.fromisoformat(str(text))


@cache
def facts() -> Facts:
    raw = yaml.safe_load(
        resources.files("kubeward.data").joinpath("aks-facts.yaml").read_text(encoding="utf-8")
    )
    kv = raw["kubernetes_versions"]
    minors = []
    for text, entry in kv["minors"].items():
        major, minor = (int(x) for x in str(text).split("."))
        lts = entry.get("lts_end_of_life")
        minors.append(
            Minor((major, minor), _date(entry["end_of_life"]), _date(lts) if lts else None)
        )
    iso = raw["isolated_vm_sizes"]
    return Facts(
        versions_as_of=_date(kv["as_of"]),
        versions_source=" ".join(str(kv["source"]).split()),
        minors=tuple(sorted(minors, key=lambda m: m.version)),
        isolated_as_of=_date(iso["as_of"]),
        isolated_source=" ".join(str(iso["source"]).split()),
        isolated=frozenset(s.lower() for s in iso["sizes"]),
        retired_isolation={k.lower(): _date(v) for k, v in iso["retired"].items()},
    )


_VERSION = re.compile(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?\s*")


def parse_version(text: str) -> tuple[int, int] | None:
    m = _VERSION.fullmatch(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True, slots=True)
class Support:
    supported: bool
    reason: str


def version_support(text: str, on: datetime.date | None = None, lts: bool = False) -> Support:
    """Whether AKS supports Kubernetes `text` on the date `on` (default: the data's date).
    Versions newer than every version in the data are not judged (supported)."""
    f = facts()
    day = on or f.versions_as_of
    v = parse_version(text)
    if v is None:
        return Support(False, f"{text!r} is not a Kubernetes version (major.minor[.patch])")
    known = {m.version: m for m in f.minors}
    oldest, newest = f.minors[0], f.minors[-1]
    if v > newest.version:
        return Support(True, f"{v[0]}.{v[1]} is newer than kubeward's version data")
    minor = known.get(v)
    if minor is None:
        if v < oldest.version:
            return Support(
                False,
                f"Kubernetes {v[0]}.{v[1]} is older than every version AKS supported since "
                f"{oldest.text} (which reached end of life on {oldest.end_of_life})",
            )
        return Support(True, f"{v[0]}.{v[1]} is not in kubeward's version data")
    end = minor.lts_end_of_life if lts and minor.lts_end_of_life else minor.end_of_life
    plan = "long-term support" if lts and minor.lts_end_of_life else "community support"
    if end < day:
        extra = ""
        if not lts and minor.lts_end_of_life and minor.lts_end_of_life >= day:
            extra = (
                f"; long-term support (Premium tier, AKSLongTermSupport plan) lasts until "
                f"{minor.lts_end_of_life}"
            )
        return Support(False, f"AKS {plan} for Kubernetes {minor.text} ended on {end}{extra}")
    return Support(True, f"Kubernetes {minor.text} is supported until {end} ({plan})")


def isolation_of(vm_size: str) -> str:
    """isolated, retired (with date) or shared."""
    f = facts()
    key = vm_size.strip().lower()
    if key in f.isolated:
        return "isolated"
    if key in f.retired_isolation:
        return "retired"
    return "shared"
