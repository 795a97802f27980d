import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config';
import type { EventLogger } from '../../../src/services/restorePointEvents';
import { handleArmEvent } from '../../../src/services/restorePointEvents';
import type { StartCopyClient } from '../../../src/services/startCopies';
import { InMemoryCompute } from '../../support/inMemoryCompute';
import { readFixture } from '../../support/fixtures';

const SUB = '00000000-0000-0000-0000-00000000c0de';

/** A logger that keeps what each level received, so a test can say which level a decision is logged at. */
function recordingLogger(): EventLogger & { lines: [string, string][] } {
  const lines: [string, string][] = [];
  const at =
    (level: string) =>
    (...args: unknown[]): void => {
      lines.push([level, args.map(String).join(' ')]);
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** No durable call is expected: any use fails the test. */
const noClient: StartCopyClient = {
  getStatus: (id) => Promise.reject(new Error(`unexpected durable client call getStatus ${id}`)),
  startNew: (name) => Promise.reject(new Error(`unexpected durable client call startNew ${name}`)),
};

const config = loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB });
const compute = new InMemoryCompute();

describe('handleArmEvent logging', () => {
  it.each([
    {
      why: 'the official storage-account write sample (Event Grid schema)',
      event: () => (readFixture('event-grid/ResourceWriteSuccess.eventgrid-schema.json') as unknown[])[0],
      expected: {
        outcome: { kind: 'ignored', detail: 'operation Microsoft.Storage/storageAccounts/write' },
        lines: [['debug', 'Ignored event: operation Microsoft.Storage/storageAccounts/write']],
      },
    },
    {
      why: 'the official storage-account write sample (CloudEvents schema)',
      event: () => (readFixture('event-grid/ResourceWriteSuccess.cloudevents-schema.json') as unknown[])[0],
      expected: {
        outcome: { kind: 'ignored', detail: 'operation Microsoft.Storage/storageAccounts/write' },
        lines: [['debug', 'Ignored event: operation Microsoft.Storage/storageAccounts/write']],
      },
    },
    {
      why: 'another event type',
      event: () => ({ specversion: '1.0', id: 'x', source: 's', type: 'Microsoft.Storage.BlobCreated' }),
      expected: {
        outcome: { kind: 'ignored', detail: 'event type Microsoft.Storage.BlobCreated' },
        lines: [['debug', 'Ignored event: event type Microsoft.Storage.BlobCreated']],
      },
    },
    {
      why: 'a malformed event',
      event: () => 'not an event',
      expected: {
        outcome: { kind: 'malformed', detail: 'the event is not a JSON object' },
        lines: [['warn', 'Dropped a malformed event: the event is not a JSON object']],
      },
    },
  ])('logs $why at the right level and acts on nothing', async ({ event, expected }) => {
    // Prepare
    const log = recordingLogger();

    // Act
    const outcome = await handleArmEvent(event(), {
      client: noClient,
      config,
      compute,
      log,
      now: new Date(),
    });

    // Assess
    expect({ outcome, lines: log.lines }).toEqual(expected);
  });
});
