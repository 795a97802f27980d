import type { GetStatusOptions } from 'durable-functions';

import type { CopyOrchestrationInput } from '../domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../domain/copyContracts';
import type { CopyDocument } from '../domain/copyDocument';
import { COPY_STATUSES, copyError, createCopyDocument, isTerminalStatus } from '../domain/copyDocument';

/** The fields of a durable instance status rpcopy reads (the list API returns plain JSON of this shape). */
export interface InstanceStatusLike {
  name?: string;
  instanceId?: string;
  runtimeStatus?: string;
  input?: unknown;
  customStatus?: unknown;
  output?: unknown;
  createdTime?: string | Date;
  lastUpdatedTime?: string | Date;
}

function isCopyDocument(value: unknown): value is CopyDocument {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<CopyDocument>;
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.status === 'string' &&
    (COPY_STATUSES as readonly string[]).includes(candidate.status) &&
    typeof candidate.sourceRestorePointId === 'string'
  );
}

function isCopyInput(value: unknown): value is CopyOrchestrationInput {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<CopyOrchestrationInput>;
  return typeof candidate.copyId === 'string' && typeof candidate.sourceRestorePointId === 'string';
}

function iso(value: string | Date | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * The copy document of a durable instance: its output once done, else its custom status, else what its input
 * says (an instance that has not run yet).
 *
 * @remarks An orchestration that crashed or was terminated outside rpcopy still gets an honest terminal status.
 */
export function documentFromStatus(status: InstanceStatusLike): CopyDocument | undefined {
  if (status.name !== undefined && status.name.toLowerCase() !== ORCHESTRATOR_NAME.toLowerCase()) {
    return undefined;
  }
  let document: CopyDocument | undefined;
  if (isCopyDocument(status.output)) {
    document = status.output;
  } else if (isCopyDocument(status.customStatus)) {
    document = status.customStatus;
  } else if (isCopyInput(status.input)) {
    document =
      status.input.carried?.document ??
      createCopyDocument({
        id: status.input.copyId,
        sourceRestorePointId: status.input.sourceRestorePointId,
        sourceCollectionId: status.input.sourceCollectionId,
        targetRegion: status.input.targetRegion,
        requestedBy: status.input.requestedBy,
        createdAt: status.input.requestedAt,
        ...(status.input.attempt !== undefined ? { attempt: status.input.attempt } : {}),
      });
  }
  if (document === undefined || isTerminalStatus(document.status)) {
    return document;
  }
  const endedAt = iso(status.lastUpdatedTime) ?? document.createdAt;
  if (status.runtimeStatus === 'Failed') {
    return {
      ...document,
      status: 'Failed',
      completedAt: endedAt,
      error: copyError('internal', 'OrchestrationFailed', 'The copy orchestration stopped with an error.'),
    };
  }
  if (status.runtimeStatus === 'Terminated' || status.runtimeStatus === 'Canceled') {
    return { ...document, status: 'Canceled', completedAt: endedAt };
  }
  return document;
}

/** The part of the `DurableClient` that reads one copy. */
export interface CopyReadClient {
  getStatus(instanceId: string, options?: GetStatusOptions): Promise<InstanceStatusLike>;
}

/**
 * The fixed text durable-functions 3 puts in the `Error` it throws when the instance does not exist: the
 * client exposes no status code, so this adapter is the one place that recognises it.
 */
const SDK_NOT_FOUND_PREFIX =
  'DurableClient error: Durable Functions extension replied with HTTP 404 response.';

/** A copy by id; undefined when no instance has that id. */
export async function readCopy(client: CopyReadClient, id: string): Promise<CopyDocument | undefined> {
  try {
    return documentFromStatus(await client.getStatus(id, { showInput: true }));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(SDK_NOT_FOUND_PREFIX)) {
      return undefined;
    }
    throw error;
  }
}
