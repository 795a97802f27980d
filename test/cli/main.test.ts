import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyDocument, sourceRestorePoint, targetRestorePoint } from './support/copies';
import type { CopyDocument as AppCopyDocument } from '../../src/domain/copyDocument';
import { createCopyDocument } from '../../src/domain/copyDocument';
import { copyIdFor } from '../../src/copyId';
import { collectionId, FakeCopyApi } from './support/fakeCopyApi';
import { runCli } from './support/runCli';
import { invocationName } from '../../src/cli/help';

// eslint-disable-next-line no-control-regex -- asserting the absence of escape sequences
const anyEscape = /\u001b/;

let api: FakeCopyApi;

beforeEach(async () => {
  api = await new FakeCopyApi().start();
});

afterEach(async () => {
  await api.close();
});

function cli(...argv: string[]): ReturnType<typeof runCli> {
  return runCli([...argv, '--url', api.url]);
}

describe('usage errors', () => {
  it.each([
    { argv: [], message: 'Missing command.' },
    {
      argv: ['frobnicate'],
      message: "Unknown command 'frobnicate'. Commands: copy, status, list, watch, cancel.",
    },
    { argv: ['status'], message: 'Missing argument <copyId>.' },
    { argv: ['cancel'], message: 'Missing argument <copyId>.' },
    { argv: ['status', 'a', 'b'], message: "Unexpected argument 'b'." },
    { argv: ['list', 'extra'], message: "Unexpected argument 'extra'." },
    { argv: ['list', '--bogus'], message: 'Unknown option --bogus.' },
    { argv: ['status', 'a', '--to', 'westus2'], message: "Option --to does not apply to 'status'." },
    { argv: ['copy'], message: 'Missing argument <sourceRestorePointId>.' },
    { argv: ['copy', sourceRestorePoint, '--to'], message: 'Option --to needs a value.' },
    {
      argv: ['copy', sourceRestorePoint, '--to', 'westus2,mars'],
      message: "'mars' is not an Azure region name; use names like westus2 or northeurope.",
    },
    {
      argv: ['list', '--region', 'mars'],
      message: "'mars' is not an Azure region name; use names like westus2 or northeurope.",
    },
    {
      argv: ['copy', sourceRestorePoint, '--to', ','],
      message: 'Option --to needs at least one region, e.g. --to westus2.',
    },
    {
      argv: ['list', '--status', 'Done'],
      message:
        "Unknown status 'Done'; use one of Queued, Starting, Replicating, Succeeded, Failed, TimedOut, Canceled, Skipped.",
    },
    { argv: ['list', '--top', '0'], message: "Option --top needs a whole number from 1 to 200, not '0'." },
    {
      argv: ['list', '--top', '500'],
      message: "Option --top needs a whole number from 1 to 200, not '500'.",
    },
    {
      argv: ['list', '--top', '2.5'],
      message: "Option --top needs a whole number from 1 to 200, not '2.5'.",
    },
    { argv: ['list', '--json=yes'], message: 'Option --json does not take a value.' },
    {
      argv: ['watch', '--interval', '0'],
      message: "Option --interval needs a number of seconds of at least 0.1, not '0'.",
    },
    {
      argv: ['watch', 'abc', '--follow'],
      message: 'Option --follow applies only when watching every copy (no <copyId>).',
    },
    {
      argv: ['help', 'nope'],
      message: "Unknown command 'nope'. Commands: copy, status, list, watch, cancel.",
    },
  ])('rejects $argv with exit 2: $message', async ({ argv, message }) => {
    const run = await cli(...argv);

    expect({ code: run.code, stdout: run.stdout, firstLine: run.stderr.split('\n')[0] }).toEqual({
      code: 2,
      stdout: '',
      firstLine: `rpcopy: ${message}`,
    });
    expect(run.stderr).toContain('Usage:');
    expect(api.requests).toEqual([]);
  });

  it('rejects a source that is not a restore point ARM id, with the expected shape', async () => {
    const run = await cli('copy', 'rp-20261125-1700');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "<sourceRestorePointId> must be the full ARM id of a restore point: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/restorePointCollections/<collection>/restorePoints/<name>, not 'rp-20261125-1700'.",
    );
    expect(run.stderr).toContain('Usage: rpcopy copy <sourceRestorePointId> [--to <region>[,<region>…]]');
  });

  it.each([
    {
      argv: ['list', '--url', 'localhost:7071'],
      message: "--url must be an http:// or https:// URL, not 'localhost:'.",
    },
    {
      argv: ['list', '--url', 'not a url'],
      message: "--url is not a URL: 'not a url'. Use e.g. http://localhost:7071.",
    },
  ])('rejects a bad API URL: $message', async ({ argv, message }) => {
    const run = await runCli(argv);

    expect({ code: run.code, firstLine: run.stderr.split('\n')[0] }).toEqual({
      code: 2,
      firstLine: `rpcopy: ${message}`,
    });
  });

  it('names RPCOPY_URL when the bad URL comes from the environment', async () => {
    const run = await runCli(['list'], { env: { RPCOPY_URL: 'ftp://example.invalid' } });

    expect({ code: run.code, firstLine: run.stderr.split('\n')[0] }).toEqual({
      code: 2,
      firstLine: "rpcopy: RPCOPY_URL must be an http:// or https:// URL, not 'ftp:'.",
    });
  });
});

