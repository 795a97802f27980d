import { ConfigError } from '../../src/errors';
import { SETTINGS, loadConfig } from '../../src/config';

/**
 * What the Function App's settings may hold: rpcopy's own (src/config.ts `SETTINGS`) and the ones the
 * Functions host or the Azure SDK read, each with who reads it. Shared by the test on the Bicep source
 * (npm test) and the one on the evaluated deployment (npm run infra:check).
 */
export const PLATFORM_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__blobServiceUri: 'Functions host and Durable Functions: identity-based host storage',
  AzureWebJobsStorage__queueServiceUri: 'Functions host and Durable Functions: identity-based host storage',
  AzureWebJobsStorage__tableServiceUri: 'Functions host and Durable Functions: identity-based host storage',
  AzureWebJobsStorage__credential: 'Functions host: use a managed identity for host storage',
  AzureWebJobsStorage__clientId: 'Functions host: which user-assigned identity',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'Functions host: where telemetry goes',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Functions host: Entra auth for telemetry (local auth is off)',
  AZURE_CLIENT_ID: "@azure/identity DefaultAzureCredential: the app's user-assigned identity",
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING:
    'Durable Task Scheduler backend (named by the storageProvider setting)',
  AzureFunctionsJobHost__extensions__durableTask__hubName: 'Functions host: host.json override',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'Functions host: host.json override',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
    'Functions host: host.json override',
};

/** Settings a deployment must set although the app itself could run without them. */
export const DEPLOYMENT_REQUIRES = [
  SETTINGS.eventGridEndpoint,
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'AZURE_CLIENT_ID',
];

/** The settings src/config.ts refuses to run without, as it reports them for an empty environment. */
export function requiredBySrcConfig(): string[] {
  try {
    loadConfig({});
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems
        .map((problem) => /^(\S+) is required/.exec(problem)?.[1])
        .filter((name) => name !== undefined);
    }
    throw error;
  }
  return [];
}

/** Every problem with a set of setting names; empty when they are fine. */
export function settingNameProblems(names: readonly string[]): string[] {
  const known = new Set<string>([...Object.values(SETTINGS), ...Object.keys(PLATFORM_SETTINGS)]);
  return [
    ...names.filter((name) => !known.has(name)).map((name) => `${name} is read by nothing`),
    ...[...requiredBySrcConfig(), ...DEPLOYMENT_REQUIRES]
      .filter((name) => !names.includes(name))
      .map((name) => `${name} is required but not set`),
  ];
}
