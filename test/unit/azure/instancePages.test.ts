import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { durableInstancePages, InvalidInstancePageTokenError } from '../../../src/azure/instancePages';

interface Seen {
  path: string;
  query: Record<string, string>;
  token: string | undefined;
}

interface Reply {
  status: number;
  body: unknown;
  token?: string;
}

let server: Server;
let origin = '';
let seen: Seen[] = [];
let reply: Reply = { status: 200, body: [] };

function record(request: IncomingMessage): void {
  const url = new URL(request.url ?? '/', origin);
  const token = request.headers['x-ms-continuation-token'];
  seen.push({
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    token: Array.isArray(token) ? token[0] : token,
  });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    record(request);
    response.writeHead(reply.status, {
      'content-type': 'application/json',
      ...(reply.token === undefined ? {} : { 'x-ms-continuation-token': reply.token }),
    });
    response.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  reply = { status: 200, body: [] };
});

const instance = {
  name: 'copyRestorePointOrchestrator',
  instanceId: 'rpcopy-westus2-1',
  runtimeStatus: 'Running',
};

describe('durableInstancePages', () => {
  it('asks the RPC endpoint for one page and hands back its token', async () => {
    reply = { status: 200, body: [instance], token: 'next-page' };
    const pages = durableInstancePages({ clientData: { rpcBaseUrl: `${origin}/durabletask/` } });

    const page = await pages.listInstancePage({
      instanceIdPrefix: 'rpcopy-westus2-',
      runtimeStatus: ['Running', 'Pending'],
      top: 3,
      continuationToken: 'previous',
    });

    expect(page).toEqual({ instances: [instance], continuationToken: 'next-page' });
    expect(seen).toEqual([
      {
        path: '/durabletask/instances/',
        query: {
          instanceIdPrefix: 'rpcopy-westus2-',
          top: '3',
          showInput: 'true',
          runtimeStatus: 'Running,Pending',
        },
        token: 'previous',
      },
    ]);
  });

  it('uses the management webhook, with its key, when there is no RPC endpoint', async () => {
    reply = { status: 200, body: [], token: 'null' };
    const pages = durableInstancePages({
      clientData: {
        managementUrls: {
          id: 'INSTANCEID',
          statusQueryGetUri: `${origin}/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=Hub&connection=Storage&code=system-key`,
        },
      },
    });

    const page = await pages.listInstancePage({ instanceIdPrefix: 'rpcopy-', top: 50 });

    // The extension's literal "null" token on the last page means no more pages.
    expect(page).toEqual({ instances: [], continuationToken: undefined });
    expect(seen).toEqual([
      {
        path: '/runtime/webhooks/durabletask/instances/',
        query: {
          taskHub: 'Hub',
          connection: 'Storage',
          code: 'system-key',
          instanceIdPrefix: 'rpcopy-',
          top: '50',
          showInput: 'true',
        },
        token: undefined,
      },
    ]);
  });

  it('tells a refused token from a failing store, and never shows the key', async () => {
    const pages = durableInstancePages({
      clientData: {
        managementUrls: {
          id: 'INSTANCEID',
          statusQueryGetUri: `${origin}/instances/INSTANCEID?code=system-key`,
        },
      },
    });

    reply = { status: 400, body: { message: 'bad token' } };
    await expect(
      pages.listInstancePage({ instanceIdPrefix: 'rpcopy-', top: 5, continuationToken: 'forged' }),
    ).rejects.toBeInstanceOf(InvalidInstancePageTokenError);

    reply = { status: 500, body: { message: 'boom' } };
    const failure = pages.listInstancePage({ instanceIdPrefix: 'rpcopy-', top: 5 });
    await expect(failure).rejects.toThrow('The Durable instance query answered HTTP 500.');
    await expect(failure).rejects.not.toThrow(/system-key/);
  });

  it('refuses a client without management URLs', async () => {
    await expect(
      durableInstancePages({}).listInstancePage({ instanceIdPrefix: 'rpcopy-', top: 1 }),
    ).rejects.toThrow('The Durable client has neither an RPC base URL nor a status query URL.');
  });
});
