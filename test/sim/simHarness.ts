import type { ComputeManagementClient } from '@azure/arm-compute';
import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator, ComputeSimulatorOptions } from '../../dev/compute-sim';
import { startComputeSimulator } from '../../dev/compute-sim';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';

export const SUB = '00000000-0000-0000-0000-0000000000aa';
export const RG = 'rg-dr';
export const START = Date.UTC(2026, 0, 1);

export const armBase = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute`;
export const vmId = (name: string): string => `${armBase}/virtualMachines/${name}`;
export const rpcId = (name: string): string => `${armBase}/restorePointCollections/${name}`;
export const rpId = (rpc: string, rp: string): string => `${rpcId(rpc)}/restorePoints/${rp}`;

export interface Harness {
  clock: VirtualClock;
  sim: ComputeSimulator;
  /** Raw ARM call with a bearer token; resolves with status, headers and parsed body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    init?: { apiVersion?: string | null; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  client(): ComputeManagementClient;
  close(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** What a test of a refused or pending request compares: the status, the Retry-After header and the body. */
export function retryView(response: RawResponse): {
  status: number;
  retryAfter: string | null;
  body: unknown;
} {
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
}

/** Runs the simulator on a virtual clock that nothing moves unless the test does. */
export async function startHarness(options: Partial<ComputeSimulatorOptions> = {}): Promise<Harness> {
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock(START);
  const sim = await startComputeSimulator({ tls: false, lroRetryAfterSeconds: 0, ...options, clock });
  return harnessFor(clock, sim);
}

export function harnessFor(clock: VirtualClock, sim: ComputeSimulator): Harness {
  return {
    clock,
    sim,
    call: async (method, path, body, init = {}) => {
      const apiVersion = init.apiVersion === undefined ? '2026-04-01' : init.apiVersion;
      const separator = path.includes('?') ? '&' : '?';
      const url = `${sim.endpoint}${path}${apiVersion === null ? '' : `${separator}api-version=${apiVersion}`}`;
      const response = await fetch(url, {
        method,
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json', ...init.headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    },
    client: () =>
      createComputeClient(
        {
          endpoint: sim.endpoint,
          ...(sim.caCertificatePem ? { caCertificatePem: sim.caCertificatePem } : {}),
          credential: 'static',
        },
        createCredential({ credential: 'static' }),
        SUB,
      ),
    close: () => sim.close(),
  };
}

export interface VmSpec {
  location: string;
  osDiskGB?: number;
  dataDisksGB?: number[];
}

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
          managedDisk: { id: `${armBase}/disks/${name}-os` },
        },
        dataDisks: (spec.dataDisksGB ?? []).map((size, lun) => ({
          lun,
          name: `${name}-data${lun}`,
          diskSizeGB: size,
          managedDisk: { id: `${armBase}/disks/${name}-data${lun}` },
        })),
      },
    },
  };
}

/**
 * Seeds a VM in `sourceRegion`, its collection `src`, and a target collection `dst` in `targetRegion`
 * whose source is `src`, all through ARM calls.
 */
export async function seedPair(
  h: Harness,
  spec: VmSpec & { targetRegion: string; vm?: string; src?: string; dst?: string },
): Promise<void> {
  const vm = spec.vm ?? 'vm1';
  await expectStatus(h.call('PUT', vmId(vm), vmBody(vm, spec)), [200, 201]);
  await expectStatus(
    h.call('PUT', rpcId(spec.src ?? 'src'), {
      location: spec.location,
      properties: { source: { id: vmId(vm) } },
    }),
    [200, 201],
  );
  await expectStatus(
    h.call('PUT', rpcId(spec.dst ?? 'dst'), {
      location: spec.targetRegion,
      properties: { source: { id: rpcId(spec.src ?? 'src') } },
    }),
    [200, 201],
  );
}

/** Creates a local restore point and lets its LRO finish on the virtual clock. */
export async function createSourceRp(h: Harness, name: string, rpc = 'src'): Promise<void> {
  await expectStatus(h.call('PUT', rpId(rpc, name), {}), [201]);
  await h.clock.advanceBy(10_000);
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
