variable "network_policy" {
  default = "none"
}

resource "azurerm_kubernetes_cluster" "fail" {
  name                = "shop"
  location            = "westeurope"
  resource_group_name = "rg"
  kubernetes_version = "1.35.2"
  dns_prefix = "shop"
  role_based_access_control_enabled = true
  local_account_disabled = true
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
  private_cluster_enabled = true
  run_command_enabled = false
  network_profile {
    network_plugin = "azure"
    network_plugin_mode = "overlay"
    network_policy = var.network_policy  # expect: AKS020
    pod_cidr = "192.168.0.0/16"
    service_cidr = "10.0.0.0/16"
    dns_service_ip = "10.0.0.10"
    outbound_type = "userDefinedRouting"
    load_balancer_sku = "standard"
  }
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel = "SecurityPatch"
  workload_identity_enabled = true
  microsoft_defender {
    log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs"
  }
  image_cleaner_enabled = true
  key_management_service {
    key_vault_key_id = "https://shop-kv.vault.azure.net/keys/etcd/0123456789abcdef0123456789abcdef"
    key_vault_network_access = "Private"
  }
  oidc_issuer_enabled = true
  azure_policy_enabled = true
  oms_agent {
    log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs"
  }
  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }
  disk_encryption_set_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"
  identity {
    type = "SystemAssigned"
  }
  default_node_pool {
    name = "system"
    vm_size = "Standard_E104i_v5"
    node_count = 3
    max_pods = 30
    os_type = "Linux"
    host_encryption_enabled = true
    only_critical_addons_enabled = true
    upgrade_settings {
      max_surge = "33%"
    }
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "fail_apps" {
  kubernetes_cluster_id = azurerm_kubernetes_cluster.fail.id
  name = "apps"
  vm_size = "Standard_E104i_v5"
  node_count = 3
  max_pods = 30
  os_type = "Linux"
  host_encryption_enabled = true
  upgrade_settings {
    max_surge = "33%"
  }
}

resource "azurerm_monitor_diagnostic_setting" "fail_audit" {
  name                       = "audit"
  target_resource_id         = azurerm_kubernetes_cluster.fail.id
  log_analytics_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs"

  enabled_log {
    category = "kube-audit-admin"
  }
}
