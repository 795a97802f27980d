import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, loadConfig } from '../../src/config';
import { COPY_EVENT_TYPES } from '../../src/domain/copyEvents';
import { roleActions } from './armOperations';
import { settingNameProblems } from './appSettingsRules';

/**
 * Tests on what the real Bicep compiler made of infra/ (npm run infra:check writes .tmp/infra): the compiled
 * ARM template, and snapshots of the resources each test/infra/params/*.bicepparam would deploy.
 */

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.tmp', 'infra');

interface Resource {
  id: string;
  type: string;
  name: string;
  apiVersion: string;
  location?: string;
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: { type: string };
  properties?: Record<string, unknown>;
}

function snapshot(name: string): Resource[] {
  return (
    JSON.parse(readFileSync(join(OUT, `${name}.snapshot.json`), 'utf8')) as { predictedResources: Resource[] }
  ).predictedResources;
}

const ofType = (resources: Resource[], type: string): Resource[] => resources.filter((r) => r.type === type);
function one(resources: Resource[], type: string): Resource {
  const found = ofType(resources, type);
  expect(found.map((r) => r.type)).toEqual([type]);
  return found[0] as Resource;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM properties are free-form JSON that the assertions read by path
const props = (resource: Resource): Record<string, any> => resource.properties ?? {};

/**
 * The scope of a role assignment. Its name is a guid of the principal, known only during the deployment, so
 * the snapshot keeps the id as an ARM expression whose first arguments name the scope.
 */
function assignmentScope(assignment: Resource): string {
  const id = assignment.id;
  const extension = /^\[extensionResourceId\('([^']+)'/.exec(id);
  const subscription = /^\[subscriptionResourceId\('([^']+)', 'Microsoft\.Authorization/.exec(id);
  const group = /^\[resourceId\('([^']+)', '([^']+)', 'Microsoft\.Authorization/.exec(id);
  if (extension?.[1] !== undefined) {
    return extension[1];
  }
  if (subscription?.[1] !== undefined) {
    return `/subscriptions/${subscription[1]}`;
  }
  if (group?.[1] !== undefined && group[2] !== undefined) {
    return `/subscriptions/${group[1]}/resourceGroups/${group[2]}`;
  }
  return id.split('/providers/Microsoft.Authorization/roleAssignments/')[0] ?? id;
}

/** An ARM expression (a value known only during the deployment), as opposed to a literal such as JSON. */
const isExpression = (value: string): boolean => /^\[[A-Za-z]+\(/.test(value);

const SUBSCRIPTION_A = '00000000-0000-0000-0000-00000000c0de';
const SUBSCRIPTION_B = '11111111-2222-3333-4444-555555555555';

/** Every resource type the templates deploy, at the API version they use: raising one is a deliberate act. */
const API_VERSIONS: Readonly<Record<string, string>> = {
  'Microsoft.Resources/resourceGroups': '2025-04-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2024-11-30',
  'Microsoft.Storage/storageAccounts': '2025-06-01',
  'Microsoft.Storage/storageAccounts/blobServices': '2025-06-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2025-06-01',
  'Microsoft.OperationalInsights/workspaces': '2025-02-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.EventGrid/topics': '2025-02-15',
  'Microsoft.EventGrid/topics/eventSubscriptions': '2025-02-15',
  'Microsoft.EventGrid/systemTopics': '2025-02-15',
  'Microsoft.EventGrid/systemTopics/eventSubscriptions': '2025-02-15',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  'Microsoft.Authorization/roleDefinitions': '2022-04-01',
  'Microsoft.DurableTask/schedulers': '2025-11-01',
  'Microsoft.DurableTask/schedulers/taskHubs': '2025-11-01',
  'Microsoft.Web/serverfarms': '2025-03-01',
  'Microsoft.Web/sites': '2025-03-01',
  'Microsoft.Web/sites/config': '2025-03-01',
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': '2025-03-01',
  'Microsoft.Insights/actionGroups': '2023-01-01',
  'Microsoft.Insights/scheduledQueryRules': '2023-12-01',
};

describe.each(['azure-storage', 'scheduler'])('the %s deployment', (name) => {
  const resources = snapshot(name);
  const site = one(resources, 'Microsoft.Web/sites');
  const settings = props(one(resources, 'Microsoft.Web/sites/config')) as Record<string, string>;

  it('deploys only known resource types, each at its pinned API version', () => {
    const used = Object.fromEntries(resources.map((r) => [r.type, r.apiVersion]));
    expect(Object.fromEntries(Object.entries(API_VERSIONS).filter(([type]) => type in used))).toEqual(used);
  });

  it('runs the app on Flex Consumption, Node 22, as a user-assigned identity', () => {
    expect(one(resources, 'Microsoft.Web/serverfarms').sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
    expect(site.kind).toBe('functionapp,linux');
    expect(site.identity?.type).toBe('UserAssigned');
    expect(props(site).functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    expect(props(site).functionAppConfig.deployment.storage.authentication.type).toBe('UserAssignedIdentity');
  });

  it('serves HTTPS only, with TLS 1.2 or newer, FTP and basic publishing credentials off', () => {
    expect(props(site).httpsOnly).toBe(true);
    expect(props(site).siteConfig).toMatchObject({
      minTlsVersion: '1.2',
      scmMinTlsVersion: '1.2',
      ftpsState: 'Disabled',
    });
    const credentials = ofType(resources, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(credentials.map((r) => [r.name.split('/')[1], props(r).allow])).toEqual([
      ['ftp', false],
      ['scm', false],
    ]);
    const storage = one(resources, 'Microsoft.Storage/storageAccounts');
    expect(props(storage)).toMatchObject({
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
    });
    expect(props(one(resources, 'Microsoft.EventGrid/topics')).minimumTlsVersionAllowed).toBe('1.2');
  });

  it('has no key-based access: storage, the events-out topic and Application Insights take Entra tokens only', () => {
    expect(props(one(resources, 'Microsoft.EventGrid/topics'))).toMatchObject({
      inputSchema: 'CloudEventSchemaV1_0',
      disableLocalAuth: true,
    });
    expect(props(one(resources, 'Microsoft.Insights/components')).DisableLocalAuth).toBe(true);
  });

  it('sets only settings something reads, every required one, and ones src/config.ts accepts', () => {
    expect(settingNameProblems(Object.keys(settings))).toEqual([]);
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    // Values known only during the deployment (ids, endpoints) are ARM expressions here; stand-ins of the
    // same shape let loadConfig judge the rest, so the deployed app does not answer 503.
    const env = Object.fromEntries(
      Object.entries(settings).map(([key, value]) => [key, isExpression(value) ? standIn(key) : value]),
    );
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('grants the app EventGrid Data Sender on the events-out topic only', () => {
    const senders = ofType(resources, 'Microsoft.Authorization/roleAssignments').filter((r) =>
      String(props(r).roleDefinitionId).endsWith('d5a91429-5739-47e2-a06b-3470a27159e7'),
    );
    expect(senders.map(assignmentScope)).toEqual([one(resources, 'Microsoft.EventGrid/topics').id]);
  });

  it("sends the alert-worthy copy events to the action group, and alerts on the app's logged errors", () => {
    const alerts = one(resources, 'Microsoft.EventGrid/topics/eventSubscriptions');
    expect(props(alerts).filter.includedEventTypes).toEqual([
      'RestorePointCopy.Failed',
      'RestorePointCopy.TimedOut',
    ]);
    expect(
      props(alerts).filter.includedEventTypes.every((type: string) =>
        (COPY_EVENT_TYPES as readonly string[]).includes(type),
      ),
    ).toBe(true);
    expect(props(alerts).destination.endpointType).toBe('MonitorAlert');
    const rule = one(resources, 'Microsoft.Insights/scheduledQueryRules');
    expect(props(rule).criteria.allOf[0].query).toContain('exceptions');
    expect(props(rule).actions.actionGroups.length).toBe(1);
  });
});

function standIn(key: string): string {
  if (key === SETTINGS.eventGridEndpoint) {
    return 'https://evgt-check.eastus2-1.eventgrid.azure.net/api/events';
  }
  return 'deployment-time value';
}

describe('the Durable backend parameter', () => {
  it('keeps Durable Functions on the storage account by default', () => {
    const resources = snapshot('azure-storage');
    expect(ofType(resources, 'Microsoft.DurableTask/schedulers')).toEqual([]);
    const settings = props(one(resources, 'Microsoft.Web/sites/config'));
    expect(
      Object.keys(settings).filter((key) => key.includes('durableTask') || key.includes('DURABLE')),
    ).toEqual([]);
  });

  it('with DurableTaskScheduler: a scheduler, its task hub, the app as data contributor, host.json overrides', () => {
    const resources = snapshot('scheduler');
    one(resources, 'Microsoft.DurableTask/schedulers');
    const hub = one(resources, 'Microsoft.DurableTask/schedulers/taskHubs');
    const contributor = ofType(resources, 'Microsoft.Authorization/roleAssignments').filter((r) =>
      String(props(r).roleDefinitionId).endsWith('0ad04412-c4d5-4796-b79c-f76d14c8d402'),
    );
    expect(contributor.map(assignmentScope)).toEqual([hub.id]);
    expect(props(one(resources, 'Microsoft.Web/sites/config'))).toMatchObject({
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged',
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
        'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    });
  });
});

describe('events in and the copy role across subscriptions', () => {
  const resources = snapshot('scheduler');

  it('has one Azure Resource Manager system topic per allowed subscription, in that subscription', () => {
    const topics = ofType(resources, 'Microsoft.EventGrid/systemTopics');
    expect(topics.map((t) => [t.id.split('/')[2], props(t).source, props(t).topicType, t.location])).toEqual([
      [SUBSCRIPTION_A, `/subscriptions/${SUBSCRIPTION_A}`, 'Microsoft.Resources.Subscriptions', 'global'],
      [SUBSCRIPTION_B, `/subscriptions/${SUBSCRIPTION_B}`, 'Microsoft.Resources.Subscriptions', 'global'],
    ]);
  });

  it("routes restore point writes to the app's Event Grid function, with retries and dead letters", () => {
    const routes = ofType(resources, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    expect(routes.length).toBe(2);
    for (const route of routes) {
      const p = props(route);
      expect(p.filter.includedEventTypes).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
      expect(p.filter.advancedFilters).toEqual([
        {
          operatorType: 'StringIn',
          key: 'data.operationName',
          values: ['Microsoft.Compute/restorePointCollections/restorePoints/write'],
        },
      ]);
      expect(p.destination.endpointType).toBe('AzureFunction');
      expect(String(p.destination.properties.resourceId)).toContain('/functions/startCopyEventGrid');
      expect(p.retryPolicy.maxDeliveryAttempts).toBeGreaterThan(1);
      expect(p.deadLetterWithResourceIdentity.deadLetterDestination.endpointType).toBe('StorageBlob');
    }
  });

  it('defines one copy role with exactly infra/role-actions.json, assignable in every allowed subscription', () => {
    const role = one(resources, 'Microsoft.Authorization/roleDefinitions');
    expect(props(role).permissions).toEqual([
      { actions: roleActions(), notActions: [], dataActions: [], notDataActions: [] },
    ]);
    expect(props(role).assignableScopes).toEqual([
      `/subscriptions/${SUBSCRIPTION_A}`,
      `/subscriptions/${SUBSCRIPTION_B}`,
    ]);
  });

  it('assigns that role at the scopes the parameters name, and nowhere else', () => {
    const roleGuid = one(resources, 'Microsoft.Authorization/roleDefinitions').name;
    const scopes = ofType(resources, 'Microsoft.Authorization/roleAssignments')
      .filter((r) => String(props(r).roleDefinitionId).endsWith(roleGuid))
      .map(assignmentScope);
    expect(scopes).toEqual([
      `/subscriptions/${SUBSCRIPTION_A}`,
      `/subscriptions/${SUBSCRIPTION_B}/resourceGroups/vms`,
    ]);
  });
});

describe('the compiled template (infra/main.bicep)', () => {
  const template = JSON.parse(readFileSync(join(OUT, 'main.json'), 'utf8')) as Record<string, unknown>;

  /** Every `outputs` object in the template and the templates of its modules. */
  function allOutputs(node: unknown, found: [string, unknown][] = []): [string, unknown][] {
    if (Array.isArray(node)) {
      node.forEach((child) => allOutputs(child, found));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'outputs' && typeof value === 'object' && value !== null && 'type' in value === false) {
          for (const [name, output] of Object.entries(value)) {
            found.push([name, output]);
          }
        }
        allOutputs(value, found);
      }
    }
    return found;
  }

  it('puts no key, secret or connection string in any output', () => {
    const outputs = allOutputs(template);
    expect(outputs.length).toBeGreaterThan(10);
    const leaks = outputs.filter(
      ([name, output]) =>
        /key|secret|password|connectionstring/i.test(name) ||
        /list[A-Za-z]*\(|connectionstring|instrumentationkey|primarykey|secondarykey|accesskey|secureString|secureObject/i.test(
          JSON.stringify(output),
        ),
    );
    expect(leaks).toEqual([]);
  });
});

describe('bad parameters fail the build or the deployment preflight, naming the parameter', () => {
  const badDir = join(__dirname, 'params', 'bad');
  const files = readdirSync(badDir).filter((file) => file.endsWith('.bicepparam'));
  const bicep = process.env.RPCOPY_BICEP;

  // Each snapshot takes seconds of compiler start-up; they run side by side.
  it.concurrent.for(files)('%s', async (file, { expect }) => {
    expect(bicep, 'run through npm run infra:check').toBeDefined();
    const text = readFileSync(join(badDir, file), 'utf8');
    const expected = /^\/\/ expect: (.+)$/m.exec(text)?.[1] ?? '';
    expect(expected).not.toBe('');
    let output = '';
    try {
      await promisify(execFile)(bicep ?? '', [
        'snapshot',
        join(badDir, file),
        ...(process.env.RPCOPY_BICEP_SCOPE ?? '').split(' '),
      ]);
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    }
    expect(output, 'the snapshot should have failed').not.toBe('');
    // A compiler diagnostic points at the parameter's line; a fail() check says its name in the message.
    const line = /\.bicepparam\((\d+),\d+\) : Error/.exec(output)?.[1];
    const named = line === undefined ? output : `${output}\n${text.split('\n')[Number(line) - 1] ?? ''}`;
    expect(named).toContain(expected);
  });
});
