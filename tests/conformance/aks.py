"""AKS checks: the samples of ``corpora/aks-samples`` and a comparison with Checkov.

* :data:`EXPECTED` lists, for every sample (and the AKS-Construction Bicep file with each of
  its parameter files), the AKS rules that must fail on each object and the notes (not
  evaluated, manual) that must appear, each reasoned from Microsoft's documentation in
  :data:`REASONS`. ``tests/conformance/test_aks_corpus.py`` requires an exact match.
* ``data/checkov-aks.json`` holds Checkov 3.3.30's results (recorded with the command it names)
  on the same samples and on the AKS rules' Terraform, ARM template and Bicep fixtures. Every
  Checkov AKS check is either MAPPED to the kubeward rule that judges the same thing or OUT OF
  SCOPE with the reason; every disagreement on a file must be explained by one entry of
  :data:`DISAGREEMENTS`, which says who is right and why, and every entry must explain at
  least one case.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kubeward.config import Config
from kubeward.loaders import aks as aks_loader
from kubeward.loaders import arm
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.rules import default_catalogue
from kubeward.scan import Engine, Report, scan_paths

SAMPLES = Path("corpora") / "aks-samples"
DATA = Path(__file__).resolve().parent / "data" / "checkov-aks.json"
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "kubeward" / "rules" / "examples"

Outcome = tuple[frozenset[str], frozenset[str]]  # failed rule codes, notes as CODE:status


def _o(fails: str, notes: str = "") -> Outcome:
    return frozenset(fails.split()), frozenset(notes.split())


# The GET example and its az shape: kubenet, no network policy, RBAC off, no Entra ID, a
# service principal, Kubernetes 1.9.6, no add-ons, SSH keys, maxSurge 33%.
_GET = _o(
    "AKS001 AKS002 AKS003 AKS004 AKS005 AKS006 AKS007 AKS008 AKS009 AKS012 AKS013 AKS014 "
    "AKS020 AKS021 AKS024 AKS030 AKS050 AKS051 AKS052 AKS053",
    "AKS015:not-evaluated",
)
_GET_POOL = _o("AKS040 AKS042", "AKS044:manual")
# The SecurityProfile create example: Defender and workload identity on (but no OIDC issuer),
# node public IPs, Basic load balancer, RBAC on, no Entra ID, no maxSurge.
_SECPROFILE = _o(
    "AKS001 AKS002 AKS004 AKS005 AKS006 AKS007 AKS008 AKS009 AKS012 AKS014 AKS020 AKS021 "
    "AKS023 AKS024 AKS030 AKS050 AKS051 AKS052 AKS053",
    "AKS015:not-evaluated",
)
_POOL_PUBLIC = _o("AKS022 AKS032 AKS040 AKS042", "AKS044:manual")
# The Azure RBAC example: managed Entra ID with Azure RBAC, otherwise like SecurityProfile
# without Defender and workload identity.
_AZRBAC = _o(
    "AKS001 AKS002 AKS006 AKS007 AKS008 AKS009 AKS012 AKS013 AKS014 AKS020 AKS021 AKS023 "
    "AKS024 AKS030 AKS050 AKS051 AKS052 AKS053",
    "AKS015:not-evaluated",
)
# AKS-Construction main.bicep with its parameter defaults: public API server, no Entra ID,
# local accounts, network policy '' (none), Kubernetes 1.29.7, no Azure Policy, Defender,
# monitoring or diagnostic settings (all conditional on parameters that default to off).
_AKSC_DEFAULT = _o(
    "AKS001 AKS002 AKS004 AKS005 AKS006 AKS007 AKS009 AKS012 AKS013 AKS014 AKS015 AKS020 "
    "AKS024 AKS030 AKS041 AKS050 AKS051 AKS052 AKS053"
)

EXPECTED: dict[tuple[str, str | None], dict[str, Outcome]] = {
    ("arm-rest-2024-09-01-ManagedClustersGet.example.json", None): {
        "ManagedCluster clustername1": _GET,
        "AgentPool clustername1/nodepool1": _GET_POOL,
    },
    ("az-shape-derived-ManagedClustersGet.json", None): {
        "ManagedCluster clustername1": _GET,
        "AgentPool clustername1/nodepool1": _GET_POOL,
    },
    ("arm-rest-2024-09-01-ManagedClustersCreate_SecurityProfile.200-body.json", None): {
        "ManagedCluster clustername1": _SECPROFILE,
        "AgentPool clustername1/nodepool1": _POOL_PUBLIC,
    },
    ("az-shape-derived-ManagedClustersCreate_SecurityProfile.json", None): {
        "ManagedCluster clustername1": _SECPROFILE,
        "AgentPool clustername1/nodepool1": _POOL_PUBLIC,
    },
    ("arm-rest-2024-09-01-ManagedClustersCreate_UpdateWithEnableAzureRBAC.200-body.json", None): {
        "ManagedCluster clustername1": _AZRBAC,
        "AgentPool clustername1/nodepool1": _POOL_PUBLIC,
    },
    ("az-shape-derived-ManagedClustersCreate_UpdateWithEnableAzureRBAC.json", None): {
        "ManagedCluster clustername1": _AZRBAC,
        "AgentPool clustername1/nodepool1": _POOL_PUBLIC,
    },
    ("iac/aks-construction-main.bicep", None): {
        "ManagedCluster aks": _AKSC_DEFAULT,
        "AgentPool aks/agentpool": _o("AKS040", "AKS044:manual"),
    },
    ("iac/aks-construction-main.bicep", "iac/aks-construction-params-managed-private.json"): {
        "ManagedCluster aks-az-k8s-3zb3": _o(
            "AKS007 AKS009 AKS013 AKS024 AKS041 AKS050 AKS052 AKS053",
            "AKS015:not-evaluated AKS025:not-evaluated",
        ),
        "AgentPool aks-az-k8s-3zb3/agentpool": _o("AKS040", "AKS044:manual"),
    },
    ("iac/aks-construction-main.bicep", "iac/aks-construction-params-the-cheapest-cluster.json"): {
        "ManagedCluster aks-az-cheaps": _AKSC_DEFAULT,
        "AgentPool aks-az-cheaps/userpool01": _o("AKS040", "AKS044:manual"),
    },
    ("iac/mspnp-aks-baseline-cluster-stamp.bicep", None): {
        "ManagedCluster mc": _o(
            "AKS030 AKS041 AKS051 AKS052", "AKS005:not-evaluated AKS025:not-evaluated"
        ),
        "AgentPool mc/npsystem": _o("AKS040", "AKS044:manual"),
        "AgentPool mc/npuser01": _o("AKS040", "AKS044:manual"),
    },
    ("iac/terraform-azurerm-aks-examples-startup-main.tf", None): {},
}

REASONS: dict[str, str] = {
    "ManagedClustersGet (ARM REST and az shape)": (
        "`enableRBAC: false` (AKS003); `networkPlugin: kubenet` with no `networkPolicy` "
        "(AKS021, AKS020); no `aadProfile` (AKS004, AKS005) and local accounts not disabled "
        "(AKS006); neither `enablePrivateCluster` nor `authorizedIPRanges` (AKS001, AKS002); "
        "`servicePrincipalProfile.clientId` and no `identity` (AKS008); Kubernetes 1.9.6, long "
        "out of support (AKS009); no add-ons, Defender, KMS, Image Cleaner, workload identity, "
        "auto-upgrade channel (AKS012-014, AKS050-053, AKS030); default `loadBalancer` egress "
        "(AKS024); the pool has SSH keys without `sshAccess: Disabled` (AKS042) and no "
        "encryption at host (AKS040); maxSurge is 33% (no AKS032). Diagnostic settings are "
        "not part of a cluster resource (AKS015 not evaluated); DS1_v2 is a shared size "
        "(AKS044 manual)."
    ),
    "ManagedClustersCreate_SecurityProfile": (
        "Defender's `securityMonitoring.enabled: true` (no AKS013) and "
        "`workloadIdentity.enabled: true` without `oidcIssuerProfile` (AKS050: AKS requires the "
        "OIDC issuer for workload identity); `enableNodePublicIP: true` (AKS022); the response "
        "body says `loadBalancerSku: basic` (AKS023; the request said standard, an upstream "
        "inconsistency); RBAC on (no AKS003); no maxSurge (AKS032); otherwise as the GET example."
    ),
    "ManagedClustersCreate_UpdateWithEnableAzureRBAC": (
        "`aadProfile.managed: true` and `enableAzureRBAC: true` (no AKS004, AKS005) but local "
        "accounts stay enabled (AKS006); no Defender (AKS013); otherwise as SecurityProfile."
    ),
    "AKS-Construction main.bicep (defaults and the-cheapest-cluster)": (
        "Parameter defaults: `enable_aad` false (AKS004, AKS005), `AksDisableLocalAccounts` "
        "false (AKS006), no authorized ranges and `enablePrivateCluster` false (AKS001, "
        "AKS002), `networkPolicy` '' (AKS020), `kubernetesVersion` 1.29.7 (out of community "
        "support since 2025-03-31, AKS009), `azurepolicy` '' (AKS012), `defenderForContainers`, "
        "`omsagent`, `keyVaultAksCSI`, `workloadIdentity` false (AKS013, AKS014, AKS051, "
        "AKS050), `upgradeChannel` none (AKS030); the diagnostic settings resource is "
        "conditional on `createLaw && omsagent` and not deployed (AKS015). The system pool is "
        "tainted CriticalAddonsOnly (no AKS043; the user pool is a module kubeward does not "
        "follow)."
    ),
    "AKS-Construction with managed-private parameters": (
        "The parameter file turns on Entra ID with Azure RBAC, disables local accounts, sets "
        "Calico, the Azure Policy add-on, a private cluster, monitoring, the Key Vault CSI "
        "driver and the stable upgrade channel: those rules pass. Still failing: run command "
        "(AKS007), 1.29.7 (AKS009), Defender (AKS013), egress (AKS024), CMK disks (AKS041), "
        "workload identity (AKS050), KMS (AKS052), Image Cleaner (AKS053). The diagnostic "
        "setting's categories come from a for-expression (AKS015 not evaluated); the subnet "
        "is created by a module (AKS025 not evaluated)."
    ),
    "mspnp AKS baseline cluster-stamp.bicep": (
        "The reference architecture: private cluster, managed Entra ID, local accounts off, "
        "Azure CNI Overlay with Azure network policy, UDR egress, Defender, monitoring, Azure "
        "Policy, workload identity, Image Cleaner, a tainted system pool, diagnostic settings "
        "with kube-audit-admin. It chooses `upgradeChannel: none` (AKS030), no disk encryption "
        "set (AKS041), `enableSecretRotation: 'false'` (AKS051), KMS off (AKS052) and "
        "`enableEncryptionAtHost: false` (AKS040). `enableAzureRBAC` compares the deployment's "
        "tenant with a parameter (AKS005 not evaluated) and the subnet is an existing one "
        "(AKS025 not evaluated)."
    ),
    "terraform-azurerm-aks examples/startup main.tf": (
        'No azurerm_kubernetes_cluster: the cluster is created by module "aks" (source '
        "../..), which is not in the sample; kubeward reports that it does not follow modules."
    ),
}


def _outcome(report: Report) -> dict[str, Outcome]:
    fails: dict[str, set[str]] = defaultdict(set)
    notes: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        fails[f.obj.display].add(f.rule)
    for n in report.notes:
        notes[n.obj.display].add(f"{n.rule}:{n.verdict.value.replace(' ', '-')}")
    return {k: (frozenset(fails.get(k, ())), frozenset(notes.get(k, ()))) for k in {*fails, *notes}}


def run_sample(shared: Path, file: str, params: str | None) -> tuple[dict[str, Outcome], Report]:
    """kubeward's AKS rules on one sample (as `kubeward aks FILE [--parameters P]`)."""
    catalogue = default_catalogue()
    engine = Engine(catalogue, Config(select=("AKS",)))
    values: dict[str, Any] = {}
    if params is not None:
        values = arm.parameter_values(json.loads((shared / SAMPLES / params).read_text()))
    for s in aks_loader.load(
        str(shared / SAMPLES / file), DEFAULT_MAX_FILE_SIZE, engine.report.errors, values
    ):
        engine.add_subject(s.view, s.resource, s.line_of)
    report = engine.finish()
    return _outcome(report), report


