import { describe, expect, it } from 'vitest';
import type { CopyProgress } from '../../../src/domain/copyDocument';
import { finalProgress } from '../../../src/domain/copyDocument';

const progress: CopyProgress = {
  percent: 48,
  etaSeconds: 1200,
  stalled: false,
  disks: [
    { id: 'os', status: 'Succeeded', percent: 100 },
    { id: 'data0', status: 'Replicating', percent: 40 },
    { id: 'data1', status: 'Failed', percent: 10 },
    { id: 'data2', status: 'Pending', percent: 0 },
  ],
};

describe('the progress a copy ends with', () => {
  it.each([
    { status: 'Canceled', unfinished: 'Canceled' },
    { status: 'TimedOut', unfinished: 'TimedOut' },
    { status: 'Failed', unfinished: 'Stopped' },
  ] as const)(
    '$status: unfinished disks keep their percent and say $unfinished',
    ({ status, unfinished }) => {
      expect(finalProgress(progress, status)).toEqual({
        percent: 48,
        etaSeconds: null,
        stalled: false,
        disks: [
          { id: 'os', status: 'Succeeded', percent: 100 },
          { id: 'data0', status: unfinished, percent: 40 },
          { id: 'data1', status: 'Failed', percent: 10 },
          { id: 'data2', status: unfinished, percent: 0 },
        ],
      });
    },
  );

  it('Succeeded and Skipped keep the disks as they are, without an ETA', () => {
    expect(finalProgress(progress, 'Succeeded')).toEqual({ ...progress, etaSeconds: null });
    expect(finalProgress(progress, 'Skipped')).toEqual({ ...progress, etaSeconds: null });
  });
});
