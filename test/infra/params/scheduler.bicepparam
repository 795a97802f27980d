// Two subscriptions, the copy role on a subscription and on a resource group, email and webhook alerts, and
// the Durable Task Scheduler backend.
using '../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = ['00000000-0000-0000-0000-00000000c0de', '11111111-2222-3333-4444-555555555555']
param copyRoleScopes = [
  '/subscriptions/00000000-0000-0000-0000-00000000c0de'
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/vms'
]
param copyPolicy = [
  { scope: '/subscriptions/00000000-0000-0000-0000-00000000c0de', sourceRegions: ['eastus'], targetRegions: ['westus2'] }
  { scope: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/vms', targetRegions: ['northeurope'] }
]
param alertEmails = ['ops@example.com']
param alertWebhookUrls = ['https://alerts.example.com/rpcopy']
param durableBackend = 'DurableTaskScheduler'
param maxConcurrentCopies = 25
