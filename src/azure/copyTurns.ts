import { TURN_EVENT } from '../domain/coordination';

/** The part of the `DurableClient` that wakes a copy. */
export interface CopyEventClient {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/**
 * The fixed text durable-functions 3 rejects `raiseEvent` with when the instance does not exist (it resolves for
 * a completed one, which the caller has ruled out by reading it first).
 */
const SDK_NO_INSTANCE_PREFIX = 'No instance with ID';

/** Tells a waiting copy to ask its line again. */
export async function raiseTurn(client: CopyEventClient, copyId: string): Promise<'woken' | 'not-found'> {
  try {
    await client.raiseEvent(copyId, TURN_EVENT, null);
    return 'woken';
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(SDK_NO_INSTANCE_PREFIX)) {
      return 'not-found';
    }
    throw error;
  }
}
