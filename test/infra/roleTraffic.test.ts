import { beforeAll, describe, expect, it } from 'vitest';
import { actionOf, grants, readRecordings, roleActions } from './armOperations';

/**
 * The custom role (infra/role-actions.json) equals what the app does: every ARM operation the app performed
 * in this run's end-to-end tests is granted, and nothing else is. Runs after every other test (the
 * `after-e2e` project in vitest.config.mjs), from the recordings test/e2e/helpers/appStack.ts writes.
 */
describe("the copy role against the app's recorded ARM traffic", () => {
  // Read when the tests run, not when the file is collected: the recordings are written until then.
  let stacks = 0;
  let performed: string[] = [];
  let actions: string[] = [];
  beforeAll(() => {
    const recorded = readRecordings();
    stacks = recorded.stacks;
    performed = [
      ...new Set(recorded.operations.map(actionOf).filter((action) => action !== undefined)),
    ].sort();
    actions = roleActions();
  });

  it("has recordings from this run's end-to-end tests", () => {
    expect(stacks, 'no recordings: run the end-to-end tests in the same run (npm test)').toBeGreaterThan(0);
    expect(performed.length).toBeGreaterThan(0);
  });

  it('grants every operation the app performed', () => {
    const missing = performed.filter((action) => !actions.some((granted) => grants(granted, action)));
    expect(missing, 'add these to infra/role-actions.json').toEqual([]);
  });

  it('grants nothing that no test performed', () => {
    const unused = actions.filter((granted) => !performed.some((action) => grants(granted, action)));
    expect(unused, 'remove these from infra/role-actions.json, or test the code that needs them').toEqual([]);
  });
});

describe('actionOf', () => {
  const collection =
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c';
  it.each([
    ['GET', collection, 'Microsoft.Compute/restorePointCollections/read'],
    ['PUT', collection, 'Microsoft.Compute/restorePointCollections/write'],
    [
      'GET',
      '/subscriptions/s/providers/Microsoft.Compute/restorePointCollections',
      'Microsoft.Compute/restorePointCollections/read',
    ],
    [
      'PUT',
      `${collection}/restorePoints/rp`,
      'Microsoft.Compute/restorePointCollections/restorePoints/write',
    ],
    [
      'DELETE',
      `${collection}/restorePoints/rp`,
      'Microsoft.Compute/restorePointCollections/restorePoints/delete',
    ],
    [
      'POST',
      `${collection}/restorePoints/rp/retrieveSasUris`,
      'Microsoft.Compute/restorePointCollections/restorePoints/retrieveSasUris/action',
    ],
    ['GET', '/subscriptions/s/resourceGroups/rg', 'Microsoft.Resources/subscriptions/resourceGroups/read'],
  ])('%s %s needs %s', (method, path, action) => {
    expect(actionOf({ method, path })).toBe(action);
  });

  it('ignores paths that are not ARM resources', () => {
    expect(actionOf({ method: 'GET', path: '/metadata/endpoints' })).toBeUndefined();
  });

  it('matches role actions case-insensitively and by trailing wildcard only', () => {
    expect(
      grants('microsoft.compute/restorePointCollections/*', 'Microsoft.Compute/restorePointCollections/read'),
    ).toBe(true);
    expect(
      grants(
        'Microsoft.Compute/restorePointCollections/read',
        'Microsoft.Compute/restorePointCollections/write',
      ),
    ).toBe(false);
  });
});