describe('help and version', () => {
  it('prints the general help with every command and the exit codes', async () => {
    const run = await runCli(['--help']);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of ['copy', 'status', 'list', 'watch', 'cancel']) {
      expect(run.stdout).toContain(`rpcopy ${command}`);
    }
    expect(run.stdout).toContain(`Exit codes:
  0    success; for status and watch: the copy Succeeded or is still in progress
  1    the copy ended without a usable target: Failed, TimedOut, Canceled or Skipped
  2    usage error: unknown command or option, missing argument, bad value
  3    the API answered with an error, could not be reached, or answered something unreadable
  130  interrupted (Ctrl-C)`);
  });

  it.each([[['watch', '--help']], [['watch', '-h']], [['help', 'watch']]])(
    'prints one command’s help for %j',
    async (argv) => {
      const run = await runCli(argv);

      expect(run.code).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe(
        'Usage: rpcopy watch [<copyId>] [--interval <seconds>] [--follow]',
      );
    },
  );

  it('prints the package version', async () => {
    const run = await runCli(['--version']);

    expect(run).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });
});

describe('copy', () => {
  it('posts the source and regions and prints the copies', async () => {
    const run = await cli('copy', sourceRestorePoint, '--to', 'westus2,CentralUS', '--to', 'westus2');

    expect(api.requests.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      [
        'POST',
        '/api/copies',
        { sourceRestorePointId: sourceRestorePoint, targetRegions: ['westus2', 'centralus'] },
      ],
    ]);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Requested 2 copies of restore point rp-20261125-1700:',
        'ID                          REGION     STATUS  STATUS URL',
        `rp-20261125-1700-westus2    westus2    Queued  ${api.url}/api/copies/rp-20261125-1700-westus2`,
        `rp-20261125-1700-centralus  centralus  Queued  ${api.url}/api/copies/rp-20261125-1700-centralus`,
        'Follow progress with: rpcopy watch',
        '',
      ].join('\n'),
    });
  });

  it('leaves the regions to the policy when --to is absent, and prints the API JSON with --json', async () => {
    api.policyRegions = ['westus2'];

    const run = await cli('copy', sourceRestorePoint, '--json');

    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({ sourceRestorePointId: sourceRestorePoint });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      copies: [
        {
          id: 'rp-20261125-1700-westus2',
          sourceRestorePointId: sourceRestorePoint,
          targetRegion: 'westus2',
          targetRestorePointId: targetRestorePoint('westus2'),
          status: 'Queued',
          statusUrl: `${api.url}/api/copies/rp-20261125-1700-westus2`,
        },
      ],
    });
  });

  it('prints the API error readably and exits 3 when the API refuses the request', async () => {
    const run = await cli('copy', sourceRestorePoint, '--to', 'eastus');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr:
        'rpcopy: POST /api/copies failed with 400: The target region eastus is the source region. (TargetRegionIsSource)\n',
    });
  });

  it('puts the API error body on stdout with --json, and still exits 3', async () => {
    const run = await cli('copy', sourceRestorePoint, '--to', 'eastus', '--json');

    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'TargetRegionIsSource', message: 'The target region eastus is the source region.' },
    });
  });
});

