import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultPlan, parseFaultPlan, seededRandom } from '../../dev/compute-sim/faultPlan';
import { parseSoakArgs, SHORT, UsageError } from '../../dev/soak/args';
import { parseStackArgs, UsageError as StackUsageError } from '../../dev/stack/args';
import { startEventRelay, type EventRelay } from '../../dev/soak/eventRelay';
import { SOAK_FAULT_RATES, soakFaultPlan } from '../../dev/soak/soakFaults';

const TARGET_RP =
  '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/soak-1-rpc-westus2/restorePoints/s1-rp0';
const SOURCE_RP =
  '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/soak-1-rpc/restorePoints/s1-rp0';

describe('the soak fault plan', () => {
  it('is a valid plan file whose HTTP faults hit target collections at the documented rates', () => {
    // Prepare
    const names = Array.from({ length: 2000 }, (_, i) => `s${i}-rp0`);
    const rules = soakFaultPlan(SOAK_FAULT_RATES, names, 3, seededRandom(7));
    const plan = new FaultPlan(3, parseFaultPlan(JSON.parse(JSON.stringify(rules))));

    // Act: many requests of each kind, through the simulator's own fault plan.
    const tally = (method: string, path: string): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < 20_000; i++) {
        const effect = plan.forRequest(method, path);
        const key =
          effect === undefined ? 'none' : effect.type === 'status' ? String(effect.status) : effect.type;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };
    const put = tally('PUT', TARGET_RP);
    const get = tally('GET', TARGET_RP);
    const source = tally('PUT', SOURCE_RP);
    const failingSources = rules.filter((rule) => rule.kind === 'copy').length;

    // Assess: within a percentage point of the rates (seeded, so exact numbers would only pin the PRNG).
    const share = (counts: Record<string, number>, key: string): number => (counts[key] ?? 0) / 20_000;
    expect(share(put, '500') + share(put, '503')).toBeCloseTo(0.1, 1);
    expect(Math.abs(share(put, 'throttle') - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(share(put, 'drop') - 0.02)).toBeLessThan(0.01);
    expect(share(put, 'latency')).toBe(0);
    expect(Math.abs(share(get, 'latency') - SOAK_FAULT_RATES.slowRead)).toBeLessThan(0.02);
    expect(source).toEqual({ none: 20_000 });
    // One copy in three of a chosen source fails: 3 % of sources make 1 % of copies.
    expect(Math.abs(failingSources / 2000 - 0.03)).toBeLessThan(0.01);
  });
});

describe('soak arguments', () => {
  it('has a full and a short size, and takes overrides', () => {
    expect(parseSoakArgs([])).toEqual({
      kind: 'run',
      options: {
        seed: 1,
        collections: 30,
        restorePoints: 4,
        speed: 300,
        cancelShare: 0.1,
        maxMinutes: 20,
        keep: false,
      },
    });
    expect(parseSoakArgs(['--short', '--seed=9', '--data', 'd', '--keep'])).toEqual({
      kind: 'run',
      options: { ...SHORT, seed: 9, dataDir: 'd', keep: true },
    });
    expect(parseSoakArgs(['--collections', '3', '--restore-points=1'])).toMatchObject({
      options: { collections: 3, restorePoints: 1 },
    });
    expect(parseSoakArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['--collections', '0'], "--collections must be an integer from 1 to 500, got '0'"],
    [['--cancel-share', '2'], "--cancel-share must be a number from 0 to 1, got '2'"],
    [['--seed'], '--seed needs a value'],
    [['--seed', '1', '--seed', '2'], '--seed was given more than once'],
    [['--data='], '--data needs a non-empty path'],
    [['soak'], "unexpected argument 'soak'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSoakArgs(argv)).toThrow(new UsageError(message));
  });
});

describe("npm start's --arm-events-to, which puts the soak's relay in front of the app", () => {
  it('takes an http(s) URL and nothing else', () => {
    expect(parseStackArgs(['--arm-events-to', 'http://127.0.0.1:9/eventgrid'])).toMatchObject({
      args: { armEventsTo: 'http://127.0.0.1:9/eventgrid' },
    });
    expect(() => parseStackArgs(['--arm-events-to=ftp://x'])).toThrow(
      new StackUsageError("--arm-events-to must be an http(s) URL, got 'ftp://x'"),
    );
    expect(() => parseStackArgs(['--arm-events-to', 'relay'])).toThrow(
      new StackUsageError("--arm-events-to must be an http(s) URL, got 'relay'"),
    );
  });
});

describe('the soak event relay', () => {
  let relay: EventRelay | undefined;
  let app: Server | undefined;
  afterEach(async () => {
    await relay?.close();
    await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
    relay = undefined;
    app = undefined;
  });

  async function startApp(): Promise<{ url: string; received: string[] }> {
    const received: string[] = [];
    app = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(`${String(request.headers['aeg-event-type'])} ${body}`);
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => app?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(app.address() as AddressInfo).port}/hook`, received };
  }

  const deliver = async (body: string): Promise<number> =>
    (
      await fetch(relay?.url ?? '', {
        method: 'POST',
        headers: { 'aeg-event-type': 'Notification' },
        body,
      })
    ).status;

  it('forwards, drops and repeats deliveries as its draws say, and answers 503 while the app is down', async () => {
    // Prepare: draws, in order, for delivery 1 (drop? duplicate?), 2 (drop?), 3 (drop? duplicate? delay).
    const target = await startApp();
    const draws = [0.9, 0.9, 0.1, 0.9, 0.1, 0];
    let up = true;
    relay = await startEventRelay({
      random: () => draws.shift() ?? 0.9,
      dropRate: 0.2,
      duplicateRate: 0.2,
      target: () => (up ? target.url : undefined),
    });

    // Act
    const statuses = [await deliver('[1]'), await deliver('[2]'), await deliver('[3]')];
    await relay.settle();
    up = false;
    statuses.push(await deliver('[4]'));

    // Assess
    expect(statuses).toEqual([202, 200, 202, 503]);
    expect(target.received).toEqual(['Notification [1]', 'Notification [3]', 'Notification [3]']);
    expect(relay.counts()).toEqual({ received: 4, forwarded: 2, dropped: 1, duplicated: 1 });
  });
});
