// The smallest deployment: one subscription, the default Durable backend, no alert receivers.
using '../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = ['00000000-0000-0000-0000-00000000c0de']
param copyPolicy = [
  { scope: '/subscriptions/00000000-0000-0000-0000-00000000c0de', targetRegions: ['westus2', 'centralus'] }
]