describe('status', () => {
  it('shows a replicating copy with per-disk bars and exits 0', async () => {
    api.addCopy(
      copyDocument('c1', 'westus2', 'Replicating', [
        ['osdisk-vm1', 50],
        ['datadisk-big', 25],
      ]),
    );

    const run = await runCli(['status', 'c1', '--url', api.url], { columns: 80 });

    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/copies/c1']);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Copy        c1',
        'Status      Replicating · 37% · ETA 1h 02m',
        `Source      ${sourceRestorePoint} (eastus)`,
        `Target      ${targetRestorePoint('westus2')} (westus2)`,
        'Created     2026-11-25T17:00:00Z',
        'Started     2026-11-25T17:01:00Z',
        'Completed   —',
        'Disks',
        `  osdisk-vm1    ${'█'.repeat(20)}${'░'.repeat(20)}   50%  Replicating`,
        `  datadisk-big  ${'█'.repeat(10)}${'░'.repeat(30)}   25%  Replicating`,
        '',
      ].join('\n'),
    });
  });

  it('shows why a copy failed, with the suggestion, and exits 1', async () => {
    api.addCopy(
      copyDocument('c2', 'westus2', 'Failed', [['osdisk-vm1', 40]], {
        completedAt: '2026-11-25T19:00:00Z',
        error: {
          category: 'platform-failure',
          code: 'DiskReplicationFailed',
          message: 'Disk restore point osdisk-vm1 failed to replicate.',
          suggestion: 'Retry the copy; Azure gives no detail for a failed disk.',
        },
      }),
    );

    const run = await cli('status', 'c2');

    expect(run).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        'Copy        c2',
        'Status      Failed',
        `Source      ${sourceRestorePoint} (eastus)`,
        `Target      ${targetRestorePoint('westus2')} (westus2)`,
        'Created     2026-11-25T17:00:00Z',
        'Started     2026-11-25T17:01:00Z',
        'Completed   2026-11-25T19:00:00Z',
        'Disks',
        `  osdisk-vm1  ${'█'.repeat(16)}${'░'.repeat(24)}   40%  Replicating`,
        'Error       platform-failure · DiskReplicationFailed: Disk restore point osdisk-vm1 failed to replicate.',
        'Suggestion  Retry the copy; Azure gives no detail for a failed disk.',
        '',
      ].join('\n'),
    });
  });

  it.each([
    { status: 'Succeeded', code: 0 },
    { status: 'Queued', code: 0 },
    { status: 'Starting', code: 0 },
    { status: 'Replicating', code: 0 },
    { status: 'Failed', code: 1 },
    { status: 'TimedOut', code: 1 },
    { status: 'Canceled', code: 1 },
    { status: 'Skipped', code: 1 },
  ])('exits $code for a $status copy', async ({ status, code }) => {
    api.addCopy(copyDocument('c3', 'westus2', status));

    const run = await cli('status', 'c3');

    expect(run.code).toBe(code);
  });

  it('shows the reason of a skipped copy', async () => {
    api.addCopy(
      copyDocument('c4', 'westus2', 'Skipped', [], {
        error: {
          category: 'copy-of-copy',
          code: 'CopyOfCopy',
          message: 'The source collection is itself a copy.',
        },
      }),
    );

    const run = await cli('status', 'c4');

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Error       copy-of-copy · CopyOfCopy: The source collection is itself a copy.\n',
    );
  });

  it('prints exactly the API document with --json', async () => {
    const document = copyDocument('c5', 'westus2', 'Replicating', [['osdisk-vm1', 10]]);
    api.addCopy(document);

    const run = await cli('status', 'c5', '--json');

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(document);
  });

  it('reports an unknown copy with the API message and exits 3', async () => {
    const run = await cli('status', 'nope');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: "rpcopy: GET /api/copies/nope failed with 404: No copy with id 'nope'. (CopyNotFound)\n",
    });
  });
});

describe("the app's own documents", () => {
  const id = copyIdFor(sourceRestorePoint, 'westus2');
  const queued = createCopyDocument({
    id,
    sourceRestorePointId: sourceRestorePoint,
    sourceCollectionId: collectionId,
    targetRegion: 'westus2',
    requestedBy: 'http',
    createdAt: '2026-11-25T17:00:00.000Z',
  });
  const replicating: AppCopyDocument = {
    ...queued,
    status: 'Replicating',
    sourceRegion: 'eastus',
    targetRestorePointId: targetRestorePoint('westus2'),
    startedAt: '2026-11-25T17:01:00.000Z',
    progress: {
      percent: 12.5,
      etaSeconds: null,
      stalled: true,
      disks: [
        {
          id: `${targetRestorePoint('westus2')}/diskRestorePoints/osdisk`,
          status: 'Replicating',
          percent: 25,
        },
        { id: `${targetRestorePoint('westus2')}/diskRestorePoints/datadisk`, status: 'Pending', percent: 0 },
      ],
    },
  };

  it('renders a queued document, with its nulls, without inventing progress', async () => {
    api.answerNext('GET', `/api/copies/${id}`, 200, JSON.stringify(queued));

    const run = await cli('status', id);

    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `Copy        ${id}`,
        'Status      Queued',
        'Usable      not yet',
        `Source      ${sourceRestorePoint}`,
        'Target      — (westus2)',
        'Created     2026-11-25T17:00:00.000Z',
        'Started     —',
        'Completed   —',
        '',
      ].join('\n'),
    });
  });

  it('renders a stalled replicating document without an ETA', async () => {
    api.addCopy(copyDocument(id, 'westus2', 'Succeeded', [['osdisk', 100]]));
    api.answerNext('GET', `/api/copies/${id}`, 200, JSON.stringify(replicating));

    const run = await cli('watch', id);

    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `${id} westus2 Replicating 12% progress stalled | osdisk 25%, datadisk 0%`,
        `${id} westus2 Succeeded 100%`,
        '',
      ].join('\n'),
    });
  });
});