def scan_samples(shared: Path) -> Report:
    """`kubeward scan` of the whole sample directory (AKS rules only)."""
    return scan_paths([str(shared / SAMPLES)], default_catalogue(), Config(select=("AKS",)))


def sample_agreement(shared: Path) -> list[tuple[str, str | None, bool, str]]:
    """(file, parameters, agrees, detail) per sample."""
    out = []
    for (file, params), expected in EXPECTED.items():
        got, _ = run_sample(shared, file, params)
        detail = ""
        if got != expected:
            keys = sorted({*got, *expected})
            detail = "; ".join(
                f"{k}: expected {sorted(expected.get(k, _o(''))[0] | expected.get(k, _o(''))[1])}"
                f" got {sorted(got.get(k, _o(''))[0] | got.get(k, _o(''))[1])}"
                for k in keys
                if got.get(k) != expected.get(k)
            )
        out.append((file, params, got == expected, detail))
    return out


# ============================================================================ Checkov

MAPPED: dict[str, tuple[str, str]] = {
    "CKV_AZURE_6": ("AKS001", "API server authorized IP ranges"),
    "CKV_AZURE_115": ("AKS002", "private cluster"),
    "CKV_AZURE_5": ("AKS003", "Kubernetes RBAC enabled"),
    "CKV_AZURE_141": ("AKS006", "local accounts disabled"),
    "CKV_AZURE_7": ("AKS020", "network policy"),
    "CKV2_AZURE_29": ("AKS021", "Azure CNI rather than kubenet"),
    "CKV_AZURE_143": ("AKS022", "no node public IPs"),
    "CKV_AZURE_171": ("AKS030", "auto-upgrade channel"),
    "CKV_AZURE_4": ("AKS014", "monitoring (OMS agent)"),
    "CKV_AZURE_116": ("AKS012", "Azure Policy add-on"),
    "CKV_AZURE_172": ("AKS051", "Key Vault secrets provider with rotation"),
    "CKV_AZURE_117": ("AKS041", "disk encryption set"),
    "CKV_AZURE_227": ("AKS040", "encryption at host"),
    "CKV_AZURE_232": ("AKS043", "system pool for critical add-ons only"),
    "CKV_AZURE_8": ("AKS010", "Kubernetes dashboard disabled"),
    "CKV_AZURE_246": ("AKS011", "HTTP application routing disabled"),
}
OUT_OF_SCOPE: dict[str, str] = {
    "CKV_AZURE_168": "maxPods of at least 50: a capacity preference, not a security control; "
    "kubeward checks that addresses suffice for the chosen maxPods (AKS025)",
    "CKV_AZURE_170": "paid SKU tier (uptime SLA): availability, not security",
    "CKV_AZURE_226": "ephemeral OS disks: performance and cost, not security",
    "CKV_AZURE_169": "VM scale sets rather than availability sets: availability",
}


