// expect: allowedSubscriptionIds: not subscription ids (GUIDs): 0000000-0000-0000-0000-00000000c0dex
using '../../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = ['0000000-0000-0000-0000-00000000c0dex']
