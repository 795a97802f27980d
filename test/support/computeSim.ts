import type { ComputeManagementClient } from '@azure/arm-compute';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator, ComputeSimulatorOptions } from '../../dev/compute-sim';
import { startComputeSimulator } from '../../dev/compute-sim';
import type { TlsMaterial } from '../../dev/compute-sim/tlsMaterial';
import { createTlsMaterial } from '../../dev/compute-sim/tlsMaterial';
import type { ArmConnection } from '../../src/azure/computeClient';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';

/**
 * The one Compute simulator harness of the tests: the simulator over TLS on a virtual clock that nothing
 * moves unless the test does, the app's own SDK client for it, and raw ARM calls for tests of the wire.
 */
export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000c0de';
export const RESOURCE_GROUP = 'rg-app';
export const START = Date.UTC(2026, 0, 1);

export const computeBase = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Compute`;
export const vmId = (name: string): string => `${computeBase}/virtualMachines/${name}`;
export const collectionId = (name: string): string => `${computeBase}/restorePointCollections/${name}`;
export const restorePointId = (collection: string, name: string): string =>
  `${collectionId(collection)}/restorePoints/${name}`;

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface SimHarness {
  clock: VirtualClock;
  sim: ComputeSimulator;
  connection: ArmConnection;
  /** An SDK client built with the app's own factory. */
  client: ComputeManagementClient;
  /** Raw ARM call with a bearer token; resolves with status, headers and parsed body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    init?: { apiVersion?: string | null; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

// One key pair for every simulator of a test worker: generating one takes a few hundred milliseconds.
let sharedTls: Promise<TlsMaterial> | undefined;

export type SimHarnessOptions = Partial<Omit<ComputeSimulatorOptions, 'clock'>> & { clock?: VirtualClock };

/** Starts the simulator over TLS (unless `tls: false`) with LROs that ask for no wait. */
export async function startSimHarness(options: SimHarnessOptions = {}): Promise<SimHarness> {
  const clock = options.clock ?? new VirtualClock(START);
  const tls =
    options.tls === false
      ? false
      : options.tls === true || options.tls === undefined
        ? await (sharedTls ??= createTlsMaterial())
        : options.tls;
  const sim = await startComputeSimulator({ lroRetryAfterSeconds: 0, ...options, clock, tls });
  return simHarnessFor(clock, sim);
}

/** The harness of a simulator the test started itself (for example, on a state file). */
export function simHarnessFor(clock: VirtualClock, sim: ComputeSimulator): SimHarness {
  const connection: ArmConnection = {
    endpoint: sim.endpoint,
    credential: 'static',
    ...(sim.caCertificatePem === undefined ? {} : { caCertificatePem: sim.caCertificatePem }),
  };
  return {
    clock,
    sim,
    connection,
    client: createComputeClient(connection, createCredential(connection), SUBSCRIPTION),
    call: async (method, path, body, init = {}) => {
      const apiVersion = init.apiVersion === undefined ? '2026-04-01' : init.apiVersion;
      const separator = path.includes('?') ? '&' : '?';
      const url = `${sim.endpoint}${path}${apiVersion === null ? '' : `${separator}api-version=${apiVersion}`}`;
      const response = await send(url, sim.caCertificatePem, {
        method,
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json', ...init.headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { ...response, body: response.text ? JSON.parse(response.text) : undefined };
    },
    close: () => sim.close(),
  };
}

/** One request over http or https (trusting the simulator's certificate), read to the end. */
function send(
  url: string,
  ca: string | undefined,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
            headers.append(name, item);
          }
        }
        resolve({
          status: response.statusCode ?? 0,
          headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    };
    const options = { method: init.method, headers: init.headers };
    const request = url.startsWith('https:')
      ? httpsRequest(url, { ...options, ...(ca === undefined ? {} : { ca }) }, onResponse)
      : httpRequest(url, options, onResponse);
    request.on('error', reject);
    request.end(init.body);
  });
}

/** What a test of a refused or pending request compares: the status, the Retry-After header and the body. */
export function retryView(response: RawResponse): {
  status: number;
  retryAfter: string | null;
  body: unknown;
} {
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
}

export async function expectStatus(response: Promise<RawResponse>, statuses: number[]): Promise<RawResponse> {
  const result = await response;
  if (!statuses.includes(result.status)) {
    throw new Error(
      `Expected status ${statuses.join('/')}, got ${result.status}: ${JSON.stringify(result.body)}`,
    );
  }
  return result;
}

// ---- seeding through the SDK, as the app's tests see the platform ------------------------------------

export interface SourceSpec {
  vm?: string;
  collection?: string;
  location?: string;
  diskSizesGB?: number[];
  tags?: Record<string, string>;
  /** Encrypts every disk with this disk encryption set (a customer-managed key). */
  diskEncryptionSetId?: string;
}

/** Creates a VM (OS disk first, then data disks) and its restore point collection, through ARM calls. */
export async function seedSource(h: SimHarness, spec: SourceSpec = {}): Promise<void> {
  const vm = spec.vm ?? 'vm1';
  const location = spec.location ?? 'eastus';
  const [osSize = 32, ...dataSizes] = spec.diskSizesGB ?? [32, 64];
  const disk = (name: string) => ({
    id: `${computeBase}/disks/${name}`,
    storageAccountType: 'Premium_LRS',
    ...(spec.diskEncryptionSetId === undefined
      ? {}
      : { diskEncryptionSet: { id: spec.diskEncryptionSetId } }),
  });
  const vmOperation = h.client.virtualMachines.createOrUpdate(RESOURCE_GROUP, vm, {
    location,
    hardwareProfile: { vmSize: 'Standard_D4s_v5' },
    storageProfile: {
      osDisk: {
        name: `${vm}-os`,
        osType: 'Linux',
        createOption: 'FromImage',
        diskSizeGB: osSize,
        managedDisk: disk(`${vm}-os`),
      },
      dataDisks: dataSizes.map((diskSizeGB, lun) => ({
        lun,
        name: `${vm}-data${lun}`,
        createOption: 'Empty',
        diskSizeGB,
        managedDisk: disk(`${vm}-data${lun}`),
      })),
    },
  });
  await finishOperation(h, vmOperation);
  await h.client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, spec.collection ?? 'src', {
    location,
    source: { id: vmId(vm) },
    ...(spec.tags === undefined ? {} : { tags: spec.tags }),
  });
}

/**
 * Lets a simulator LRO finish by moving the virtual clock past its duration. (Auto-advance is not used: with
 * the dev host on the same clock it would also jump to the app's timers.)
 */
async function finishOperation(
  h: SimHarness,
  poller: { submitted(): Promise<void>; pollUntilDone(): Promise<unknown> },
): Promise<void> {
  await poller.submitted();
  await h.clock.advanceBy(10_000);
  await poller.pollUntilDone();
}

/** Creates a source restore point and lets its operation finish; then moves the clock on by a minute. */
export async function createSourceRestorePoint(
  h: SimHarness,
  name: string,
  collection = 'src',
): Promise<string> {
  await finishOperation(
    h,
    h.client.restorePoints.create(RESOURCE_GROUP, collection, name, { consistencyMode: 'CrashConsistent' }),
  );
  await h.clock.advanceBy(50_000);
  return restorePointId(collection, name);
}

// ---- seeding through raw ARM calls, for the simulator's own tests -----------------------------------

export interface VmSpec {
  location: string;
  osDiskGB?: number;
  dataDisksGB?: number[];
}

/** A VM's PUT body as it goes over the wire. */
export function vmBody(name: string, spec: VmSpec): unknown {
  return {
    location: spec.location,
    properties: {
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      storageProfile: {
        osDisk: {
          name: `${name}-os`,
          osType: 'Linux',
          diskSizeGB: spec.osDiskGB ?? 128,
          managedDisk: { id: `${computeBase}/disks/${name}-os` },
        },
        dataDisks: (spec.dataDisksGB ?? []).map((size, lun) => ({
          lun,
          name: `${name}-data${lun}`,
          diskSizeGB: size,
          managedDisk: { id: `${computeBase}/disks/${name}-data${lun}` },
        })),
      },
    },
  };
}

/**
 * Seeds a VM in `location`, its collection `src`, and a target collection `dst` in `targetRegion`
 * whose source is `src`, all through raw ARM calls.
 */
export async function seedPair(
  h: SimHarness,
  spec: VmSpec & { targetRegion: string; vm?: string; src?: string; dst?: string },
): Promise<void> {
  const vm = spec.vm ?? 'vm1';
  await expectStatus(h.call('PUT', vmId(vm), vmBody(vm, spec)), [200, 201]);
  await expectStatus(
    h.call('PUT', collectionId(spec.src ?? 'src'), {
      location: spec.location,
      properties: { source: { id: vmId(vm) } },
    }),
    [200, 201],
  );
  await expectStatus(
    h.call('PUT', collectionId(spec.dst ?? 'dst'), {
      location: spec.targetRegion,
      properties: { source: { id: collectionId(spec.src ?? 'src') } },
    }),
    [200, 201],
  );
}

/** Creates a local restore point with a raw PUT and lets its LRO finish on the virtual clock. */
export async function createSourceRp(h: SimHarness, name: string, collection = 'src'): Promise<void> {
  await expectStatus(h.call('PUT', restorePointId(collection, name), {}), [201]);
  await h.clock.advanceBy(10_000);
}
