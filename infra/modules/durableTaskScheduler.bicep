@description('Durable Task Scheduler backend: a scheduler, its task hub, and the app identity as a data contributor.')
param location string
param tags object
param schedulerName string
param taskHubName string
param identityPrincipalId string

var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: schedulerName
  location: location
  tags: tags
  properties: {
    // Reached over the public endpoint with an Entra token; no network allow-list.
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: 'Consumption' }
  }

  resource taskHub 'taskHubs' = {
    name: taskHubName
    properties: {}
  }
}

resource appUsesTaskHub 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler::taskHub.id, identityPrincipalId, durableTaskDataContributor)
  scope: scheduler::taskHub
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = scheduler::taskHub.name
