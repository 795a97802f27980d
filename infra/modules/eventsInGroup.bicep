targetScope = 'subscription'

@description('The resource group in one allowed subscription that holds its events-in system topic.')
param name string
param location string
param tags object

resource group 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: name
  location: location
  tags: tags
}

output name string = group.name