describe('list', () => {
  beforeEach(() => {
    api.addCopy(copyDocument('a-westus2', 'westus2', 'Succeeded', [['osdisk', 100]]));
    api.addCopy(copyDocument('a-centralus', 'centralus', 'Replicating', [['osdisk', 42]]));
    api.addCopy(copyDocument('b-westus2', 'westus2', 'Failed', [['osdisk', 10]]));
  });

  it('prints a table of copies', async () => {
    const run = await cli('list');

    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'ID           STATUS       REGION     PROGRESS  SOURCE RESTORE POINT  CREATED',
        'a-westus2    Succeeded    westus2    100%      rp-20261125-1700      2026-11-25T17:00:00Z',
        'a-centralus  Replicating  centralus  42%       rp-20261125-1700      2026-11-25T17:00:00Z',
        'b-westus2    Failed       westus2    —         rp-20261125-1700      2026-11-25T17:00:00Z',
        '',
      ].join('\n'),
    });
  });

  it('passes the filters as query parameters', async () => {
    const run = await cli(
      'list',
      '--status',
      'failed',
      '--region',
      'WestUS2',
      '--source',
      sourceRestorePoint,
      '--top',
      '5',
    );

    expect(api.requests.map((r) => r.query)).toEqual([
      { status: 'Failed', targetRegion: 'westus2', sourceRestorePointId: sourceRestorePoint, top: '5' },
    ]);
    expect(run.stdout.split('\n').slice(1, 2)).toEqual([
      'b-westus2  Failed  westus2  —         rp-20261125-1700      2026-11-25T17:00:00Z',
    ]);
  });

  it('shows one page and says more exist, unless --all follows the continuation', async () => {
    const onePage = await cli('list', '--top', '2');
    const allPages = await cli('list', '--top', '2', '--all');

    expect(
      onePage.stdout
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['a-westus2', 'a-centralus']);
    expect(onePage.stderr).toBe('More copies match: add --all to list every one.\n');
    expect(
      allPages.stdout
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['a-westus2', 'a-centralus', 'b-westus2']);
    expect(allPages.stderr).toBe('');
    expect(api.requests.slice(1).map((r) => r.query)).toEqual([
      { top: '2' },
      { top: '2', continuationToken: '2' },
    ]);
  });

  it('prints the API page with --json, and every copy in one document with --json --all', async () => {
    const page = await cli('list', '--top', '1', '--json');
    const all = await cli('list', '--top', '1', '--json', '--all');

    expect(JSON.parse(page.stdout)).toEqual({
      copies: [api.current('a-westus2')],
      continuationToken: '1',
      nextLink: `${api.url}/api/copies?top=1&continuationToken=1`,
    });
    expect(JSON.parse(all.stdout)).toEqual({
      copies: [api.current('a-westus2'), api.current('a-centralus'), api.current('b-westus2')],
    });
  });

  it('follows nextLink when the API gives no token', async () => {
    api.pagingStyle = 'link';

    const run = await cli('list', '--top', '2', '--all', '--status', 'Succeeded,Replicating,Failed');

    expect(
      run.stdout
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['a-westus2', 'a-centralus', 'b-westus2']);
    expect(api.requests.map((r) => r.query)).toEqual([
      { status: 'Succeeded,Replicating,Failed', top: '2' },
      { status: 'Succeeded,Replicating,Failed', top: '2', continuationToken: '2' },
    ]);
  });

  it('refuses to follow a nextLink to another host, which would receive the key', async () => {
    api.pagingStyle = 'foreign-link';

    const run = await cli('list', '--top', '2', '--all');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `rpcopy: unexpected answer from the API at ${api.url}/api/: GET /api/copies: nextLink points to another host (http://elsewhere.invalid)\n`,
    });
  });

  it('says so when nothing matches', async () => {
    const run = await cli('list', '--status', 'TimedOut');

    expect(run).toEqual({ code: 0, stdout: 'No copies found.\n', stderr: '' });
  });
});

describe('cancel', () => {
  it('posts the cancel request and prints the new status', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Replicating', [['osdisk', 5]]));

    const run = await cli('cancel', 'c1');

    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/copies/c1/cancel']);
    expect(run).toEqual({
      code: 0,
      stdout: 'Cancellation requested for copy c1; it was Replicating.\nFollow it with: rpcopy watch c1\n',
      stderr: '',
    });
  });

  it('prints the API JSON with --json', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Queued'));

    const run = await cli('cancel', 'c1', '--json');

    expect(JSON.parse(run.stdout)).toEqual(copyDocument('c1', 'westus2', 'Queued'));
  });

  it('exits 3 with the API message when the copy has already ended', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Succeeded'));

    const run = await cli('cancel', 'c1');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr:
        "rpcopy: POST /api/copies/c1/cancel failed with 409: Copy 'c1' has already ended (Succeeded). (CopyEnded)\n",
    });
  });
});

