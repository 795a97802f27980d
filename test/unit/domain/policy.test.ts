import { describe, expect, it } from 'vitest';

import type { CopyPolicy } from '../../../src/domain/policy';
import { parseRegionList, resolveTargetRegions } from '../../../src/domain/policy';
import { FIXTURE_SUBSCRIPTION, readExample } from '../../support/fixtures';

const OTHER_SUBSCRIPTION = '99999999-9999-9999-9999-999999999999';

const policy: CopyPolicy = {
  allowedSubscriptions: [FIXTURE_SUBSCRIPTION],
  rules: [
    {
      subscriptionId: FIXTURE_SUBSCRIPTION,
      sourceRegions: ['eastus'],
      targetRegions: ['westus2', 'centralus'],
    },
    {
      subscriptionId: FIXTURE_SUBSCRIPTION,
      resourceGroup: 'myresourcegroup',
      targetRegions: ['northeurope', 'westus'],
    },
  ],
};

/** The collection of the official example (in westus), with tags swapped in. */
function exampleCollection(tags: Record<string, string>, location?: string) {
  const body = readExample('2025-11-01/RestorePointCollection_Get_WithContainedRestorePoints.json').responses[
    '200'
  ]?.body as { location: string };
  return {
    ref: {
      subscriptionId: FIXTURE_SUBSCRIPTION,
      resourceGroup: 'myResourceGroup',
      collectionName: 'rpcName',
    },
    location: location ?? body.location,
    tags,
  };
}

describe('target region policy', () => {
  it('takes the most specific rule and never targets the source region', () => {
    // Act
    const decision = resolveTargetRegions(policy, exampleCollection({ myTag1: 'tagValue1' }));

    // Assess
    expect(decision).toEqual({ kind: 'copy', origin: 'policy', regions: ['northeurope'] });
  });

  it('applies a subscription rule filtered by source region', () => {
    // Act
    const decision = resolveTargetRegions(policy, {
      ...exampleCollection({}, 'eastus'),
      ref: { subscriptionId: FIXTURE_SUBSCRIPTION, resourceGroup: 'other', collectionName: 'c' },
    });

    // Assess
    expect(decision).toEqual({ kind: 'copy', origin: 'policy', regions: ['westus2', 'centralus'] });
  });

  it('has no rule for a collection outside every rule', () => {
    expect(
      resolveTargetRegions(policy, {
        ...exampleCollection({}, 'japaneast'),
        ref: { subscriptionId: FIXTURE_SUBSCRIPTION, resourceGroup: 'other', collectionName: 'c' },
      }),
    ).toEqual({ kind: 'no-rule' });
  });

  it.each([
    {
      tag: 'westus3, centralus',
      expected: { kind: 'copy', origin: 'tag', regions: ['westus3', 'centralus'] },
    },
    { tag: 'West US 3;westus', expected: { kind: 'copy', origin: 'tag', regions: ['westus3'] } },
    { tag: 'none', expected: { kind: 'disabled' } },
    { tag: ' NONE ', expected: { kind: 'disabled' } },
    {
      tag: 'westus3,atlantis',
      expected: {
        kind: 'invalid-tag',
        value: 'westus3,atlantis',
        message: 'tag rpcopy-targets names unknown regions: atlantis',
      },
    },
  ])('lets the rpcopy-targets tag "$tag" override the policy', ({ tag, expected }) => {
    // Act
    const decision = resolveTargetRegions(policy, exampleCollection({ 'RPCopy-Targets': tag }));

    // Assess
    expect(decision).toEqual(expected);
  });

  it('never copies anything outside the allowed subscriptions, whatever the tag says', () => {
    // Act
    const decision = resolveTargetRegions(policy, {
      ...exampleCollection({ 'rpcopy-targets': 'westus3' }),
      ref: {
        subscriptionId: OTHER_SUBSCRIPTION,
        resourceGroup: 'myResourceGroup',
        collectionName: 'rpcName',
      },
    });

    // Assess
    expect(decision).toEqual({ kind: 'not-allowed' });
  });

  it('parses region lists and reports unknown names', () => {
    expect(parseRegionList('westus2; Central US,westus2,')).toEqual({
      ok: true,
      regions: ['westus2', 'centralus'],
    });
    expect(parseRegionList('westus2,mars,venus')).toEqual({ ok: false, unknown: ['mars', 'venus'] });
  });
});
