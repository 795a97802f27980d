import { SPOOFED_HOST, type FuzzRoute } from './judge';

/**
 * The fuzz's hostile requests, drawn from a seeded generator: malformed, huge, deeply nested and
 * type-confused bodies, odd queries and ids, a spoofed Host, missing keys and wrong methods.
 */

export interface FuzzRequest {
  route: FuzzRoute;
  attack: string;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  authorized: boolean;
}

export interface FuzzTargets {
  functionKey: string;
  /** Path and query of the app's Event Grid webhook, with its key. */
  webhookPath: string;
  /** Source restore points that exist, so some requests go all the way. */
  sourceRestorePointIds: readonly string[];
  /** Ids of copies the app answered with so far. */
  copyIds: () => readonly string[];
}

const REGIONS = ['westus2', 'centralus', 'northeurope', 'eastus', 'West US 2', 'mars', '', 'WESTUS2'];
const STATUSES = ['Queued', 'replicating', 'Succeeded,Failed', 'Bogus', '', ',,,'];
const KB = 1024;
const MB = 1024 * KB;

class Draw {
  constructor(readonly random: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  /** Text with the characters that break naive code: quotes, slashes, controls, non-ASCII, surrogates. */
  text(length: number): string {
    const alphabet = [
      'a',
      'Z',
      '0',
      '/',
      '\\',
      '"',
      "'",
      '%',
      '{',
      '}',
      '\n',
      '\u0000',
      'é',
      '𝄞',
      '\ud800',
      ' ',
      '.',
      '..',
    ];
    let out = '';
    while (out.length < length) {
      out += this.chance(0.7) ? String.fromCharCode(this.int(97, 122)) : this.pick(alphabet);
    }
    return out;
  }
  /** Any JSON value, nested up to `depth`. */
  json(depth: number): unknown {
    const kind = this.int(0, depth > 0 ? 7 : 4);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14]);
      case 3:
      case 4:
        return this.text(this.int(0, 40));
      case 5:
      case 6:
        return Object.fromEntries(
          Array.from({ length: this.int(0, 5) }, () => [this.text(this.int(0, 12)), this.json(depth - 1)]),
        );
      default:
        return Array.from({ length: this.int(0, 5) }, () => this.json(depth - 1));
    }
  }
}

/** Percent-encodes text, lone surrogates included (as U+FFFD), which encodeURIComponent refuses. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function nested(depth: number, inner = '{}'): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

type BodyAttack = (draw: Draw, targets: FuzzTargets) => [string, Buffer];

/** Bodies for POST /api/copies; several also go to cancel and the webhook. */
const COPY_BODIES: readonly BodyAttack[] = [
  (d, t) => [
    'valid request',
    json({
      sourceRestorePointId: d.pick(t.sourceRestorePointIds),
      ...(d.chance(0.5) ? { targetRegions: [d.pick(REGIONS)] } : {}),
    }),
  ],
  (d) => ['random JSON', json(d.json(4))],
  (d, t) => [
    'type-confused fields',
    json({
      sourceRestorePointId: d.json(2),
      targetRegions: t.sourceRestorePointIds.length > 0 ? d.json(2) : [],
    }),
  ],
  (d, t) => [
    'odd region names',
    json({
      sourceRestorePointId: d.pick(t.sourceRestorePointIds),
      targetRegions: [d.text(d.int(1, 60)), d.pick(REGIONS)],
    }),
  ],
  (d) => ['odd restore point id', json({ sourceRestorePointId: d.text(d.int(1, 300)) })],
  (d, t) => [
    '1 MB region name',
    json({ sourceRestorePointId: d.pick(t.sourceRestorePointIds), targetRegions: ['x'.repeat(MB)] }),
  ],
  () => ['1 MB restore point id', json({ sourceRestorePointId: `/subscriptions/${'a'.repeat(MB)}` })],
  () => [
    '200,000 unknown keys',
    json(Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, 1]))),
  ],
  (d) => [
    '10,000 regions',
    json({
      sourceRestorePointId: '/x',
      targetRegions: Array.from({ length: 10_000 }, () => d.pick(REGIONS)),
    }),
  ],
  () => ['nested 5,000 deep', Buffer.from(nested(5_000))],
  () => ['nested 100,000 deep', Buffer.from(nested(100_000))],
  () => ['array nested 100,000 deep', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000))],
  () => [
    '70 KB of whitespace around a valid body',
    Buffer.from(`${' '.repeat(70 * KB)}{"sourceRestorePointId":"/x"}`),
  ],
  () => ['8 MB body', Buffer.alloc(8 * MB, 0x20)],
  (d) => ['truncated JSON', Buffer.from(JSON.stringify(d.json(3)).slice(0, d.int(0, 20)) + '{"a":')],
  (d) => ['random bytes', Buffer.from(Array.from({ length: d.int(0, 2000) }, () => d.int(0, 255)))],
  () => ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d])],
  () => ['empty body', Buffer.alloc(0)],
  () => ['JSON with a BOM', Buffer.from('\ufeff{"sourceRestorePointId":"/x"}')],
  () => [
    'duplicate keys',
    Buffer.from('{"sourceRestorePointId":"/a","sourceRestorePointId":"/b","__proto__":{"x":1}}'),
  ],
];