describe('the API connection', () => {
  let securedApi: FakeCopyApi;

  beforeEach(async () => {
    securedApi = await new FakeCopyApi('s3cret-function-key').start();
    securedApi.addCopy(copyDocument('c1', 'westus2', 'Succeeded'));
  });

  afterEach(async () => {
    await securedApi.close();
  });

  it('sends --key as x-functions-key and never prints it', async () => {
    const run = await runCli(['status', 'c1', '--url', securedApi.url, '--key', 's3cret-function-key']);

    expect(run.code).toBe(0);
    expect(securedApi.requests.map((r) => r.headers['x-functions-key'])).toEqual(['s3cret-function-key']);
    expect(run.stdout + run.stderr).not.toContain('s3cret');
  });

  it('takes the key and the URL from RPCOPY_KEY and RPCOPY_URL', async () => {
    const run = await runCli(['status', 'c1'], {
      env: { RPCOPY_URL: securedApi.url, RPCOPY_KEY: 's3cret-function-key' },
    });

    expect(run.code).toBe(0);
    expect(securedApi.requests.map((r) => r.headers['x-functions-key'])).toEqual(['s3cret-function-key']);
  });

  it('accepts a URL that already ends in /api', async () => {
    const run = await runCli([
      'status',
      'c1',
      '--url',
      `${securedApi.url}/api/`,
      '--key',
      's3cret-function-key',
    ]);

    expect(run.code).toBe(0);
    expect(securedApi.requests.map((r) => r.path)).toEqual(['/api/copies/c1']);
  });

  it('tells the user to pass --key on 401 without a key', async () => {
    const run = await runCli(['status', 'c1', '--url', securedApi.url]);

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `rpcopy: the API at ${securedApi.url}/api/ refused the request (401 Unauthorized); it needs a function key: pass --key <key> or set RPCOPY_KEY.\n`,
    });
  });

  it('says the key was rejected on 401 with a wrong key, without printing it', async () => {
    const run = await runCli(['status', 'c1', '--url', securedApi.url, '--key', 'wrong-key-123']);

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `rpcopy: the API at ${securedApi.url}/api/ refused the request (401 Unauthorized); the function key was rejected: check --key or RPCOPY_KEY.\n`,
    });
  });

  it('names the URL it tried when the connection is refused', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

    const run = await runCli(['list', '--url', `http://127.0.0.1:${closedPort}`]);

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr:
        `rpcopy: could not reach the rpcopy API at http://127.0.0.1:${closedPort}/api/copies: connection refused (ECONNREFUSED).\n` +
        'Is the app running? Point the CLI at it with --url or RPCOPY_URL.\n',
    });
  });

  it('reports a non-JSON answer and a non-JSON error readably', async () => {
    api.answerNext('GET', '/api/copies/c9', 200, '<html>proxy</html>');
    api.answerNext('GET', '/api/copies/c8', 502, '<html>Bad gateway</html>');

    const notJson = await cli('status', 'c9');
    const badGateway = await cli('status', 'c8');

    expect(notJson).toEqual({
      code: 3,
      stdout: '',
      stderr: `rpcopy: unexpected answer from the API at ${api.url}/api/: GET /api/copies/c9: the answer is not JSON\n`,
    });
    expect(badGateway).toEqual({
      code: 3,
      stdout: '',
      stderr: 'rpcopy: GET /api/copies/c8 failed with 502: Bad Gateway: <html>Bad gateway</html> (HTTP502)\n',
    });
  });

  it('reports a document without id or status as an unexpected answer', async () => {
    api.answerNext('GET', '/api/copies/c7', 200, JSON.stringify({ id: 'c7' }));

    const run = await cli('status', 'c7');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `rpcopy: unexpected answer from the API at ${api.url}/api/: GET /api/copies/c7: a copy without "id" or "status"\n`,
    });
  });
});

