import type { DurableClient } from 'durable-functions';

import type { CopyReadClient } from '../azure/copyStatusStore';
import { readCopy } from '../azure/copyStatusStore';
import type { AppConfig } from '../config';
import type { RestorePointRef } from '../domain/armIds';
import { collectionOf, formatCollectionId, formatRestorePointId } from '../domain/armIds';
import type { CopyOrchestrationInput } from '../domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../domain/copyContracts';
import type { CopyDocument, CopyStatus, CopyTrigger } from '../domain/copyDocument';
import { createCopyDocument } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import { ConflictError } from '../errors';

/** Statuses after which an explicit HTTP request starts the copy again. */
export const RESTARTABLE: ReadonlySet<CopyStatus> = new Set(['Failed', 'TimedOut', 'Canceled']);

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

/** What starting a copy needs from the durable client. */
export type StartCopyClient = CopyReadClient & Pick<DurableClient, 'startNew'>;

/**
 * The one way every trigger starts a copy: same id for the same (source, region), and an existing instance
 * means "already handled".
 *
 * @remarks Two starters can race; the durable API refuses to start an id that is running. Whatever the refusal
 * says, the loser then finds the winner's instance and returns it; when no instance exists, the failure was
 * real and is thrown.
 */
export async function startCopy(
  client: StartCopyClient,
  config: Pick<AppConfig, 'copy'>,
  options: StartCopyOptions,
): Promise<StartCopyResult> {
  const sourceRestorePointId = formatRestorePointId(options.source);
  const id = copyIdFor(sourceRestorePointId, options.targetRegion);
  const existing = await readCopy(client, id);
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
    const winner = await readWinner(client, id);
    if (winner === undefined) {
      throw error;
    }
    // The ended run still shows: its orchestration is finishing (removing the target, publishing the event)
    // and Azure's store refuses a new run until it completes.
    if (existing !== undefined && (winner.attempt ?? 1) < attempt) {
      throw new ConflictError(
        'CopyStillEnding',
        `Copy ${id} ended ${winner.status} and is still cleaning up; request it again in a few seconds.`,
      );
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

/**
 * The copy that a concurrent identical request started: the store can refuse a second start ("already
 * exists") a moment before the first start's instance can be read, so a missing instance is read again
 * briefly before the refusal counts as a real failure.
 */
async function readWinner(client: CopyReadClient, id: string): Promise<CopyDocument | undefined> {
  for (let look = 0; look < 5; look++) {
    const winner = await readCopy(client, id);
    if (winner !== undefined) {
      return winner;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
