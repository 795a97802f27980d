@description('Pages people: an action group, failed-copy events routed to it, and an alert on the app\'s errors.')
param location string
param tags object
param actionGroupName string
param shortName string
param emails string[]
param webhookUrls string[]
param eventsOutTopicName string
param alertEventTypes string[]
param appInsightsId string
param functionAppName string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  // Action groups are global resources.
  location: 'global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    emailReceivers: [
      for (address, i) in emails: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: [
      for (url, i) in webhookUrls: {
        name: 'webhook-${i}'
        serviceUri: url
        useCommonAlertSchema: true
      }
    ]
  }
}

resource eventsOut 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: eventsOutTopicName
}

// Every copy that ends badly becomes an Azure Monitor alert that notifies the action group. No types: no
// subscription (an empty filter would match every event).
resource failedCopies 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = if (!empty(alertEventTypes)) {
  parent: eventsOut
  name: 'rpcopy-alerts'
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    destination: {
      endpointType: 'MonitorAlert'
      properties: {
        severity: 'Sev2'
        description: 'A restore point copy did not succeed.'
        actionGroups: [actionGroup.id]
      }
    }
    filter: {
      includedEventTypes: alertEventTypes
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

// Errors the app logs (a crash, a refused configuration, an unreachable topic) page the same people.
resource appErrors 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${functionAppName}-errors'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'rpcopy logged errors'
    description: 'The rpcopy Function App logged errors or failed invocations.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'union (traces | where severityLevel >= 3), exceptions, (requests | where success == false)'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}

output actionGroupId string = actionGroup.id
