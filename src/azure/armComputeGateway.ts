import type { ComputeManagementClient, RestorePoint, RestorePointCollection } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/core-auth';

import type { CollectionRef, RestorePointRef } from '../domain/armIds';
import type { CollectionView, RestorePointView, SourceDiskView, StatusView } from '../domain/restorePoints';
import { AzureRequestError, ensureError } from '../errors';
import type { ArmConnection } from './computeClient';
import { createComputeClient } from './computeClient';
import { ServerClock } from './serverClock';
import type {
  ComputeGateway,
  CreateCollectionOptions,
  GetCollectionOptions,
  GetRestorePointOptions,
} from './computeGateway';

interface RestErrorLike {
  name: string;
  message: string;
  statusCode?: number;
  code?: string;
  details?: unknown;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestErrorLike(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

/** Seconds from `Retry-After` (seconds or HTTP date) or `retry-after-ms`; undefined when absent. */
export function parseRetryAfter(
  headers: { get(name: string): string | undefined } | undefined,
  now = Date.now(),
): number | undefined {
  const ms = headers?.get('retry-after-ms') ?? headers?.get('x-ms-retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) {
    return Math.max(0, Math.ceil(Number(ms) / 1000));
  }
  const value = headers?.get('retry-after');
  if (value === undefined) {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function armErrorCode(error: RestErrorLike): string | undefined {
  const details = error.details as { error?: { code?: unknown } } | undefined;
  const fromBody = details?.error?.code;
  if (typeof fromBody === 'string') {
    return fromBody;
  }
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Converts whatever the SDK threw into an `AzureRequestError`. */
export function toAzureRequestError(error: unknown, operation: string): AzureRequestError {
  if (error instanceof AzureRequestError) {
    return error;
  }
  if (isRestErrorLike(error)) {
    const code = armErrorCode(error);
    return new AzureRequestError(
      `${operation} failed: ${error.statusCode ?? 'no response'}${code === undefined ? '' : ` ${code}`}: ${error.message}`,
      {
        statusCode: error.statusCode,
        code,
        retryAfterSeconds: parseRetryAfter(error.response?.headers),
        cause: error,
      },
    );
  }
  const cause = ensureError(error);
  return new AzureRequestError(`${operation} failed: ${cause.message}`, { cause });
}

function isNotFound(error: unknown): boolean {
  return isRestErrorLike(error) && error.statusCode === 404;
}

function status(
  view: { code?: string; level?: string; displayStatus?: string; message?: string } | undefined,
): StatusView | undefined {
  if (view === undefined) {
    return undefined;
  }
  return {
    ...(view.code === undefined ? {} : { code: view.code }),
    ...(view.level === undefined ? {} : { level: view.level }),
    ...(view.displayStatus === undefined ? {} : { displayStatus: view.displayStatus }),
    ...(view.message === undefined ? {} : { message: view.message }),
  };
}

type SourceDisk = NonNullable<
  NonNullable<NonNullable<RestorePoint['sourceMetadata']>['storageProfile']>['osDisk']
>;

function sourceDisk(disk: SourceDisk): SourceDiskView {
  const encryptionType = disk.diskRestorePoint?.encryption?.type;
  return {
    ...(disk.name === undefined ? {} : { name: disk.name }),
    ...(disk.diskSizeGB === undefined ? {} : { sizeGb: disk.diskSizeGB }),
    ...(encryptionType === undefined ? {} : { encryptionType }),
    usesDiskEncryptionSet:
      disk.managedDisk?.diskEncryptionSet?.id !== undefined ||
      disk.diskRestorePoint?.encryption?.diskEncryptionSet?.id !== undefined,
  };
}

/** Maps the SDK's restore point model to rpcopy's plain view. */
export function toRestorePointView(model: RestorePoint): RestorePointView {
  const storage = model.sourceMetadata?.storageProfile;
  const disks =
    storage === undefined
      ? undefined
      : [
          ...(storage.osDisk === undefined ? [] : [sourceDisk(storage.osDisk)]),
          ...(storage.dataDisks ?? []).map(sourceDisk),
        ];
  const instanceView = model.instanceView;
  return {
    id: model.id ?? '',
    name: model.name ?? '',
    ...(model.provisioningState === undefined ? {} : { provisioningState: model.provisioningState }),
    ...(model.timeCreated === undefined ? {} : { timeCreated: new Date(model.timeCreated).toISOString() }),
    ...(model.sourceRestorePoint?.id === undefined
      ? {}
      : { sourceRestorePointId: model.sourceRestorePoint.id }),
    ...(disks === undefined ? {} : { sourceDisks: disks }),
    ...(model.sourceMetadata?.location === undefined
      ? {}
      : { sourceLocation: model.sourceMetadata.location }),
    ...(instanceView === undefined
      ? {}
      : {
          instanceView: {
            statuses: (instanceView.statuses ?? []).map((entry) => status(entry) ?? {}),
            disks: (instanceView.diskRestorePoints ?? []).map((disk) => {
              const diskStatus = status(disk.replicationStatus?.status);
              const percent = disk.replicationStatus?.completionPercent;
              return {
                id: disk.id ?? '',
                ...(diskStatus === undefined ? {} : { status: diskStatus }),
                ...(percent === undefined ? {} : { completionPercent: percent }),
              };
            }),
          },
        }),
  };
}

/** Maps the SDK's collection model to rpcopy's plain view. */
export function toCollectionView(model: RestorePointCollection): CollectionView {
  return {
    id: model.id ?? '',
    name: model.name ?? '',
    location: model.location,
    tags: { ...(model.tags ?? {}) },
    ...(model.source?.id === undefined ? {} : { sourceId: model.source.id }),
    ...(model.source?.location === undefined ? {} : { sourceLocation: model.source.location }),
    ...(model.restorePoints === undefined
      ? {}
      : { restorePoints: model.restorePoints.map(toRestorePointView) }),
  };
}

/**
 * `ComputeGateway` over `@azure/arm-compute`, one client per subscription (the SDK binds a client to one).
 *
 * @remarks Pollers are only used to send the initial request (`submitted()`); the orchestrator does the
 * waiting with durable timers.
 */
export class ArmComputeGateway implements ComputeGateway {
  private readonly clients = new Map<string, ComputeManagementClient>();
  private readonly serverClock = new ServerClock();

  constructor(
    private readonly connection: ArmConnection,
    private readonly credential: TokenCredential,
  ) {}

  serverNow(): Date | undefined {
    return this.serverClock.serverNow();
  }

  private client(subscriptionId: string): ComputeManagementClient {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = createComputeClient(this.connection, this.credential, subscriptionId, this.serverClock);
      this.clients.set(subscriptionId, client);
    }
    return client;
  }

  async getRestorePoint(
    ref: RestorePointRef,
    options: GetRestorePointOptions = {},
  ): Promise<RestorePointView | undefined> {
    try {
      const model = await this.client(ref.subscriptionId).restorePoints.get(
        ref.resourceGroup,
        ref.collectionName,
        ref.restorePointName,
        {
          ...(options.instanceView === true ? { expand: 'instanceView' } : {}),
          ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
        },
      );
      return toRestorePointView(model);
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw toAzureRequestError(error, `GET restore point ${ref.collectionName}/${ref.restorePointName}`);
    }
  }

  async getRestorePointCollection(
    ref: CollectionRef,
    options: GetCollectionOptions = {},
  ): Promise<CollectionView | undefined> {
    try {
      const model = await this.client(ref.subscriptionId).restorePointCollections.get(
        ref.resourceGroup,
        ref.collectionName,
        {
          ...(options.restorePoints === true ? { expand: 'restorePoints' } : {}),
          ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
        },
      );
      return toCollectionView(model);
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw toAzureRequestError(
        error,
        `GET restore point collection ${ref.resourceGroup}/${ref.collectionName}`,
      );
    }
  }

  async *listRestorePointCollections(
    subscriptionId: string,
    options: { abortSignal?: AbortSignal } = {},
  ): AsyncIterable<CollectionView> {
    try {
      for await (const model of this.client(subscriptionId).restorePointCollections.listAll(
        options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
      )) {
        yield toCollectionView(model);
      }
    } catch (error) {
      throw toAzureRequestError(error, `LIST restore point collections in ${subscriptionId}`);
    }
  }

  async createOrUpdateRestorePointCollection(
    ref: CollectionRef,
    options: CreateCollectionOptions,
  ): Promise<{ created: boolean; collection: CollectionView }> {
    let statusCode: number | undefined;
    try {
      const model = await this.client(ref.subscriptionId).restorePointCollections.createOrUpdate(
        ref.resourceGroup,
        ref.collectionName,
        { location: options.location, source: { id: options.sourceId }, tags: options.tags },
        {
          onResponse: (response) => {
            statusCode = response.status;
          },
          ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
        },
      );
      return { created: statusCode === 201, collection: toCollectionView(model) };
    } catch (error) {
      throw toAzureRequestError(
        error,
        `PUT restore point collection ${ref.resourceGroup}/${ref.collectionName}`,
      );
    }
  }

  async beginCopyRestorePoint(
    target: RestorePointRef,
    sourceRestorePointId: string,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<void> {
    try {
      const poller = this.client(target.subscriptionId).restorePoints.create(
        target.resourceGroup,
        target.collectionName,
        target.restorePointName,
        { sourceRestorePoint: { id: sourceRestorePointId } },
        options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
      );
      await poller.submitted();
    } catch (error) {
      throw toAzureRequestError(error, `PUT copy ${target.collectionName}/${target.restorePointName}`);
    }
  }

  async beginDeleteRestorePoint(
    ref: RestorePointRef,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<'accepted' | 'not-found'> {
    let statusCode: number | undefined;
    try {
      const poller = this.client(ref.subscriptionId).restorePoints.delete(
        ref.resourceGroup,
        ref.collectionName,
        ref.restorePointName,
        {
          onResponse: (response) => {
            statusCode ??= response.status;
          },
          ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
        },
      );
      await poller.submitted();
      return statusCode === 204 ? 'not-found' : 'accepted';
    } catch (error) {
      if (isNotFound(error)) {
        return 'not-found';
      }
      throw toAzureRequestError(error, `DELETE restore point ${ref.collectionName}/${ref.restorePointName}`);
    }
  }
}
