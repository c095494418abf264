"""AKS rules: the cluster's control plane, identity, network, upgrades, nodes and add-ons.

Rules read `AksCluster` and `NodePool` views, whatever the input (az JSON, ARM, Bicep,
Terraform). A field an expression computes that kubeward cannot resolve is reported as "not
evaluated" with the expression, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubeward.analysis import aksfacts, ipplan
from kubeward.catalogue import rule
from kubeward.findings import Severity, Verdict, Violation
from kubeward.model.aks import AksCluster, Field, NodePool, Unknown

OPEN_RANGES = ("0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "*", "internet", "any")


def _unknown(what: str, *fields: Field[Any]) -> Violation | None:
    for f in fields:
        if f.unknown is not None:
            return f.not_evaluated(what)
    return None


def _low(f: Field[str]) -> str:
    return (f.value or "").strip().lower()


# ============================================================================ control plane


@rule("AKS001", severity=Severity.HIGH)
def api_server_unrestricted(c: AksCluster) -> Iterator[Violation]:
    """API server endpoint is reachable from any address on the internet.

    The cluster is not private and `apiServerAccessProfile.authorizedIPRanges` is empty (or
    contains an open range such as `0.0.0.0/0`), and public network access is not disabled.

    ## Why it matters
    By default the AKS API server has a public IP address and FQDN. Anyone can then reach the
    control plane to try stolen kubeconfigs, leaked tokens or the next API server
    vulnerability; authorized IP ranges or a private cluster take the endpoint off the internet.

    ## Fix
    Create a private cluster (`enablePrivateCluster: true`; Terraform
    `private_cluster_enabled = true`), or set `apiServerAccessProfile.authorizedIPRanges`
    (Terraform `api_server_access_profile.authorized_ip_ranges`) to your administrators' and
    CI's egress ranges, including the cluster's own egress IP.

    ## References
    - seed 000 (AKS security concepts), "마스터 보안" (master security): authorized IP ranges
      and private clusters restrict access to the API server endpoint
    - seed 003 (cluster hardening), "Kubernetes API 서버 보안" (secure the API server)
    - CIS AKS 1.8: 5.4.1 Restrict Access to the Control Plane Endpoint
    - Other tools: Checkov CKV_AZURE_6, Trivy AVD-AZU-0041, Kubescape C-0247, PSRule
      Azure.AKS.AuthorizedIPs, Azure Policy 0e246bcf-5f6f-4f87-bc6f-775d4712c7ea
    """
    nv = _unknown(
        "API server exposure",
        c.private_cluster,
        c.public_network_access,
        c.authorized_ip_ranges,
    )
    if c.private_cluster.is_true() or _low(c.public_network_access) == "disabled":
        return
    if nv is not None:
        yield nv
        return
    ranges = c.authorized_ip_ranges.value or ()
    opaque = [r for r in ranges if isinstance(r, Unknown)]
    texts = [r.strip() for r in ranges if isinstance(r, str)]
    wide = [r for r in texts if r.lower() in OPEN_RANGES]
    if wide:
        yield c.authorized_ip_ranges.violation(
            f"{c.authorized_ip_ranges.name} contains {', '.join(wide)}, which authorizes "
            "every address: the API server is open to the internet"
        )
    elif not texts and opaque:
        yield Violation(
            f"API server exposure: {c.authorized_ip_ranges.name} is computed by "
            f"{opaque[0].describe()}, which kubeward does not resolve",
            c.authorized_ip_ranges.path,
            verdict=Verdict.NOT_EVALUATED,
        )
    elif not texts:
        yield c.authorized_ip_ranges.violation(
            f"the API server is public and {c.authorized_ip_ranges.name} is "
            f"{'empty' if c.authorized_ip_ranges.present else 'not set'}: any address on the "
            "internet can reach it"
        )


@rule("AKS002", severity=Severity.MEDIUM)
def private_cluster_disabled(c: AksCluster) -> Iterator[Violation]:
    """Cluster is not private: the API server has a public endpoint.

    `apiServerAccessProfile.enablePrivateCluster` is not `true` and `publicNetworkAccess` is
    not `Disabled`. Authorized IP ranges (AKS001) narrow a public endpoint; a private cluster
    removes it.

    ## Why it matters
    A private cluster's API server has only a private IP address in your virtual network, so
    control plane traffic never crosses the internet and the endpoint cannot be attacked from
    it at all.

    ## Fix
    Create the cluster with `enablePrivateCluster: true` (`az aks create
    --enable-private-cluster`, Terraform `private_cluster_enabled = true`) and reach it from
    the VNet, a peered network, a jump box or `az aks command invoke`. Existing clusters can be
    moved with API server VNet integration.

    ## References
    - seed 000 (AKS security concepts), "마스터 보안" (master security): a private cluster
      limits API server access to the virtual network
    - CIS AKS 1.8: 5.4.2 Ensure clusters are created with Private Endpoint Enabled and Public
      Access Disabled
    - Other tools: Checkov CKV_AZURE_115, Trivy AVD-AZU-0065, Kubescape C-0252, Prowler
      aks_clusters_public_access_disabled, Azure Policy 040732e8-d947-40b8-95d6-854c95024bf8
    """
    if c.private_cluster.is_true() or _low(c.public_network_access) == "disabled":
        return
    nv = _unknown("private cluster", c.private_cluster)
    if nv is not None:
        yield nv
        return
    state = "false" if c.private_cluster.present else "not set"
    yield c.private_cluster.violation(
        f"{c.private_cluster.name} is {state}: the API server has a public endpoint"
    )


@rule("AKS003", severity=Severity.CRITICAL)
def kubernetes_rbac_disabled(c: AksCluster) -> Iterator[Violation]:
    """Kubernetes RBAC is disabled.

    `enableRBAC` (Terraform `role_based_access_control_enabled`) is `false`. AKS enables RBAC
    when the field is not set; it cannot be changed after creation.

    ## Why it matters
    Without RBAC every authenticated user and every service account token is effectively
    cluster-admin: one leaked pod token controls the whole cluster.

    ## Fix
    Recreate the cluster with RBAC enabled (the default); it cannot be turned on later.

    ## References
    - seed 000 (AKS security concepts), "마스터 보안": access to the API server is controlled
      with Kubernetes RBAC and Entra ID
    - seed 003 (cluster hardening), "Kubernetes 리소스에 대한 액세스를 제어하도록 RBAC 구성"
      (configure RBAC)
    - CIS AKS 1.8: 5.5.1
    - Other tools: Checkov CKV_AZURE_5, Trivy AVD-AZU-0042, Prowler aks_cluster_rbac_enabled,
      Azure Policy ac4a19c2-fa67-49b4-8ae5-0b2e78c49457
    """
    nv = _unknown("Kubernetes RBAC", c.enable_rbac)
    if nv is not None:
        yield nv
    elif c.enable_rbac.value is False:
        yield c.enable_rbac.violation(f"{c.enable_rbac.name} is false: Kubernetes RBAC is off")


@rule("AKS004", severity=Severity.HIGH)
def entra_id_not_integrated(c: AksCluster) -> Iterator[Violation]:
    """Cluster does not authenticate users with managed Microsoft Entra ID.

    `aadProfile` is missing, or it is the legacy (non-managed) Azure AD integration.

    ## Why it matters
    Without Entra ID, people use certificate-based kubeconfigs that cannot be revoked
    individually, carry no MFA or conditional access, and leave no identity in the audit log.

    ## Fix
    Enable AKS-managed Entra ID integration (`aadProfile.managed: true`; Terraform
    `azure_active_directory_role_based_access_control {}`) with admin groups, then disable
    local accounts (AKS006).

    ## References
    - seed 000 (AKS security concepts), "마스터 보안": control API server access with Entra ID
      (Azure Active Directory)
    - CIS AKS 1.8: 5.5.1 Manage Kubernetes RBAC users with Azure AD
    - Other tools: Kubescape C-0088, PSRule Azure.AKS.ManagedAAD, Azure Policy
      450d2877-ebea-41e8-b00c-e286317d21bf
    """
    nv = _unknown("Entra ID integration", c.aad_profile, c.aad_managed)
    if nv is not None:
        yield nv
    elif not c.aad_profile.value:
        yield c.aad_profile.violation(
            f"{c.aad_profile.name} is not set: users authenticate with client certificates, "
            "not Microsoft Entra ID"
        )
    elif c.aad_managed.value is not True:
        yield c.aad_managed.violation(
            f"{c.aad_managed.name} is not true: this is the legacy Azure AD integration, "
            "retired in favour of AKS-managed Entra ID"
        )


@rule("AKS005", severity=Severity.MEDIUM)
def azure_rbac_disabled(c: AksCluster) -> Iterator[Violation]:
    """Kubernetes authorization does not use Azure RBAC.

    `aadProfile.enableAzureRBAC` is not `true` (it needs managed Entra ID integration).

    ## Why it matters
    With Azure RBAC, who may do what in the cluster is granted and reviewed in one place with
    the rest of Azure (role assignments, PIM, access reviews); otherwise cluster role bindings
    to Entra groups are managed separately in every cluster.

    ## Fix
    Set `aadProfile.enableAzureRBAC: true` (`az aks update --enable-azure-rbac`, Terraform
    `azure_rbac_enabled = true`) and assign the built-in AKS RBAC roles.

    ## References
    - CIS AKS 1.8: 5.5.2 Use Azure RBAC for Kubernetes Authorization
    - Other tools: Kubescape C-0241, PSRule Azure.AKS.AzureRBAC
    """
    nv = _unknown("Azure RBAC", c.aad_profile, c.aad_azure_rbac)
    if nv is not None:
        yield nv
    elif not c.aad_profile.value:
        yield c.aad_profile.violation(
            f"{c.aad_profile.name} is not set, so Azure RBAC cannot authorize Kubernetes access"
        )
    elif c.aad_azure_rbac.value is not True:
        yield c.aad_azure_rbac.violation(
            f"{c.aad_azure_rbac.name} is "
            f"{'false' if c.aad_azure_rbac.present else 'not set'}: Kubernetes authorization "
            "does not use Azure RBAC"
        )


@rule("AKS006", severity=Severity.HIGH)
def local_accounts_enabled(c: AksCluster) -> Iterator[Violation]:
    """Local Kubernetes accounts are enabled.

    `disableLocalAccounts` (Terraform `local_account_disabled`) is not `true`, so
    `az aks get-credentials --admin` hands out a static cluster-admin certificate.

    ## Why it matters
    The local admin credential bypasses Entra ID: no MFA, no conditional access, no per-person
    audit trail, and it stays valid until the cluster certificates are rotated.

    ## Fix
    Set `disableLocalAccounts: true` (`az aks update --disable-local-accounts`); it requires
    managed Entra ID integration.

    ## References
    - seed 000 (AKS security concepts), "마스터 보안": control access with Entra ID
    - Other tools: Checkov CKV_AZURE_141, Prowler aks_cluster_local_accounts_disabled, PSRule
      Azure.AKS.LocalAccounts, Azure Policy 993c2fcd-2b29-49d2-9eb0-df2c3a730c32
    """
    nv = _unknown("local accounts", c.disable_local_accounts)
    if nv is not None:
        yield nv
    elif c.disable_local_accounts.value is not True:
        state = "false" if c.disable_local_accounts.present else "not set"
        yield c.disable_local_accounts.violation(
            f"{c.disable_local_accounts.name} is {state}: a static cluster-admin credential "
            "can be downloaded"
        )
    elif c.aad_managed.value is not True and c.aad_managed.known:
        yield c.disable_local_accounts.violation(
            f"{c.disable_local_accounts.name} is true without managed Entra ID integration; "
            "AKS refuses this configuration"
        )


@rule("AKS007", severity=Severity.LOW)
def run_command_enabled(c: AksCluster) -> Iterator[Violation]:
    """`az aks command invoke` (run command) is enabled.

    `apiServerAccessProfile.disableRunCommand` is not `true` (Terraform `run_command_enabled`
    is not `false`).

    ## Why it matters
    Run command creates a pod in the cluster with the caller's credentials through the Azure
    control plane, a path into private clusters that network restrictions do not cover.

    ## Fix
    Set `apiServerAccessProfile.disableRunCommand: true` (`az aks command invoke` is then
    refused) when operators reach the API server through the network.

    ## References
    - seed 003 (cluster hardening), "Kubernetes API 서버 보안"
    - Other tools: Azure Policy 89f2d532-c53c-4f8f-9afa-4927b1114a0d
    """
    nv = _unknown("run command", c.disable_run_command)
    if nv is not None:
        yield nv
    elif c.disable_run_command.value is not True:
        yield c.disable_run_command.violation(
            f"{c.disable_run_command.name} is "
            f"{'false' if c.disable_run_command.present else 'not set'}: run command is enabled"
        )


@rule("AKS008", severity=Severity.MEDIUM)
def service_principal_identity(c: AksCluster) -> Iterator[Violation]:
    """Cluster uses a service principal instead of a managed identity.

    No `identity` (or type `None`) and `servicePrincipalProfile.clientId` is a service
    principal rather than `msi`.

    ## Why it matters
    A service principal's secret must be stored, rotated and protected by you; it expires and
    can leak. A managed identity has no secret anyone can copy.

    ## Fix
    Use a system- or user-assigned managed identity (`identity.type`; Terraform
    `identity { type = "SystemAssigned" }`); existing clusters can be updated with
    `az aks update --enable-managed-identity`.

    ## References
    - seed 001 (network best practices): the cluster identity is a managed identity by default
    - Other tools: PSRule Azure.AKS.ManagedIdentity, Azure Policy
      da6e2401-19da-4532-9141-fb8fbde08431
    """
    nv = _unknown("cluster identity", c.identity_type)
    if nv is not None:
        yield nv
        return
    kind = _low(c.identity_type)
    if kind and kind != "none":
        return
    sp = c.service_principal
    if sp.unknown is not None or _low(sp) == "msi":
        return
    if sp.value:
        yield sp.violation(
            f"the cluster authenticates to Azure with service principal {sp.value!r} "
            f"({sp.name}) and no managed identity"
        )
    else:
        yield c.identity_type.violation(f"{c.identity_type.name} is not set: no managed identity")


@rule("AKS009", severity=Severity.HIGH, options={"as_of": None})
def kubernetes_version_unsupported(c: AksCluster, options: dict[str, Any]) -> Iterator[Violation]:
    """Cluster runs a Kubernetes version AKS no longer supports.

    The version's end of life (community support, or long-term support on the Premium tier
    with the `AKSLongTermSupport` plan) is before the date of kubeward's version data (option
    `as_of`, `YYYY-MM-DD`, to judge another day). The data and its source are in
    `kubeward/data/aks-facts.yaml`.

    ## Why it matters
    Unsupported versions get no security patches for Kubernetes or AKS components; known
    vulnerabilities stay open, and AKS eventually upgrades the cluster on its own schedule.

    ## Fix
    Upgrade the control plane and node pools to a supported minor version, and set an
    auto-upgrade channel (AKS030).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades): upgrade to an
      available version for security and compliance
    - Microsoft docs: Supported Kubernetes versions in AKS
    - Other tools: Kubescape C-0273, PSRule Azure.AKS.Version, Azure Policy
      fb893a29-21bb-418c-a157-e99480ec364c
    """
    import datetime

    f = c.kubernetes_version
    nv = _unknown("Kubernetes version", f)
    if nv is not None:
        yield nv
        return
    if not f.value:
        return
    on = None
    if options.get("as_of"):
        on = datetime.date.fromisoformat(str(options["as_of"]))
    lts = _low(c.support_plan) == "akslongtermsupport" and _low(c.sku_tier) == "premium"
    support = aksfacts.version_support(f.value, on, lts)
    if not support.supported:
        yield f.violation(f"{f.name} {f.value}: {support.reason}")


@rule("AKS010", severity=Severity.HIGH)
def dashboard_addon_enabled(c: AksCluster) -> Iterator[Violation]:
    """The Kubernetes dashboard add-on is enabled.

    `addonProfiles.kubeDashboard.enabled` is `true` (Terraform `addon_profile.kube_dashboard`).

    ## Why it matters
    The dashboard runs with broad permissions and has been the entry point of well-known
    cluster takeovers (cryptomining through an exposed dashboard). AKS deprecated the add-on.

    ## Fix
    Disable the add-on (`az aks disable-addons --addons kube-dashboard`) and use the Azure
    portal's Kubernetes resource view instead.

    ## References
    - Other tools: Checkov CKV_AZURE_8, Kubescape C-0014
    """
    enabled, name = c.addon_enabled("kubeDashboard")
    if enabled is None:
        return
    nv = _unknown("Kubernetes dashboard", enabled)
    if nv is not None:
        yield nv
    elif enabled.is_true():
        yield enabled.violation(f"the {name} add-on is enabled ({enabled.name})")


@rule("AKS011", severity=Severity.MEDIUM)
def http_application_routing_enabled(c: AksCluster) -> Iterator[Violation]:
    """The HTTP application routing add-on is enabled.

    `addonProfiles.httpApplicationRouting.enabled` is `true` (Terraform
    `http_application_routing_enabled`).

    ## Why it matters
    The add-on was built for development only: it publishes a public DNS zone and an ingress
    controller without TLS for every Ingress that uses it, and it is retired.

    ## Fix
    Disable it and use the application routing add-on (managed NGINX with Key Vault
    certificates) or your own ingress controller with TLS.

    ## References
    - seed 001 (network best practices): distribute ingress traffic with an ingress controller
      and TLS
    - Other tools: Checkov CKV_AZURE_246, PSRule Azure.AKS.HttpAppRouting
    """
    enabled, name = c.addon_enabled("httpApplicationRouting")
    if enabled is None:
        return
    nv = _unknown("HTTP application routing", enabled)
    if nv is not None:
        yield nv
    elif enabled.is_true():
        yield enabled.violation(f"the {name} add-on is enabled ({enabled.name})")


def _addon_missing(c: AksCluster, label: str, *names: str) -> Iterator[Violation]:
    enabled, _ = c.addon_enabled(*names)
    if enabled is None:
        yield Violation(
            f"the {label} add-on is not enabled (no addonProfiles.{names[0]})", c.addon_path
        )
        return
    nv = _unknown(label, enabled)
    if nv is not None:
        yield nv
    elif not enabled.is_true():
        yield enabled.violation(f"the {label} add-on is not enabled ({enabled.name})")


@rule("AKS012", severity=Severity.MEDIUM)
def azure_policy_addon_disabled(c: AksCluster) -> Iterator[Violation]:
    """The Azure Policy add-on is not enabled.

    `addonProfiles.azurepolicy.enabled` is not `true` (Terraform `azure_policy_enabled`).

    ## Why it matters
    The add-on runs Gatekeeper with Azure Policy's Kubernetes definitions: without an
    admission policy engine nothing stops a privileged pod that slipped past review.

    ## Fix
    Enable it (`az aks enable-addons --addons azure-policy`) and assign the Kubernetes pod
    security baseline or restricted initiative.

    ## References
    - seed 002 (pod security): security contexts enforced by the cluster operator
    - Other tools: Checkov CKV_AZURE_116, Trivy AVD-AZU-0066, PSRule
      Azure.AKS.AzurePolicyAddOn, Azure Policy 0a15ec92-a229-4763-bb14-0ea34a568f8d
    """
    yield from _addon_missing(c, "Azure Policy", "azurepolicy", "azurePolicy")


@rule("AKS013", severity=Severity.MEDIUM)
def defender_disabled(c: AksCluster) -> Iterator[Violation]:
    """Microsoft Defender for Containers is not enabled on the cluster.

    `securityProfile.defender.securityMonitoring.enabled` is not `true` (Terraform
    `microsoft_defender {}`).

    ## Why it matters
    Defender's sensor detects runtime threats (crypto miners, reverse shells, privilege
    escalation) and feeds image vulnerability assessment for the images the cluster runs.

    ## Fix
    Enable the Defender profile (`az aks update --enable-defender`) with a Log Analytics
    workspace.

    ## References
    - CIS AKS 1.8: 5.1.1 Ensure Image Vulnerability Scanning using Microsoft Defender for
      Cloud (MDC) image scanning or a third party provider
    - Other tools: Kubescape C-0243, Prowler aks_cluster_defender_enabled, PSRule
      Azure.AKS.DefenderProfile, Azure Policy a1840de2-8088-4ea8-b153-b4c723e9cb01
    """
    f = c.defender
    nv = _unknown("Defender", f)
    if nv is not None:
        yield nv
    elif not f.is_true():
        yield f.violation(f"{f.name} is {'false' if f.present else 'not set'}: no Defender sensor")


@rule("AKS014", severity=Severity.LOW)
def container_insights_disabled(c: AksCluster) -> Iterator[Violation]:
    """Cluster monitoring is off: neither Container Insights nor managed Prometheus.

    `addonProfiles.omsagent.enabled` is not `true` and
    `azureMonitorProfile.metrics.enabled` is not `true` (Terraform `oms_agent {}`,
    `monitor_metrics {}`).

    ## Why it matters
    Without container logs and metrics, an incident leaves no trace to investigate and
    resource exhaustion attacks go unnoticed.

    ## Fix
    Enable Container Insights (`az aks enable-addons --addons monitoring`) or Azure Monitor
    managed Prometheus (`--enable-azure-monitor-metrics`).

    ## References
    - CIS AKS 1.8: 2.1.1 (logging)
    - Other tools: Checkov CKV_AZURE_4, Trivy AVD-AZU-0040, Prowler
      aks_cluster_azure_monitor_enabled, PSRule Azure.AKS.ContainerInsights
    """
    oms, name = c.addon_enabled("omsagent", "omsAgent")
    metrics = c.monitor_metrics
    if (oms is not None and oms.is_true()) or metrics.is_true():
        return
    nv = _unknown("monitoring", *(f for f in (oms, metrics) if f is not None))
    if nv is not None:
        yield nv
        return
    at = oms if oms is not None else Field(None, c.addon_path, "addonProfiles", False)
    yield at.violation(
        f"neither Container Insights ({name} add-on) nor managed Prometheus "
        f"({metrics.name}) is enabled"
    )


AUDIT_CATEGORIES = frozenset({"kube-audit", "kube-audit-admin", "audit", "alllogs"})


@rule("AKS015", severity=Severity.MEDIUM)
def audit_logs_not_collected(c: AksCluster) -> Iterator[Violation]:
    """The API server's audit log is not collected.

    No diagnostic setting of the cluster sends the `kube-audit` or `kube-audit-admin`
    category (or the `audit` / `allLogs` category groups) anywhere. Diagnostic settings are
    separate resources: they are checked in ARM templates, Bicep and Terraform modules that
    declare them (`Microsoft.Insights/diagnosticSettings` scoped to the cluster,
    `azurerm_monitor_diagnostic_setting`); `az aks show` and the REST resource cannot show
    them, so there the check is not evaluated.

    ## Why it matters
    The audit log is the only record of who read secrets, exec'd into pods or changed RBAC.
    AKS keeps it only if you export it.

    ## Fix
    Add a diagnostic setting for the cluster with `kube-audit-admin` (writes) or `kube-audit`
    (everything) to a Log Analytics workspace or storage account.

    ## References
    - CIS AKS 1.8: 2.1.1 Enable audit Logs
    - Other tools: Kubescape C-0254, PSRule Azure.AKS.AuditLogs, Azure Policy
      AuditDiagnosticLog
    """
    if c.diagnostics is None:
        yield Violation(
            "audit logs: diagnostic settings are separate resources, not part of this "
            f"{c.shape} input; check them with `az monitor diagnostic-settings list`",
            c.path,
            verdict=Verdict.NOT_EVALUATED,
        )
        return
    if not c.diagnostics:
        yield Violation(
            "no diagnostic setting for this cluster in the scanned input: the API server audit "
            "log (kube-audit, kube-audit-admin) is not collected",
            c.path,
        )
        return
    for d in c.diagnostics:
        if any(cat.lower() in AUDIT_CATEGORIES for cat in d.categories):
            return
    unknowns = [d for d in c.diagnostics if d.unknown is not None]
    if unknowns:
        u = unknowns[0].unknown
        assert u is not None
        yield Violation(
            f"audit logs: the log categories of {unknowns[0].name} are computed by "
            f"{u.describe()}, which kubeward does not resolve",
            c.path,
            verdict=Verdict.NOT_EVALUATED,
        )
        return
    names = ", ".join(d.name for d in c.diagnostics)
    yield Violation(
        f"diagnostic settings ({names}) do not collect kube-audit or kube-audit-admin", c.path
    )


# ============================================================================ network


@rule("AKS020", severity=Severity.HIGH)
def network_policy_engine_missing(c: AksCluster) -> Iterator[Violation]:
    """No network policy engine: NetworkPolicy objects are accepted but not enforced.

    `networkProfile.networkPolicy` is not set, empty, or `none`. (Checkov, Trivy and Prowler
    accept the string `"none"` as enabled; it means no engine.)

    ## Why it matters
    By default every pod can reach every other pod. Without an engine (Azure NPM, Calico or
    Cilium) the cluster silently ignores the NetworkPolicies you write, so a compromised pod
    reaches databases, the kubelet and other namespaces unhindered.

    ## Fix
    Create the cluster with `networkPolicy: cilium` (with `networkDataplane: cilium`), `calico`
    or `azure`; existing clusters can be updated with `az aks update --network-policy`.

    ## References
    - seed 001 (network best practices), "네트워크 정책을 통해 트래픽 흐름을 제어" (control
      traffic with network policies): enable network policy when the cluster is created
    - seed 000 (AKS security concepts), "Kubernetes 네트워크 정책"
    - CIS AKS 1.8: 5.4.4 Ensure Network Policy is Enabled and set as appropriate
    - Other tools: Checkov CKV_AZURE_7, Trivy AVD-AZU-0043, Kubescape C-0240, Prowler
      aks_network_policy_enabled, PSRule Azure.AKS.NetworkPolicy
    """
    f = c.network_policy
    nv = _unknown("network policy engine", f)
    if nv is not None:
        yield nv
        return
    value = _low(f)
    if value in ("", "none"):
        state = f"{f.value!r}" if f.present else "not set"
        if value == "" and _low(c.network_dataplane) == "cilium":
            return  # Azure CNI powered by Cilium enforces policies with its own engine
        yield f.violation(
            f"{f.name} is {state}: NetworkPolicies are not enforced (no policy engine)"
        )


@rule("AKS021", severity=Severity.MEDIUM)
def kubenet_network_plugin(c: AksCluster) -> Iterator[Violation]:
    """Cluster uses kubenet rather than Azure CNI.

    `networkProfile.networkPlugin` is `kubenet`, or not set. `none` (bring your own CNI) is
    reported for a person to judge.

    ## Why it matters
    kubenet routes pods through user-defined routes and NAT: Azure network policy and Windows
    pools are not available, pods are not first-class addresses in the VNet, and kubenet is
    being retired. For most production clusters Microsoft recommends Azure CNI (overlay or
    pod subnet).

    ## Fix
    Use Azure CNI: `networkPlugin: azure` with `networkPluginMode: overlay` for the simplest
    address plan (`az aks update --network-plugin-mode overlay` migrates kubenet clusters).

    ## References
    - seed 001 (network best practices), "적절한 네트워크 모델 선택" (choose the network
      model): most production deployments should plan for Azure CNI
    - CIS AKS 1.8: 4.4.1 Ensure latest CNI version is used
    - Other tools: Checkov CKV2_AZURE_29, PSRule Azure.AKS.AzureCNI, Azure Policy
      46238e2f-3f6f-4589-9f3f-77bed4116e67
    """
    f = c.network_plugin
    nv = _unknown("network plugin", f)
    if nv is not None:
        yield nv
        return
    value = _low(f)
    if value == "kubenet":
        yield f.violation(f"{f.name} is kubenet; use Azure CNI (overlay or pod subnet)")
    elif value == "none":
        yield Violation(
            f"{f.name} is none: the cluster brings its own CNI; check that it enforces network "
            "policies and is kept up to date",
            f.path,
            verdict=Verdict.MANUAL,
        )
    elif not value:
        yield f.violation(
            f"{f.name} is not set: the cluster gets the default of the API version or provider "
            "release that creates it (kubenet for older ones); set azure explicitly"
        )


@rule("AKS022", severity=Severity.HIGH)
def node_public_ip(p: NodePool) -> Iterator[Violation]:
    """Node pool gives every node a public IP address.

    `enableNodePublicIP` (Terraform `node_public_ip_enabled`, v3 `enable_node_public_ip`) is
    `true`.

    ## Why it matters
    Nodes belong in a private subnet reached through a bastion host. A public IP exposes the
    kubelet, SSH and any hostPort or NodePort directly to the internet.

    ## Fix
    Recreate the pool without node public IPs; expose workloads through a load balancer or
    ingress, and reach nodes through Azure Bastion or a jump box in a peered VNet.

    ## References
    - seed 001 (network best practices), "요새 호스트를 통해 노드에 안전하게 연결" (connect to
      nodes through a bastion host): do not expose remote connectivity to AKS nodes
    - seed 000 (AKS security concepts), "노드 보안": nodes are deployed without public IPs
    - CIS AKS 1.8: 5.4.3 Ensure clusters are created with Private Nodes
    - Other tools: Checkov CKV_AZURE_143, Kubescape C-0248, Prowler
      aks_clusters_created_with_private_nodes
    """
    f = p.node_public_ip
    nv = _unknown(f"{p.label}: node public IPs", f)
    if nv is not None:
        yield nv
    elif f.is_true():
        yield f.violation(f"{p.label}: {f.name} is true: every node has a public IP address")


@rule("AKS023", severity=Severity.MEDIUM)
def basic_load_balancer(c: AksCluster) -> Iterator[Violation]:
    """Cluster uses the Basic load balancer SKU.

    `networkProfile.loadBalancerSku` is `basic`.

    ## Why it matters
    Basic load balancers are open by default, cannot be used with authorized IP ranges or
    multiple node pools, have no SLA, and were retired on 30 September 2025.

    ## Fix
    Use the Standard SKU (the default); Basic clusters must be migrated.

    ## References
    - seed 001 (network best practices): distribute traffic with load balancers and ingress
    - Other tools: PSRule Azure.AKS.StandardLB
    """
    f = c.load_balancer_sku
    nv = _unknown("load balancer SKU", f)
    if nv is not None:
        yield nv
    elif _low(f) == "basic":
        yield f.violation(f"{f.name} is basic (retired; no authorized IP ranges, no SLA)")


@rule("AKS024", severity=Severity.INFO)
def egress_not_controlled(c: AksCluster) -> Iterator[Violation]:
    """Node egress goes straight to the internet, not through a firewall.

    `networkProfile.outboundType` is `loadBalancer` (the default) or a NAT gateway, rather
    than `userDefinedRouting` through Azure Firewall or a network virtual appliance.

    ## Why it matters
    Without an egress firewall, a compromised pod can download tools and exfiltrate data to
    any address; egress filtering limits it to the FQDNs AKS and your workloads need.

    ## Fix
    Route egress through Azure Firewall with `outboundType: userDefinedRouting` and the AKS
    required FQDN rules.

    ## References
    - seed 000 (AKS security concepts), "Azure 네트워크 보안 그룹": limit egress traffic
    - Other tools: azqr aks-012
    """
    f = c.outbound_type
    nv = _unknown("egress", f)
    if nv is not None:
        yield nv
        return
    value = _low(f)
    if value in ("userdefinedrouting", "none", "block"):
        return
    state = f.value if f.present else "not set (loadBalancer)"
    yield f.violation(f"{f.name} is {state}: node egress is not filtered by a firewall")


def _plan(c: AksCluster) -> tuple[ipplan.Plan | None, list[Violation]]:
    """The IP plan of a cluster, or notes saying what is missing to make one."""
    notes: list[Violation] = []
    plugin = c.effective_plugin
    if plugin not in ipplan.PLUGINS:
        return None, notes
    for f in (c.pod_cidr, c.service_cidr, c.dns_service_ip, c.docker_bridge_cidr):
        if f.unknown is not None:
            notes.append(f.not_evaluated("IP plan"))
    pools = []
    for p in c.pools:
        surge_text = p.max_surge.value
        try:
            surge = ipplan.Surge.parse(surge_text)
        except ipplan.PlanError:
            surge = ipplan.Surge(1, False)
        subnet = pod_subnet = None
        for field_, which in ((p.subnet_cidr, "subnet"), (p.pod_subnet_cidr, "pod subnet")):
            if field_.value:
                try:
                    r = ipplan.parse_cidr(field_.value, f"{which} of {p.label}")
                except ipplan.PlanError:
                    continue
                if which == "subnet":
                    subnet = r
                else:
                    pod_subnet = r
        max_pods = p.max_pods.value or ipplan.default_max_pods(plugin, p.pod_subnet_id.present)
        pools.append(
            ipplan.PoolPlan(
                p.name,
                p.count.value if p.count.value is not None else 1,
                max_pods,
                surge,
                p.max_count.value if p.auto_scaling.is_true() else None,
                subnet,
                pod_subnet,
            )
        )

    def rng(f: Field[str], what: str) -> ipplan.Range | None:
        if not f.value:
            return None
        try:
            return ipplan.parse_cidr(f.value, what)
        except ipplan.PlanError:
            return None

    vnets = tuple(vn for f in c.vnets if (vn := rng(f, "VNet")) is not None)
    plan = ipplan.Plan(
        plugin,
        tuple(pools),
        service_cidr=rng(c.service_cidr, "service CIDR"),
        dns_service_ip=c.dns_service_ip.value,
        pod_cidr=rng(c.pod_cidr, "pod CIDR"),
        vnet=vnets,
        docker_bridge_cidr=rng(c.docker_bridge_cidr, "docker bridge CIDR"),
    )
    return plan, notes


@rule("AKS025", severity=Severity.HIGH)
def ip_capacity_exceeded(c: AksCluster) -> Iterator[Violation]:
    """Subnet or pod CIDR cannot hold the node pools at their maximum during an upgrade.

    The IP planning arithmetic of `kubeward ipplan`: with Azure CNI every node and pod takes
    a subnet address ((nodes + surge) x (maxPods + 1)); kubenet and Azure CNI Overlay give
    each node a /24 of the pod CIDR; kubenet stops at 400 nodes, Overlay at 5,000; Azure keeps
    5 addresses of every subnet. Pools are counted at their autoscaler maximum plus upgrade
    surge. Subnets must be declared in the same input (Terraform `azurerm_subnet`, Bicep or
    template subnet resources) to be checked; otherwise the check is not evaluated.

    ## Why it matters
    When addresses run out, scale-out and upgrades fail half-way (nodes cannot be added and
    surge nodes cannot be created), which blocks security patching exactly when it is needed.
    A subnet cannot be resized while in use.

    ## Fix
    Size the subnet with `kubeward ipplan` (it prints the smallest prefix that fits), lower
    maxPods or maxSurge, or move to Azure CNI Overlay, whose pods do not use VNet addresses.

    ## References
    - seed 001 (network best practices), "Azure CNI 네트워킹": plan the subnet for every node,
      pod and the extra addresses scale-out and upgrades need
    - Microsoft docs: IP address planning for AKS (concepts-network-ip-address-planning)
    - Other tools: PSRule Azure.AKS.CNISubnetSize (a fixed /23 minimum)
    """
    plan, notes = _plan(c)
    if plan is None:
        return
    yield from notes
    report = ipplan.evaluate(plan)
    anchor = c.pools[0] if c.pools else None
    for issue in report.issues:
        if issue.kind not in ("capacity", "limit") and not issue.message.startswith("pool "):
            continue
        path = anchor.vnet_subnet_id.path if anchor is not None else c.network_plugin.path
        if issue.kind == "limit":
            path = c.network_plugin.path
        if "pod CIDR" in issue.message:
            path = c.pod_cidr.path
        yield Violation(issue.message, path)
    flat_cni = plan.plugin == "azure"
    for p in c.pools:
        subnet_needed = flat_cni or True
        if p.vnet_subnet_id.absent:
            continue  # the AKS-managed VNet is sized by AKS
        if subnet_needed and not p.subnet_cidr.value:
            ident = p.vnet_subnet_id
            what = ident.value or (ident.unknown.expr if ident.unknown else "")
            yield Violation(
                f"IP capacity of {p.label}: the address prefix of its subnet ({what}) is not "
                "in this input; run `kubeward ipplan` with --subnet",
                p.vnet_subnet_id.path,
                verdict=Verdict.NOT_EVALUATED,
            )


@rule("AKS026", severity=Severity.HIGH)
def ip_ranges_conflict(c: AksCluster) -> Iterator[Violation]:
    """Cluster address ranges overlap each other, the VNet, or ranges AKS forbids.

    The service CIDR, pod CIDR (kubenet and Overlay), Docker bridge CIDR and node subnets must
    not overlap each other or the VNet, must avoid 169.254.0.0/16, 172.30.0.0/16,
    172.31.0.0/16 and 192.0.2.0/24, and the service CIDR must be smaller than a /12. Values
    that are not CIDRs, IPv6 ranges and host bits are reported too.

    ## Why it matters
    Overlapping ranges make traffic to a Service, a pod or an on-premises host go to the wrong
    place: outages, and traffic meant for an internal endpoint reaching another one.

    ## Fix
    Choose disjoint private ranges (e.g. service 10.0.0.0/16 outside the VNet, Overlay pods
    192.168.0.0/16) and check them with `kubeward ipplan --vnet ... --peered ...`.

    ## References
    - seed 001 (network best practices): address ranges must not overlap each other or
      networks connected to the cluster (VNet, subnets, on-premises, peered networks)
    - Microsoft docs: configure Azure CNI / kubenet / Overlay (address range rules)
    """
    plugin = c.effective_plugin
    checks = [
        (c.service_cidr, "service CIDR"),
        (c.docker_bridge_cidr, "docker bridge CIDR"),
    ]
    if plugin in ("kubenet", "overlay"):
        checks.append((c.pod_cidr, "pod CIDR"))
    for f, what in checks:
        if f.value:
            try:
                ipplan.parse_cidr(f.value, f"{what} ({f.name})")
            except ipplan.PlanError as err:
                yield f.violation(str(err))
    plan, _ = _plan(c)
    if plan is None:
        return
    report = ipplan.evaluate(plan)
    for issue in report.issues:
        if issue.kind in ("overlap", "forbidden") or (
            issue.kind == "range" and "too large" in issue.message
        ):
            path = c.service_cidr.path
            if issue.ranges and issue.ranges[0] == "pod CIDR":
                path = c.pod_cidr.path
            elif issue.ranges and issue.ranges[0] == "docker bridge CIDR":
                path = c.docker_bridge_cidr.path
            elif issue.ranges and issue.ranges[0].startswith(("subnet", "VNet")):
                path = c.pools[0].vnet_subnet_id.path if c.pools else c.path
            yield Violation(issue.message, path)


@rule("AKS027", severity=Severity.MEDIUM)
def dns_service_ip_invalid(c: AksCluster) -> Iterator[Violation]:
    """dnsServiceIP is not a usable address of the service CIDR.

    `networkProfile.dnsServiceIP` must be an IPv4 address inside `serviceCidr`, and not its
    network address, its first address (taken by the `kubernetes` Service) or its broadcast
    address.

    ## Why it matters
    AKS refuses the cluster, or CoreDNS cannot get its address and every name lookup in the
    cluster fails.

    ## Fix
    Use the `.10` address of the service CIDR (e.g. 10.0.0.10 for 10.0.0.0/16).

    ## References
    - Microsoft docs: configure Azure CNI networking (dnsServiceIP)
    """
    ip_f, svc_f = c.dns_service_ip, c.service_cidr
    nv = _unknown("dnsServiceIP", ip_f, svc_f)
    if nv is not None:
        yield nv
        return
    if not ip_f.value:
        return
    try:
        ip = ipplan.parse_ip(ip_f.value, ip_f.name)
    except ipplan.PlanError as err:
        yield ip_f.violation(str(err))
        return
    if not svc_f.value:
        return
    try:
        svc = ipplan.parse_cidr(svc_f.value, "service CIDR")
    except ipplan.PlanError:
        return  # reported by AKS026
    for message in ipplan.dns_service_ip_problems(ip, svc):
        yield ip_f.violation(message)


# ============================================================================ upgrades


@rule("AKS030", severity=Severity.MEDIUM)
def cluster_auto_upgrade_disabled(c: AksCluster) -> Iterator[Violation]:
    """No cluster auto-upgrade channel.

    `autoUpgradeProfile.upgradeChannel` (Terraform `automatic_upgrade_channel`, v3
    `automatic_channel_upgrade`) is not set or `none`.

    ## Why it matters
    Kubernetes patch releases fix security vulnerabilities; without a channel, clusters drift
    until they fall out of support.

    ## Fix
    Set `upgradeChannel` to `patch` or `stable` (and a planned maintenance window).

    ## References
    - seed 000 (AKS security concepts), "클러스터 업그레이드" (cluster upgrades)
    - Other tools: Checkov CKV_AZURE_171, Prowler aks_cluster_auto_upgrade_enabled, PSRule
      Azure.AKS.AutoUpgrade, Azure Policy 5c345cdf-2049-47e0-b8fe-b0e96bc2df35
    """
    f = c.upgrade_channel
    nv = _unknown("auto-upgrade channel", f)
    if nv is not None:
        yield nv
    elif _low(f) in ("", "none"):
        yield f.violation(
            f"{f.name} is {f.value if f.present else 'not set'}: the cluster is not upgraded "
            "automatically"
        )


@rule("AKS031", severity=Severity.MEDIUM)
def node_os_upgrade_disabled(c: AksCluster) -> Iterator[Violation]:
    """Node OS security patches are not applied automatically.

    `autoUpgradeProfile.nodeOSUpgradeChannel` (Terraform `node_os_upgrade_channel`, v3
    `node_os_channel_upgrade`) is `None` or `Unmanaged`. Not set means `NodeImage`, the
    default.

    ## Why it matters
    `None` applies no OS patches; `Unmanaged` leaves them to unattended upgrades without the
    reboots kernels need. Nodes then run with known vulnerabilities.

    ## Fix
    Use `NodeImage` or `SecurityPatch`, with a node OS maintenance window.

    ## References
    - seed 000 (AKS security concepts), "노드 보안" (node security): OS security patches and
      reboots (kured)
    - Other tools: PSRule Azure.AKS.NodeAutoUpgrade, Azure Policy
      04408ca5-aa10-42ce-8536-98955cdddd4c
    """
    f = c.node_os_upgrade_channel
    nv = _unknown("node OS upgrade channel", f)
    if nv is not None:
        yield nv
    elif _low(f) in ("none", "unmanaged"):
        yield f.violation(f"{f.name} is {f.value}: node OS patches are not applied by AKS")


@rule("AKS032", severity=Severity.LOW)
def max_surge_not_tuned(p: NodePool) -> Iterator[Violation]:
    """Node pool upgrades one node at a time (maxSurge unset or 1), or maxSurge is invalid.

    `upgradeSettings.maxSurge` (Terraform `upgrade_settings.max_surge`) is not set or `1`.
    Not set means one node in older API versions (10% in newer ones).

    ## Why it matters
    Upgrades, including node image security patches, then take one node at a time: large
    pools stay half-patched for hours and upgrades get postponed. Microsoft recommends 33% for
    production pools (mind the extra subnet addresses, see `kubeward ipplan`).

    ## Fix
    Set `maxSurge` to a percentage such as `33%` (or a node count) that your subnet and quota
    allow.

    ## References
    - seed 000 (AKS security concepts), "차단 및 드레이닝" (cordon and drain): nodes are
      replaced one by one during upgrades
    - Other tools: azqr aks-016
    """
    f = p.max_surge
    nv = _unknown(f"{p.label}: maxSurge", f)
    if nv is not None:
        yield nv
        return
    if f.value is None:
        yield f.violation(
            f"{p.label}: {f.name} is not set (one node at a time in older API versions)"
        )
        return
    try:
        surge = ipplan.Surge.parse(f.value)
    except ipplan.PlanError as err:
        yield f.violation(f"{p.label}: {err}")
        return
    if not surge.percent and surge.count <= 1:
        yield f.violation(f"{p.label}: {f.name} is {f.value}: nodes are upgraded one at a time")


# ============================================================================ nodes


@rule("AKS040", severity=Severity.MEDIUM)
def host_encryption_disabled(p: NodePool) -> Iterator[Violation]:
    """Node pool does not encrypt at host (temp disks, caches, ephemeral OS disks).

    `enableEncryptionAtHost` (Terraform `host_encryption_enabled`, v3
    `enable_host_encryption`) is not `true`.

    ## Why it matters
    Without encryption at host, the VM's temporary disk and disk caches (where ephemeral OS
    disks and emptyDir volumes live) are not encrypted with your keys at rest.

    ## Fix
    Register the `EncryptionAtHost` feature and create pools with `--enable-encryption-at-host`.

    ## References
    - seed 000 (AKS security concepts), "노드 보안": data on managed disks is encrypted at rest
    - Other tools: Checkov CKV_AZURE_227, Azure Policy 41425d9f-d1a5-499a-9932-f8ed8453932c
    """
    f = p.encryption_at_host
    nv = _unknown(f"{p.label}: encryption at host", f)
    if nv is not None:
        yield nv
    elif not f.is_true():
        yield f.violation(
            f"{p.label}: {f.name} is {'false' if f.present else 'not set'}: no encryption at host"
        )


@rule("AKS041", severity=Severity.LOW)
def disk_encryption_set_missing(c: AksCluster) -> Iterator[Violation]:
    """Node OS and data disks are not encrypted with a customer-managed key.

    `diskEncryptionSetID` (Terraform `disk_encryption_set_id`) is not set: disks use
    platform-managed keys.

    ## Why it matters
    With a customer-managed key you control, rotate and can revoke the key protecting node
    disks, which many compliance regimes require.

    ## Fix
    Create a disk encryption set backed by Key Vault and set `diskEncryptionSetID` when
    creating the cluster.

    ## References
    - seed 000 (AKS security concepts), "노드 보안": managed disks are encrypted at rest
    - Other tools: Checkov CKV_AZURE_117, Trivy AVD-AZU-0067, Azure Policy
      7d7be79c-23ba-4033-84dd-45e2a5ccdd67
    """
    f = c.disk_encryption_set
    nv = _unknown("disk encryption set", f)
    if nv is not None:
        yield nv
    elif not f.value:
        yield f.violation(f"{f.name} is not set: node disks use platform-managed keys")


@rule("AKS042", severity=Severity.LOW)
def node_ssh_enabled(p: NodePool) -> Iterator[Violation]:
    """SSH to the nodes of a Linux pool is not disabled.

    `securityProfile.sshAccess` of the pool is not `Disabled` (not set means `LocalUser`) and
    the cluster has SSH public keys (`linuxProfile.ssh.publicKeys`, Terraform
    `linux_profile.ssh_key`). Windows pools are not checked.

    ## Why it matters
    SSH keys on nodes are standing credentials to the hosts that run every pod; node
    maintenance rarely needs them (`kubectl debug node/...` works without).

    ## Fix
    Set `securityProfile.sshAccess: Disabled` on the pool (`az aks nodepool update
    --ssh-access disabled`).

    ## References
    - seed 000 (AKS security concepts), "노드 보안": SSH is enabled by default for
      troubleshooting, reachable only on internal addresses
    - seed 001 (network best practices): connect to nodes only through a bastion host
    - Other tools: Azure Policy 28257686-e9db-403e-b9e2-a5eecbe03da9
    """
    if p.is_windows or p.context.ssh_keys is False:
        return  # without an SSH public key on the cluster, nobody can log in over SSH
    f = p.ssh_access
    nv = _unknown(f"{p.label}: SSH access", f)
    if nv is not None:
        yield nv
    elif _low(f) != "disabled":
        state = f.value if f.present else "not set (LocalUser)"
        yield f.violation(f"{p.label}: {f.name} is {state}: SSH to the nodes is enabled")


@rule("AKS043", severity=Severity.LOW)
def system_pool_not_isolated(p: NodePool) -> Iterator[Violation]:
    """System node pool also runs application pods (no CriticalAddonsOnly taint).

    A pool in `System` mode has no `CriticalAddonsOnly=true:NoSchedule` taint (Terraform
    `only_critical_addons_enabled = true`) while the cluster has user pools for applications.

    ## Why it matters
    Application pods on system nodes compete with CoreDNS, konnectivity and metrics-server,
    and a compromised application shares a node with privileged system components.

    ## Fix
    Taint the system pool with `CriticalAddonsOnly=true:NoSchedule` and run applications on
    user pools.

    ## References
    - seed 000 (AKS security concepts), "노드 보안"
    - Other tools: Checkov CKV_AZURE_232, Azure Policy (reserved system pool taints)
    """
    if not p.is_system or not p.context.has_user_pool:
        return
    f = p.node_taints
    nv = _unknown(f"{p.label}: taints", f)
    if nv is not None:
        yield nv
        return
    taints = [t for t in f.value or () if isinstance(t, str)]
    if any(t.replace(" ", "").startswith("CriticalAddonsOnly") for t in taints):
        return
    yield f.violation(
        f"{p.label} is a System pool without the CriticalAddonsOnly=true:NoSchedule taint: "
        "application pods can be scheduled next to system components"
    )


@rule("AKS044", severity=Severity.INFO, options={"require_isolated": False})
def compute_not_isolated(p: NodePool, options: dict[str, Any]) -> Iterator[Violation]:
    """Node pool does not run on an isolated VM size.

    Isolated sizes run on hardware dedicated to one customer. A size that is no longer
    isolated always fails; other shared sizes are reported for a person to judge, or fail
    with the option `require_isolated: true`. The size list is dated data in
    `kubeward/data/aks-facts.yaml`.

    ## Why it matters
    Workloads with regulatory or compliance requirements may need physical isolation from
    other customers' VMs; hostile multi-tenant workloads need it.

    ## Fix
    Use one of the isolated sizes (for example `Standard_E104i_v5`) for pools that need it.

    ## References
    - seed 000 (AKS security concepts), "계산 격리" (compute isolation): choose an isolated VM
      size as the node size
    - Microsoft docs: Isolation in the Azure cloud (virtual-machines/isolation)
    """
    f = p.vm_size
    nv = _unknown(f"{p.label}: VM size", f)
    if nv is not None:
        yield nv
        return
    if not f.value:
        return
    kind = aksfacts.isolation_of(f.value)
    facts = aksfacts.facts()
    if kind == "isolated":
        return
    if kind == "retired":
        ended = facts.retired_isolation[f.value.strip().lower()]
        yield f.violation(f"{p.label}: {f.value} is no longer an isolated size (since {ended})")
    elif options.get("require_isolated"):
        yield f.violation(f"{p.label}: {f.value} is not an isolated VM size")
    else:
        yield Violation(
            f"{p.label}: {f.value} shares hardware with other customers; if this pool runs "
            "regulated or hostile multi-tenant workloads, use an isolated size (list as of "
            f"{facts.isolated_as_of})",
            f.path,
            verdict=Verdict.MANUAL,
        )


# ============================================================================ identity and secrets


@rule("AKS050", severity=Severity.MEDIUM)
def workload_identity_disabled(c: AksCluster) -> Iterator[Violation]:
    """Microsoft Entra Workload ID is not enabled (or lacks the OIDC issuer).

    `securityProfile.workloadIdentity.enabled` (Terraform `workload_identity_enabled`) is not
    `true`, or it is enabled without `oidcIssuerProfile.enabled`, or the deprecated pod
    identity (`podIdentityProfile`) is still enabled.

    ## Why it matters
    Without workload identity, pods reach Azure with secrets in Kubernetes Secrets or through
    the node's identity; pod identity (NMI) intercepts IMDS traffic and is deprecated.

    ## Fix
    Enable the OIDC issuer and workload identity (`az aks update --enable-oidc-issuer
    --enable-workload-identity`), federate user-assigned identities with service accounts,
    and remove pod identity.

    ## References
    - seed 002 (pod security), "Microsoft Entra 워크로드 ID 사용" (use Entra workload identity)
    - CIS AKS 1.8: 5.2.1 Prefer using dedicated AKS Service Accounts
    - Other tools: Kubescape C-0239, Azure Policy 2cc2e023-0dac-4046-875b-178f683929d5
    """
    wi, oidc = c.workload_identity, c.oidc_issuer
    nv = _unknown("workload identity", wi, oidc)
    if nv is not None:
        yield nv
        return
    if c.pod_identity.is_true():
        yield c.pod_identity.violation(
            f"{c.pod_identity.name} is true: pod-managed identity is deprecated; use workload "
            "identity"
        )
    if not wi.is_true():
        yield wi.violation(f"{wi.name} is {'false' if wi.present else 'not set'}")
    elif not oidc.is_true():
        yield oidc.violation(
            f"workload identity is enabled but {oidc.name} is not: AKS refuses this "
            "configuration (tokens cannot be federated)"
        )


@rule("AKS051", severity=Severity.LOW)
def key_vault_secrets_provider_missing(c: AksCluster) -> Iterator[Violation]:
    """Key Vault secrets provider is off, or does not rotate secrets.

    `addonProfiles.azureKeyvaultSecretsProvider` is not enabled, or its
    `config.enableSecretRotation` is not `"true"` (Terraform `key_vault_secrets_provider {
    secret_rotation_enabled = true }`).

    ## Why it matters
    Secrets kept in Key Vault and mounted through the Secrets Store CSI driver are not stored
    in etcd or manifests; without rotation, a rotated secret stays stale in pods.

    ## Fix
    Enable the add-on with rotation (`az aks enable-addons --addons
    azure-keyvault-secrets-provider --enable-secret-rotation`).

    ## References
    - seed 002 (pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용" (Key Vault
      with the Secrets Store CSI driver)
    - CIS AKS 1.8: 4.5.2 Consider external secret storage
    - Other tools: Checkov CKV_AZURE_172, PSRule Azure.AKS.SecretStore,
      Azure.AKS.SecretStoreRotation
    """
    addon = c.addon("azureKeyvaultSecretsProvider")
    if addon is None:
        yield Violation(
            "the Key Vault secrets provider add-on is not enabled "
            "(no addonProfiles.azureKeyvaultSecretsProvider)",
            c.addon_path,
        )
        return
    nv = _unknown("Key Vault secrets provider", addon.enabled)
    if nv is not None:
        yield nv
        return
    if not addon.enabled.is_true():
        yield addon.enabled.violation(
            f"the Key Vault secrets provider add-on is not enabled ({addon.enabled.name})"
        )
        return
    rotation = addon.config_value("enableSecretRotation")
    if rotation is not None and rotation.unknown is not None:
        yield rotation.not_evaluated("secret rotation")
    elif rotation is None or _low(rotation) != "true":
        at = rotation if rotation is not None else addon.enabled
        yield at.violation("the Key Vault secrets provider does not rotate secrets")


@rule("AKS052", severity=Severity.MEDIUM)
def etcd_kms_disabled(c: AksCluster) -> Iterator[Violation]:
    """Kubernetes Secrets in etcd are not encrypted with a Key Vault key (KMS).

    `securityProfile.azureKeyVaultKms.enabled` (Terraform `key_management_service {}`) is not
    `true`.

    ## Why it matters
    AKS encrypts etcd at rest with platform keys; KMS adds envelope encryption with a key you
    own and can rotate or revoke, so Secrets stay protected even if etcd data leaks.

    ## Fix
    Enable KMS etcd encryption with a Key Vault key (`az aks update --enable-azure-keyvault-kms
    --azure-keyvault-kms-key-id ...`), preferably with private key vault access.

    ## References
    - seed 000 (AKS security concepts), "Kubernetes 비밀": etcd data is encrypted at rest
    - CIS AKS 1.8: 5.3.1 Ensure Kubernetes Secrets are encrypted
    - Other tools: Kubescape C-0244, Azure Policy dbbdc317-9734-4dd8-9074-993b29c69008
    """
    f = c.kms
    nv = _unknown("KMS etcd encryption", f)
    if nv is not None:
        yield nv
    elif not f.is_true():
        yield f.violation(f"{f.name} is {'false' if f.present else 'not set'}: no KMS encryption")


@rule("AKS053", severity=Severity.LOW)
def image_cleaner_disabled(c: AksCluster) -> Iterator[Violation]:
    """Image Cleaner does not remove unused, vulnerable images from the nodes.

    `securityProfile.imageCleaner.enabled` (Terraform `image_cleaner_enabled`) is not `true`.

    ## Why it matters
    Old images with known vulnerabilities stay on nodes and can be started again by anyone who
    can create a pod with `imagePullPolicy: Never` or `IfNotPresent`.

    ## Fix
    Enable Image Cleaner (`az aks update --enable-image-cleaner`).

    ## References
    - seed 003 (cluster hardening), "이미지 스캐너를 사용하여 보안 정책 시행"
    - Other tools: Azure Policy af3c26b2-6fad-493e-9236-9c68928516ab
    """
    f = c.image_cleaner
    nv = _unknown("Image Cleaner", f)
    if nv is not None:
        yield nv
    elif not f.is_true():
        yield f.violation(f"{f.name} is {'false' if f.present else 'not set'}")
