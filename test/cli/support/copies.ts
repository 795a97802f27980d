import type { CopyDocument } from '../../../src/cli/copyDocument';
import { diskId, restorePointId, subscription } from './fakeCopyApi';

export const sourceRestorePoint = restorePointId('rp-20261125-1700');

export function targetRestorePoint(region: string): string {
  return `/subscriptions/${subscription}/resourceGroups/rg-app-${region}/providers/Microsoft.Compute/restorePointCollections/rpc-app-${region}/restorePoints/rp-20261125-1700`;
}

/** A copy document as the API serves it, in `status`, with per-disk percentages `[name, percent]`. */
export function copyDocument(
  id: string,
  region: string,
  status: string,
  disks: [string, number][] = [],
  extra: Partial<CopyDocument> = {},
): CopyDocument {
  const target = targetRestorePoint(region);
  const percents = disks.map(([, percent]) => percent);
  const overall = percents.length > 0 ? percents.reduce((sum, value) => sum + value, 0) / percents.length : 0;
  return {
    id,
    status,
    sourceRestorePointId: sourceRestorePoint,
    targetRestorePointId: target,
    sourceRegion: 'eastus',
    targetRegion: region,
    createdAt: '2026-11-25T17:00:00Z',
    ...(status === 'Queued' ? {} : { startedAt: '2026-11-25T17:01:00Z' }),
    ...(disks.length > 0
      ? {
          progress: {
            percent: overall,
            ...(status === 'Replicating' ? { etaSeconds: Math.round((100 - overall) * 60) } : {}),
            disks: disks.map(([name, percent]) => ({
              id: diskId(target, name),
              status: percent >= 100 ? 'Succeeded' : 'Replicating',
              percent,
            })),
          },
        }
      : {}),
    ...extra,
  };
}