@dataclass(frozen=True)
class Disagreement:
    """A class of cases where Checkov and kubeward differ, and who is right."""

    check: str
    checkov_fails: bool  # True: Checkov fails, kubeward passes; False: the reverse
    formats: frozenset[str]  # tf, template, bicep
    fixtures: frozenset[str]  # rule folders (empty: any)
    why: str

    def covers(self, check: str, checkov_fails: bool, fmt: str, folder: str) -> bool:
        return (
            check == self.check
            and checkov_fails == self.checkov_fails
            and fmt in self.formats
            and (not self.fixtures or folder in self.fixtures)
        )


ANY = frozenset({"tf", "template", "bicep"})
DISAGREEMENTS: tuple[Disagreement, ...] = (
    Disagreement(
        "CKV_AZURE_6",
        True,
        frozenset({"template", "bicep"}),
        frozenset(),
        "Checkov's ARM/Bicep check wants `authorizedIPRanges` even on private clusters. "
        "kubeward is right: Microsoft's docs say authorized IP ranges apply only to the public "
        "API server endpoint; a private cluster has none (Checkov's own Terraform check passes "
        "private clusters).",
    ),
    Disagreement(
        "CKV_AZURE_6",
        False,
        ANY,
        frozenset({"AKS001"}),
        "The fixture authorizes `0.0.0.0/0`. Checkov passes any non-empty list; kubeward "
        "fails it because that range authorizes every IPv4 address, the same as no "
        "restriction.",
    ),
    Disagreement(
        "CKV_AZURE_7",
        False,
        ANY,
        frozenset({"AKS020"}),
        "`networkPolicy: none` (and, in Terraform, a variable whose default is `none`). "
        "Checkov passes any value; kubeward is right: `none` means no policy engine, so "
        "NetworkPolicies are not enforced (AKS networking docs).",
    ),
    Disagreement(
        "CKV_AZURE_8",
        True,
        frozenset({"template", "bicep"}),
        frozenset(),
        "Checkov's ARM/Bicep check fails unless `addonProfiles.kubeDashboard.enabled` is "
        "explicitly false. kubeward is right: an add-on that is not listed is not enabled, and "
        "the dashboard add-on cannot be enabled on Kubernetes 1.19 or later at all.",
    ),
    Disagreement(
        "CKV_AZURE_172",
        True,
        frozenset({"template", "bicep"}),
        frozenset(),
        "Checkov's ARM/Bicep check compares `config.enableSecretRotation` with the boolean "
        "true; the AKS API defines add-on config as a map of strings, and the fixtures (like "
        "Microsoft's samples) write `'true'`. kubeward is right to pass them.",
    ),
    Disagreement(
        "CKV_AZURE_141",
        False,
        ANY,
        frozenset({"AKS004"}),
        "The fixture disables local accounts without Entra ID integration. Checkov passes; "
        "kubeward fails it because AKS refuses `disableLocalAccounts` on clusters without "
        "managed Entra ID, so the configuration cannot be deployed as written.",
    ),
    Disagreement(
        "CKV_AZURE_143",
        False,
        frozenset({"tf"}),
        frozenset({"AKS022"}),
        "The public IPs are on an azurerm_kubernetes_cluster_node_pool. Checkov checks only "
        "default_node_pool; kubeward checks every pool, since any node with a public IP is "
        "exposed.",
    ),
)


