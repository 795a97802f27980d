// rpcopy on Azure: `azd up` deploys this at subscription scope, because the events-in wiring and the custom
// role reach into every allowed subscription (subscription-scoped modules), not just the app's resource group.
targetScope = 'subscription'

@description('A subscription id (a GUID, 36 characters).')
@minLength(36)
@maxLength(36)
type subscriptionId = string

@description('One copy rule of RPCOPY_POLICY (docs/configuration.md).')
type policyRule = {
  @description('/subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}, in an allowed subscription.')
  scope: string
  @description('Only restore points in these regions; all regions when absent.')
  sourceRegions: string[]?
  @description('Where copies go.')
  @minLength(1)
  targetRegions: string[]
}

@minLength(1)
@maxLength(40)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of the app and its resources.')
param location string

@minLength(1)
@description('Subscriptions whose restore points rpcopy copies (RPCOPY_ALLOWED_SUBSCRIPTIONS). Each gets the events-in wiring.')
param allowedSubscriptionIds subscriptionId[]

@description('Where the copy role is assigned: /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}. Empty: every allowed subscription.')
param copyRoleScopes string[] = []

@description('Copy rules (RPCOPY_POLICY): which restore points go to which regions.')
param copyPolicy policyRule[] = []

@description('Where copies are created (RPCOPY_TARGET_RESOURCE_GROUP).')
param targetResourceGroup string = '{sourceResourceGroup}'

@description('RPCOPY_TARGET_COLLECTION_NAME')
param targetCollectionName string = '{sourceCollection}-{targetRegion}'

@description('RPCOPY_TARGET_RESTORE_POINT_NAME')
param targetRestorePointName string = '{sourceRestorePoint}'

@minValue(1)
@maxValue(1000)
@description('RPCOPY_MAX_CONCURRENT_COPIES')
param maxConcurrentCopies int = 10

@minLength(11)
@description('RPCOPY_RECONCILE_SCHEDULE: six-field NCRONTAB.')
param reconcileSchedule string = '0 0 * * * *'

@allowed(['AzureStorage', 'DurableTaskScheduler'])
@description('Durable Functions state: the host storage account, or a Durable Task Scheduler (docs/deploy.md says when).')
param durableBackend string = 'AzureStorage'

@description('Addresses that get an email when a copy fails or the app logs errors.')
param alertEmails string[] = []

@description('HTTPS endpoints that get the common alert schema when a copy fails or the app logs errors.')
param alertWebhookUrls string[] = []

@description('Copy event types that raise an alert. Empty: copy events raise none (the log alert stays).')
param alertEventTypes string[] = ['RestorePointCopy.Failed', 'RestorePointCopy.TimedOut']

@description('Create the Event Grid subscriptions to the app\'s function. Event Grid checks that the function exists, so azd turns this on after the first deploy (azure.yaml postdeploy hook).')
param connectEventsIn bool = true

@minValue(40)
@maxValue(1000)
@description('Flex Consumption: most instances the app may scale out to.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Flex Consumption: memory of each instance.')
param instanceMemoryMB int = 2048

// ---- Parameter checks: each names the parameter, and fails the build or the deployment preflight. ----

var hexDigits = '0123456789abcdef'
var allowedLower = map(allowedSubscriptionIds, id => toLower(id))
var guidShape = [8, 4, 4, 4, 12]
var subscriptionIdProblems = filter(allowedLower, id => map(split(id, '-'), part => length(part)) != guidShape || length(filter(range(0, length(id)), i => !contains('${hexDigits}-', substring(id, i, 1)))) > 0)
var roleScopes = empty(copyRoleScopes) ? map(allowedLower, id => '/subscriptions/${id}') : copyRoleScopes
var scopeOf = map(roleScopes, scope => { scope: scope, parts: split(scope, '/') })
var wellFormedScopes = filter(scopeOf, s => length(s.parts) == 3 || (length(s.parts) == 5 && toLower(s.parts[3]) == 'resourcegroups' && !empty(s.parts[4])))
var badRoleScopes = filter(scopeOf, s => !contains(map(wellFormedScopes, w => w.scope), s.scope) || !empty(s.parts[0]) || toLower(s.parts[1]) != 'subscriptions' || !contains(allowedLower, toLower(s.parts[2])))
var badPolicyScopes = filter(copyPolicy, rule => length(split(rule.scope, '/')) < 3 || !contains(allowedLower, toLower(split(rule.scope, '/')[2])))
var emailParts = map(alertEmails, address => { address: address, parts: split(address, '@') })
var badEmails = map(filter(emailParts, e => length(e.parts) != 2 || contains(e.address, ' ') || empty(e.parts[0]) || !contains(last(e.parts), '.') || startsWith(last(e.parts), '.') || endsWith(last(e.parts), '.')), e => e.address)
var badWebhooks = filter(alertWebhookUrls, url => !startsWith(toLower(url), 'https://') || length(url) < 12)
var knownEventTypes = [
  'RestorePointCopy.Started'
  'RestorePointCopy.Succeeded'
  'RestorePointCopy.Failed'
  'RestorePointCopy.TimedOut'
  'RestorePointCopy.Canceled'
  'RestorePointCopy.Skipped'
]
var badEventTypes = filter(alertEventTypes, type => !contains(knownEventTypes, type))

