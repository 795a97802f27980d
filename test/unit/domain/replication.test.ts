import { describe, expect, it } from 'vitest';

import type { RestorePointView, StatusView } from '../../../src/domain/restorePoints';
import { evaluateReplication } from '../../../src/domain/replication';

const disk = (name: string): string =>
  `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/rp/diskRestorePoints/${name}`;

function copyView(
  disks: { status?: StatusView; percent?: number }[],
  options: {
    provisioningState?: string;
    sourceSizes?: (number | undefined)[];
    statuses?: StatusView[];
    cmk?: boolean;
  } = {},
): RestorePointView {
  const sizes = options.sourceSizes ?? disks.map(() => undefined);
  return {
    id: 'rp',
    name: 'rp',
    provisioningState: options.provisioningState ?? 'Succeeded',
    sourceDisks: sizes.map((sizeGb, index) => ({
      name: `d${index}`,
      ...(sizeGb === undefined ? {} : { sizeGb }),
      usesDiskEncryptionSet: options.cmk === true && index === 0,
    })),
    instanceView: {
      statuses: options.statuses ?? [],
      disks: disks.map((entry, index) => ({
        id: disk(`d${index}`),
        ...(entry.status === undefined ? {} : { status: entry.status }),
        ...(entry.percent === undefined ? {} : { completionPercent: entry.percent }),
      })),
    },
  };
}

const succeeded: StatusView = {
  code: 'ReplicationState/succeeded',
  level: 'Info',
  displayStatus: 'Replication succeeded',
};
const inProgress: StatusView = { code: 'ReplicationState/inProgress', level: 'Info' };

describe('replication verdict', () => {
  it('is in progress while any disk is below 100 %, weighting the overall percent by disk size', () => {
    // Act
    const verdict = evaluateReplication(
      copyView(
        [
          { status: succeeded, percent: 100 },
          { status: inProgress, percent: 25 },
        ],
        { sourceSizes: [100, 300] },
      ),
    );

    // Assess
    expect(verdict).toEqual({
      state: 'inProgress',
      percent: 43,
      unknownCodes: [],
      disks: [
        { id: disk('d0'), status: 'Succeeded', percent: 100 },
        { id: disk('d1'), status: 'Replicating', percent: 25 },
      ],
    });
  });

  it('fails the whole copy when one disk reports level Error without any detail', () => {
    // Act
    const verdict = evaluateReplication(
      copyView([
        { status: succeeded, percent: 100 },
        { status: { code: 'ReplicationState/failed', level: 'Error' }, percent: 40 },
      ]),
    );

    // Assess
    expect(verdict).toEqual({
      state: 'failed',
      percent: 70,
      unknownCodes: [],
      disks: [
        { id: disk('d0'), status: 'Succeeded', percent: 100 },
        { id: disk('d1'), status: 'Failed', percent: 40 },
      ],
      failure: { code: 'ReplicationState/failed', message: 'Azure reported no detail.' },
    });
  });

  it.each([
    { why: 'level Error with an unknown code', status: { code: 'ReplicationState/weird', level: 'Error' } },
    { why: 'a code saying canceled', status: { code: 'ReplicationState/Canceled', level: 'Info' } },
  ])('treats $why as failed', ({ status }) => {
    expect(evaluateReplication(copyView([{ status, percent: 10 }])).state).toBe('failed');
  });

  it.each(['ReplicationState/inProgress', 'ReplicationState/notStarted', 'replicationstate/INPROGRESS'])(
    'knows the ordinary in-progress code %s: in progress, not reported as undocumented',
    (code) => {
      const verdict = evaluateReplication(copyView([{ status: { code, level: 'Info' }, percent: 10 }]));

      expect({ state: verdict.state, unknownCodes: verdict.unknownCodes }).toEqual({
        state: 'inProgress',
        unknownCodes: [],
      });
    },
  );

  it('reads an undocumented code as in progress, never as success, and reports it', () => {
    // Act
    const verdict = evaluateReplication(
      copyView([{ status: { code: 'ReplicationState/Finishing', level: 'Info' }, percent: 100 }]),
    );

    // Assess
    expect(verdict).toEqual({
      state: 'inProgress',
      percent: 99,
      unknownCodes: ['ReplicationState/Finishing'],
      disks: [{ id: disk('d0'), status: 'Replicating', percent: 100 }],
    });
  });

  it('does not trust provisioningState Succeeded alone', () => {
    expect(evaluateReplication({ id: 'rp', name: 'rp', provisioningState: 'Succeeded' }).state).toBe(
      'inProgress',
    );
    expect(evaluateReplication(copyView([])).state).toBe('inProgress');
  });

  it('waits for every disk of the source: one missing disk is not success', () => {
    // Act
    const verdict = evaluateReplication(
      copyView([{ status: succeeded, percent: 100 }], { sourceSizes: [10, 20] }),
    );

    // Assess
    expect(verdict.state).toBe('inProgress');
    expect(verdict.percent).toBe(50);
  });

  it('fails on provisioningState Failed and on a restore-point level error', () => {
    expect(
      evaluateReplication(copyView([{ status: inProgress, percent: 5 }], { provisioningState: 'Failed' })),
    ).toMatchObject({
      state: 'failed',
      failure: { code: 'ProvisioningState/Failed' },
    });
    expect(
      evaluateReplication(
        copyView([{ status: inProgress, percent: 5 }], {
          statuses: [{ code: 'CopyState/x', level: 'Error', message: 'quota' }],
        }),
      ),
    ).toMatchObject({ state: 'failed', failure: { code: 'CopyState/x', message: 'quota' } });
  });

  it('succeeds with a note when the source used a customer-managed key', () => {
    // Act
    const verdict = evaluateReplication(copyView([{ status: succeeded, percent: 100 }], { cmk: true }));

    // Assess
    expect(verdict.state).toBe('succeeded');
    expect(verdict.customerManagedKeyNote).toMatch(/customer-managed key/);
  });
});
