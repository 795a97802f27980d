import type { ComputeGateway } from '../azure/computeGateway';
import type { EventPublisher } from '../azure/eventPublisher';
import type { EventGridConfig } from '../config';
import type { CollectionRef, RestorePointRef } from '../domain/armIds';
import { parseCollectionId, parseRestorePointId } from '../domain/armIds';
import type { ActivityInput, ActivityName, ActivityResult } from '../domain/copyContracts';
import { copyError } from '../domain/copyDocument';
import type { CopyDocument } from '../domain/copyDocument';
import type { CopyPolicy } from '../domain/policy';
import type { NamingTemplates } from '../domain/targetNaming';
import type { Logger } from '../logger';

/** How long a copy waits for the failed target of an earlier run to be deleted before asking again. */
export const TARGET_BUSY_RECHECK_SECONDS = 60;

export type ActivityLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface ActivityDeps {
  compute: ComputeGateway;
  events: EventPublisher;
  policy: CopyPolicy;
  naming: NamingTemplates;
  eventGrid: Pick<EventGridConfig, 'source' | 'endpoint'>;
  now: () => Date;
}

/** Other copies, by id (point reads and events through the durable client; never a listing). */
export interface CopyDirectory {
  /** A copy's document; undefined when no instance has that id. */
  read(copyId: string): Promise<CopyDocument | undefined>;
  /** Raises the turn event on a copy's orchestration. */
  wake(copyId: string): Promise<'woken' | 'not-found'>;
}

/** What an invocation supplies besides its input. */
export interface ActivityContext {
  log: ActivityLogger;
  copies: CopyDirectory;
}

/** One handler per entry of `CopyActivityContracts`, with exactly its input and result. */
export type Activities = {
  [N in ActivityName]: (input: ActivityInput<N>, context: ActivityContext) => Promise<ActivityResult<N>>;
};

export function parseRef(id: string): RestorePointRef | undefined {
  const parsed = parseRestorePointId(id);
  return parsed.ok ? parsed.value : undefined;
}

export function parseCollection(id: string): CollectionRef | undefined {
  const parsed = parseCollectionId(id);
  return parsed.ok ? parsed.value : undefined;
}

export function invalid(
  code: string,
  message: string,
): { kind: 'fail'; error: ReturnType<typeof copyError> } {
  return { kind: 'fail', error: copyError('invalid', code, message) };
}
