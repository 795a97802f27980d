import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { generate } from 'selfsigned';

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FixtureArmServer {
  endpoint: string;
  caCertificatePem: string;
  /** `METHOD path?query` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A loopback HTTPS server that answers ARM requests from a script: `METHOD /path` (case-insensitive, query
 * ignored) → responses, the last one repeating. Lets the real SDK client parse the official examples.
 */
export async function startFixtureArmServer(
  script: Record<string, ScriptedResponse | ScriptedResponse[]>,
): Promise<FixtureArmServer> {
  const pems = await generate([{ name: 'commonName', value: 'rpcopy test ARM' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const routes = new Map(
    Object.entries(script).map(([key, value]) => [
      key.toLowerCase(),
      Array.isArray(value) ? [...value] : [value],
    ]),
  );
  const requests: string[] = [];
  const server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    requests.push(`${request.method ?? ''} ${url.pathname}${url.search}`);
    request.resume();
    request.on('end', () => {
      const queue = routes.get(`${request.method ?? ''} ${url.pathname}`.toLowerCase());
      const scripted = queue === undefined ? undefined : queue.length > 1 ? queue.shift() : queue[0];
      const reply = scripted ?? {
        status: 404,
        body: {
          error: {
            code: 'ResourceNotFound',
            message: `No script for ${request.method ?? ''} ${url.pathname}`,
          },
        },
      };
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    caCertificatePem: pems.cert,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
