import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readCappedBody } from '../cappedBody';

/**
 * Stands where Event Grid stands between the simulator's ARM events and the app's webhook, and misbehaves
 * as Event Grid may: it loses some deliveries (answers the simulator 200 without forwarding) and delivers
 * some twice, the second time a little later, possibly across a restart of the app. While the app is down,
 * it answers 503, so the simulator retries as Event Grid would.
 */

export interface EventRelayOptions {
  /** Seeded, so a soak repeats. */
  random: () => number;
  /** Share of deliveries dropped. */
  dropRate: number;
  /** Share of deliveries sent again later. */
  duplicateRate: number;
  /** The app's webhook URL, or undefined while the app is down. */
  target: () => string | undefined;
  /** Real milliseconds a repeated delivery waits at most before it is sent again. */
  maxDuplicateDelayMs?: number;
}

export interface EventRelayCounts {
  /** Deliveries the simulator made (each may hold several events). */
  received: number;
  forwarded: number;
  dropped: number;
  /** Repeated deliveries the app accepted. */
  duplicated: number;
}

export interface EventRelay {
  readonly url: string;
  counts(): EventRelayCounts;
  /** Resolves when every repeated delivery has been sent or given up. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface Delivery {
  body: Buffer;
  eventType: string;
}

const MAX_DELIVERY_BYTES = 1024 * 1024;

async function forward(target: string, delivery: Delivery): Promise<number> {
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': delivery.eventType },
      body: delivery.body,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function answer(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-length': 0 });
  response.end();
}

export async function startEventRelay(options: EventRelayOptions): Promise<EventRelay> {
  const counts: EventRelayCounts = { received: 0, forwarded: 0, dropped: 0, duplicated: 0 };
  const pending = new Set<Promise<void>>();
  const maxDelay = options.maxDuplicateDelayMs ?? 5_000;
  let closed = false;

  /** A later copy of a delivery the app already accepted; retried while the app is down. */
  const repeatLater = (delivery: Delivery): void => {
    const job = (async () => {
      await new Promise((resolve) => setTimeout(resolve, options.random() * maxDelay));
      for (let attempt = 0; attempt < 60 && !closed; attempt++) {
        const target = options.target();
        const status = target === undefined ? 0 : await forward(target, delivery);
        if (status >= 200 && status < 300) {
          counts.duplicated++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    pending.add(job);
    void job.finally(() => pending.delete(job));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // An oversized delivery is no Event Grid delivery: the connection is dropped, not answered.
    const body = await readCappedBody(request, { limitBytes: MAX_DELIVERY_BYTES, onOverflow: 'destroy' });
    const eventType = request.headers['aeg-event-type'];
    const delivery: Delivery = {
      body,
      eventType: typeof eventType === 'string' ? eventType : 'Notification',
    };
    counts.received++;
    if (delivery.eventType === 'Notification' && options.random() < options.dropRate) {
      counts.dropped++;
      answer(response, 200);
      return;
    }
    const target = options.target();
    const status = target === undefined ? 0 : await forward(target, delivery);
    if (status === 0) {
      // The app is down or did not answer: Event Grid would retry, so the simulator must.
      answer(response, 503);
      return;
    }
    counts.forwarded++;
    if (status >= 200 && status < 300 && options.random() < options.duplicateRate) {
      repeatLater(delivery);
    }
    answer(response, status);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        answer(response, 500);
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/eventgrid`,
    counts: () => ({ ...counts }),
    settle: async () => {
      while (pending.size > 0) {
        await Promise.all([...pending]);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