describe('watch', () => {
  const script = [
    copyDocument('c1', 'westus2', 'Queued'),
    copyDocument('c1', 'westus2', 'Replicating', [
      ['osdisk', 0],
      ['datadisk', 0],
    ]),
    copyDocument('c1', 'westus2', 'Replicating', [
      ['osdisk', 50],
      ['datadisk', 20],
    ]),
    copyDocument('c1', 'westus2', 'Replicating', [
      ['osdisk', 50],
      ['datadisk', 20],
    ]),
    copyDocument(
      'c1',
      'westus2',
      'Succeeded',
      [
        ['osdisk', 100],
        ['datadisk', 100],
      ],
      {
        completedAt: '2026-11-25T18:00:00Z',
      },
    ),
  ];

  it('prints one plain line per change when stdout is not a terminal, and exits 0 on success', async () => {
    api.addCopy(...script);

    const run = await cli('watch', 'c1');

    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'c1 westus2 Queued',
        'c1 westus2 Replicating 0% ETA 1h 40m | osdisk 0%, datadisk 0%',
        'c1 westus2 Replicating 35% ETA 1h 05m | osdisk 50%, datadisk 20%',
        'c1 westus2 Succeeded 100%',
        '',
      ].join('\n'),
    });
    expect(run.stdout).not.toMatch(anyEscape);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(5).fill('GET /api/copies/c1'));
  });

  it('waits the poll interval between polls', async () => {
    api.addCopy(...script);
    const waits: number[] = [];

    await runCli(['watch', 'c1', '--url', api.url, '--interval', '0.5'], {
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });

    expect(waits).toEqual([500, 500, 500, 500]);
  });

  it('exits 1 with the reason when the copy fails', async () => {
    api.addCopy(
      script[1] ?? copyDocument('c1', 'westus2', 'Queued'),
      copyDocument(
        'c1',
        'westus2',
        'Failed',
        [
          ['osdisk', 60],
          ['datadisk', 20],
        ],
        {
          error: { category: 'platform-failure', code: 'DiskReplicationFailed', message: 'datadisk failed.' },
        },
      ),
    );

    const run = await cli('watch', 'c1');

    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').at(-2)).toBe(
      'c1 westus2 Failed | platform-failure · DiskReplicationFailed: datadisk failed.',
    );
  });

  it('draws bars in place in a terminal, hides the cursor and restores it', async () => {
    api.addCopy(...script);

    const run = await runCli(['watch', 'c1', '--url', api.url], {
      isTTY: true,
      columns: 80,
      rows: 30,
      env: { NO_COLOR: '1' },
    });

    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('\u001b[?25l')).toBe(true);
    expect(run.stdout.endsWith('\u001b[?25h')).toBe(true);
    expect(run.stdout).toContain(`  osdisk    ${'█'.repeat(20)}${'░'.repeat(20)}   50%  Replicating`);
    expect(run.stdout).toContain(`c1  rp-20261125-1700 → westus2  Replicating · 35% · ETA 1h 05m`);
    expect(run.stdout).toContain(`  datadisk  ${'█'.repeat(40)}  100%  Succeeded`);
    // Each changed frame moves back up over the previous one (3 lines, then 5); the repeated 35% frame is not
    // drawn again.
    // eslint-disable-next-line no-control-regex -- the cursor-up sequence is what is asserted
    expect(run.stdout.match(/\r\u001b\[(\d+)A/g)).toEqual(['\r\u001b[3A', '\r\u001b[5A', '\r\u001b[5A']);
  });

  it('colours status words in a terminal unless NO_COLOR is set', async () => {
    api.addCopy(script[4] ?? copyDocument('c1', 'westus2', 'Queued'));

    const run = await runCli(['watch', 'c1', '--url', api.url], { isTTY: true, columns: 80 });

    expect(run.stdout).toContain('\u001b[32mSucceeded\u001b[0m');
  });

  it('prints one JSON document per change with --json', async () => {
    api.addCopy(...script);

    const run = await cli('watch', 'c1', '--json');

    expect(
      run.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([script[0], script[1], script[2], script[4]]);
  });

  it('watches every copy in progress until all have ended, exiting 1 if one did not succeed', async () => {
    api.addCopy(
      copyDocument('a', 'westus2', 'Replicating', [['osdisk', 10]]),
      copyDocument('a', 'westus2', 'Succeeded', [['osdisk', 100]]),
    );
    api.addCopy(copyDocument('b', 'centralus', 'Queued'), copyDocument('b', 'centralus', 'Canceled'));
    api.addCopy(copyDocument('old', 'westus2', 'Succeeded', [['osdisk', 100]]));

    const run = await cli('watch');

    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'a westus2 Replicating 10% ETA 1h 30m | osdisk 10%',
        'b centralus Queued',
        'a westus2 Succeeded 100%',
        'b centralus Canceled',
        '',
      ].join('\n'),
    );
    expect(
      api.requests.map((r) => `${r.method} ${r.path} ${new URLSearchParams(r.query).toString()}`),
    ).toEqual([
      'GET /api/copies status=Queued%2CStarting%2CReplicating',
      'GET /api/copies/a ',
      'GET /api/copies/b ',
      'GET /api/copies status=Queued%2CStarting%2CReplicating',
      'GET /api/copies/a ',
      'GET /api/copies/b ',
    ]);
  });

  it('says so and exits 0 when no copy is in progress', async () => {
    api.addCopy(copyDocument('old', 'westus2', 'Succeeded', [['osdisk', 100]]));

    const run = await cli('watch');

    expect(run).toEqual({ code: 0, stdout: 'No copies in progress.\n', stderr: '' });
  });

  it('keeps watching through a transient API failure and says it is retrying', async () => {
    api.addCopy(...script);
    let polls = 0;

    const run = await runCli(['watch', 'c1', '--url', api.url], {
      sleep: () => {
        polls += 1;
        if (polls === 1) {
          api.answerNext('GET', '/api/copies/c1', 503, '');
        }
        return Promise.resolve();
      },
    });

    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'rpcopy: API answered 503 HTTP503; retrying in 2s (waits grow to 30s; gives up after 15m without an answer)\n',
    );
    expect(run.stdout.split('\n').at(-2)).toBe('c1 westus2 Succeeded 100%');
  });

  it('stops at once with exit 3 when the first poll fails', async () => {
    const run = await cli('watch', 'missing');

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: "rpcopy: GET /api/copies/missing failed with 404: No copy with id 'missing'. (CopyNotFound)\n",
    });
  });

  it('restores the cursor and exits 130 when interrupted', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Replicating', [['osdisk', 10]]));
    const controller = new AbortController();

    const run = await runCli(['watch', 'c1', '--url', api.url], {
      isTTY: true,
      signal: controller.signal,
      sleep: () => {
        controller.abort();
        return Promise.resolve();
      },
    });

    expect(run.code).toBe(130);
    expect(run.stdout.endsWith('\u001b[?25h')).toBe(true);
  });

  it('picks up a copy that ended and was requested again under the same id', async () => {
    const controller = new AbortController();
    let polls = 0;
    api.addCopy(
      copyDocument('a', 'westus2', 'Replicating', [['osdisk', 10]]),
      copyDocument('a', 'westus2', 'Failed'),
    );

    const run = await runCli(['watch', '--follow', '--url', api.url], {
      signal: controller.signal,
      sleep: () => {
        polls += 1;
        if (polls === 2) {
          api.addCopy(copyDocument('a', 'westus2', 'Queued'), copyDocument('a', 'westus2', 'Succeeded'));
        }
        if (polls === 4) {
          controller.abort();
        }
        return Promise.resolve();
      },
    });

    expect(run.stdout).toBe(
      [
        'a westus2 Replicating 10% ETA 1h 30m | osdisk 10%',
        'a westus2 Failed',
        'a westus2 Queued',
        'a westus2 Succeeded',
        '',
      ].join('\n'),
    );
  });

  it('keeps only the five most recent ended copies on screen with --follow', async () => {
    const controller = new AbortController();
    let polls = 0;
    for (const index of [1, 2, 3, 4, 5, 6, 7]) {
      api.addCopy(
        copyDocument(`copy-${index}`, 'westus2', 'Replicating', [['osdisk', 50]]),
        copyDocument(`copy-${index}`, 'westus2', 'Succeeded', [['osdisk', 100]]),
      );
    }

    const run = await runCli(['watch', '--follow', '--url', api.url], {
      isTTY: true,
      columns: 100,
      rows: 100,
      env: { NO_COLOR: '1' },
      signal: controller.signal,
      sleep: () => {
        polls += 1;
        if (polls === 3) {
          controller.abort();
        }
        return Promise.resolve();
      },
    });
    const lastFrame = run.stdout.split('\r\u001b[').at(-1) ?? '';

    expect(run.code).toBe(130);
    expect(lastFrame.match(/copy-\d/g)).toEqual(['copy-3', 'copy-4', 'copy-5', 'copy-6', 'copy-7']);
  });

  it('follows new copies with --follow until interrupted', async () => {
    const controller = new AbortController();
    let polls = 0;

    const run = await runCli(['watch', '--follow', '--url', api.url], {
      signal: controller.signal,
      sleep: () => {
        polls += 1;
        if (polls === 1) {
          api.addCopy(copyDocument('new', 'westus2', 'Queued'), copyDocument('new', 'westus2', 'Succeeded'));
        }
        if (polls === 3) {
          controller.abort();
        }
        return Promise.resolve();
      },
    });

    expect(run).toEqual({
      code: 130,
      stdout: 'No copies in progress; waiting for new ones.\nnew westus2 Queued\nnew westus2 Succeeded\n',
      stderr: '',
    });
  });
});

