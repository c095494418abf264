"""A synthetic cluster of many pods, made object by object (never all in memory), served by
the fake API server: for the bounded-memory test and the live-scan benchmark."""

from __future__ import annotations

from typing import Any

from tests.cluster.fakeapi import PLURALS, Source

PODS_PER_NODE = 110


def deployment(i: int, replicas: int) -> dict[str, Any]:
    name = f"app-{i}"
    return {
        "metadata": {
            "name": name,
            "namespace": f"team-{i % 10}",
            "uid": f"dep-{i}",
            "labels": {"app": name},
            "managedFields": [
                {"manager": "helm", "operation": "Update", "fieldsV1": {"f:spec": {}}}
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": f"registry.example.com/app-{i}:1.0.{i}",
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
    }


def replicaset(i: int, replicas: int) -> dict[str, Any]:
    dep = deployment(i, replicas)
    dep["metadata"]["name"] = f"app-{i}-5d4f"
    dep["metadata"]["uid"] = f"rs-{i}"
    dep["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": f"app-{i}",
            "uid": f"dep-{i}",
            "controller": True,
        }
    ]
    return dep


def pod(i: int, deployments: int, nodes: int) -> dict[str, Any]:
    """Pod i belongs to deployment i % deployments; about 3 KB of JSON, as real pods are
    (managedFields, status, annotations)."""
    d = i % deployments
    name = f"app-{d}"
    return {
        "metadata": {
            "name": f"{name}-5d4f-{i:06d}",
            "namespace": f"team-{d % 10}",
            "uid": f"pod-{i}",
            "labels": {"app": name, "pod-template-hash": "5d4f"},
            "annotations": {"checksum/config": f"{i:064x}"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{name}-5d4f",
                    "uid": f"rs-{d}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:labels": {"f:app": {}, "f:pod-template-hash": {}}},
                        "f:spec": {"f:containers": {'k:{"name":"app"}': {"f:image": {}}}},
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "subresource": "status",
                    "fieldsV1": {"f:status": {"f:conditions": {}, "f:podIP": {}}},
                },
            ],
        },
        "spec": {
            "nodeName": f"aks-nodepool1-vmss{(i // PODS_PER_NODE) % nodes:06d}",
            "containers": [
                {
                    "name": "app",
                    "image": f"registry.example.com/{name}:1.0.{d}",
                    "env": [{"name": f"SETTING_{k}", "value": f"value-{k}-{i}"} for k in range(8)],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": [
                        {
                            "name": "kube-api-access",
                            "mountPath": "/var/run/secrets/kubernetes.io",
                            "readOnly": True,
                        }
                    ],
                }
            ],
            "volumes": [{"name": "kube-api-access", "projected": {"sources": []}}],
            "serviceAccountName": "default",
        },
        "status": {
            "phase": "Running",
            "podIP": f"10.244.{(i // 250) % 250}.{i % 250}",
            "conditions": [
                {"type": t, "status": "True", "lastTransitionTime": "2026-11-01T10:00:00Z"}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": True,
                    "restartCount": 0,
                    "image": f"app-{d}",
                    "imageID": f"registry.example.com/app@sha256:{i:064x}",
                }
            ],
        },
    }


def node(i: int) -> dict[str, Any]:
    name = f"aks-nodepool1-vmss{i:06d}"
    return {
        "metadata": {
            "name": name,
            "uid": f"node-{i}",
            "labels": {
                "kubernetes.azure.com/cluster": "MC_rg_big_westeurope",
                "kubernetes.io/hostname": name,
            },
        },
        "spec": {"providerID": f"azure:///subscriptions/0/virtualMachines/{i}"},
        "status": {"images": [{"names": [f"image-{k}"], "sizeBytes": 1000 * k} for k in range(50)]},
    }


def cluster(pods: int, deployments: int = 100) -> dict[tuple[str, str, str], Source]:
    """`pods` pods spread over `deployments` Deployments (each with its ReplicaSet) and one
    AKS node per 110 pods."""
    nodes = max(1, -(-pods // PODS_PER_NODE))
    per = max(1, pods // deployments)
    return {
        PLURALS["Node"]: Source(make=node, count=nodes),
        PLURALS["Deployment"]: Source(make=lambda i: deployment(i, per), count=deployments),
        PLURALS["ReplicaSet"]: Source(make=lambda i: replicaset(i, per), count=deployments),
        PLURALS["Pod"]: Source(make=lambda i: pod(i, deployments, nodes), count=pods),
    }
