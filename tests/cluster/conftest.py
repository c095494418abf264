"""The shop cluster: the objects of tests/cluster/data/shop.yaml plus what their controllers
create (ReplicaSets, Jobs, Pods), as a real cluster would list them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.fakeapi import Behaviour, FakeApiServer, serve

DATA = Path(__file__).parent / "data"
SHOP = DATA / "shop.yaml"
NODE0 = "aks-nodepool1-12345678-vmss000000"
NODE1 = "aks-nodepool1-12345678-vmss000001"
SECRET_VALUE = "c3VwZXItc2VjcmV0LXBhc3N3b3Jk"  # base64 of a password; never to be seen


def top_level() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(SHOP.read_text(encoding="utf-8")) if d]


def _owner(kind: str, name: str, uid: str, api: str = "apps/v1") -> list[dict[str, Any]]:
    return [{"apiVersion": api, "kind": kind, "name": name, "uid": uid, "controller": True}]


def _managed() -> list[dict[str, Any]]:
    return [{"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:x": {}}}]


def _pod(
    name: str,
    template: dict[str, Any],
    owner: list[dict[str, Any]],
    node: str,
    phase: str = "Running",
    extra_labels: dict[str, str] | None = None,
    namespace: str = "shop",
) -> dict[str, Any]:
    meta = template.get("metadata", {})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"pod-{name}",
            "labels": {**meta.get("labels", {}), **(extra_labels or {})},
            "ownerReferences": owner,
            "managedFields": _managed(),
        },
        "spec": {**copy.deepcopy(template["spec"]), "nodeName": node},
        "status": {"phase": phase},
    }


def _rs(name: str, dep: dict[str, Any], replicas: int) -> dict[str, Any]:
    meta = dep["metadata"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "uid": f"rs-{name}",
            "ownerReferences": _owner("Deployment", meta["name"], meta["uid"]),
            "managedFields": _managed(),
        },
        "spec": {
            "replicas": replicas,
            "selector": copy.deepcopy(dep["spec"]["selector"]),
            "template": copy.deepcopy(dep["spec"]["template"]),
        },
    }


def children(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the controllers of the shop cluster created."""
    by = {(o["kind"], o["metadata"]["name"]): o for o in objs}
    web, api, db = by[("Deployment", "web")], by[("Deployment", "api")], by[("StatefulSet", "db")]
    coredns, cron = by[("Deployment", "coredns")], by[("CronJob", "report")]
    out = [
        _rs("web-5d4f", web, 2),
        _rs("web-old", web, 0),
        _rs("api-7c8", api, 1),
        _rs("coredns-66", coredns, 2),
    ]

    def rs_owner(name: str) -> list[dict[str, Any]]:
        return _owner("ReplicaSet", name, f"rs-{name}")

    t = web["spec"]["template"]
    out += [
        _pod(
            "web-5d4f-a", t, rs_owner("web-5d4f"), NODE0, extra_labels={"pod-template-hash": "5d4f"}
        ),
        _pod(
            "web-5d4f-b", t, rs_owner("web-5d4f"), NODE1, extra_labels={"pod-template-hash": "5d4f"}
        ),
        _pod("api-7c8-x", api["spec"]["template"], rs_owner("api-7c8"), NODE0),
        _pod(
            "coredns-66-a",
            coredns["spec"]["template"],
            rs_owner("coredns-66"),
            NODE1,
            namespace="kube-system",
        ),
    ]
    sts = _owner("StatefulSet", "db", "sts-db")
    out += [_pod(f"db-{i}", db["spec"]["template"], sts, NODE0) for i in range(2)]
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "report-28467120",
            "namespace": "shop",
            "uid": "job-report-1",
            "ownerReferences": _owner("CronJob", "report", "cj-report", "batch/v1"),
        },
        "spec": copy.deepcopy(cron["spec"]["jobTemplate"]["spec"]),
    }
    out.append(job)
    out.append(
        _pod(
            "report-28467120-q",
            job["spec"]["template"],
            _owner("Job", job["metadata"]["name"], "job-report-1", "batch/v1"),
            NODE1,
            phase="Succeeded",
        )
    )
    metrics = by[("Pod", "metrics-0")]
    second = copy.deepcopy(metrics)
    second["metadata"]["name"] = "metrics-1"
    second["metadata"]["uid"] = "pod-metrics-1"
    out.append(second)
    return out


def served_objects() -> list[dict[str, Any]]:
    """Top-level objects as the cluster holds them (the Secret with its values, which the
    manifest version does not carry) plus the controllers' children."""
    objs = top_level()
    live = copy.deepcopy(objs)
    for o in live:
        if o["kind"] == "Secret":
            o["data"] = {"password": SECRET_VALUE}
            o["metadata"]["annotations"] = {
                "kubectl.kubernetes.io/last-applied-configuration": (
                    '{"apiVersion":"v1","kind":"Secret","data":{"password":"' + SECRET_VALUE + '"}}'
                )
            }
        o.setdefault("metadata", {})["managedFields"] = _managed()
    return live + children(objs)


@pytest.fixture
def shop_server() -> Iterator[FakeApiServer]:
    with FakeApiServer(serve(served_objects()), behaviour=Behaviour(max_limit=3)) as server:
        yield server


def make_server(behaviour: Behaviour) -> FakeApiServer:
    return FakeApiServer(serve(served_objects()), behaviour=behaviour)
