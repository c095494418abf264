"""Live cluster scans against a real HTTPS API server on loopback, reached through a real
kubeconfig file: pagination, 403, 410 Gone, retries, slow responses, authentication, folding
of controller-owned objects, secrets, AKS detection; and the proof that a live scan reports
exactly what a scan of the same objects as manifests reports."""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubeward.cli import main
from kubeward.config import Config
from kubeward.loaders.cluster import ClusterError, ClusterSettings
from kubeward.rules import default_catalogue
from kubeward.scan import Report, scan_cluster, scan_paths
from tests.cluster.conftest import SECRET_VALUE, SHOP, make_server, served_objects
from tests.cluster.fakeapi import Behaviour, FakeApiServer

Key = tuple[str, str, str | None, str, str | None, str, str, str]


def keys(report: Report) -> Counter[Key]:
    """Findings without file and line: what must be equal between live and manifest scans."""
    return Counter(
        (
            f.rule,
            f.obj.kind,
            f.obj.namespace,
            f.obj.name,
            f.container,
            f.path_text,
            f.message,
            f.severity.label,
        )
        for f in report.findings
    )


def settings(server: FakeApiServer, tmp_path: Path, **kw: Any) -> ClusterSettings:
    config = server.kubeconfig(tmp_path / "kubeconfig", user=kw.pop("user", None))
    kw.setdefault("page_size", 2)
    kw.setdefault("backoff", 0.01)
    return ClusterSettings(kubeconfig=str(config), **kw)


def live(server: FakeApiServer, tmp_path: Path, **kw: Any) -> Any:
    aks = kw.pop("aks_defaults", False)
    config = kw.pop("config", None)
    return scan_cluster(
        settings(server, tmp_path, **kw),
        default_catalogue(),
        config,
        aks_defaults=aks,
        keep_placements=True,
    )


def manifest_report(config: Config | None = None) -> Report:
    return scan_paths([str(SHOP)], default_catalogue(), config)


# ============================================================================ equality


def test_live_scan_equals_manifest_scan(shop_server: FakeApiServer, tmp_path: Path) -> None:
    report, engine, read = live(shop_server, tmp_path)
    expected = manifest_report()
    assert keys(expected), "the shop cluster has findings to compare"
    assert keys(report) == keys(expected)
    assert Counter((r.kind, r.namespace, r.name) for r in engine.resources) == Counter(
        (r.kind, r.namespace, r.name) for r in _manifest_resources()
    )
    # the same rules ran on the same number of subjects
    assert {c: (t.passed, t.failed) for c, t in report.tallies.items()} == {
        c: (t.passed, t.failed) for c, t in expected.tallies.items()
    }
    assert read.pages > 10, "small pages: every list took several requests"


def _manifest_resources() -> list[Any]:
    from kubeward.scan import Engine

    engine = Engine(default_catalogue(), only=[])
    engine.add_paths([str(SHOP)], 10_000_000)
    return list(engine.resources)


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(max_limit=3, expire_once={"pods", "deployments"}),
        Behaviour(max_limit=3, fail_once={"pods", "secrets", "namespaces"}),
        Behaviour(max_limit=3, slow_once={"replicasets": 1.5}),
    ],
    ids=["410-gone", "500-once", "slow-response"],
)
def test_failures_the_loader_recovers_from_change_nothing(
    behaviour: Behaviour, tmp_path: Path
) -> None:
    with make_server(behaviour) as server:
        report, _, _ = live(server, tmp_path, read_timeout=0.5)
    assert keys(report) == keys(manifest_report())
    assert not report.failed_inputs


def test_expired_continue_token_restarts_the_list_without_duplicates(tmp_path: Path) -> None:
    with make_server(Behaviour(max_limit=2, expire_once={"deployments"})) as server:
        report, engine, _ = live(server, tmp_path)
        queries = server.requests_for("deployments")
    names = [r.name for r in engine.resources if r.kind == "Deployment"]
    assert sorted(names) == ["api", "coredns", "web"]  # each once
    restarts = [e for e in report.errors if "410 Gone" in e.message]
    assert len(restarts) == 1 and restarts[0].warning
    firsts = [q for q in queries if "continue" not in q]
    assert len(firsts) == 2, "the list started again from the beginning"


def test_pages_are_requested_with_limit_and_continue(tmp_path: Path) -> None:
    with make_server(Behaviour(max_limit=500)) as server:
        live(server, tmp_path, page_size=2)
        queries = server.requests_for("pods")
    pods = sum(o["kind"] == "Pod" for o in served_objects())
    assert all(q["limit"] == ["2"] for q in queries)
    assert len(queries) == math.ceil(pods / 2)
    assert sum("continue" in q for q in queries) == len(queries) - 1


