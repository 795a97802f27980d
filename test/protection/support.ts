import type { DevDurableEngine } from '../../dev/host/durable';
import type { ProtectionEntry } from '../../src/domain/protection';
import type { AppStack } from '../support/appStack';
import { SUBSCRIPTION, createSourceRestorePoint } from '../support/computeSim';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A policy rule for the simulator's subscription: eastus to two regions, with protection settings. */
export function policy(protection: Record<string, unknown>): string {
  return JSON.stringify([
    {
      scope: `/subscriptions/${SUBSCRIPTION}`,
      sourceRegions: ['eastus'],
      targetRegions: ['westus2', 'centralus'],
      ...protection,
    },
  ]);
}

/** Moves the virtual clock to `time`, timer by timer, letting the host finish each step. */
export async function runTo(stack: AppStack, time: number): Promise<void> {
  const engine = stack.host.engine as DevDurableEngine;
  for (;;) {
    await engine.whenIdle();
    await stack.clock.settle();
    const next = stack.clock.nextDueAt();
    if (next === undefined || next > time) {
      break;
    }
    await stack.clock.advanceTo(next);
  }
  await stack.clock.advanceTo(time);
  await engine.whenIdle();
  await stack.clock.settle();
}

/** A new source restore point, copied to the policy's regions through the API. */
export async function newSourceRestorePoint(stack: AppStack, name: string): Promise<string> {
  const id = await createSourceRestorePoint(stack.h, name);
  const response = await stack.api('POST', 'copies', { sourceRestorePointId: id });
  if (response.status !== 202) {
    throw new Error(`POST /api/copies answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return id;
}

export interface ProtectionPage {
  evaluatedAt: string;
  summary: Record<string, number>;
  pairs: ProtectionEntry[];
  continuationToken: string | null;
  nextLink: string | null;
}

export async function protection(stack: AppStack, query = ''): Promise<ProtectionPage> {
  const response = await stack.api('GET', `protection${query}`);
  if (response.status !== 200) {
    throw new Error(`GET /api/protection answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body as ProtectionPage;
}

/** `region → state` of every pair. */
export async function statesByRegion(stack: AppStack): Promise<Record<string, string>> {
  const page = await protection(stack);
  return Object.fromEntries(page.pairs.map((pair) => [pair.targetRegion, pair.state]));
}

export function eventsOfType(stack: AppStack, type: string): Record<string, unknown>[] {
  return stack.sink.events().filter((event) => event.type === type);
}

/** The restore point names in a collection, read through the SDK. */
export async function restorePointNames(stack: AppStack, collection: string): Promise<string[]> {
  const read = await stack.h.client.restorePointCollections.get('rg-app', collection, {
    expand: 'restorePoints',
  });
  return (read.restorePoints ?? []).map((rp) => rp.name ?? '').sort();
}