var checks = [
  empty(subscriptionIdProblems) ? 'ok' : fail('allowedSubscriptionIds: not subscription ids (GUIDs): ${join(subscriptionIdProblems, ', ')}')
  empty(badRoleScopes) ? 'ok' : fail('copyRoleScopes: each must be /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name} in allowedSubscriptionIds; not: ${join(map(badRoleScopes, s => s.scope), ', ')}')
  empty(badPolicyScopes) ? 'ok' : fail('copyPolicy: rule scopes outside allowedSubscriptionIds: ${join(map(badPolicyScopes, rule => rule.scope), ', ')}')
  empty(badEmails) ? 'ok' : fail('alertEmails: not email addresses: ${join(badEmails, ', ')}')
  empty(badWebhooks) ? 'ok' : fail('alertWebhookUrls: each must be an https:// URL; not: ${join(badWebhooks, ', ')}')
  empty(badEventTypes) ? 'ok' : fail('alertEventTypes: unknown types: ${join(badEventTypes, ', ')} (known: ${join(knownEventTypes, ', ')})')
]

// ---- Names ----

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  resourceGroup: 'rg-${environmentName}'
  eventsInGroup: 'rg-${environmentName}-events'
  identity: 'id-${token}'
  storage: 'st${token}'
  workspace: 'log-${token}'
  appInsights: 'appi-${token}'
  plan: 'plan-${token}'
  app: 'func-${token}'
  eventsOut: 'evgt-${token}'
  eventsInTopic: 'evgst-${environmentName}'
  scheduler: 'dts-${token}'
  taskHub: 'rpcopy'
  actionGroup: 'ag-${token}'
  copyRole: 'rpcopy copy operator (${environmentName}, ${token})'
}
var deploymentContainerName = 'app-package'
var deadLetterContainerName = 'events-in-dead-letters'
var eventGridFunctionName = 'startCopyEventGrid'
var useScheduler = durableBackend == 'DurableTaskScheduler'

resource group 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: union(tags, { 'rpcopy-parameter-checks': join(checks, ',') })
}

module identity 'modules/identity.bicep' = {
  scope: group
  params: { location: location, tags: tags, name: names.identity }
}

module storage 'modules/storage.bicep' = {
  scope: group
  params: {
    location: location
    tags: tags
    name: names.storage
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: group
  params: {
    location: location
    tags: tags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
  }
}

module eventsOut 'modules/eventsOut.bicep' = {
  scope: group
  params: { location: location, tags: tags, name: names.eventsOut }
}

module appRoles 'modules/roleAssignments.bicep' = {
  scope: group
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    eventsOutTopicName: eventsOut.outputs.name
  }
}

module scheduler 'modules/durableTaskScheduler.bicep' = if (useScheduler) {
  scope: group
  params: {
    location: location
    tags: tags
    schedulerName: names.scheduler
    taskHubName: names.taskHub
    identityPrincipalId: identity.outputs.principalId
  }
}

