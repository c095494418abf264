"""AKS cluster configuration: the four input shapes, expressions, bad input, the commands, and
AKS files met by `kubeward scan`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubeward.cli import main
from kubeward.config import Config
from kubeward.findings import InputError, Verdict
from kubeward.loaders import aks as aks_loader
from kubeward.model.aks import AksCluster, NodePool
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "kubeward" / "rules" / "examples"


def load(path: Path, values: dict[str, Any] | None = None) -> tuple[list[Any], list[InputError]]:
    errors: list[InputError] = []
    subjects = aks_loader.load(str(path), 10**7, errors, values)
    return subjects, errors


def cluster_of(path: Path, values: dict[str, Any] | None = None) -> AksCluster:
    subjects, errors = load(path, values)
    assert not [e for e in errors if not e.warning], [e.one_line() for e in errors]
    clusters = [s.view for s in subjects if isinstance(s.view, AksCluster)]
    assert len(clusters) == 1
    return clusters[0]


# ---------------------------------------------------------------------------- the four shapes


@pytest.mark.parametrize(
    "name", ["fail-az.json", "fail-arm.json", "fail-template.json", "fail.bicep", "fail.tf"]
)
def test_every_shape_of_the_same_cluster_reads_the_same_values(name: str) -> None:
    c = cluster_of(EXAMPLES / "AKS020" / name)
    assert c.network_policy.value == "none"
    assert c.network_plugin.value == "azure"
    assert c.effective_plugin == "overlay"
    assert c.kubernetes_version.value == "1.35.2"
    assert c.private_cluster.value is True
    assert c.disable_run_command.value is True  # Terraform: run_command_enabled = false
    assert c.aad_managed.value is True  # Terraform v4: the block is always managed
    assert c.identity_type.value == "SystemAssigned"
    assert [p.name for p in c.pools] == ["system", "apps"]
    assert [p.mode.value for p in c.pools] == ["System", "User"]
    assert c.pools[0].node_taints.value == ("CriticalAddonsOnly=true:NoSchedule",)
    assert c.pools[1].max_surge.value == "33%"
    addon = c.addon("azureKeyvaultSecretsProvider")
    assert addon is not None
    rotation = addon.config_value("enableSecretRotation")
    assert rotation is not None and rotation.value == "true"


def test_keys_are_matched_whatever_their_case(tmp_path: Path) -> None:
    doc = {
        "type": "Microsoft.ContainerService/managedClusters",
        "Properties": {
            "KubernetesVersion": "1.35.1",
            "ENABLERBAC": False,
            "networkprofile": {"NetworkPolicy": "calico"},
            "AgentPoolProfiles": [{"Name": "p", "ENABLENODEPUBLICIP": "true"}],
        },
    }
    f = tmp_path / "c.json"
    f.write_text(json.dumps(doc))
    c = cluster_of(f)
    assert c.enable_rbac.value is False
    assert c.network_policy.value == "calico"
    assert c.pools[0].node_public_ip.value is True  # ARM accepts "true" for a boolean
    assert c.enable_rbac.path == ("Properties", "ENABLERBAC")


def test_az_list_output_holds_several_clusters(tmp_path: Path) -> None:
    one = json.loads((EXAMPLES / "AKS020" / "fail-az.json").read_text())
    two = dict(one, name="other")
    f = tmp_path / "list.json"
    f.write_text(json.dumps([one, two]))
    subjects, _ = load(f)
    names = [s.resource.name for s in subjects if isinstance(s.view, AksCluster)]
    assert names == ["shop", "other"]


def test_az_yaml_output_is_read_with_lines(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(
        "name: c\ntype: Microsoft.ContainerService/ManagedClusters\nagentPoolProfiles: []\n"
        "kubernetesVersion: 1.35.0\nnetworkProfile:\n  networkPlugin: azure\n"
        "  networkPolicy: none\n"
    )
    report = scan_paths([str(f)], default_catalogue(), Config(select=("AKS020",)))
    assert [(x.rule, x.line) for x in report.findings] == [("AKS020", 7)]


# ---------------------------------------------------------------------------- expressions


def test_template_parameters_resolve_from_defaults_and_parameter_files() -> None:
    path = EXAMPLES / "AKS020" / "fail-template.json"
    assert cluster_of(path).network_policy.value == "none"
    assert cluster_of(path, {"networkPolicy": "cilium"}).network_policy.value == "cilium"


def test_unresolvable_expressions_are_unknown_and_reported_as_not_evaluated(
    tmp_path: Path,
) -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"policy": {"type": "string"}},
        "resources": [
            {
                "type": "Microsoft.ContainerService/managedClusters",
                "apiVersion": "2024-09-01",
                "name": "c",
                "properties": {
                    "networkProfile": {"networkPolicy": "[parameters('policy')]"},
                    "kubernetesVersion": "[reference('x').version]",
                    "agentPoolProfiles": [],
                },
            }
        ],
    }
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template, indent=2))
    c = cluster_of(f)
    assert c.network_policy.unknown is not None
    assert "no default value" in c.network_policy.unknown.reason
    report = scan_paths([str(f)], default_catalogue(), Config(select=("AKS020", "AKS009")))
    assert not report.findings
    notes = sorted((n.rule, n.verdict) for n in report.notes)
    assert notes == [("AKS009", Verdict.NOT_EVALUATED), ("AKS020", Verdict.NOT_EVALUATED)]
    assert "parameters('policy')" in next(n.message for n in report.notes if n.rule == "AKS020")


def test_bicep_conditions_unions_and_ternaries(tmp_path: Path) -> None:
    f = tmp_path / "main.bicep"
    f.write_text(
        "param prod bool = true\n"
        "param region string\n"
        "var base = { networkPlugin: 'azure', networkPolicy: 'none' }\n"
        "var net = union(base, prod ? { networkPolicy: 'cilium' } : {})\n"
        "resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {\n"
        "  name: 'c-${region}'\n"
        "  properties: {\n"
        "    networkProfile: net\n"
        "    enableRBAC: region == 'x' ? false : false\n"
        "    disableLocalAccounts: region == 'x'\n"
        "    agentPoolProfiles: []\n"
        "  }\n"
        "}\n"
        "resource skipped 'Microsoft.ContainerService/managedClusters@2024-09-01' = if (!prod) {\n"
        "  name: 'never'\n"
        "}\n"
    )
    c = cluster_of(f)
    assert c.name == "aks"  # the name needs a parameter without default: the symbol names it
    assert c.network_policy.value == "cilium"
    assert c.enable_rbac.value is False  # both branches agree
    assert c.disable_local_accounts.unknown is not None


def test_terraform_v3_names_variables_tfvars_and_node_pool_resources(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "policy" {\n  default = "none"\n}\nvariable "surge" {}\n'
    )
    (tmp_path / "terraform.tfvars").write_text('surge = "10%"\n')
    (tmp_path / "main.tf").write_text(
        'resource "azurerm_kubernetes_cluster" "c" {\n'
        '  automatic_channel_upgrade = "stable"\n'
        "  role_based_access_control_enabled = true\n"
        "  network_profile {\n"
        '    network_plugin = "azure"\n'
        "    network_policy = var.policy\n"
        "  }\n"
        "  default_node_pool {\n"
        '    name = "sys"\n'
        "    enable_node_public_ip = true\n"
        "    upgrade_settings {\n"
        "      max_surge = var.surge\n"
        "    }\n"
        "  }\n"
        "}\n"
        'resource "azurerm_kubernetes_cluster_node_pool" "user" {\n'
        "  kubernetes_cluster_id = azurerm_kubernetes_cluster.c.id\n"
        '  name = "user"\n'
        "  vnet_subnet_id = azurerm_subnet.s.id\n"
        "  node_count = 10\n"
        "}\n"
        'resource "azurerm_subnet" "s" {\n'
        '  address_prefixes = ["10.0.0.0/26"]\n'
        "}\n"
    )
    c = cluster_of(tmp_path / "main.tf")
    assert c.upgrade_channel.value == "stable"
    assert c.network_policy.value == "none"
    assert c.network_policy.path == ("network_profile", "network_policy")
    sys_pool, user = c.pools
    assert sys_pool.node_public_ip.value is True
    assert sys_pool.max_surge.value == "10%"  # terraform.tfvars wins over the default
    assert user.mode.value == "User"
    assert user.subnet_cidr.value == "10.0.0.0/26"
    report = scan_paths([str(tmp_path / "main.tf")], default_catalogue(), Config(select=("AKS",)))
    by_rule = {(f.rule, f.obj.file.rsplit("/", 1)[-1], f.line) for f in report.findings}
    assert ("AKS020", "main.tf", 6) in by_rule
    assert ("AKS022", "main.tf", 10) in by_rule
    # 10 nodes x 31 addresses (plus surge) in a /26 (59 usable): Azure CNI needs more
    capacity = [f for f in report.findings if f.rule == "AKS025"]
    assert capacity and "10.0.0.0/26" in capacity[0].message


def test_terraform_module_calls_are_named_not_followed(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_text('module "aks" {\n  source = "Azure/aks/azurerm"\n}\n')
    subjects, errors = load(f)
    assert subjects == []
    assert len(errors) == 1 and errors[0].warning
    assert 'module aks ("Azure/aks/azurerm")' in errors[0].message


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.tf", 'resource "azurerm_kubernetes_cluster" "c" {\n  x = \n', "invalid HCL"),
        (
            "bad.bicep",
            "resource aks 'Microsoft.ContainerService/managedClusters@2024' = {\n",
            "Bicep",
        ),
        ("bad.bicep", "var x = 'open\n", "unterminated string"),
    ],
)
def test_syntax_errors_are_input_errors_not_crashes(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    f = tmp_path / name
    f.write_text(text)
    subjects, errors = load(f)
    assert subjects == []
    assert any(message in e.message and not e.warning for e in errors), [
        e.one_line() for e in errors
    ]


def test_wrong_types_invalid_cidrs_ipv6_and_unknown_api_versions(tmp_path: Path) -> None:
    doc = {
        "type": "Microsoft.ContainerService/managedClusters",
        "apiVersion": "2099-01-01-future",
        "properties": {
            "enableRBAC": {"yes": 1},
            "kubernetesVersion": 133,
            "networkProfile": {
                "networkPlugin": "kubenet",
                "serviceCidr": "10.0.0.0/33",
                "podCidr": "fd00::/48",
                "dnsServiceIP": "not-an-ip",
            },
            "agentPoolProfiles": [{"name": "p", "count": "three", "maxPods": 30}],
            "futureProfile": {"something": True},
        },
    }
    f = tmp_path / "c.json"
    f.write_text(json.dumps(doc, indent=2))
    report = scan_paths([str(f)], default_catalogue(), Config(select=("AKS",)))
    problems = [e.message for e in report.errors]
    assert any("enableRBAC: expected a boolean, got a mapping" in p for p in problems)
    assert any("count: expected an integer, got a string" in p for p in problems)
    messages = sorted(
        (f.rule, f.message) for f in report.findings if f.rule in ("AKS026", "AKS027")
    )
    assert [r for r, _ in messages] == ["AKS026", "AKS026", "AKS027"]
    assert "pod CIDR (networkProfile.podCidr) 'fd00::/48' is an IPv6 range" in messages[0][1]
    assert (
        "service CIDR (networkProfile.serviceCidr) '10.0.0.0/33' is not a valid CIDR"
        in (messages[1][1])
    )
    assert "not an IP address" in messages[2][1]
    assert report.exit_code(None) == 2  # wrongly typed fields are input errors


def test_documents_that_are_not_aks_configuration_are_warned_about(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"hello": "world"}')
    subjects, errors = load(f)
    assert subjects == [] and errors and errors[0].warning
    assert "not an AKS cluster configuration" in errors[0].message


def test_missing_fields_default_as_aks_does(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"type": "Microsoft.ContainerService/ManagedClusters", "name": "bare"}))
    report = scan_paths([str(f)], default_catalogue(), Config(select=("AKS003", "AKS031")))
    assert report.findings == []  # RBAC and the NodeImage channel are AKS's defaults
    report = scan_paths([str(f)], default_catalogue(), Config(select=("AKS001", "AKS006")))
    assert sorted(x.rule for x in report.findings) == ["AKS001", "AKS006"]
    assert all(x.line == 1 for x in report.findings)


# ---------------------------------------------------------------------------- scan and commands


def test_scan_reads_manifests_and_aks_configuration_together(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n"
        "spec:\n  containers:\n  - name: c\n    image: a:1\n"
        "    securityContext: {privileged: true}\n"
    )
    (tmp_path / "aks.tf").write_text((EXAMPLES / "AKS020" / "fail.tf").read_text())
    (tmp_path / "other.tf").write_text('resource "azurerm_resource_group" "rg" {}\n')
    report = scan_paths([str(tmp_path)], default_catalogue(), Config(select=("POD101", "AKS020")))
    assert sorted(f.rule for f in report.findings) == ["AKS020", "POD101"]
    assert not report.errors  # the unrelated .tf file is skipped silently
    assert report.stats.kinds["ManagedCluster"] == 1


def test_framework_report_covers_aks_controls(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "aks",
            str(EXAMPLES / "AKS020" / "fail-az.json"),
            "--framework",
            "cis-aks-1.8",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    controls = {c["id"]: c for c in data["framework"]["controls"]}
    assert controls["5.4.4"]["status"] == "fail"
    assert controls["5.4.2"]["status"] == "pass"
    assert controls["2.1.1"]["status"] == "not evaluated"  # az output has no diagnostic settings
    # RBAC rules exist for 4.1.1 but judge manifests, not the AKS configuration
    assert controls["4.1.1"]["status"] == "not evaluated"


def test_aks_command_exit_codes_and_parameters(tmp_path: Path) -> None:
    runner = CliRunner()
    template = str(EXAMPLES / "AKS020" / "fail-template.json")
    assert runner.invoke(main, ["aks", template, "--select", "AKS020"]).exit_code == 1
    params = tmp_path / "p.json"
    params.write_text(
        json.dumps(
            {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                "parameters": {"networkPolicy": {"value": "calico"}},
            }
        )
    )
    ok = runner.invoke(main, ["aks", template, "--select", "AKS020", "--parameters", str(params)])
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(main, ["aks", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2


def test_ipplan_command_json_and_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "ipplan",
            "--plugin",
            "azure",
            "--nodes",
            "50",
            "--max-pods",
            "30",
            "--subnet",
            "10.0.0.0/21",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["subnets"][0]["needed_during_upgrade"] == 1581
    assert data["subnets"][0]["smallest_prefix"] == 21
    bad = runner.invoke(main, ["ipplan", "--subnet", "10.0.0.0/40"])
    assert bad.exit_code == 2 and "not a valid CIDR" in bad.stderr
    from_file = runner.invoke(
        main, ["ipplan", str(EXAMPLES / "AKS025" / "fail-az.json"), "-f", "json"]
    )
    assert from_file.exit_code == 1
    issues = json.loads(from_file.stdout)["issues"]
    assert [i["kind"] for i in issues] == ["capacity"]
    assert "192.168.0.0/22" in issues[0]["message"]


def test_pool_views_carry_their_cluster_context() -> None:
    subjects, _ = load(EXAMPLES / "AKS043" / "fail-az.json")
    pools = [s.view for s in subjects if isinstance(s.view, NodePool)]
    assert [p.context.has_user_pool for p in pools] == [True, True]
    assert [s.resource.name for s in subjects] == ["shop", "shop/system", "shop/apps"]
