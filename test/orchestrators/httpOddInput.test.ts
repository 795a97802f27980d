import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const anyMessage = expect.any(String) as string;

/** Odd input over real HTTP: always the documented 4xx with `{ error: { code, message } }`, never a copy. */
describe('HTTP API with odd input, through the dev host', () => {
  let stack: AppStack;

  beforeAll(async () => {
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    // `restorePoints/..` of this collection would resolve to the collection itself.
    await createSourceRestorePoint(stack.h, 'rp1');
  });
  afterAll(async () => {
    await stack.close();
  });

  it.each([
    { why: 'a restore point named ..', name: '..' },
    { why: 'a restore point named .', name: '.' },
    { why: 'a name ending with a period', name: 'rp1.' },
  ])('refuses $why with 400 InvalidArmId and starts nothing', async ({ name }) => {
    // Act
    const response = await stack.api('POST', 'copies', {
      sourceRestorePointId: restorePointId('src', name),
      targetRegions: ['westus2'],
    });
    const list = await stack.api('GET', 'copies');

    // Assess
    expect(response).toEqual({ status: 400, body: { error: { code: 'InvalidArmId', message: anyMessage } } });
    expect(list).toEqual({ status: 200, body: { copies: [], continuationToken: null, nextLink: null } });
  });

  it('answers a 60 KB id with 400 InvalidArmId and a short message', async () => {
    // Act
    const response = await stack.api('POST', 'copies', { sourceRestorePointId: `/${'a'.repeat(60_000)}` });

    // Assess
    expect(response).toEqual({ status: 400, body: { error: { code: 'InvalidArmId', message: anyMessage } } });
    expect(JSON.stringify(response.body).length).toBeLessThan(1000);
  });

  it.each([
    { why: 'top in exponent notation', query: 'top=1e2', code: 'InvalidQuery' },
    { why: 'top in hex', query: 'top=0x10', code: 'InvalidQuery' },
    { why: 'top with spaces', query: 'top=%205', code: 'InvalidQuery' },
    { why: 'an empty status', query: 'status=', code: 'InvalidQuery' },
    { why: 'an unknown targetRegion', query: 'targetRegion=atlantis', code: 'InvalidQuery' },
    { why: 'an empty targetRegion', query: 'targetRegion=', code: 'InvalidQuery' },
    { why: 'a bad sourceRestorePointId', query: 'sourceRestorePointId=%2Fx', code: 'InvalidQuery' },
    { why: 'an empty sourceRestorePointId', query: 'sourceRestorePointId=', code: 'InvalidQuery' },
    {
      why: 'a token that decodes but names no position',
      query: `continuationToken=${Buffer.from(JSON.stringify({ createdAt: 'z', id: 'z' })).toString('base64url')}`,
      code: 'InvalidContinuationToken',
    },
  ])('refuses a list query with $why: 400 $code', async ({ query, code }) => {
    // Act
    const response = await stack.api('GET', `copies?${query}`);

    // Assess
    expect(response).toEqual({ status: 400, body: { error: { code, message: anyMessage } } });
  });

  it('accepts a JSON body sent with another content type, and answers a unicode name with 404', async () => {
    // Act
    const response = await fetch(`${stack.host.baseUrl}/api/copies`, {
      method: 'POST',
      headers: { 'x-functions-key': stack.host.functionKey, 'content-type': 'text/plain' },
      body: JSON.stringify({
        sourceRestorePointId: restorePointId('src', 'zürich-ü'),
        targetRegions: ['westus2'],
      }),
    });

    // Assess
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 404,
      body: {
        error: {
          code: 'SourceNotFound',
          message: `Restore point ${restorePointId('src', 'zürich-ü')} does not exist.`,
        },
      },
    });
  });
});
