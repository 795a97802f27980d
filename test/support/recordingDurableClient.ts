import type { StartNewOptions } from 'durable-functions';

import type { InstanceStatusLike } from '../../src/azure/copyStatusStore';
import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import type { CopyDocument } from '../../src/domain/copyDocument';
import { isTerminalStatus } from '../../src/domain/copyDocument';
import type { StartCopyClient } from '../../src/services/startCopies';

/**
 * The part of the durable client that starting copies uses, in memory: starts are recorded, and an unknown id
 * is refused exactly as durable-functions 3 refuses it (a plain `Error` with this text).
 */
export class RecordingDurableClient implements StartCopyClient {
  readonly started: CopyOrchestrationInput[] = [];
  /** Copies that exist before the test acts, by id (as their custom status). */
  readonly existing = new Map<string, CopyDocument>();

  getStatus(id: string): Promise<InstanceStatusLike> {
    const document = this.existing.get(id);
    if (document !== undefined) {
      const ended = isTerminalStatus(document.status);
      return Promise.resolve({
        name: 'copyRestorePointOrchestrator',
        runtimeStatus: ended ? 'Completed' : 'Running',
        customStatus: document,
        ...(ended ? { output: document } : {}),
      });
    }
    const input = this.started.findLast((entry) => entry.copyId === id);
    if (input === undefined) {
      return Promise.reject(
        new Error(
          `DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: ${id}.`,
        ),
      );
    }
    return Promise.resolve({ name: 'copyRestorePointOrchestrator', runtimeStatus: 'Pending', input });
  }

  startNew(_name: string, options?: StartNewOptions): Promise<string> {
    const input = options?.input as CopyOrchestrationInput;
    this.started.push(input);
    this.existing.delete(input.copyId);
    return Promise.resolve(input.copyId);
  }
}
