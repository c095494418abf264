"""Options shared by the commands that read a live cluster (`scan --cluster`, `upgrade
--cluster`), and their translation into `ClusterSettings`. No analysis here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from kubeward.loaders.cluster import ClusterSettings

F = TypeVar("F", bound=Callable[..., Any])

OPTION_NAMES = ("cluster", "context", "kubeconfig", "namespaces", "no_aks_defaults", "timeout")


def cluster_options(func: F) -> F:
    """Add --cluster, --context, --kubeconfig, -n/--namespace, --no-aks-defaults, --timeout."""
    options = [
        click.option(
            "--cluster",
            is_flag=True,
            help="Scan the live cluster of the current kubeconfig context (or the in-cluster "
            "ServiceAccount) instead of files.",
        ),
        click.option("--context", metavar="NAME", help="Kubeconfig context to use (--cluster)."),
        click.option(
            "--kubeconfig",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Kubeconfig file [default: $KUBECONFIG or ~/.kube/config] (--cluster).",
        ),
        click.option(
            "-n",
            "--namespace",
            "namespaces",
            multiple=True,
            metavar="NS",
            help="Only these namespaces (repeatable; --cluster).",
        ),
        click.option(
            "--no-aks-defaults",
            is_flag=True,
            help="On AKS, also report AKS-managed system objects (--cluster).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=60.0,
            show_default=True,
            metavar="SECONDS",
            help="Read timeout of one API request; slow requests are retried (--cluster).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def cluster_problem(live: Mapping[str, Any], paths: tuple[str, ...]) -> str | None:
    """A usage problem of the cluster options, or None."""
    if live.get("cluster"):
        if paths:
            return "give PATH... or --cluster, not both"
        return None
    used = [f"--{name.replace('_', '-')}" for name in ("context", "kubeconfig") if live.get(name)]
    if live.get("namespaces"):
        used.append("--namespace")
    if live.get("no_aks_defaults"):
        used.append("--no-aks-defaults")
    if used:
        return f"{', '.join(used)} only apply with --cluster"
    if not paths:
        return "give PATH... to scan, or --cluster"
    return None


def settings_from(live: Mapping[str, Any]) -> ClusterSettings:
    return ClusterSettings(
        kubeconfig=live.get("kubeconfig"),
        context=live.get("context"),
        namespaces=tuple(live.get("namespaces") or ()),
        read_timeout=float(live.get("timeout") or 60.0),
    )
