import { idKey } from './ids';
import type { StateChanges } from './stateJournal';
import type { CollectionRecord, RestorePointRecord, SimulatorState, VmRecord } from './stateStore';

/**
 * The simulated resources by key, with the indexes the copy rules and the collection views need, so that no
 * request reads every restore point. Every write goes through here: it keeps the indexes in step and tells
 * the state journal which record to save.
 */
export class ResourceTables {
  private readonly byCollection = new Map<string, Set<string>>();
  private readonly copiesBySource = new Map<string, Set<string>>();
  private readonly collectionsBySource = new Map<string, Set<string>>();
  /** Every collection key, sorted: a list page is a binary search and a slice, not a sort of them all. */
  private readonly sortedCollectionKeys: string[];

  constructor(
    private readonly state: SimulatorState,
    private readonly changes: StateChanges,
  ) {
    for (const [key, rp] of Object.entries(state.restorePoints)) {
      this.index(key, rp);
    }
    for (const [key, collection] of Object.entries(state.collections)) {
      addTo(this.collectionsBySource, idKey(collection.sourceId), key);
    }
    this.sortedCollectionKeys = Object.keys(state.collections).sort();
  }

  vm(id: string): VmRecord | undefined {
    return this.state.vms[idKey(id)];
  }

  putVm(vm: VmRecord): void {
    const key = idKey(vm.id);
    this.state.vms[key] = vm;
    this.changes.changed('vms', key);
  }

  collection(id: string): CollectionRecord | undefined {
    return this.state.collections[idKey(id)];
  }

  /**
   * Up to `limit` collection keys that start with `prefix` and sort after `after` (when given), in the order
   * lists return them.
   */
  collectionKeysFrom(prefix: string, after: string | undefined, limit: number): string[] {
    const keys = this.sortedCollectionKeys;
    let index = lowerBound(keys, prefix);
    if (after !== undefined) {
      const afterIndex = lowerBound(keys, after);
      index = Math.max(index, keys[afterIndex] === after ? afterIndex + 1 : afterIndex);
    }
    const page: string[] = [];
    for (; index < keys.length && page.length < limit; index++) {
      const key = keys[index] ?? '';
      if (!key.startsWith(prefix)) {
        break;
      }
      page.push(key);
    }
    return page;
  }

  /** Collections whose `properties.source.id` is `sourceId` (a VM, or the source of copies). */
  collectionsFrom(sourceId: string): CollectionRecord[] {
    return recordsOf(this.collectionsBySource.get(idKey(sourceId)), this.state.collections);
  }

  /** Stores a new or changed collection (changed in place or replaced). */
  saveCollection(collection: CollectionRecord): void {
    const key = idKey(collection.id);
    const previous = this.state.collections[key];
    if (previous && previous !== collection) {
      removeFrom(this.collectionsBySource, idKey(previous.sourceId), key);
    }
    if (!previous) {
      this.sortedCollectionKeys.splice(lowerBound(this.sortedCollectionKeys, key), 0, key);
    }
    this.state.collections[key] = collection;
    addTo(this.collectionsBySource, idKey(collection.sourceId), key);
    this.changes.changed('collections', key);
  }

  /** A deleted collection takes its restore points and its copy throttle window with it. */
  deleteCollection(id: string): void {
    const key = idKey(id);
    const collection = this.state.collections[key];
    if (collection) {
      removeFrom(this.collectionsBySource, idKey(collection.sourceId), key);
      const index = lowerBound(this.sortedCollectionKeys, key);
      if (this.sortedCollectionKeys[index] === key) {
        this.sortedCollectionKeys.splice(index, 1);
      }
    }
    delete this.state.collections[key];
    this.changes.changed('collections', key);
    for (const rpKey of [...(this.byCollection.get(key) ?? [])]) {
      this.deleteRestorePoint(rpKey);
    }
    this.setCopyPutTimes(key, undefined);
  }

  restorePoint(id: string): RestorePointRecord | undefined {
    return this.state.restorePoints[idKey(id)];
  }

  /** The restore points of a collection, oldest first. */
  restorePointsIn(collectionKey: string): RestorePointRecord[] {
    return recordsOf(this.byCollection.get(collectionKey), this.state.restorePoints).sort(
      (a, b) => a.createdAt - b.createdAt,
    );
  }

  /** The cross-region copies made of the restore point `sourceKey`. */
  copiesOf(sourceKey: string): RestorePointRecord[] {
    return recordsOf(this.copiesBySource.get(sourceKey), this.state.restorePoints);
  }

  saveRestorePoint(rp: RestorePointRecord): void {
    const key = idKey(rp.id);
    this.state.restorePoints[key] = rp;
    this.index(key, rp);
    this.changes.changed('restorePoints', key);
  }

  deleteRestorePoint(id: string): void {
    const key = idKey(id);
    const rp = this.state.restorePoints[key];
    if (rp) {
      removeFrom(this.byCollection, rp.collectionKey, key);
      if (rp.copy) {
        removeFrom(this.copiesBySource, idKey(rp.copy.sourceRestorePointId), key);
      }
    }
    delete this.state.restorePoints[key];
    this.changes.changed('restorePoints', key);
  }

  copyPutTimes(collectionKey: string): number[] | undefined {
    return this.state.copyPutTimes[collectionKey];
  }

  setCopyPutTimes(collectionKey: string, times: number[] | undefined): void {
    if (times === undefined) {
      delete this.state.copyPutTimes[collectionKey];
    } else {
      this.state.copyPutTimes[collectionKey] = times;
    }
    this.changes.changed('copyPutTimes', collectionKey);
  }

  private index(key: string, rp: RestorePointRecord): void {
    addTo(this.byCollection, rp.collectionKey, key);
    if (rp.copy) {
      addTo(this.copiesBySource, idKey(rp.copy.sourceRestorePointId), key);
    }
  }
}

/** The index of the first of the sorted `keys` that is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((keys[middle] ?? '') < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  let values = index.get(key);
  if (!values) {
    values = new Set();
    index.set(key, values);
  }
  values.add(value);
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const values = index.get(key);
  values?.delete(value);
  if (values?.size === 0) {
    index.delete(key);
  }
}

function recordsOf<T>(keys: Set<string> | undefined, table: Record<string, T>): T[] {
  return [...(keys ?? [])].flatMap((key) => {
    const record = table[key];
    return record === undefined ? [] : [record];
  });
}
