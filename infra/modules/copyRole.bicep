targetScope = 'subscription'

@description('The custom role with exactly the actions rpcopy performs (infra/role-actions.json).')
param roleName string
@description('Every allowed subscription: one role definition serves all of them.')
param assignableSubscriptionIds string[]

var permissions = loadJsonContent('../role-actions.json')

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(tenant().tenantId, roleName)
  properties: {
    roleName: roleName
    description: 'rpcopy: reads source restore points and creates their copies in other regions.'
    type: 'CustomRole'
    permissions: [
      {
        actions: permissions.actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [for id in assignableSubscriptionIds: '/subscriptions/${id}']
  }
}

output roleDefinitionGuid string = role.name
