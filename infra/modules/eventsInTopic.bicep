@description('The events-in source of one allowed subscription: its Azure Resource Manager system topic.')
param tags object
param name string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  // Subscription-wide events have no region.
  location: 'global'
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

output name string = topic.name
output principalId string = topic.identity.principalId
