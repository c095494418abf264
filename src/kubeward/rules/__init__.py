"""The catalogue: every rule of every domain module listed below."""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType

from kubeward.catalogue import Catalogue, Rule
from kubeward.rules import aks, images, namespaces, net, node, pod, rbac, secrets, upgrade

MODULES: tuple[ModuleType, ...] = (
    pod,
    images,
    namespaces,
    net,
    upgrade,
    rbac,
    secrets,
    aks,
    node,
)


def rules_of(module: ModuleType) -> list[Rule]:
    return [value for value in vars(module).values() if isinstance(value, Rule)]


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return Catalogue(r for module in MODULES for r in rules_of(module))
