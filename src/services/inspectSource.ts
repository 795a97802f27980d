import type { ComputeGateway } from '../azure/computeGateway';
import type { RestorePointRef } from '../domain/armIds';
import { collectionOf, formatCollectionId, formatRestorePointId, isCollectionId } from '../domain/armIds';
import type { CollectionView, RestorePointView } from '../domain/restorePoints';
import { normalizeRegion } from '../domain/regions';

export type SourceInspection =
  | { kind: 'ok'; restorePoint: RestorePointView; collection: CollectionView; sourceRegion: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'copy-of-copy'; message: string };

/**
 * Reads a source restore point and its collection, and tells whether it may be copied at all.
 *
 * @param options.restorePoints also read the collection's restore points (the copy order needs them).
 * @throws AzureRequestError when ARM fails.
 */
export async function inspectSource(
  compute: Pick<ComputeGateway, 'getRestorePoint' | 'getRestorePointCollection'>,
  ref: RestorePointRef,
  options: { restorePoints?: boolean } = {},
): Promise<SourceInspection> {
  const id = formatRestorePointId(ref);
  const restorePoint = await compute.getRestorePoint(ref);
  if (restorePoint === undefined) {
    return { kind: 'not-found', message: `Restore point ${id} does not exist.` };
  }
  if (restorePoint.sourceRestorePointId !== undefined) {
    return {
      kind: 'copy-of-copy',
      message: `Restore point ${id} is itself a copy of ${restorePoint.sourceRestorePointId}; copies are never copied.`,
    };
  }
  const collection =
    options.restorePoints === true
      ? await compute.getRestorePointCollection(collectionOf(ref), { restorePoints: true })
      : await compute.getRestorePointCollection(collectionOf(ref));
  if (collection === undefined) {
    return {
      kind: 'not-found',
      message: `Collection ${formatCollectionId(collectionOf(ref))} does not exist.`,
    };
  }
  if (collection.sourceId !== undefined && isCollectionId(collection.sourceId)) {
    return {
      kind: 'copy-of-copy',
      message: `Collection ${formatCollectionId(collectionOf(ref))} holds copies of ${collection.sourceId}; copies are never copied.`,
    };
  }
  return {
    kind: 'ok',
    restorePoint,
    collection,
    sourceRegion: normalizeRegion(collection.location) ?? collection.location.toLowerCase(),
  };
}
