// The Function App's settings, in one place so that test/infra/appSettings.test.ts can hold every name to
// what src/config.ts and the Functions host read. Only setting names and values belong in this file.

@export()
@description('Settings every deployment sets, whatever the Durable backend.')
func baseSettings(
  storageAccountName string,
  identityClientId string,
  appInsightsConnectionString string,
  allowedSubscriptionIds string[],
  copyPolicyJson string,
  eventsOutEndpoint string,
  options object
) object => {
  // Identity-based host storage: the account has shared key access off.
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${environment().suffixes.storage}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // Application Insights has local auth off: telemetry is sent with the identity's token.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential picks the user-assigned identity by this id (ARM and Event Grid calls).
  AZURE_CLIENT_ID: identityClientId
  RPCOPY_ALLOWED_SUBSCRIPTIONS: join(allowedSubscriptionIds, ',')
  RPCOPY_POLICY: copyPolicyJson
  RPCOPY_EVENTGRID_ENDPOINT: eventsOutEndpoint
  RPCOPY_TARGET_RESOURCE_GROUP: options.targetResourceGroup
  RPCOPY_TARGET_COLLECTION_NAME: options.targetCollectionName
  RPCOPY_TARGET_RESTORE_POINT_NAME: options.targetRestorePointName
  RPCOPY_MAX_CONCURRENT_COPIES: string(options.maxConcurrentCopies)
  RPCOPY_RECONCILE_SCHEDULE: options.reconcileSchedule
}

@export()
@description('Host settings that move Durable Functions to the Durable Task Scheduler, overriding host.json.')
func durableTaskSchedulerSettings(schedulerEndpoint string, taskHubName string, identityClientId string) object => {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${schedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
  AzureFunctionsJobHost__extensions__durableTask__hubName: taskHubName
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
}
