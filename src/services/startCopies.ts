import type { DurableClient } from 'durable-functions';

import type { ComputeGateway } from '../azure/computeGateway';
import type { AppConfig } from '../config';
import type { RestorePointRef } from '../domain/armIds';
import { collectionOf, formatCollectionId, formatRestorePointId, isCollectionId } from '../domain/armIds';
import type { CopyOrchestrationInput } from '../domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../domain/copyContracts';
import type { CopyDocument, CopyStatus, CopyTrigger } from '../domain/copyDocument';
import { createCopyDocument } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import type { CollectionView, RestorePointView } from '../domain/restorePoints';
import { normalizeRegion } from '../domain/regions';
import { CopyStatusStore } from './copyStatusStore';

export type SourceInspection =
  | { kind: 'ok'; restorePoint: RestorePointView; collection: CollectionView; sourceRegion: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'copy-of-copy'; message: string };

/**
 * Reads a source restore point and its collection, and tells whether it may be copied at all.
 *
 * @throws AzureRequestError when ARM fails.
 */
export async function inspectSource(
  compute: ComputeGateway,
  ref: RestorePointRef,
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
  const collection = await compute.getRestorePointCollection(collectionOf(ref));
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

/** Statuses after which an explicit HTTP request starts the copy again. */
const RESTARTABLE: ReadonlySet<CopyStatus> = new Set(['Failed', 'TimedOut', 'Canceled']);

export interface StartCopyOptions {
  source: RestorePointRef;
  targetRegion: string;
  requestedBy: CopyTrigger;
  /** Start again a copy that ended Failed, TimedOut or Canceled (explicit requests only). */
  restartEnded: boolean;
  now: Date;
}

export interface StartCopyResult {
  document: CopyDocument;
  /** False when the copy already existed ("already handled"). */
  started: boolean;
}

function isDuplicateStart(error: unknown): boolean {
  return error instanceof Error && /\b(409|500)\b|already exists|conflict/i.test(error.message);
}

/**
 * The one way every trigger starts a copy: same id for the same (source, region), and an existing instance
 * means "already handled".
 *
 * @remarks Two starters can race; the durable API refuses to start an id that is running, and the loser
 * reads the winner's instance instead of failing.
 */
export async function startCopy(
  client: DurableClient,
  config: AppConfig,
  options: StartCopyOptions,
): Promise<StartCopyResult> {
  const store = new CopyStatusStore(client);
  const sourceRestorePointId = formatRestorePointId(options.source);
  const id = copyIdFor(sourceRestorePointId, options.targetRegion);
  const existing = await store.getCopy(id);
  if (existing !== undefined && !(options.restartEnded && RESTARTABLE.has(existing.status))) {
    return { document: existing, started: false };
  }
  const attempt = existing === undefined ? 1 : (existing.attempt ?? 1) + 1;
  const input: CopyOrchestrationInput = {
    copyId: id,
    sourceRestorePointId,
    sourceCollectionId: formatCollectionId(collectionOf(options.source)),
    targetRegion: options.targetRegion,
    requestedBy: options.requestedBy,
    requestedAt: options.now.toISOString(),
    ...(attempt > 1 ? { attempt } : {}),
    settings: config.copy,
  };
  try {
    await client.startNew(ORCHESTRATOR_NAME, { instanceId: id, input });
  } catch (error) {
    const winner = isDuplicateStart(error) ? await store.getCopy(id) : undefined;
    if (winner === undefined) {
      throw error;
    }
    return { document: winner, started: false };
  }
  return {
    document: createCopyDocument({
      id,
      sourceRestorePointId,
      sourceCollectionId: input.sourceCollectionId,
      targetRegion: options.targetRegion,
      requestedBy: options.requestedBy,
      createdAt: input.requestedAt,
      attempt,
    }),
    started: true,
  };
}
