import type { ComputeManagementClient } from '@azure/arm-compute';
import { readFileSync } from 'node:fs';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';
import { DEMO_SUBSCRIPTION_ID, type DemoPlan } from '../stack/seed';
import type { ReadyDocument } from '../stack/stack';
import type { RunningStack } from './stackProcess';
import type { ObservedCopy, ObservedEvent, ObservedTarget } from './verdict';

/**
 * The soak's view of the stack it drives: its demo collections and names, and the calls it makes to the
 * app, the simulator and the event sink, retried while the stack is down or restarting.
 */

export const REGIONS = ['westus2', 'centralus', 'northeurope'] as const;
export const RESOURCE_GROUP = 'rpcopy-soak';
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export function collectionName(index: number): string {
  return `soak-${index}-rpc`;
}

/** Unique across collections, because the simulator's copy faults pick sources by name. */
export function restorePointName(collection: number, round: number): string {
  return `s${collection}-rp${round}`;
}

export function planFor(index: number): DemoPlan {
  return {
    subscriptionId: DEMO_SUBSCRIPTION_ID,
    resourceGroup: RESOURCE_GROUP,
    location: 'eastus',
    vmName: `soak-${index}`,
    collectionName: collectionName(index),
    targetRegions: REGIONS,
    // Large enough that replication spans several of the simulator's 10-minute progress refreshes, so a
    // failed disk shows before the copy completes.
    osDiskSizeGB: 64,
    dataDiskSizesGB: [128],
  };
}

export interface Copy extends ObservedCopy {
  [key: string]: unknown;
}

/** The stack as it currently runs: replaced on every restart, undefined while it is down. */
export class StackHandle {
  current: RunningStack | undefined;
  compute: ComputeManagementClient | undefined;
  peakMemoryBytes = 0;

  ready(): ReadyDocument | undefined {
    return this.current?.ready;
  }

  use(stack: RunningStack): void {
    this.current = stack;
    const ready = stack.ready;
    const connection = {
      endpoint: ready.armEndpoint,
      credential: 'static' as const,
      ...(ready.caCertificatePath ? { caCertificatePem: readFileSync(ready.caCertificatePath, 'utf8') } : {}),
    };
    this.compute = createComputeClient(connection, createCredential(connection), ready.subscriptionId);
  }

  sampleMemory(): void {
    if (this.current) {
      this.peakMemoryBytes = Math.max(this.peakMemoryBytes, this.current.peakMemoryBytes());
    }
  }
}

/** Retries an operation while the stack is down or restarting; gives up after `budgetMs`. */
export async function persistently<T>(
  what: string,
  handle: StackHandle,
  operation: (compute: ComputeManagementClient, ready: ReadyDocument) => Promise<T>,
  budgetMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const { compute } = handle;
    const ready = handle.ready();
    if (compute && ready) {
      try {
        return await operation(compute, ready);
      } catch (error) {
        lastError = error;
      }
    }
    await sleep(300);
  }
  throw new Error(
    `${what} kept failing: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export async function listCopies(ready: ReadyDocument): Promise<Copy[]> {
  const copies: Copy[] = [];
  let token: string | null | undefined;
  do {
    const url = new URL('/api/copies', ready.appUrl);
    url.searchParams.set('top', '200');
    if (token) {
      url.searchParams.set('continuationToken', token);
    }
    const response = await fetch(url, {
      headers: { 'x-functions-key': ready.functionKey },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) {
      throw new Error(`GET /api/copies answered ${response.status}`);
    }
    const page = (await response.json()) as { copies: Copy[]; continuationToken?: string | null };
    copies.push(...page.copies);
    token = page.continuationToken;
  } while (token);
  return copies.filter((copy) =>
    copy.sourceRestorePointId.toLowerCase().includes(`/resourcegroups/${RESOURCE_GROUP}/`),
  );
}

export async function cancelCopy(ready: ReadyDocument, id: string): Promise<number> {
  const response = await fetch(new URL(`/api/copies/${encodeURIComponent(id)}/cancel`, ready.appUrl), {
    method: 'POST',
    headers: { 'x-functions-key': ready.functionKey },
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

export async function sinkEvents(ready: ReadyDocument): Promise<ObservedEvent[]> {
  const response = await fetch(new URL('/events', ready.eventSinkUrl), {
    headers: { 'aeg-sas-key': ready.eventSinkKey },
    signal: AbortSignal.timeout(60_000),
  });
  if (response.status !== 200) {
    throw new Error(`GET /events answered ${response.status}`);
  }
  return (await response.json()) as ObservedEvent[];
}

export async function createRestorePoint(
  handle: StackHandle,
  collection: number,
  round: number,
): Promise<void> {
  const name = restorePointName(collection, round);
  await persistently(`creating ${name}`, handle, async (compute) => {
    try {
      await compute.restorePoints.beginCreateAndWait(
        RESOURCE_GROUP,
        collectionName(collection),
        name,
        { consistencyMode: 'CrashConsistent' },
        { updateIntervalInMs: 200 },
      );
    } catch (error) {
      // Created by an attempt whose answer was lost in a restart: fine once it exists and succeeded.
      if (statusCodeOf(error) !== 409) {
        throw error;
      }
      const existing = await compute.restorePoints.get(RESOURCE_GROUP, collectionName(collection), name);
      if (existing.provisioningState !== 'Succeeded') {
        throw error;
      }
    }
  });
}

export async function readTargets(
  handle: StackHandle,
  collections: number,
): Promise<{
  targets: ObservedTarget[];
  sourceCreatedAt: Map<string, number>;
}> {
  const targets: ObservedTarget[] = [];
  const sourceCreatedAt = new Map<string, number>();
  for (let index = 0; index < collections; index++) {
    const names = [collectionName(index), ...REGIONS.map((region) => `${collectionName(index)}-${region}`)];
    for (const name of names) {
      const collection = await persistently(`reading ${name}`, handle, async (compute) => {
        try {
          return await compute.restorePointCollections.get(RESOURCE_GROUP, name, { expand: 'restorePoints' });
        } catch (error) {
          if (statusCodeOf(error) === 404) {
            return undefined;
          }
          throw error;
        }
      });
      for (const point of collection?.restorePoints ?? []) {
        const createdAt = point.timeCreated?.getTime() ?? 0;
        const source = point.sourceRestorePoint?.id;
        if (source === undefined) {
          if (point.id) {
            sourceCreatedAt.set(point.id.toLowerCase(), createdAt);
          }
        } else if (collection?.id) {
          targets.push({ collectionId: collection.id, sourceRestorePointId: source, createdAt });
        }
      }
    }
  }
  return { targets, sourceCreatedAt };
}
