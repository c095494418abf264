param location string = resourceGroup().location

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {
  name: 'shop'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.35.2'
    dnsPrefix: 'shop'
    enableRBAC: true
    disableLocalAccounts: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
    }
    apiServerAccessProfile: {
      enablePrivateCluster: true
      disableRunCommand: true
    }
    networkProfile: {
      networkPlugin: 'kubenet'  // expect: AKS021
      networkPolicy: 'calico'
      podCidr: '10.244.0.0/16'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
      outboundType: 'userDefinedRouting'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'SecurityPatch'
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
      defender: {
        securityMonitoring: {
          enabled: true
        }
      }
      imageCleaner: {
        enabled: true
      }
      azureKeyVaultKms: {
        enabled: true
        keyVaultNetworkAccess: 'Private'
      }
    }
    oidcIssuerProfile: {
      enabled: true
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
      omsagent: {
        enabled: true
      }
      azureKeyvaultSecretsProvider: {
        enabled: true
        config: {
          enableSecretRotation: 'true'
        }
      }
    }
    diskEncryptionSetID: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des'
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        vmSize: 'Standard_E104i_v5'
        count: 3
        maxPods: 30
        osType: 'Linux'
        enableEncryptionAtHost: true
        nodeTaints: [
          'CriticalAddonsOnly=true:NoSchedule'
        ]
        upgradeSettings: {
          maxSurge: '33%'
        }
      }
      {
        name: 'apps'
        mode: 'User'
        vmSize: 'Standard_E104i_v5'
        count: 3
        maxPods: 30
        osType: 'Linux'
        enableEncryptionAtHost: true
        upgradeSettings: {
          maxSurge: '33%'
        }
      }
    ]
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit'
  scope: aks
  properties: {
    logs: [
      {
        category: 'kube-audit-admin'
        enabled: true
      }
    ]
  }
}