module app 'modules/functionApp.bicep' = {
  scope: group
  dependsOn: [appRoles]
  params: {
    location: location
    tags: tags
    planName: names.plan
    appName: names.app
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    allowedSubscriptionIds: allowedLower
    copyPolicyJson: string(copyPolicy)
    eventsOutEndpoint: eventsOut.outputs.endpoint
    copyOptions: {
      targetResourceGroup: targetResourceGroup
      targetCollectionName: targetCollectionName
      targetRestorePointName: targetRestorePointName
      maxConcurrentCopies: maxConcurrentCopies
      reconcileSchedule: reconcileSchedule
    }
    durableTaskScheduler: useScheduler
      ? { endpoint: scheduler!.outputs.endpoint, taskHubName: scheduler!.outputs.taskHubName }
      : null
  }
}

// ---- The copy role: one definition, assignable in every allowed subscription ----

module copyRole 'modules/copyRole.bicep' = {
  scope: subscription(allowedLower[0])
  params: {
    roleName: names.copyRole
    assignableSubscriptionIds: allowedLower
  }
}

module copyRoleOnSubscriptions 'modules/copyRoleSubscriptionAssignment.bicep' = [
  for s in filter(scopeOf, s => length(s.parts) == 3): {
    name: 'copy-role-${uniqueString(s.scope)}'
    scope: subscription(s.parts[2])
    params: {
      roleDefinitionGuid: copyRole.outputs.roleDefinitionGuid
      principalId: identity.outputs.principalId
    }
  }
]

module copyRoleOnGroups 'modules/copyRoleAssignment.bicep' = [
  for s in filter(scopeOf, s => length(s.parts) == 5): {
    name: 'copy-role-${uniqueString(s.scope)}'
    scope: resourceGroup(s.parts[2], s.parts[4])
    params: {
      roleDefinitionGuid: copyRole.outputs.roleDefinitionGuid
      principalId: identity.outputs.principalId
    }
  }
]

// ---- Events in: one Azure Resource Manager system topic per allowed subscription ----

module eventsInGroups 'modules/eventsInGroup.bicep' = [
  for id in allowedLower: {
    name: 'events-in-group-${uniqueString(id, environmentName)}'
    scope: subscription(id)
    params: { name: names.eventsInGroup, location: location, tags: tags }
  }
]

module eventsInTopics 'modules/eventsInTopic.bicep' = [
  for (id, i) in allowedLower: {
    name: 'events-in-topic-${uniqueString(id, environmentName)}'
    scope: resourceGroup(id, names.eventsInGroup)
    dependsOn: [eventsInGroups[i]]
    params: { tags: tags, name: names.eventsInTopic }
  }
]

module deadLetterAccess 'modules/deadLetterAccess.bicep' = {
  scope: group
  params: {
    storageAccountName: storage.outputs.name
    deadLetterContainerName: deadLetterContainerName
    systemTopicPrincipalIds: [for (id, i) in allowedLower: eventsInTopics[i].outputs.principalId]
  }
}

module eventsInSubscriptions 'modules/eventsInSubscription.bicep' = [
  for (id, i) in allowedLower: if (connectEventsIn) {
    name: 'events-in-subscription-${uniqueString(id, environmentName)}'
    scope: resourceGroup(id, names.eventsInGroup)
    dependsOn: [deadLetterAccess, copyRoleOnSubscriptions, copyRoleOnGroups]
    params: {
      systemTopicName: eventsInTopics[i].outputs.name
      functionResourceId: '${app.outputs.id}/functions/${eventGridFunctionName}'
      deadLetterStorageAccountId: storage.outputs.id
      deadLetterContainerName: deadLetterContainerName
    }
  }
]

// ---- Alerting ----

module alerting 'modules/alerting.bicep' = {
  scope: group
  params: {
    location: location
    tags: tags
    actionGroupName: names.actionGroup
    shortName: 'rpcopy'
    emails: alertEmails
    webhookUrls: alertWebhookUrls
    eventsOutTopicName: eventsOut.outputs.name
    alertEventTypes: alertEventTypes
    appInsightsId: monitoring.outputs.appInsightsId
    functionAppName: app.outputs.name
  }
}

// azd reads these into the environment (names and ids only, never keys).
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output RPCOPY_API_URL string = 'https://${app.outputs.defaultHostName}/api'
output RPCOPY_EVENTS_OUT_TOPIC_ID string = eventsOut.outputs.id
output RPCOPY_EVENTS_OUT_ENDPOINT string = eventsOut.outputs.endpoint
output RPCOPY_COPY_ROLE_ID string = copyRole.outputs.roleDefinitionGuid
output RPCOPY_DURABLE_BACKEND string = durableBackend