describe('watch with nothing to watch, and through a restart of the API', () => {
  it('says there is nothing in progress in a terminal too, and exits 0', async () => {
    api.addCopy(copyDocument('old', 'westus2', 'Succeeded', [['osdisk', 100]]));

    const run = await runCli(['watch', '--url', api.url], { isTTY: true, columns: 80, rows: 30 });

    expect(run).toEqual({ code: 0, stdout: 'No copies in progress.\n', stderr: '' });
  });

  it('shows the waiting frame in a terminal with --follow, then the next copy', async () => {
    const controller = new AbortController();
    let polls = 0;

    const run = await runCli(['watch', '--follow', '--url', api.url], {
      isTTY: true,
      columns: 100,
      rows: 30,
      env: { NO_COLOR: '1' },
      signal: controller.signal,
      sleep: () => {
        polls += 1;
        if (polls === 1) {
          api.addCopy(copyDocument('next', 'westus2', 'Queued'));
        }
        if (polls === 2) {
          controller.abort();
        }
        return Promise.resolve();
      },
    });
    const frames = run.stdout.split('\r\u001b[');

    expect(run.code).toBe(130);
    expect(frames[0]).toContain('No copies in progress; waiting for new ones.');
    expect(frames.at(-1)).toContain('next  rp-20261125-1700 → westus2  Queued');
  });

  it('rides out an API that is down from the start with --follow, backing off to 30 s, and picks up the next copy', async () => {
    const port = await freePort();
    const controller = new AbortController();
    const waits: number[] = [];
    let restarted: FakeCopyApi | undefined;

    const run = await runCli(['watch', '--follow', '--url', `http://127.0.0.1:${port}`], {
      signal: controller.signal,
      sleep: async (ms) => {
        waits.push(ms);
        // 40 failed polls: more than the 30 retries watch used to give up after.
        if (waits.length === 40) {
          restarted = await new FakeCopyApi().start(port);
          restarted.addCopy(
            copyDocument('next', 'westus2', 'Queued'),
            copyDocument('next', 'westus2', 'Succeeded'),
          );
        }
        if (waits.length === 43) {
          controller.abort();
        }
      },
    });
    await restarted?.close();
    const retries = run.stderr.trimEnd().split('\n');

    expect(run.code).toBe(130);
    expect(waits.slice(0, 7)).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(waits.slice(40)).toEqual([2000, 2000, 2000]);
    expect(retries).toHaveLength(40);
    expect(retries[0]).toBe(
      'rpcopy: API unreachable (connection refused (ECONNREFUSED)); retrying in 2s (waits grow to 30s; Ctrl-C to stop)',
    );
    expect(retries[39]).toMatch(
      /^rpcopy: API unreachable .*; retrying in 30s \(waits grow to 30s; Ctrl-C to stop\)$/,
    );
    expect(run.stdout).toBe('next westus2 Queued\nnext westus2 Succeeded\n');
  });

  it('gives up once the API has not answered for 15 minutes, saying so, with exit 3', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Replicating', [['osdisk', 10]]));
    const waits: number[] = [];

    const run = await runCli(['watch', 'c1', '--url', api.url], {
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 1) {
          await api.close();
        }
      },
    });
    api = await new FakeCopyApi().start();

    expect(run.code).toBe(3);
    expect(waits.slice(1).reduce((sum, ms) => sum + ms, 0)).toBe(15 * 60_000);
    expect(run.stderr.trimEnd().split('\n').slice(-4)).toEqual([
      expect.stringMatching(/retrying in 30s/),
      'rpcopy: the API has not answered for 15m; giving up.',
      expect.stringMatching(
        /^rpcopy: could not reach the rpcopy API at http:\/\/127\.0\.0\.1:\d+\/api\/copies\/c1: connection refused/,
      ),
      'Is the app running? Point the CLI at it with --url or RPCOPY_URL.',
    ]);
  });
});

