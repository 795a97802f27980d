// expect: copyPolicy: rule scopes outside allowedSubscriptionIds: /subscriptions/11111111-2222-3333-4444-555555555555
using '../../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = ['00000000-0000-0000-0000-00000000c0de']
param copyPolicy = [{ scope: '/subscriptions/11111111-2222-3333-4444-555555555555', targetRegions: ['westus2'] }]
