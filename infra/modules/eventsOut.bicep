@description('The events-out topic: RestorePointCopy.* CloudEvents, published with the app identity only.')
param location string
param tags object
param name string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    // No access keys: publishers need an Entra token and EventGrid Data Sender.
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

output id string = topic.id
output name string = topic.name
output endpoint string = topic.properties.endpoint
