"""The live loader streams: pages are read one at a time and controller-owned pods are folded
away, so memory does not grow with the number of pods. Measured with tracemalloc (Python
allocations, the fake server's pages included); nothing here is timed. The full-size
measurement (20,000 pods, peak memory and objects per second) is `python bench/run.py
cluster`."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from kubeward.loaders.cluster import ClusterSettings
from kubeward.rules import default_catalogue
from kubeward.scan import scan_cluster
from tests.cluster import synthetic
from tests.cluster.fakeapi import Behaviour, FakeApiServer


def peak_bytes(pods: int, tmp_path: Path) -> tuple[int, int]:
    """Peak traced memory of a live scan of `pods` pods, and the pods' total JSON size."""
    with FakeApiServer(synthetic.cluster(pods, deployments=20), behaviour=Behaviour()) as server:
        config = server.kubeconfig(tmp_path / f"kubeconfig-{pods}")
        tracemalloc.start()
        try:
            report, _, read = scan_cluster(
                ClusterSettings(kubeconfig=str(config), page_size=250), default_catalogue()
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert read.pods_seen == pods
    assert report.stats.objects == 20 + -(-pods // synthetic.PODS_PER_NODE)  # pods folded
    served = sum(len(json.dumps(synthetic.pod(i, 20, 1))) for i in range(pods))
    return peak, served


def test_memory_does_not_grow_with_the_number_of_pods(tmp_path: Path) -> None:
    import kubernetes.client  # noqa: F401  (its one-time import is not the scan's memory)

    small, served_small = peak_bytes(1500, tmp_path)
    large, served_large = peak_bytes(3000, tmp_path)
    assert large < small * 1.3, f"peak grew from {small:,} to {large:,} bytes with 2x the pods"
    # The extra pods' JSON is not held: the peak grows by a small part of it, at most.
    extra = served_large - served_small
    assert large - small < extra / 10, (
        f"peak grew by {large - small:,} bytes for {extra:,} more bytes of pod JSON"
    )
