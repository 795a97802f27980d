import type { CollectionRef, RestorePointRef } from '../domain/armIds';
import type { CollectionView, RestorePointView } from '../domain/restorePoints';

export interface GetRestorePointOptions {
  /** Adds `$expand=instanceView` (per-disk replication status). */
  instanceView?: boolean;
  abortSignal?: AbortSignal;
}

export interface GetCollectionOptions {
  /** Adds `$expand=restorePoints`, the only way to enumerate restore points. */
  restorePoints?: boolean;
  abortSignal?: AbortSignal;
}

export interface CreateCollectionOptions {
  location: string;
  /** `properties.source.id`: the source collection (for a copy target). */
  sourceId: string;
  tags: Record<string, string>;
  abortSignal?: AbortSignal;
}

/**
 * The Compute operations rpcopy needs, in plain data.
 *
 * @remarks Every method throws `AzureRequestError` when ARM answers with an error, except the documented
 * "absent" cases that return undefined. Long-running operations are only started: the returned promise settles
 * once ARM accepted the request, never after waiting for completion.
 */
export interface ComputeGateway {
  /** Undefined when the restore point (or its collection) does not exist. */
  getRestorePoint(
    ref: RestorePointRef,
    options?: GetRestorePointOptions,
  ): Promise<RestorePointView | undefined>;
  /** Undefined when the collection does not exist. */
  getRestorePointCollection(
    ref: CollectionRef,
    options?: GetCollectionOptions,
  ): Promise<CollectionView | undefined>;
  /** Every collection of a subscription (without their restore points). */
  listRestorePointCollections(
    subscriptionId: string,
    options?: { abortSignal?: AbortSignal },
  ): AsyncIterable<CollectionView>;
  /** PUT of a collection; `created` tells 201 from 200. */
  createOrUpdateRestorePointCollection(
    ref: CollectionRef,
    options: CreateCollectionOptions,
  ): Promise<{ created: boolean; collection: CollectionView }>;
  /** Sends the copy PUT (`properties.sourceRestorePoint.id`) and returns once ARM accepted it. */
  beginCopyRestorePoint(
    target: RestorePointRef,
    sourceRestorePointId: string,
    options?: { abortSignal?: AbortSignal },
  ): Promise<void>;
  /**
   * ARM's clock (from the `Date` header of its latest response, moved on by local time); undefined before
   * any response, or when the gateway cannot tell.
   */
  serverNow?(): Date | undefined;
  /** Sends the DELETE and returns once ARM accepted it; `not-found` when there was nothing to delete. */
  beginDeleteRestorePoint(
    ref: RestorePointRef,
    options?: { abortSignal?: AbortSignal },
  ): Promise<'accepted' | 'not-found'>;
}
