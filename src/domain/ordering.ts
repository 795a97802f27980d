import { armIdsEqual } from './armIds';

/**
 * Copy order per (source collection → target region): the platform copies restore points only in creation
 * order, one at a time, and can never fill a gap later. Which copy goes when is kept by the coordination
 * entities (`coordination.ts`); this is what Azure's target collection says.
 */

export interface ExistingCopy {
  targetRestorePointId: string;
  sourceRestorePointId: string;
  /** The source restore point's creation time (ISO); undefined when the source is gone. */
  sourceCreatedAt?: string;
  /** The target restore point's `provisioningState`, when ARM reported one. */
  targetProvisioningState?: string;
}

export type OrderingVerdict =
  | { kind: 'in-order' }
  | { kind: 'already-copied'; targetRestorePointId: string }
  | { kind: 'out-of-order'; newerSourceRestorePointId: string; newerSourceCreatedAt: string };

/**
 * Whether `source` may still be copied into a target collection that holds `existing`.
 *
 * @remarks A newer copy decides first, whatever else the collection holds: even a copy of this very source
 * (a failed target that was never deleted) cannot make an older restore point copyable again. Copies whose
 * source is gone have no known creation time and are ignored here; if one of them is newer, Azure refuses the
 * copy and the refusal is reported as an ordering failure.
 */
export function evaluateOrdering(
  source: { restorePointId: string; createdAt: string },
  existing: readonly ExistingCopy[],
): OrderingVerdict {
  const created = Date.parse(source.createdAt);
  const newer = existing
    .filter((copy) => copy.sourceCreatedAt !== undefined && Date.parse(copy.sourceCreatedAt) > created)
    .sort((a, b) => Date.parse(b.sourceCreatedAt ?? '') - Date.parse(a.sourceCreatedAt ?? ''))[0];
  if (newer?.sourceCreatedAt !== undefined) {
    return {
      kind: 'out-of-order',
      newerSourceRestorePointId: newer.sourceRestorePointId,
      newerSourceCreatedAt: newer.sourceCreatedAt,
    };
  }
  const same = existing.find((copy) => armIdsEqual(copy.sourceRestorePointId, source.restorePointId));
  if (same !== undefined) {
    return { kind: 'already-copied', targetRestorePointId: same.targetRestorePointId };
  }
  return { kind: 'in-order' };
}
