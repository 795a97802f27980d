import { describe, expect, it } from 'vitest';

import { MAX_REQUEST_BODY_BYTES, readBodyBytes, readJsonObject } from '../../../src/http/requestBody';
import { BadRequestError, PayloadTooLargeError } from '../../../src/errors';

/** A request whose body arrives in chunks, with no Content-Length (chunked transfer). */
function chunked(chunks: Uint8Array[]): {
  headers: Headers;
  body: ReadableStream<Uint8Array>;
  pulled: () => number;
} {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[pulled++];
        if (chunk === undefined) {
          controller.close();
        } else {
          controller.enqueue(chunk);
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { headers: new Headers(), body, pulled: () => pulled };
}

describe('request body', () => {
  it('stops reading a chunked body at the limit and refuses it with 413', async () => {
    // Prepare
    const chunk = new Uint8Array(40 * 1024);
    const request = chunked([chunk, chunk, chunk, chunk, chunk]);

    // Act
    const outcome = readBodyBytes(request);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(request.pulled()).toBe(2);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    // Prepare
    const request = chunked([new Uint8Array(1)]);
    request.headers.set('content-length', String(MAX_REQUEST_BODY_BYTES + 1));

    // Act
    const outcome = readBodyBytes(request);

    // Assess
    await expect(outcome).rejects.toMatchObject({ statusCode: 413, code: 'RequestTooLarge' });
    expect(request.pulled()).toBe(0);
  });

  it('reads a body of exactly the limit', async () => {
    // Act
    const bytes = await readBodyBytes(chunked([new Uint8Array(MAX_REQUEST_BODY_BYTES)]));

    // Assess
    expect(bytes.byteLength).toBe(MAX_REQUEST_BODY_BYTES);
  });

  it('refuses bytes that are not UTF-8 as InvalidJson', async () => {
    // Act
    const outcome = readJsonObject(chunked([new Uint8Array([0x7b, 0xff, 0x7d])]));

    // Assess
    await expect(outcome).rejects.toEqual(
      new BadRequestError('InvalidJson', 'The request body is not valid JSON.'),
    );
  });
});
