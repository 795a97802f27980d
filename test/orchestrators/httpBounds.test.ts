import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

const anyMessage = expect.any(String) as string;

/** Answers never larger than a few hundred characters of what the caller sent. */
const SHORT = 1_000;

/** Sends a request with a `Host` header of the caller's choosing, which `fetch` does not allow. */
function sendWithHost(
  url: string,
  host: string,
  functionKey: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = httpRequest(
      url,
      {
        method,
        headers: {
          host,
          'x-functions-key': functionKey,
          'content-type': 'application/json',
          ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            body: text === '' ? undefined : (JSON.parse(text) as unknown),
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** Limits of the copies API: body size, how much of the input an error quotes, where links point. */
describe('HTTP API bounds, through the dev host', () => {
  let stack: AppStack;
  let rp1: string;
  let rp2: string;

  beforeAll(async () => {
    stack = await startAppStack({ settings: { RPCOPY_PUBLIC_BASE_URL: 'https://rpcopy.example/dr/' } });
    await seedSource(stack.h, { diskSizesGB: [8], tags: { 'rpcopy-targets': 'westus2' } });
    rp1 = await createSourceRestorePoint(stack.h, 'rp1');
    rp2 = await createSourceRestorePoint(stack.h, 'rp2');
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses a body over 64 KB with 413 before reading it as a request, and starts nothing', async () => {
    // Act
    const response = await stack.api('POST', 'copies', {
      sourceRestorePointId: rp2,
      targetRegions: ['westus2'],
      padding: 'x'.repeat(70_000),
    });
    const list = await stack.api('GET', 'copies');

    // Assess
    expect(response).toEqual({
      status: 413,
      body: { error: { code: 'RequestTooLarge', message: anyMessage } },
    });
    expect(list).toEqual({ status: 200, body: { copies: [], continuationToken: null, nextLink: null } });
  });

  it('refuses a body over 64 KB to the cancel route too', async () => {
    // Act
    const response = await stack.api(
      'POST',
      `copies/${copyIdFor(rp2, 'westus2')}/cancel`,
      'x'.repeat(70_000),
    );

    // Assess
    expect(response).toEqual({
      status: 413,
      body: { error: { code: 'RequestTooLarge', message: anyMessage } },
    });
  });

  it.each([
    {
      why: 'a 60 KB region name',
      body: () => ({ sourceRestorePointId: rp2, targetRegions: ['w'.repeat(60_000)] }),
      code: 'UnknownRegion',
    },
    {
      why: '5,000 unknown properties',
      body: () => ({
        sourceRestorePointId: rp2,
        ...Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`k${index}`, 0])),
      }),
      code: 'InvalidRequest',
    },
  ])('answers $why with 400 $code quoting only a little of it', async ({ body, code }) => {
    // Act
    const response = await stack.api('POST', 'copies', body());

    // Assess
    expect(response).toEqual({ status: 400, body: { error: { code, message: anyMessage } } });
    expect(JSON.stringify(response.body).length).toBeLessThan(SHORT);
  });

  it('answers 1,000 unknown query parameters with 400 InvalidQuery quoting only a few', async () => {
    // Act
    const query = Array.from({ length: 1_000 }, (_, index) => `p${index}=1`).join('&');
    const response = await stack.api('GET', `copies?${query}`);

    // Assess
    expect(response).toEqual({ status: 400, body: { error: { code: 'InvalidQuery', message: anyMessage } } });
    expect(JSON.stringify(response.body).length).toBeLessThan(SHORT);
  });

  it('builds statusUrl and nextLink from RPCOPY_PUBLIC_BASE_URL, never from the Host header', async () => {
    // Prepare
    const url = (route: string): string => `${stack.host.baseUrl}/api/${route}`;

    // Act
    const started = await sendWithHost(url('copies'), 'evil.example', stack.host.functionKey, 'POST', {
      sourceRestorePointId: rp1,
    });
    await stack.api('POST', 'copies', { sourceRestorePointId: rp2 });
    const page = await sendWithHost(url('copies?top=1'), 'evil.example', stack.host.functionKey, 'GET');

    // Assess
    const id = copyIdFor(rp1, 'westus2');
    expect(started.status).toBe(202);
    expect(
      (started.body as { copies: { statusUrl: string }[] }).copies.map((copy) => copy.statusUrl),
    ).toEqual([`https://rpcopy.example/dr/api/copies/${id}`]);
    expect(page.status).toBe(200);
    const { nextLink, continuationToken } = page.body as { nextLink: string; continuationToken: string };
    expect(nextLink).toBe(
      `https://rpcopy.example/dr/api/copies?top=1&continuationToken=${encodeURIComponent(continuationToken)}`,
    );
  });
});
