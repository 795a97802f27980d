@description('Lets the events-in system topics write undeliverable events to the dead-letter container.')
param storageAccountName string
param deadLetterContainerName string
param systemTopicPrincipalIds string[]

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobs 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

// On the dead-letter container only, not the account that holds the app's state.
resource writers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in systemTopicPrincipalIds: {
    name: guid(storage::blobs::deadLetters.id, principalId, storageBlobDataContributor)
    scope: storage::blobs::deadLetters
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    }
  }
]
