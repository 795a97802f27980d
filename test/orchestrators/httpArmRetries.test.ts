import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

/**
 * Every HTTP route that reads ARM while its caller waits, each with every one of its ARM GETs dropped in
 * turn (the connection closed without an answer): the route retries and answers as it would have, never 502.
 */
/** `evaluatedAt` is ARM's clock moved on by real time, so it differs between two calls by milliseconds. */
function withoutEvaluationTimes(answer: { status: number; body: unknown }): {
  status: number;
  body: unknown;
} {
  return {
    status: answer.status,
    body: JSON.parse(JSON.stringify(answer.body), (key, value: unknown) =>
      key === 'evaluatedAt' ? 'evaluated' : value,
    ) as unknown,
  };
}

describe('HTTP routes retry a dropped ARM connection', () => {
  let stack: AppStack;
  let rp1 = '';

  beforeAll(async () => {
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8], tags: { 'rpcopy-targets': 'westus2' } });
    rp1 = await createSourceRestorePoint(stack.h, 'rp1');
  });

  afterAll(async () => {
    await stack.close();
  });

  /** The route's ARM GETs in a clean call, and its answer. */
  async function cleanCall(call: () => Promise<{ status: number; body: unknown }>) {
    stack.h.sim.setFaults([]);
    stack.h.sim.clearRequestLog();
    const answer = await call();
    const gets = stack.h.sim.requestLog.filter((entry) => entry.method === 'GET').length;
    return { answer, gets };
  }

  /** The answers of the route with its n-th ARM GET dropped, for every n. */
  async function withEachGetDropped(
    gets: number,
    call: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown }[]> {
    const answers = [];
    for (let nth = 0; nth < gets; nth++) {
      stack.h.sim.setFaults([
        { kind: 'http', method: 'GET', path: '/**', afterNth: nth, times: 1, effect: { type: 'drop' } },
      ]);
      answers.push(await call());
    }
    stack.h.sim.setFaults([]);
    return answers;
  }

  it('GET /api/protection and GET /api/protection/{pair}', async () => {
    const list = () => stack.api('GET', 'protection');
    const clean = await cleanCall(list);
    expect(clean.answer.status).toBe(200);
    const pairId = (clean.answer.body as { pairs: { id: string }[] }).pairs[0]?.id ?? '';
    const pair = () => stack.api('GET', `protection/${pairId}`);
    const cleanPair = await cleanCall(pair);
    expect(cleanPair.answer.status).toBe(200);
    expect([clean.gets, cleanPair.gets].every((gets) => gets > 0)).toBe(true);

    const listAnswers = await withEachGetDropped(clean.gets, list);
    const pairAnswers = await withEachGetDropped(cleanPair.gets, pair);

    expect(listAnswers.map(withoutEvaluationTimes)).toEqual(
      Array.from({ length: clean.gets }, () => withoutEvaluationTimes(clean.answer)),
    );
    expect(pairAnswers.map(withoutEvaluationTimes)).toEqual(
      Array.from({ length: cleanPair.gets }, () => withoutEvaluationTimes(cleanPair.answer)),
    );
  });

  it('POST /api/copies', async () => {
    const start = () =>
      stack.api('POST', 'copies', { sourceRestorePointId: rp1, targetRegions: ['westus2'] });
    const clean = await cleanCall(start);
    expect(clean.answer.status).toBe(202);
    const ids = (answer: { body: unknown }) =>
      (answer.body as { copies: { id: string }[] }).copies.map((c) => c.id);

    const answers = await withEachGetDropped(clean.gets, start);

    expect(answers.map((answer) => [answer.status, ids(answer)])).toEqual(
      Array.from({ length: clean.gets }, () => [202, ids(clean.answer)]),
    );
  });
});