function idAttack(d: Draw, t: FuzzTargets): [string, string] {
  const known = t.copyIds();
  const choices: [string, () => string][] = [
    ['known copy id', () => (known.length > 0 ? d.pick(known) : 'rpcopy-westus2-0')],
    [
      'well-formed unknown id',
      () => `rpcopy-westus2-${Array.from({ length: 32 }, () => d.pick([...'0123456789abcdef'])).join('')}`,
    ],
    ['odd id', () => encode(d.text(d.int(1, 80)))],
    ['4 KB id', () => 'a'.repeat(4 * KB)],
    ['encoded slashes and dots', () => d.pick(['..%2F..%2Fadmin', '%2e%2e', '%00', 'a%2Fb', '%25%32%66'])],
  ];
  const [attack, make] = d.pick(choices);
  return [attack, make()];
}

function queryAttack(d: Draw, t: FuzzTargets): [string, string] {
  const choices: [string, () => string][] = [
    ['status filter', () => `status=${encode(d.pick(STATUSES))}`],
    ['region filter', () => `targetRegion=${encode(d.pick(REGIONS))}`],
    [
      'source filter',
      () => `sourceRestorePointId=${encode(d.chance(0.5) ? d.pick(t.sourceRestorePointIds) : d.text(50))}`,
    ],
    [
      'top',
      () =>
        `top=${encode(d.pick(['0', '1', '200', '201', '-1', '1e3', '0x10', ' 5', 'abc', '99999999999999999999']))}`,
    ],
    [
      'garbage continuation token',
      () =>
        `continuationToken=${encode(d.pick([Buffer.from(JSON.stringify(d.json(2))).toString('base64url'), d.text(30), 'eyJ']))}`,
    ],
    ['unknown parameter', () => `${encode(d.text(8))}=${encode(d.text(8))}`],
    ['6 KB parameter value', () => `status=${'Q'.repeat(6 * KB)}`],
    ['repeated parameters', () => 'top=1&top=2&status=Queued&status=Failed'],
  ];
  const parts = Array.from({ length: d.int(0, 3) }, () => d.pick(choices));
  return [parts.map(([name]) => name).join(' + ') || 'no query', parts.map(([, make]) => make()).join('&')];
}

function webhookBody(d: Draw, t: FuzzTargets): [string, Buffer, string] {
  const event = (data: unknown): Record<string, unknown> => ({
    id: d.text(10),
    subject: d.chance(0.5) ? d.pick(t.sourceRestorePointIds) : d.text(40),
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-01-01T00:00:00Z',
    dataVersion: '1',
    data,
  });
  const choices: [string, () => Buffer, string][] = [
    [
      'resource write event',
      () =>
        json([
          event({
            operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
            resourceUri: d.pick(t.sourceRestorePointIds),
          }),
        ]),
      'Notification',
    ],
    ['event with random data', () => json([event(d.json(4))]), 'Notification'],
    ['random events', () => json(Array.from({ length: d.int(1, 5) }, () => d.json(3))), 'Notification'],
    [
      'event nested 5,000 deep',
      () =>
        Buffer.from(`[{"id":"1","subject":"s","eventType":"T","dataVersion":"1","data":${nested(5_000)}}]`),
      'Notification',
    ],
    [
      'event nested 100,000 deep',
      () =>
        Buffer.from(`[{"id":"1","subject":"s","eventType":"T","dataVersion":"1","data":${nested(100_000)}}]`),
      'Notification',
    ],
    ['1 MB event', () => json([event({ resourceUri: 'x'.repeat(MB) })]), 'Notification'],
    [
      'validation without a code',
      () =>
        json([{ id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: d.json(2) }]),
      'SubscriptionValidation',
    ],
    ['unknown aeg-event-type', () => json([event({})]), d.text(10).replace(/[^\x20-\x7e]/g, 'x')],
    ['malformed JSON', () => Buffer.from('[{"id":'), 'Notification'],
    [
      'CloudEvent with odd fields',
      () =>
        json([{ specversion: '1.0', id: d.text(5), source: d.text(20), type: d.text(20), data: d.json(3) }]),
      'Notification',
    ],
  ];
  const [attack, make, eventType] = d.pick(choices);
  return [attack, make(), eventType];
}