def test_forbidden_kind_is_a_warning_and_the_scan_goes_on(tmp_path: Path) -> None:
    with make_server(Behaviour(max_limit=3, forbidden={"roles", "secrets"})) as server:
        report, engine, _ = live(server, tmp_path)
    warnings = [e.message for e in report.errors]
    assert any("not allowed to list roles" in w for w in warnings)
    assert any("not allowed to list secrets" in w for w in warnings)
    assert all(e.warning for e in report.errors)
    assert report.exit_code(None) == 0
    kinds = Counter(r.kind for r in engine.resources)
    assert kinds["Role"] == 0 and kinds["Secret"] == 0 and kinds["Deployment"] == 3
    assert any(f.obj.name == "web" for f in report.findings)


def test_unreachable_after_retries_is_an_error(tmp_path: Path) -> None:
    server = make_server(Behaviour())
    config = server.kubeconfig(tmp_path / "kubeconfig")
    server.start()
    server.stop()  # nothing listens on that port any more
    with pytest.raises(ClusterError, match="tries"):
        scan_cluster(
            ClusterSettings(kubeconfig=str(config), retries=1, backoff=0.01, connect_timeout=1),
            default_catalogue(),
        )


def test_wrong_token_is_unauthorized(tmp_path: Path) -> None:
    with make_server(Behaviour()) as server, pytest.raises(ClusterError, match="401"):
        live(server, tmp_path, user={"token": "not-the-token"})


# ============================================================================ authentication


def test_client_certificate_authentication(tmp_path: Path) -> None:
    with make_server(Behaviour(max_limit=50)) as server:
        report, _, _ = live(server, tmp_path, user=server.client_cert_user(), page_size=50)
        auth = {a for _, _, a in server.requests}
    assert auth == {None}, "no token was sent: the client certificate logged in"
    assert keys(report) == keys(manifest_report())


def test_exec_credential_plugin(tmp_path: Path) -> None:
    plugin = tmp_path / "kubelogin-stand-in"
    plugin.write_text(
        f"#!{sys.executable}\n"
        "import json\n"
        'print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1",\n'
        '  "kind": "ExecCredential", "status": {"token": "test-token"}}))\n',
        encoding="utf-8",
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": str(plugin),
            "args": ["get-token", "--login", "azurecli"],
            "interactiveMode": "Never",
        }
    }
    with make_server(Behaviour(max_limit=50)) as server:
        report, _, _ = live(server, tmp_path, user=user, page_size=50)
        auth = {a for _, _, a in server.requests}
    assert auth == {"Bearer test-token"}
    assert keys(report) == keys(manifest_report())


def test_context_is_chosen_and_named_in_the_report(tmp_path: Path) -> None:
    with make_server(Behaviour(max_limit=50)) as server:
        path = server.kubeconfig(tmp_path / "kc", context="prod-westeurope", cluster="shop-aks")
        report, _, _ = scan_cluster(
            ClusterSettings(kubeconfig=str(path), context="prod-westeurope", page_size=50),
            default_catalogue(),
        )
        with pytest.raises(ClusterError, match="no context 'staging'"):
            scan_cluster(
                ClusterSettings(kubeconfig=str(path), context="staging"), default_catalogue()
            )
    assert report.cluster is not None
    assert report.cluster["name"] == "shop-aks"
    assert report.cluster["context"] == "prod-westeurope"
    assert report.cluster["version"] == "v1.29.4"
    assert report.cluster["server"] == server.url


# ============================================================================ what is kept


def test_controller_owned_objects_are_folded_into_their_top_owner(
    shop_server: FakeApiServer, tmp_path: Path
) -> None:
    report, engine, read = live(shop_server, tmp_path)
    kinds = Counter(r.kind for r in engine.resources)
    assert kinds["ReplicaSet"] == 0 and kinds["Job"] == 0
    pods = sorted(r.name for r in engine.resources if r.kind == "Pod")
    assert pods == ["debug", "metrics-0"]  # the bare pod, and one pod of an unlisted owner
    assert read.folded[("shop", "Deployment", "web")] == 2
    assert read.folded[("shop", "StatefulSet", "db")] == 2
    assert read.folded[("shop", "CronJob", "report")] == 1
    assert read.stand_ins == {("shop", "Collector", "metrics"): "metrics-0"}
    per_object = Counter((f.rule, f.obj.kind, f.obj.name) for f in report.findings)
    assert per_object[("POD101", "Deployment", "api")] == 1  # once, not once per pod
    assert not any(f.obj.kind in ("ReplicaSet", "Job") for f in report.findings)


