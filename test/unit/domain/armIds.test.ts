import { describe, expect, it } from 'vitest';

import {
  armIdsEqual,
  formatRestorePointId,
  isCollectionId,
  normalizeArmId,
  parseCollectionId,
  parseRestorePointId,
} from '../../../src/domain/armIds';
import { copyIdFor, isCopyId } from '../../../src/copyId';
import { normalizeRegion } from '../../../src/domain/regions';
import { FIXTURE_SUBSCRIPTION, readExample } from '../../support/fixtures';

describe('ARM ids', () => {
  it('parses the restore point id of the official copy example and keeps the names', () => {
    // Prepare
    const example = readExample('2026-04-01/RestorePoint_Copy_BetweenRegions.json');
    const body = example.parameters.parameters as { properties: { sourceRestorePoint: { id: string } } };

    // Act
    const parsed = parseRestorePointId(body.properties.sourceRestorePoint.id);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      value: {
        subscriptionId: FIXTURE_SUBSCRIPTION,
        resourceGroup: 'myResourceGroup',
        collectionName: 'sourceRpcName',
        restorePointName: 'sourceRpName',
      },
    });
  });

  it('reads ids case-insensitively and writes them in the canonical spelling', () => {
    // Prepare
    const lower = `/SUBSCRIPTIONS/${FIXTURE_SUBSCRIPTION.toUpperCase()}/resourcegroups/RG1/PROVIDERS/microsoft.compute/RESTOREPOINTCOLLECTIONS/Coll/restorepoints/Rp1`;

    // Act
    const parsed = parseRestorePointId(lower);

    // Assess
    expect(parsed.ok && formatRestorePointId(parsed.value)).toBe(
      `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/RG1/providers/Microsoft.Compute/restorePointCollections/Coll/restorePoints/Rp1`,
    );
    expect(armIdsEqual(lower, `${lower.toLowerCase()}/`)).toBe(true);
  });

  it('accepts the 201 example whose collection id lacks the leading slash', () => {
    // Prepare
    const example = readExample('2026-04-01/RestorePointCollection_CreateOrUpdate_ForCrossRegionCopy.json');
    const body = example.responses['201']?.body as { properties: { source: { id: string } } };

    // Act
    const parsed = parseCollectionId(body.properties.source.id);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      value: {
        subscriptionId: FIXTURE_SUBSCRIPTION,
        resourceGroup: 'myResourceGroup',
        collectionName: 'sourceRpcName',
      },
    });
    expect(isCollectionId(body.properties.source.id)).toBe(true);
    expect(
      isCollectionId(
        `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm`,
      ),
    ).toBe(false);
  });

  it.each([
    { id: '', why: 'empty' },
    { id: 'not-an-id', why: 'no segments' },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c`,
      why: 'a collection',
    },
    {
      id: '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/r',
      why: 'subscription is not a GUID',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/restorePointCollections/c/restorePoints/r`,
      why: 'wrong provider',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/r g/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/r`,
      why: 'space in the group',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/r?x`,
      why: 'query character',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/r/extra`,
      why: 'extra segment',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/..`,
      why: 'a restore point named .. (an HTTP client would read the collection instead)',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/.`,
      why: 'a restore point named .',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/../restorePoints/r`,
      why: 'a collection named ..',
    },
    {
      id: `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/r.`,
      why: 'a name ending with a period',
    },
  ])('refuses $why', ({ id }) => {
    // Act
    const parsed = parseRestorePointId(id);

    // Assess
    expect(parsed.ok).toBe(false);
  });

  it('quotes at most 300 characters of a huge id in its message', () => {
    // Prepare
    const huge = `/subscriptions/${FIXTURE_SUBSCRIPTION}/${'a'.repeat(100_000)}`;

    // Act
    const parsed = parseRestorePointId(huge);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      message: `'${huge.slice(0, 300)}… (${huge.length - 300} more characters)' is not a restore point id (/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Compute/restorePointCollections/{collection}/restorePoints/{name})`,
    });
  });

  it('normalizes for comparison only', () => {
    expect(normalizeArmId('Subscriptions/ABC/')).toBe('/subscriptions/abc');
  });
});

describe('copy ids', () => {
  const source = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/restorePointCollections/sourceRpcName/restorePoints/sourceRpName`;

  it('are the same for any spelling of the source id and safe in a URL path', () => {
    // Act
    const a = copyIdFor(source, 'westus2');
    const b = copyIdFor(source.toUpperCase().replace('/SUBSCRIPTIONS', 'subscriptions'), 'WestUS2');

    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^rpcopy-westus2-[0-9a-f]{32}$/);
    expect(a).not.toMatch(/[/\\?#]/);
    expect(isCopyId(a)).toBe(true);
  });

  it('differ per region and per source', () => {
    expect(
      new Set([
        copyIdFor(source, 'westus2'),
        copyIdFor(source, 'centralus'),
        copyIdFor(`${source}x`, 'westus2'),
      ]).size,
    ).toBe(3);
  });
});

describe('regions', () => {
  it.each([
    { name: 'westus2', expected: 'westus2' },
    { name: 'West US 2', expected: 'westus2' },
    { name: 'NorwayEast', expected: 'norwayeast' },
    { name: 'westus9', expected: undefined },
    { name: 'moon', expected: undefined },
  ])('normalizes $name to $expected', ({ name, expected }) => {
    expect(normalizeRegion(name)).toBe(expected);
  });
});
