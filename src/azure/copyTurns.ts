import { TURN_EVENT } from '../domain/coordination';
import type { CopyReadClient } from './copyStatusStore';
import { readCopy } from './copyStatusStore';

/** The part of the `DurableClient` that wakes a copy. */
export interface CopyEventClient extends CopyReadClient {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/**
 * Tells a waiting copy to ask its line again.
 *
 * @remarks The caller has just read the copy, but it may be purged before the event lands. A failed raise is
 * judged by reading the copy again, so the not-found text of the SDK is recognised in one place only
 * ({@link readCopy}).
 */
export async function raiseTurn(client: CopyEventClient, copyId: string): Promise<'woken' | 'not-found'> {
  try {
    await client.raiseEvent(copyId, TURN_EVENT, null);
    return 'woken';
  } catch (error) {
    if ((await readCopy(client, copyId)) === undefined) {
      return 'not-found';
    }
    throw error;
  }
}
