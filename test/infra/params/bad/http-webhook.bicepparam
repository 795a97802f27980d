// expect: alertWebhookUrls: each must be an https:// URL; not: http://alerts.example.com
using '../../../../infra/main.bicep'

param environmentName = 'rpcopy-check'
param location = 'eastus2'
param allowedSubscriptionIds = ['00000000-0000-0000-0000-00000000c0de']
param alertWebhookUrls = ['http://alerts.example.com']
