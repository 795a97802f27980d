// expect: allowedSubscriptionIds
using '../../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = []
