import type { IncomingMessage } from 'node:http';

/** A request body went past its limit; what happened to the connection depends on `onOverflow`. */
export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`request body over ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export interface CappedBodyOptions {
  limitBytes: number;
  /**
   * `pause`: stop reading but keep the connection, so the caller can still answer (413). `destroy`: drop the
   * connection, for a caller that will not answer an oversized request at all.
   */
  onOverflow: 'pause' | 'destroy';
}

/** Reads a request body into memory, refusing one larger than `limitBytes` with {@link BodyTooLargeError}. */
export function readCappedBody(request: IncomingMessage, options: CappedBodyOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.limitBytes) {
        reject(new BodyTooLargeError(options.limitBytes));
        if (options.onOverflow === 'destroy') {
          request.destroy();
        } else {
          request.pause();
        }
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
