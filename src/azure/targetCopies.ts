import type { ComputeGateway } from '../azure/computeGateway';
import type { CollectionRef } from '../domain/armIds';
import { armIdsEqual, normalizeArmId } from '../domain/armIds';
import type { ExistingCopy } from '../domain/ordering';
import type { RestorePointView } from '../domain/restorePoints';

export type TargetCopies =
  | { kind: 'no-collection' }
  /** The target collection exists but copies another source (a naming-template clash). */
  | { kind: 'conflict'; copiesFrom: string | undefined }
  | { kind: 'copies'; copies: ExistingCopy[] };

/**
 * The copies already in a target collection, each with its source's creation time (read from the source
 * collection, because the target's own `timeCreated` is ambiguous).
 *
 * @param sourceRestorePoints the source collection's restore points when the caller has already read them;
 * otherwise they are read here, only when the target holds copies.
 */
export async function listTargetCopies(
  compute: Pick<ComputeGateway, 'getRestorePointCollection'>,
  source: CollectionRef,
  sourceCollectionId: string,
  target: CollectionRef,
  sourceRestorePoints?: readonly RestorePointView[],
): Promise<TargetCopies> {
  const collection = await compute.getRestorePointCollection(target, { restorePoints: true });
  if (collection === undefined) {
    return { kind: 'no-collection' };
  }
  if (collection.sourceId === undefined || !armIdsEqual(collection.sourceId, sourceCollectionId)) {
    return { kind: 'conflict', copiesFrom: collection.sourceId };
  }
  const copied = (collection.restorePoints ?? []).filter((rp) => rp.sourceRestorePointId !== undefined);
  if (copied.length === 0) {
    return { kind: 'copies', copies: [] };
  }
  const restorePoints =
    sourceRestorePoints ??
    (await compute.getRestorePointCollection(source, { restorePoints: true }))?.restorePoints ??
    [];
  const createdAt = new Map(
    restorePoints.flatMap((rp) =>
      rp.timeCreated === undefined ? [] : [[normalizeArmId(rp.id), rp.timeCreated] as const],
    ),
  );
  return {
    kind: 'copies',
    copies: copied.map((rp) => {
      const sourceCreatedAt = createdAt.get(normalizeArmId(rp.sourceRestorePointId ?? ''));
      return {
        targetRestorePointId: rp.id,
        sourceRestorePointId: rp.sourceRestorePointId ?? '',
        ...(sourceCreatedAt === undefined ? {} : { sourceCreatedAt }),
        ...(rp.provisioningState === undefined ? {} : { targetProvisioningState: rp.provisioningState }),
      };
    }),
  };
}
