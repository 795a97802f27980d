import { describe, expect, it } from 'vitest';

import { checkTemplate, targetNamesFor } from '../../../src/domain/targetNaming';

const SUB = '11111111-2222-3333-4444-555555555555';
const source = {
  subscriptionId: SUB,
  resourceGroup: 'prod-rg',
  collectionName: 'vm1-rpc',
  restorePointName: 'rp-0400',
};

describe('target naming', () => {
  it('renders the default templates next to the source', () => {
    expect(
      targetNamesFor(
        {
          resourceGroup: '{sourceResourceGroup}',
          collection: '{sourceCollection}-{targetRegion}',
          restorePoint: '{sourceRestorePoint}',
        },
        source,
        'eastus',
        'westus2',
      ),
    ).toEqual({
      ok: true,
      value: {
        collection: { subscriptionId: SUB, resourceGroup: 'prod-rg', collectionName: 'vm1-rpc-westus2' },
        collectionId: `/subscriptions/${SUB}/resourceGroups/prod-rg/providers/Microsoft.Compute/restorePointCollections/vm1-rpc-westus2`,
        restorePoint: {
          subscriptionId: SUB,
          resourceGroup: 'prod-rg',
          collectionName: 'vm1-rpc-westus2',
          restorePointName: 'rp-0400',
        },
        restorePointId: `/subscriptions/${SUB}/resourceGroups/prod-rg/providers/Microsoft.Compute/restorePointCollections/vm1-rpc-westus2/restorePoints/rp-0400`,
      },
    });
  });

  it('refuses a template that renders an invalid name', () => {
    expect(
      targetNamesFor(
        { resourceGroup: 'dr {targetRegion}', collection: 'c', restorePoint: 'r' },
        source,
        'eastus',
        'westus2',
      ).ok,
    ).toBe(false);
  });

  it.each([
    { template: '{sourceCollection}-{targetRegion}', problems: [] },
    { template: '', problems: ['is empty'] },
    {
      template: '{vmName}-copy',
      problems: [
        'uses unknown placeholder {vmName} (known: {sourceResourceGroup}, {sourceCollection}, {sourceRestorePoint}, {sourceRegion}, {targetRegion})',
      ],
    },
    { template: 'dr-{targetRegion', problems: ['has an unbalanced brace'] },
  ])('checks "$template"', ({ template, problems }) => {
    expect(checkTemplate(template)).toEqual(problems);
  });
});
