import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { LoadedApp, RpcInvocationResponse, RpcTypedData } from '../../dev/host/worker';

export interface NodeBridge {
  url: string;
  close(): Promise<void>;
}

/** Typed data as JSON can carry it: bytes as base64 text. */
export function jsonSafeTypedData(data: RpcTypedData | null | undefined): unknown {
  if (data === null || data === undefined) {
    return null;
  }
  if (data.bytes) {
    return { bytes: Buffer.from(data.bytes).toString('base64') };
  }
  if (data.http) {
    const { body, ...rest } = data.http;
    return { http: { ...rest, body: jsonSafeTypedData(body) } };
  }
  return data;
}

function fromJsonTypedData(data: unknown): RpcTypedData | undefined {
  if (data === null || data === undefined) {
    return undefined;
  }
  const typed = data as RpcTypedData & { http?: { body?: unknown } };
  if (typed.http) {
    const body = typed.http.body as { bytes?: string } | undefined;
    if (body?.bytes !== undefined) {
      return { http: { ...typed.http, body: { bytes: Buffer.from(body.bytes, 'base64') } } };
    }
  }
  return typed;
}

/**
 * What the harness's stubs call: runs the app's registered handler through the dev host's worker code (the
 * same path the dev host invokes), and answers with the return value or the error, as a Node worker's
 * InvocationResponse carries them.
 */
export async function startNodeBridge(app: LoadedApp): Promise<NodeBridge> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          functionName: string;
          triggerData: unknown;
          durableClient: string | null;
        };
        const triggerData = fromJsonTypedData(body.triggerData);
        if (body.durableClient !== null) {
          const payload: unknown = JSON.parse(body.durableClient);
          app.setDurableClientPayload(() => payload);
        }
        let wire: CallReply & { stack?: string };
        try {
          wire = callReply(await app.invoke(body.functionName, triggerData));
        } catch (error) {
          wire = { ...failedCallReply(error), stack: error instanceof Error ? (error.stack ?? '') : '' };
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(wire));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A worker's reply as the harness and the recordings carry it. */
export type CallReply = { ok: true; returnValue: unknown } | { ok: false; message: string };

export function callReply(response: RpcInvocationResponse): CallReply {
  return { ok: true, returnValue: jsonSafeTypedData(response.returnValue ?? outputReturn(response)) };
}

export function failedCallReply(error: unknown): CallReply {
  return { ok: false, message: error instanceof Error ? error.message : String(error) };
}

/** HTTP functions answer through their `$return` output binding. */
export function outputReturn(result: RpcInvocationResponse): RpcTypedData | null {
  return result.outputData?.find((binding) => binding.name === '$return')?.data ?? null;
}
