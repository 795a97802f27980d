import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config';
import type { CopyPolicy } from '../../../src/domain/policy';
import type { ProtectionSettings } from '../../../src/domain/protectionPolicy';
import { parseRetentionText, parseRpoText, resolveProtection } from '../../../src/domain/protectionPolicy';
import { ConfigError } from '../../../src/errors';

const SUB = '11111111-2222-3333-4444-555555555555';

const policy: CopyPolicy = {
  allowedSubscriptions: [SUB],
  rules: [
    { subscriptionId: SUB, targetRegions: ['westus2'], rpoHours: 24 },
    {
      subscriptionId: SUB,
      resourceGroup: 'rg-db',
      targetRegions: ['westus2'],
      rpoHours: 4,
      retention: { keepLast: 14 },
    },
  ],
};
const settings: ProtectionSettings = { defaultRpoHours: 48, atRiskPercent: 75, retentionDryRun: false };

function facts(resourceGroup: string, tags: Record<string, string> = {}) {
  return { ref: { subscriptionId: SUB, resourceGroup, collectionName: 'c' }, location: 'eastus', tags };
}

describe('protection policy', () => {
  it.each([
    ['12', { ok: true, value: 12 }],
    [' 1.5 ', { ok: true, value: 1.5 }],
    ['NONE', { ok: true, value: null }],
    ['0', { ok: false, message: 'must be above 0 and at most 8784 hours, got 0' }],
    ['9000', { ok: false, message: 'must be above 0 and at most 8784 hours, got 9000' }],
    ['-3', { ok: false, message: "must be a number of hours or 'none', got '-3'" }],
    ['12h', { ok: false, message: "must be a number of hours or 'none', got '12h'" }],
  ])('reads the RPO %j', (text, expected) => {
    expect(parseRpoText(text)).toEqual(expected);
  });

  it.each([
    ['keepLast=7', { ok: true, value: { keepLast: 7 } }],
    ['maxAgeDays=30', { ok: true, value: { maxAgeDays: 30 } }],
    ['keeplast = 7; maxAgeDays=0.5', { ok: true, value: { keepLast: 7, maxAgeDays: 0.5 } }],
    ['none', { ok: true, value: undefined }],
    ['keepLast=0', { ok: false, message: 'keepLast must be an integer from 1 to 10000, got 0' }],
    ['keepLast=1.5', { ok: false, message: 'keepLast must be an integer from 1 to 10000, got 1.5' }],
    [
      '7',
      {
        ok: false,
        message: "must be 'keepLast=N', 'maxAgeDays=D', both separated by a comma, or 'none', got '7'",
      },
    ],
  ])('reads the retention %j', (text, expected) => {
    expect(parseRetentionText(text)).toEqual(expected);
  });

  it('takes tags over the most specific rule over the default, and reports garbage tags', () => {
    expect([
      resolveProtection(policy, settings, facts('rg-web')),
      resolveProtection(policy, settings, facts('rg-db')),
      resolveProtection(
        policy,
        settings,
        facts('rg-db', { 'RPCOPY-RPO': 'none', 'rpcopy-retention': 'maxAgeDays=3' }),
      ),
      resolveProtection(
        policy,
        settings,
        facts('rg-db', { 'rpcopy-rpo': 'often', 'rpcopy-retention': 'none' }),
      ),
      resolveProtection({ ...policy, rules: [] }, settings, facts('rg-web', { 'rpcopy-retention': 'all' })),
    ]).toEqual([
      { rpoHours: 24, rpoOrigin: 'rule', retention: undefined, retentionOrigin: 'none', warnings: [] },
      { rpoHours: 4, rpoOrigin: 'rule', retention: { keepLast: 14 }, retentionOrigin: 'rule', warnings: [] },
      {
        rpoHours: null,
        rpoOrigin: 'tag',
        retention: { maxAgeDays: 3 },
        retentionOrigin: 'tag',
        warnings: [],
      },
      {
        rpoHours: 4,
        rpoOrigin: 'rule',
        retention: undefined,
        retentionOrigin: 'none',
        warnings: ["tag rpcopy-rpo ignored: must be a number of hours or 'none', got 'often'"],
      },
      {
        rpoHours: 48,
        rpoOrigin: 'default',
        retention: undefined,
        retentionOrigin: 'none',
        warnings: [
          "tag rpcopy-retention ignored: must be 'keepLast=N', 'maxAgeDays=D', both separated by a comma, or 'none', got 'all'",
        ],
      },
    ]);
  });

  it('loads rpoHours and retention from RPCOPY_POLICY and lists every invalid one', () => {
    const env = (rules: unknown[]) => ({
      RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
      RPCOPY_POLICY: JSON.stringify(rules),
    });
    const scope = `/subscriptions/${SUB}`;
    const loaded = loadConfig(
      env([
        { scope, targetRegions: ['westus2'], rpoHours: 'none', retention: { keepLast: 3, maxAgeDays: 10 } },
      ]),
    );
    let error: unknown;
    try {
      loadConfig(
        env([
          { scope, targetRegions: ['westus2'], rpoHours: '12', retention: [] },
          { scope, targetRegions: ['westus2'], retention: { keepLast: 2, everything: true } },
          { scope, targetRegions: ['westus2'], retention: {} },
        ]),
      );
    } catch (caught) {
      error = caught;
    }

    expect(loaded.policy.rules).toEqual([
      {
        subscriptionId: SUB,
        targetRegions: ['westus2'],
        rpoHours: null,
        retention: { keepLast: 3, maxAgeDays: 10 },
      },
    ]);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'RPCOPY_POLICY[0].rpoHours must be a number of hours or "none"',
      'RPCOPY_POLICY[0].retention must be an object like {"keepLast":7,"maxAgeDays":30}',
      'RPCOPY_POLICY[1].retention has unknown properties: everything',
      'RPCOPY_POLICY[2].retention needs keepLast, maxAgeDays or both',
    ]);
  });
});
