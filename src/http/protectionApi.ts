import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { ProtectionEntry, ProtectionState } from '../domain/protection';
import { PROTECTION_STATES } from '../domain/protection';
import { parsePairId } from '../pairId';
import { isSubscriptionId } from '../domain/armIds';
import { normalizeRegion } from '../domain/regions';
import { BadRequestError, NotFoundError } from '../errors';
import type { ProtectionDeps } from '../services/protectionFacts';
import { evaluatePairs, getPairDetail } from '../services/protectionView';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const LIST_PARAMETERS = new Set(['state', 'region', 'subscription', 'top', 'continuationToken', 'code']);

function parseStates(text: string): Set<ProtectionState> {
  return new Set(
    text.split(',').map((name) => {
      const state = PROTECTION_STATES.find(
        (candidate) => candidate.toLowerCase() === name.trim().toLowerCase(),
      );
      if (state === undefined) {
        throw new BadRequestError(
          'InvalidQuery',
          `Unknown state '${name}'; use one of ${PROTECTION_STATES.join(', ')}.`,
        );
      }
      return state;
    }),
  );
}

/** Pairs sort by their decoded id (source collection, then region); the token is the last pair's id. */
function sortKey(entry: { id: string }): string {
  const pair = parsePairId(entry.id);
  // NUL sorts before every id character, so `…/src` and its regions come before `…/src2`.
  return pair === undefined ? entry.id : `${pair.sourceCollectionId.toLowerCase()}\u0000${pair.targetRegion}`;
}

export type ProtectionSummary = Record<ProtectionState, number>;

/**
 * `GET /api/protection?state=&region=&subscription=&top=&continuationToken=`
 *
 * @remarks Evaluated from ARM on each request (see docs/api.md for the cost): the collections of the allowed
 * subscriptions, each pair's target collection, and the copy instances whose ids follow from the restore
 * points. `summary` counts the states of every pair that the region and subscription filters keep.
 */
export async function listProtectionHandler(
  request: HttpRequest,
  deps: ProtectionDeps,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const query = request.query;
  const unknown = [...new Set(query.keys())].filter((key) => !LIST_PARAMETERS.has(key));
  if (unknown.length > 0) {
    throw new BadRequestError('InvalidQuery', `Unknown query parameters: ${unknown.join(', ')}.`);
  }
  const stateText = query.get('state');
  const states = stateText === null ? undefined : parseStates(stateText);
  const regionText = query.get('region');
  const region = regionText === null ? undefined : normalizeRegion(regionText);
  if (regionText !== null && region === undefined) {
    throw new BadRequestError('InvalidQuery', `region: '${regionText}' is not a known Azure region.`);
  }
  const subscriptionText = query.get('subscription')?.trim().toLowerCase();
  if (subscriptionText !== undefined && !isSubscriptionId(subscriptionText)) {
    throw new BadRequestError(
      'InvalidQuery',
      `subscription: '${subscriptionText}' is not a subscription id.`,
    );
  }
  const topText = query.get('top');
  const top = topText === null ? DEFAULT_PAGE_SIZE : /^\d{1,3}$/.test(topText) ? Number(topText) : NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw new BadRequestError('InvalidQuery', `top must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  const token = query.get('continuationToken');
  if (token !== null && parsePairId(token) === undefined) {
    throw new BadRequestError(
      'InvalidContinuationToken',
      'continuationToken is not a token this API returned.',
    );
  }
  const after = token === null ? undefined : sortKey({ id: token });

  const subscriptions =
    subscriptionText === undefined
      ? deps.policy.allowedSubscriptions
      : deps.policy.allowedSubscriptions.filter((id) => id === subscriptionText);
  const summary: ProtectionSummary = { Protected: 0, AtRisk: 0, Breached: 0, Unprotected: 0, Disabled: 0 };
  const matching: ProtectionEntry[] = [];
  for await (const pair of evaluatePairs(
    deps,
    { subscriptions, ...(region === undefined ? {} : { region }) },
    context,
  )) {
    summary[pair.entry.state] += 1;
    if (states === undefined || states.has(pair.entry.state)) {
      matching.push(pair.entry);
    }
  }
  const ordered = matching
    .map((entry) => ({ entry, key: sortKey(entry) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter((item) => after === undefined || item.key > after);
  const page = ordered.slice(0, top).map((item) => item.entry);
  const last = page.at(-1);
  const continuationToken = ordered.length > top && last !== undefined ? last.id : null;
  let nextLink: string | null = null;
  if (continuationToken !== null) {
    const next = new URL(request.url);
    next.searchParams.delete('code');
    next.searchParams.set('continuationToken', continuationToken);
    nextLink = next.toString();
  }
  return {
    status: 200,
    jsonBody: { evaluatedAt: deps.now().toISOString(), summary, pairs: page, continuationToken, nextLink },
  };
}

/** `GET /api/protection/{pair}`: one pair with its history. */
export async function getProtectionHandler(
  request: HttpRequest,
  deps: ProtectionDeps,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const id = request.params.pair ?? '';
  const result = await getPairDetail(deps, id, context);
  if (result.kind === 'invalid-id') {
    throw new BadRequestError(
      'InvalidPairId',
      `'${id.slice(0, 200)}' is not a pair id; take one from GET /api/protection.`,
    );
  }
  if (result.kind === 'not-found') {
    throw new NotFoundError('PairNotFound', result.message);
  }
  return { status: 200, jsonBody: result.detail };
}