describe('hints, repeated requests, usability and the clock', () => {
  it('prints hints with the command the user ran the CLI with', async () => {
    const created = await runCli(['copy', sourceRestorePoint, '--to', 'westus2', '--url', api.url], {
      invokedAs: 'npx rpcopy',
    });
    const usage = await runCli(['list', '--top', '0'], { invokedAs: 'npx rpcopy' });

    expect(created.stdout.split('\n').at(-2)).toBe(
      'Follow progress with: npx rpcopy watch rp-20261125-1700-westus2',
    );
    expect(usage.stderr.split('\n').at(-2)).toBe("Run 'npx rpcopy list --help' for details.");
  });

  it.each([
    { env: { npm_lifecycle_event: 'npx' }, script: '/repo/node_modules/.bin/rpcopy', expected: 'npx rpcopy' },
    { env: {}, script: '/usr/local/bin/rpcopy', expected: 'rpcopy' },
    { env: {}, script: '/repo/bin/rpcopy.js', expected: 'node bin/rpcopy.js' },
    { env: {}, script: '/elsewhere/bin/rpcopy.js', expected: 'node /elsewhere/bin/rpcopy.js' },
  ])('names the CLI as $expected when run as $script', ({ env, script, expected }) => {
    expect(invocationName(env, script, '/repo')).toBe(expected);
  });

  it('says that a repeated request started nothing new because the copies already exist', async () => {
    const first = await cli('copy', sourceRestorePoint);
    api.addCopy(copyDocument('rp-20261125-1700-westus2', 'westus2', 'Replicating', [['osdisk', 10]]));
    api.addCopy(copyDocument('rp-20261125-1700-centralus', 'centralus', 'Succeeded', [['osdisk', 100]]));
    const again = await cli('copy', sourceRestorePoint);

    expect(first.stdout.split('\n')[0]).toBe('Requested 2 copies of restore point rp-20261125-1700:');
    expect(again.stdout.split('\n')[0]).toBe(
      'The 2 copies of restore point rp-20261125-1700 already exist; nothing new was started:',
    );
  });

  it('says "usable" for a copy the API reports usable, in status and watch', async () => {
    const done = copyDocument('c1', 'westus2', 'Succeeded', [['osdisk', 100]], { usable: true });
    api.addCopy(done);

    const status = await cli('status', 'c1');
    const watch = await cli('watch', 'c1');

    expect(status.stdout.split('\n').slice(1, 3)).toEqual([
      'Status      Succeeded · 100% · usable',
      'Usable      yes: every disk has replicated; the target can restore a VM',
    ]);
    expect(watch.stdout).toBe('c1 westus2 Succeeded 100% usable\n');
  });

  it('labels ETAs and times as simulated when RPCOPY_SIMULATED_SPEED says the app runs on a simulated clock', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Replicating', [['osdisk', 40]]));

    const run = await runCli(['status', 'c1', '--url', api.url], { env: { RPCOPY_SIMULATED_SPEED: '60' } });

    expect(run.stdout.split('\n').filter((line) => /^(Status|Created)/.test(line))).toEqual([
      'Status      Replicating · 40% · ETA 1h 00m simulated (≈1m 00s real)',
      'Created     2026-11-25T17:00:00Z (simulated clock)',
    ]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}