@cache
def checkov_results() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def _format(name: str) -> str:
    if name.endswith(".tf"):
        return "tf"
    if name.endswith(".bicep"):
        return "bicep"
    return "template"


@dataclass(frozen=True)
class Case:
    file: str  # relative to the rule examples, e.g. AKS020/fail.tf
    check: str
    checkov_fails: bool
    kubeward_fails: bool

    @property
    def agrees(self) -> bool:
        return self.checkov_fails == self.kubeward_fails

    @property
    def format(self) -> str:
        return _format(self.file)

    @property
    def folder(self) -> str:
        return self.file.split("/")[0]


def checkov_cases() -> list[Case]:
    """One case per fixture file and mapped Checkov check that Checkov evaluated."""
    catalogue = default_catalogue()
    rules = [r for code, _ in MAPPED.values() if (r := catalogue.get(code)) is not None]
    out: list[Case] = []
    for file, checks in checkov_results()["results"].items():
        if not file.startswith("AKS"):
            continue
        path = EXAMPLES / file
        if not path.exists():
            continue
        report = scan_paths([str(path)], catalogue, only=rules)
        flagged = {f.rule for f in report.findings}
        for check, result in sorted(checks.items()):
            if check not in MAPPED:
                continue
            out.append(Case(file, check, result == "failed", MAPPED[check][0] in flagged))
    return out


