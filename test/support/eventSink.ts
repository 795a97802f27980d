import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedBatch {
  headers: Record<string, string | string[] | undefined>;
  events: Record<string, unknown>[];
}

export interface EventSink {
  /** `http://127.0.0.1:<port>/api/events` */
  endpoint: string;
  key: string;
  batches: ReceivedBatch[];
  /** Every event received, in order. */
  events(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A loopback Event Grid topic: accepts CloudEvents batches carrying the right `aeg-sas-key`. */
export async function startEventSink(key = 'test-topic-key'): Promise<EventSink> {
  const batches: ReceivedBatch[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers['aeg-sas-key'] !== key) {
        response.writeHead(401).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
      batches.push({ headers: request.headers, events: body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/api/events`,
    key,
    batches,
    events: () => batches.flatMap((batch) => batch.events),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
