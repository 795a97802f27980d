import type { ComputeGateway, CreateCollectionOptions } from '../../src/azure/computeGateway';
import type { CollectionRef, RestorePointRef } from '../../src/domain/armIds';
import { formatCollectionId, formatRestorePointId, normalizeArmId } from '../../src/domain/armIds';
import type { CollectionView, RestorePointView } from '../../src/domain/restorePoints';

/** A typed in-memory `ComputeGateway` for service tests: collections with their restore points. */
export class InMemoryCompute implements ComputeGateway {
  readonly collections = new Map<string, CollectionView>();
  readonly copyRequests: { target: string; source: string }[] = [];
  /** Ids of the restore points deleted, in order. */
  readonly deleted: string[] = [];

  addCollection(collection: CollectionView): void {
    this.collections.set(normalizeArmId(collection.id), {
      ...collection,
      restorePoints: collection.restorePoints ?? [],
    });
  }

  private find(ref: CollectionRef): CollectionView | undefined {
    return this.collections.get(normalizeArmId(formatCollectionId(ref)));
  }

  getRestorePoint(ref: RestorePointRef): Promise<RestorePointView | undefined> {
    return Promise.resolve(
      this.find(ref)?.restorePoints?.find(
        (rp) => rp.name.toLowerCase() === ref.restorePointName.toLowerCase(),
      ),
    );
  }

  getRestorePointCollection(
    ref: CollectionRef,
    options: { restorePoints?: boolean } = {},
  ): Promise<CollectionView | undefined> {
    const collection = this.find(ref);
    if (collection === undefined) {
      return Promise.resolve(undefined);
    }
    const { restorePoints, ...rest } = collection;
    return Promise.resolve(
      options.restorePoints === true ? { ...rest, restorePoints: restorePoints ?? [] } : rest,
    );
  }

  async *listRestorePointCollections(subscriptionId: string): AsyncIterable<CollectionView> {
    for (const collection of this.collections.values()) {
      if (normalizeArmId(collection.id).startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`)) {
        const { restorePoints: _ignored, ...rest } = collection;
        yield await Promise.resolve(rest);
      }
    }
  }

  createOrUpdateRestorePointCollection(
    ref: CollectionRef,
    options: CreateCollectionOptions,
  ): Promise<{ created: boolean; collection: CollectionView }> {
    const existing = this.find(ref);
    const collection: CollectionView = {
      id: formatCollectionId(ref),
      name: ref.collectionName,
      location: options.location,
      tags: options.tags,
      sourceId: options.sourceId,
      restorePoints: existing?.restorePoints ?? [],
    };
    this.addCollection(collection);
    return Promise.resolve({ created: existing === undefined, collection });
  }

  beginCopyRestorePoint(target: RestorePointRef, sourceRestorePointId: string): Promise<void> {
    this.copyRequests.push({ target: target.restorePointName, source: sourceRestorePointId });
    return Promise.resolve();
  }

  beginDeleteRestorePoint(ref: RestorePointRef): Promise<'accepted' | 'not-found'> {
    const collection = this.find(ref);
    const kept = (collection?.restorePoints ?? []).filter(
      (rp) => rp.name.toLowerCase() !== ref.restorePointName.toLowerCase(),
    );
    if (collection === undefined || kept.length === collection.restorePoints?.length) {
      return Promise.resolve('not-found');
    }
    this.deleted.push(formatRestorePointId(ref));
    this.addCollection({ ...collection, restorePoints: kept });
    return Promise.resolve('accepted');
  }
}
