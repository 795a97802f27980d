import { baseSettings, durableTaskSchedulerSettings } from '../appSettings.bicep'

@description('The rpcopy Function App on Flex Consumption, running as a user-assigned identity.')
param location string
param tags object
param planName string
param appName string
param identityId string
param storageBlobEndpoint string
param deploymentContainerName string
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
param identityClientId string
param storageAccountName string
param appInsightsName string
param allowedSubscriptionIds string[]
param copyPolicyJson string
param eventsOutEndpoint string
param copyOptions object
@description('Endpoint and task hub of the Durable Task Scheduler; null: Durable Functions keeps its state in storage.')
param durableTaskScheduler { endpoint: string, taskHubName: string }?

// Read here rather than passed in, so the connection string never appears in a deployment's inputs or outputs.
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var appSettings = union(
  baseSettings(
    storageAccountName,
    identityClientId,
    appInsights.properties.ConnectionString,
    allowedSubscriptionIds,
    copyPolicyJson,
    eventsOutEndpoint,
    copyOptions
  ),
  durableTaskScheduler == null
    ? {}
    : durableTaskSchedulerSettings(durableTaskScheduler!.endpoint, durableTaskScheduler!.taskHubName, identityClientId)
)

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  // azd finds the service to deploy to by this tag.
  tags: union(tags, { 'azd-service-name': 'rpcopy' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // Publishing with basic credentials (FTP and the SCM site) stays off: azd deploys with Entra tokens.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