def explain(case: Case) -> list[Disagreement]:
    return [
        d
        for d in DISAGREEMENTS
        if d.covers(case.check, case.checkov_fails, case.format, case.folder)
    ]


def unmapped_checks() -> set[str]:
    seen = {c for checks in checkov_results()["results"].values() for c in checks}
    return seen - set(MAPPED) - set(OUT_OF_SCOPE)


# ============================================================================ page


def aks_section(shared: Path) -> str:
    lines = [
        "## AKS cluster configuration: `corpora/aks-samples`, and Checkov's AKS checks",
        "",
        "Corpus: `corpora/aks-samples`: the ARM REST examples of the AKS API specification "
        "(2024-09-01), the same clusters in the `az aks show` shape, AKS-Construction's and the "
        "AKS baseline's Bicep, and a Terraform example. Each sample is read as "
        "`kubeward aks FILE` (the AKS-Construction Bicep also with each of its two parameter "
        "files) and must produce exactly the failures and notes reasoned below from "
        "Microsoft's documentation.",
        "",
        "| sample | parameters | objects | agrees |",
        "|---|---|---|---|",
    ]
    results = sample_agreement(shared)
    for file, params, ok, _ in results:
        n = len(EXPECTED[(file, params)])
        lines.append(
            f"| `{file}` | {f'`{params}`' if params else '-'} | {n} | {'yes' if ok else 'NO'} |"
        )
    agree = sum(1 for r in results if r[2])
    lines += [
        "",
        f"**{agree} / {len(results)} samples agree** with the expected findings.",
        "",
        "Why each sample fails what it fails:",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in REASONS.items()]
    cases = checkov_cases()
    by_check: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        by_check[c.check]["agree" if c.agrees else "differ"] += 1
    total = len(cases)
    agreed = sum(1 for c in cases if c.agrees)
    data = checkov_results()
    lines += [
        "",
        f"### Checkov ({data['tool']}) on the same inputs",
        "",
        f"Recorded with `{data['command']}` on {data['recorded']} (Checkov is not a "
        "dependency; the results are kept in `tests/conformance/data/checkov-aks.json`).",
        "",
        "On the samples Checkov evaluates no AKS check at all: "
        + "; ".join(f"{k}: {v}" for k, v in data["corpus"].items())
        + ". kubeward reads all eleven (JSON shapes, both Bicep files, and reports the module "
        "call it does not follow).",
        "",
        "To compare checks, Checkov also ran on the Terraform, ARM template and Bicep fixtures "
        "of kubeward's AKS rules. Each mapped Checkov check is compared with its kubeward rule "
        "per fixture file (does each tool fail the file):",
        "",
        "| Checkov check | kubeward | what | agree | differ |",
        "|---|---|---|---|---|",
    ]
    for check, (code, what) in MAPPED.items():
        cnt = by_check.get(check, Counter())
        lines.append(f"| {check} | {code} | {what} | {cnt['agree']} | {cnt['differ']} |")
    lines += [
        "",
        f"**{agreed} / {total} file-check cases agree ({100 * agreed / max(total, 1):.1f}%).** "
        "Every disagreement, counted and explained:",
        "",
        "| Checkov check | who fails | formats | cases | who is right, and why |",
        "|---|---|---|---|---|",
    ]
    for d in DISAGREEMENTS:
        n = sum(1 for c in cases if not c.agrees and d in explain(c))
        who = "Checkov only" if d.checkov_fails else "kubeward only"
        fmts = ", ".join(sorted(d.formats))
        scope = f" ({', '.join(sorted(d.fixtures))} fixtures)" if d.fixtures else ""
        lines.append(f"| {d.check} | {who}{scope} | {fmts} | {n} | {d.why} |")
    lines += ["", "Checkov AKS checks not compared:", ""]
    lines += [f"- {k}: {v}" for k, v in OUT_OF_SCOPE.items()]
    lines.append("")
    return "\n".join(lines)


def codes_of(outcomes: Iterable[Outcome]) -> set[str]:
    return {c for o in outcomes for c in o[0]}
