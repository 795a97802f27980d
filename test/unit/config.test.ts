import { describe, expect, it } from 'vitest';

import { loadConfig, readReconcileSchedule } from '../../src/config';
import { ConfigError } from '../../src/errors';

const SUB = '00000000-0000-0000-0000-00000000c0de';

function loadError(
  env: Record<string, string | undefined>,
  readFile?: (path: string) => string,
): ConfigError {
  try {
    loadConfig(env, readFile === undefined ? {} : { readFile });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('needs only the allowed subscriptions and fills in documented defaults', () => {
    // Act
    const config = loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB.toUpperCase() });

    // Assess
    expect(config).toEqual({
      arm: { endpoint: 'https://management.azure.com', credential: 'default' },
      eventGrid: { source: '/rpcopy' },
      policy: { allowedSubscriptions: [SUB], rules: [] },
      naming: {
        resourceGroup: '{sourceResourceGroup}',
        collection: '{sourceCollection}-{targetRegion}',
        restorePoint: '{sourceRestorePoint}',
      },
      copy: {
        maxConcurrentCopies: 10,
        copyTimeoutSeconds: 324 * 3600,
        queueRecheckSeconds: 300,
        polling: {
          refreshIntervalSeconds: 600,
          maxIntervalSeconds: 21_600,
          firstPollSeconds: 150,
          stallAfterPolls: 3,
        },
        pollsPerGeneration: 20,
        activityRetry: { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
      },
      reconcileSchedule: '0 0 * * * *',
      protection: { defaultRpoHours: 24, atRiskPercent: 75, retentionDryRun: false },
      protectionSchedule: '0 30 * * * *',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.copy.polling)).toBe(true);
  });

  it('reads the local simulator settings: endpoint, CA file, static credential, Event Grid key and policy', () => {
    // Act
    const config = loadConfig(
      {
        RPCOPY_ALLOWED_SUBSCRIPTIONS: `${SUB}, 11111111-2222-3333-4444-555555555555`,
        RPCOPY_POLICY: JSON.stringify([
          {
            scope: `/subscriptions/${SUB}/resourceGroups/rpcopy-demo`,
            sourceRegions: ['East US'],
            targetRegions: ['westus2', 'centralus'],
          },
        ]),
        RPCOPY_ARM_ENDPOINT: 'https://127.0.0.1:8443/',
        RPCOPY_ARM_CA_CERTIFICATE: '/tmp/ca.pem',
        RPCOPY_ARM_CREDENTIAL: 'static',
        RPCOPY_EVENTGRID_ENDPOINT: 'http://127.0.0.1:9000/api/events',
        RPCOPY_EVENTGRID_KEY: 'local-key',
        RPCOPY_COPY_TIMEOUT_HOURS: '2.5',
      },
      { readFile: () => '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n' },
    );

    // Assess
    expect(config.arm).toEqual({
      endpoint: 'https://127.0.0.1:8443',
      credential: 'static',
      caCertificatePem: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
    });
    expect(config.eventGrid).toEqual({
      endpoint: 'http://127.0.0.1:9000/api/events',
      key: 'local-key',
      source: '/rpcopy',
    });
    expect(config.policy.rules).toEqual([
      {
        subscriptionId: SUB,
        resourceGroup: 'rpcopy-demo',
        sourceRegions: ['eastus'],
        targetRegions: ['westus2', 'centralus'],
      },
    ]);
    expect(config.copy.copyTimeoutSeconds).toBe(9000);
  });

  it('lists every problem at once', () => {
    // Act
    const error = loadError({
      RPCOPY_POLICY: '[{"scope":"/subscriptions/x","targetRegions":["mars"],"extra":1}]',
      RPCOPY_MAX_CONCURRENT_COPIES: 'lots',
      RPCOPY_COPY_TIMEOUT_HOURS: '400',
      RPCOPY_TARGET_COLLECTION_NAME: '{vm}-copy',
      RPCOPY_ARM_ENDPOINT: 'http://127.0.0.1:1',
      RPCOPY_ARM_CREDENTIAL: 'password',
      RPCOPY_EVENTGRID_ENDPOINT: 'http://127.0.0.1:2/api/events',
      RPCOPY_RECONCILE_SCHEDULE: 'hourly',
      RPCOPY_PROGRESS_REFRESH_SECONDS: '900',
      RPCOPY_MAX_POLL_INTERVAL_SECONDS: '600',
    });

    // Assess
    expect(error.problems).toEqual([
      'RPCOPY_ALLOWED_SUBSCRIPTIONS is required (comma-separated subscription ids rpcopy may read and write)',
      'RPCOPY_POLICY[0] has unknown properties: extra',
      'RPCOPY_POLICY[0].scope must be /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}',
      'RPCOPY_TARGET_COLLECTION_NAME uses unknown placeholder {vm} (known: {sourceResourceGroup}, {sourceCollection}, {sourceRestorePoint}, {sourceRegion}, {targetRegion})',
      'RPCOPY_MAX_POLL_INTERVAL_SECONDS (600) must not be below RPCOPY_PROGRESS_REFRESH_SECONDS (900)',
      'RPCOPY_COPY_TIMEOUT_HOURS must be between 0.01 and 335, got 400',
      "RPCOPY_MAX_CONCURRENT_COPIES must be an integer, got 'lots'",
      'RPCOPY_ARM_ENDPOINT must use https (tokens are never sent over plain http)',
      "RPCOPY_ARM_CREDENTIAL must be 'default' or 'static', got 'password'",
      'RPCOPY_EVENTGRID_ENDPOINT uses http, which needs RPCOPY_EVENTGRID_KEY (a managed identity token needs https)',
      "RPCOPY_RECONCILE_SCHEDULE must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), got 'hourly'",
    ]);
    expect(error.message).toContain('Invalid configuration:');
  });

  it.each([
    {
      why: 'a policy rule outside the allowed subscriptions',
      env: {
        RPCOPY_POLICY:
          '[{"scope":"/subscriptions/11111111-2222-3333-4444-555555555555","targetRegions":["westus2"]}]',
      },
      problem:
        'RPCOPY_POLICY[0].scope is in subscription 11111111-2222-3333-4444-555555555555, which is not in RPCOPY_ALLOWED_SUBSCRIPTIONS',
    },
    {
      why: 'policy that is not JSON',
      env: { RPCOPY_POLICY: '{' },
      problem: 'RPCOPY_POLICY must be JSON: an array of {"scope","sourceRegions"?,"targetRegions"}',
    },
    {
      why: 'a static credential against Azure',
      env: { RPCOPY_ARM_CREDENTIAL: 'static' },
      problem:
        "RPCOPY_ARM_CREDENTIAL=static only works with a local ARM endpoint; set RPCOPY_ARM_ENDPOINT or use 'default'",
    },
    {
      why: 'an unreadable CA file',
      env: { RPCOPY_ARM_CA_CERTIFICATE: '/nope.pem' },
      problem: 'RPCOPY_ARM_CA_CERTIFICATE is neither PEM text nor a readable file: /nope.pem',
    },
    {
      why: 'a key without endpoint',
      env: { RPCOPY_EVENTGRID_KEY: 'k' },
      problem: 'RPCOPY_EVENTGRID_KEY is set but RPCOPY_EVENTGRID_ENDPOINT is not',
    },
    {
      why: 'a bad subscription id',
      env: { RPCOPY_ALLOWED_SUBSCRIPTIONS: `${SUB},prod` },
      problem: 'RPCOPY_ALLOWED_SUBSCRIPTIONS has values that are not subscription ids: prod',
    },
  ])('refuses $why', ({ env, problem }) => {
    // Act
    const error = loadError({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB, ...env }, () => {
      throw new Error('ENOENT');
    });

    // Assess
    expect(error.problems).toEqual([problem]);
  });

  it('registers the timer with the default schedule when the setting is invalid', () => {
    expect(readReconcileSchedule({ RPCOPY_RECONCILE_SCHEDULE: '0 */15 * * * *' })).toBe('0 */15 * * * *');
    expect(readReconcileSchedule({ RPCOPY_RECONCILE_SCHEDULE: 'often' })).toBe('0 0 * * * *');
  });

  it('reads RPCOPY_PUBLIC_BASE_URL without its trailing slash, and refuses one with a query', () => {
    // Act
    const config = loadConfig({
      RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
      RPCOPY_PUBLIC_BASE_URL: 'https://gateway.example/rpcopy/',
    });
    const error = loadError({
      RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
      RPCOPY_PUBLIC_BASE_URL: 'https://x.example/?a=1',
    });

    // Assess
    expect(config.publicBaseUrl).toBe('https://gateway.example/rpcopy');
    expect(error.problems).toEqual([
      "RPCOPY_PUBLIC_BASE_URL must have no query, fragment or credentials, got 'https://x.example/?a=1'",
    ]);
  });
});