def test_secret_values_are_never_kept_or_printed(
    shop_server: FakeApiServer, tmp_path: Path
) -> None:
    settings_ = settings(shop_server, tmp_path)
    _, engine, _ = scan_cluster(settings_, default_catalogue())
    secret = next(r for r in engine.resources if r.kind == "Secret")
    assert set(secret.raw) == {"apiVersion", "kind", "metadata", "type"}
    assert SECRET_VALUE not in json.dumps(secret.raw)
    assert all("managedFields" not in r.raw.get("metadata", {}) for r in engine.resources)
    result = CliRunner().invoke(
        main,
        ["scan", "--cluster", "--kubeconfig", settings_.kubeconfig or "", "-f", "json"],
    )
    assert result.exit_code == 1, result.output
    assert SECRET_VALUE not in result.output
    assert "super-secret" not in result.output


def test_namespaces_narrow_the_scan(shop_server: FakeApiServer, tmp_path: Path) -> None:
    _, engine, _ = live(shop_server, tmp_path, namespaces=("kube-system",))
    names = {(r.kind, r.name) for r in engine.resources}
    assert ("Deployment", "coredns") in names
    assert not any(r.namespace == "shop" for r in engine.resources)
    assert ("Namespace", "shop") not in names and ("Namespace", "kube-system") in names
    paths = {p for p, _, _ in shop_server.requests}
    assert "/apis/apps/v1/namespaces/kube-system/deployments" in paths
    assert "/apis/apps/v1/deployments" not in paths


# ============================================================================ AKS


def test_aks_is_detected_and_its_managed_objects_are_exempt(
    shop_server: FakeApiServer, tmp_path: Path
) -> None:
    exempt, _, _ = live(shop_server, tmp_path, aks_defaults=True)
    full, _, _ = live(shop_server, tmp_path, aks_defaults=False)
    assert exempt.cluster is not None and exempt.cluster["aks"] is True
    coredns = [f for f in full.findings if f.obj.name == "coredns"]
    assert coredns, "coredns has findings when AKS defaults are off"
    assert not [f for f in exempt.findings if f.obj.name == "coredns"]
    reasons = {s.reason for s in exempt.suppressed if s.finding.obj.name == "coredns"}
    assert reasons == {"AKS-managed system component (reconciled by AKS; changes are reverted)"}
    assert len([s for s in exempt.suppressed if s.finding.obj.name == "coredns"]) == len(coredns)


def test_a_cluster_without_aks_nodes_is_not_aks(tmp_path: Path) -> None:
    from tests.cluster.fakeapi import serve

    objs = [o for o in served_objects() if o["kind"] != "Node"]
    objs.append({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "kind-worker"}})
    with FakeApiServer(serve(objs)) as server:
        report, _, _ = live(server, tmp_path, aks_defaults=True)
    assert report.cluster is not None and report.cluster["aks"] is False
    assert any(f.obj.name == "coredns" for f in report.findings)


# ============================================================================ CLI


def test_scan_cluster_cli_text_and_json(shop_server: FakeApiServer, tmp_path: Path) -> None:
    config = shop_server.kubeconfig(tmp_path / "kubeconfig")
    runner = CliRunner()
    text = runner.invoke(main, ["scan", "--cluster", "--kubeconfig", str(config)])
    assert text.exit_code == 1, text.output
    assert "from cluster fake-aks (context test)" in text.output
    data = json.loads(
        runner.invoke(main, ["scan", "--cluster", "--kubeconfig", str(config), "-f", "json"]).output
    )
    assert data["cluster"]["name"] == "fake-aks"
    assert data["cluster"]["aks"] is True
    assert data["summary"]["files"] == 0
    assert {f["file"] for f in data["findings"]} == {"cluster:test"}
    assert all(f["line"] is None for f in data["findings"])


def test_scan_cluster_cli_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(main, ["scan", "--cluster", "k8s/"])
    assert both.exit_code == 2 and "not both" in both.output
    stray = runner.invoke(main, ["scan", "k8s/", "--context", "prod"])
    assert stray.exit_code == 2 and "--context" in stray.output
    missing = runner.invoke(main, ["scan", "--cluster", "--kubeconfig", str(tmp_path / "absent")])
    assert missing.exit_code == 2 and "cluster:" in missing.output


def test_kubeconfig_from_the_environment(shop_server: FakeApiServer, tmp_path: Path) -> None:
    config = shop_server.kubeconfig(tmp_path / "kubeconfig")
    result = CliRunner().invoke(
        main, ["scan", "--cluster", "-f", "json"], env={"KUBECONFIG": str(config)}
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["cluster"]["context"] == "test"
    assert os.environ.get("KUBECONFIG") != str(config)
