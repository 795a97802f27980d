import type { HttpRequest } from '@azure/functions';

import { BadRequestError, PayloadTooLargeError } from '../errors';
import { isRecord } from '../domain/jsonValues';

/** The largest request body the copies API reads; a valid body is well under 1 KB. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

function tooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(
    'RequestTooLarge',
    `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`,
  );
}

/**
 * The body's bytes, read from the stream no further than `limit`: a body declared or found larger is refused
 * before anything parses it, and the rest of the stream is never read.
 *
 * @throws PayloadTooLargeError past `limit`.
 */
export async function readBodyBytes(
  request: Pick<HttpRequest, 'headers' | 'body'>,
  limit = MAX_REQUEST_BODY_BYTES,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limit) {
    throw tooLarge();
  }
  const stream = request.body;
  if (stream === null) {
    return new Uint8Array();
  }
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}

/**
 * The body as a JSON object, whatever its `Content-Type`.
 *
 * @throws PayloadTooLargeError past {@link MAX_REQUEST_BODY_BYTES}; BadRequestError when it is not a JSON object.
 */
export async function readJsonObject(
  request: Pick<HttpRequest, 'headers' | 'body'>,
): Promise<Record<string, unknown>> {
  const bytes = await readBodyBytes(request);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BadRequestError('InvalidJson', 'The request body is not valid JSON.');
  }
  if (!isRecord(body)) {
    throw new BadRequestError('InvalidRequest', 'The request body must be a JSON object.');
  }
  return body;
}
