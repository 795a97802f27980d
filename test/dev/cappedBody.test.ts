import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CappedBodyOptions } from '../../dev/cappedBody';
import { BodyTooLargeError, readCappedBody } from '../../dev/cappedBody';

/** Posts `size` bytes to a loopback server that reads them with `options`; resolves with what each side saw. */
async function post(size: number, options: CappedBodyOptions): Promise<{ read: string; answer: string }> {
  let read = '';
  const server = createServer((req, res) => {
    readCappedBody(req, options).then(
      (body) => {
        read = `${body.length} bytes`;
        res.end('ok');
      },
      (error: unknown) => {
        read = error instanceof BodyTooLargeError ? error.message : String(error);
        if (options.onOverflow === 'pause') {
          res.writeHead(413, { connection: 'close' }).end('too large');
        }
      },
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const answer = await new Promise<string>((resolve) => {
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST' }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    // ECONNRESET or EPIPE, depending on how far the upload got: either way, no answer.
    req.on('error', () => resolve('dropped'));
    req.end(Buffer.alloc(size, 120));
  });
  return { read, answer };
}

const servers: ReturnType<typeof createServer>[] = [];

describe('readCappedBody', () => {
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  });

  it('reads a body up to the limit whole', async () => {
    expect(await post(1000, { limitBytes: 1000, onOverflow: 'pause' })).toEqual({
      read: '1000 bytes',
      answer: '200',
    });
  });

  it('refuses a larger body and keeps the connection to answer, when pausing', async () => {
    expect(await post(200_000, { limitBytes: 1000, onOverflow: 'pause' })).toEqual({
      read: 'request body over 1000 bytes',
      answer: '413',
    });
  });

  it('refuses a larger body and drops the connection, when destroying', async () => {
    expect(await post(200_000, { limitBytes: 1000, onOverflow: 'destroy' })).toEqual({
      read: 'request body over 1000 bytes',
      answer: 'dropped',
    });
  });
});