/** Host spoofing on a share of app requests: the answers must not point there. */
function spoofing(d: Draw): Record<string, string> {
  if (!d.chance(0.3)) {
    return {};
  }
  return d.pick<Record<string, string>>([
    { host: SPOOFED_HOST },
    { 'x-forwarded-host': SPOOFED_HOST, 'x-forwarded-proto': 'https' },
    { forwarded: `host=${SPOOFED_HOST};proto=https` },
    { host: `${SPOOFED_HOST}:443`, 'x-original-host': SPOOFED_HOST },
  ]);
}

export function nextRequest(random: () => number, targets: FuzzTargets): FuzzRequest {
  const d = new Draw(random);
  const authorized = d.chance(0.95);
  const key = (): Record<string, string> =>
    authorized
      ? { 'x-functions-key': targets.functionKey }
      : d.chance(0.5)
        ? { 'x-functions-key': d.text(20).replace(/[^\x20-\x7e]/g, 'k') }
        : {};
  const jsonType = (): Record<string, string> => ({
    'content-type': d.pick([
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]),
  });
  const kind = d.int(0, 9);
  if (kind <= 2) {
    const [attack, body] = d.pick(COPY_BODIES)(d, targets);
    return {
      route: 'POST /api/copies',
      attack,
      method: 'POST',
      path: '/api/copies',
      headers: { ...key(), ...jsonType(), ...spoofing(d) },
      body,
      authorized,
    };
  }
  if (kind <= 4) {
    const [attack, query] = queryAttack(d, targets);
    return {
      route: 'GET /api/copies',
      attack,
      method: 'GET',
      path: `/api/copies${query ? `?${query}` : ''}`,
      headers: { ...key(), ...spoofing(d) },
      authorized,
    };
  }
  if (kind === 5) {
    const [attack, id] = idAttack(d, targets);
    return {
      route: 'GET /api/copies/{id}',
      attack,
      method: 'GET',
      path: `/api/copies/${id}`,
      headers: { ...key(), ...spoofing(d) },
      authorized,
    };
  }
  if (kind === 6) {
    const [attack, id] = idAttack(d, targets);
    const [bodyAttack, body] = d.chance(0.3) ? d.pick(COPY_BODIES)(d, targets) : ['no body', Buffer.alloc(0)];
    return {
      route: 'POST /api/copies/{id}/cancel',
      attack: `${attack}, ${bodyAttack}`,
      method: 'POST',
      path: `/api/copies/${id}/cancel`,
      headers: { ...key(), ...jsonType(), ...spoofing(d) },
      body,
      authorized,
    };
  }
  if (kind === 7) {
    const method = d.pick(['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'GET', 'POST']);
    const path = d.pick([
      '/api/copies',
      '/api/copies/x',
      '/api/copies/x/cancel',
      '/api/copies/x/y/z',
      '/api/',
      '/api/copies/x/cancel/more',
    ]);
    const method2 =
      (method === 'GET' && path === '/api/copies') || (method === 'POST' && path === '/api/copies')
        ? 'PUT'
        : method;
    return {
      route: 'other method or path under /api',
      attack: `${method2} ${path}`,
      method: method2,
      path,
      headers: { ...key(), ...spoofing(d) },
      authorized,
    };
  }
  const [attack, body, eventType] = webhookBody(d, targets);
  return {
    route: 'POST Event Grid webhook',
    attack,
    method: 'POST',
    path: targets.webhookPath,
    headers: { 'content-type': 'application/json', 'aeg-event-type': eventType },
    body,
    authorized: true,
  };
}
