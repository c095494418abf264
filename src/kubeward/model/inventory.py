"""The scene: every object of one scan, indexed for relational rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kubeward.model.resource import Resource
from kubeward.model.workload import Workload


@dataclass(frozen=True, slots=True)
class Inventory:
    resources: tuple[Resource, ...]
    workloads: tuple[Workload, ...]
    _by_kind: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, resources: Iterable[Resource], workloads: Iterable[Workload]) -> Inventory:
        res = tuple(resources)
        index: dict[str, list[Resource]] = defaultdict(list)
        for r in res:
            index[r.kind].append(r)
        return cls(res, tuple(workloads), {k: tuple(v) for k, v in index.items()})

    def of_kind(self, kind: str) -> tuple[Resource, ...]:
        return self._by_kind.get(kind, ())

    def namespaced_in(self, namespace: str, kind: str) -> tuple[Resource, ...]:
        return tuple(r for r in self.of_kind(kind) if r.namespace == namespace)
