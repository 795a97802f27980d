import type { LineMember } from '../domain/coordination';
import type { WakeCopiesInput, WakeCopiesResult } from '../domain/copyContracts';
import { isTerminalStatus } from '../domain/copyDocument';
import type { ActivityContext } from './activityTypes';

/**
 * Tells copies their line moved (a turn event), one point read and one event each: never a listing. A copy
 * whose run has ended, or that no longer exists, is reported instead, so that its place can be reclaimed.
 */
export async function wakeCopies(
  input: WakeCopiesInput,
  context: ActivityContext,
): Promise<WakeCopiesResult> {
  const ended: LineMember[] = [];
  for (const copy of input.copies) {
    const document = await context.copies.read(copy.copyId);
    if (document === undefined || isTerminalStatus(document.status)) {
      ended.push(copy);
      continue;
    }
    if (input.wake === 'none' || (input.wake === 'queued' && document.status !== 'Queued')) {
      continue;
    }
    if ((await context.copies.wake(copy.copyId)) === 'not-found') {
      ended.push(copy);
    }
  }
  return { ended };
}
