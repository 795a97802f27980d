import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyDocument } from './support/copies';
import { FakeCopyApi } from './support/fakeCopyApi';

/**
 * The CLI as a user runs it: the compiled output behind `bin/rpcopy.js`, in a child process, in a pipe and
 * in real pseudo-terminals (`script`, and tmux for the rendered screen).
 */

const root = resolve(__dirname, '../..');
const node = join(root, 'node_modules/.bin/node');
const bin = join(root, 'bin/rpcopy.js');

interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runProcess(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessRun> {
  return new Promise((resolveRun) => {
    execFile(
      file,
      args,
      { cwd: root, env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

function newestModification(directory: string, suffix: string): number {
  return Math.max(
    0,
    ...readdirSync(directory)
      .filter((name) => name.endsWith(suffix))
      .map((name) => statSync(join(directory, name)).mtimeMs),
  );
}

function cliBuildIsCurrent(): boolean {
  const output = join(root, 'dist/src/cli');
  return (
    existsSync(join(output, 'main.js')) &&
    newestModification(output, '.js') >= newestModification(join(root, 'src/cli'), '.ts')
  );
}

/** Builds when dist is missing or older than src/cli, as `npm test` (pretest) would. */
async function ensureCliBuilt(): Promise<void> {
  if (cliBuildIsCurrent()) {
    return;
  }
  // Errors in other people's in-progress files make tsc exit non-zero while still emitting ours.
  await runProcess(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    env: { PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME },
  });
  if (!cliBuildIsCurrent()) {
    throw new Error('dist/src/cli is missing or stale after building: run `npm run build`.');
  }
}

/** Waits for a condition on something outside the process (a terminal screen), up to a generous limit. */
async function waitFor<T>(read: () => Promise<T>, until: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (until(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last seen:\n${String(value)}`);
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

// eslint-disable-next-line no-control-regex -- asserting on escape sequences
const anyEscape = /\u001b/;

let api: FakeCopyApi;

beforeAll(async () => {
  await ensureCliBuilt();
});

beforeEach(async () => {
  api = await new FakeCopyApi().start();
});

afterEach(async () => {
  await api.close();
});

describe('bin/rpcopy.js', () => {
  it('prints the version', async () => {
    const run = await runProcess(node, [bin, '--version']);

    expect(run).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('passes the exit code through: 2 for a usage error, 1 for a failed copy', async () => {
    api.addCopy(copyDocument('c1', 'westus2', 'Failed'));

    const usage = await runProcess(node, [bin, 'status']);
    const failed = await runProcess(node, [bin, 'status', 'c1', '--url', api.url]);

    expect([usage.code, usage.stderr.split('\n')[0]]).toEqual([2, 'rpcopy: Missing argument <copyId>.']);
    expect([failed.code, failed.stdout.split('\n')[1]]).toEqual([1, 'Status      Failed']);
  });

  it('tells the user to build when dist is missing', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'rpcopy-unbuilt-'));
    try {
      mkdirSync(join(checkout, 'bin'));
      copyFileSync(bin, join(checkout, 'bin/rpcopy.js'));
      copyFileSync(join(root, 'bin/checkNodeVersion.js'), join(checkout, 'bin/checkNodeVersion.js'));
      copyFileSync(join(root, 'package.json'), join(checkout, 'package.json'));

      const run = await runProcess(node, [join(checkout, 'bin/rpcopy.js'), '--version']);

      expect(run).toEqual({
        code: 3,
        stdout: '',
        stderr:
          `rpcopy: the CLI is not built (${join(checkout, 'dist/src/cli/main.js')} is missing).\n` +
          `Run \`npm run build\` in ${checkout} first.\n`,
      });
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  it('refuses to run on a Node older than 22', async () => {
    const run = await runProcess(node, [
      '-e',
      `Object.defineProperty(process.versions, 'node', { value: '20.11.1' }); require(${JSON.stringify(bin)});`,
    ]);

    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr:
        "rpcopy: needs Node.js >=22.12 but this is Node.js v20.11.1; install Node.js 22 (or run it with npm inside the project, which uses the project's pinned Node.js 22).\n",
    });
  });

  it('prints plain lines without escape sequences when stdout is a pipe', async () => {
    api.addCopy(
      copyDocument('c1', 'westus2', 'Replicating', [['osdisk', 50]]),
      copyDocument('c1', 'westus2', 'Succeeded', [['osdisk', 100]]),
    );

    const run = await runProcess(node, [bin, 'watch', 'c1', '--url', api.url, '--interval', '0.1']);

    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: 'c1 westus2 Replicating 50% ETA 50m 00s | osdisk 50%\nc1 westus2 Succeeded 100%\n',
    });
    expect(run.stdout).not.toMatch(anyEscape);
  });
});

describe('watch in a pseudo-terminal', () => {
  const script = [
    copyDocument('c1', 'westus2', 'Queued'),
    copyDocument('c1', 'westus2', 'Replicating', [
      ['osdisk-vm1', 10],
      ['datadisk-vm1-0', 0],
    ]),
    copyDocument('c1', 'westus2', 'Replicating', [
      ['osdisk-vm1', 60],
      ['datadisk-vm1-0', 30],
    ]),
    copyDocument('c1', 'westus2', 'Succeeded', [
      ['osdisk-vm1', 100],
      ['datadisk-vm1-0', 100],
    ]),
  ];

  it('draws progress bars with percent and ETA, hiding the cursor and restoring it (script)', async () => {
    api.addCopy(...script);
    const command = `${node} ${bin} watch c1 --url ${api.url} --interval 0.1`;

    const run = await runProcess('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color' },
    });

    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('\u001b[?25l')).toBe(true);
    expect(run.stdout.trimEnd().endsWith('\u001b[?25h')).toBe(true);
    expect(run.stdout).toContain(`osdisk-vm1      ${'█'.repeat(24)}${'░'.repeat(16)}   60%  `);
    expect(run.stdout).toContain('ETA 55m 00s');
    expect(run.stdout).toContain(`datadisk-vm1-0  ${'█'.repeat(40)}  100%  `);
  });

  describe('tmux', () => {
    const socket = `rpcopy-cli-test-${process.pid}`;
    const tmux = (...args: string[]): Promise<ProcessRun> =>
      runProcess('tmux', ['-L', socket, '-f', '/dev/null', ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color' },
      });
    const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-t', 'watch')).stdout;

    afterAll(async () => {
      const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
      await tmux('kill-server');
      if (socketPath !== '') {
        rmSync(socketPath, { force: true });
      }
    });

    it('redraws one frame in place while the copy progresses, then leaves the final frame', async () => {
      api.addCopy(
        script[0] ?? copyDocument('c1', 'westus2', 'Queued'),
        script[2] ?? copyDocument('c1', 'westus2', 'Queued'),
      );
      const command = `${node} ${bin} watch c1 --url ${api.url} --interval 0.1; echo "exit code $?"; sleep 600`;

      const started = await tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'watch', command);
      // The frame's last line: once it shows, the whole frame has been drawn.
      const progressing = await waitFor(
        screen,
        (text) => text.includes('30%  Replicating'),
        'the bars at 60% and 30%',
      );

      expect(started.code).toBe(0);
      expect(progressing.trimEnd().split('\n')).toEqual([
        `rpcopy watch c1 · ${api.url}/api/ · Ctrl-C to stop`,
        '',
        'c1  rp-20261125-1700 → westus2  Replicating · 45% · ETA 55m 00s',
        `  osdisk-vm1      ${'█'.repeat(24)}${'░'.repeat(16)}   60%  Replicating`,
        `  datadisk-vm1-0  ${'█'.repeat(12)}${'░'.repeat(28)}   30%  Replicating`,
      ]);

      api.addCopy(script[3] ?? copyDocument('c1', 'westus2', 'Queued'));
      const ended = await waitFor(screen, (text) => text.includes('exit code'), 'watch to exit');

      expect(ended.trimEnd().split('\n')).toEqual([
        `rpcopy watch c1 · ${api.url}/api/ · Ctrl-C to stop`,
        '',
        'c1  rp-20261125-1700 → westus2  Succeeded · 100%',
        `  osdisk-vm1      ${'█'.repeat(40)}  100%  Succeeded`,
        `  datadisk-vm1-0  ${'█'.repeat(40)}  100%  Succeeded`,
        'exit code 0',
      ]);
    });

    it('restores the terminal and exits 130 on Ctrl-C', async () => {
      api.addCopy(script[2] ?? copyDocument('c1', 'westus2', 'Queued'));
      const command = `${node} ${bin} watch c1 --url ${api.url} --interval 0.1; echo "exit code $?"; sleep 600`;

      await tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'interrupt', command);
      await waitFor(
        async () => (await tmux('capture-pane', '-p', '-t', 'interrupt')).stdout,
        (text) => text.includes('30%  Replicating'),
        'the bars',
      );
      await tmux('send-keys', '-t', 'interrupt', 'C-c');
      const after = await waitFor(
        async () => (await tmux('capture-pane', '-p', '-t', 'interrupt')).stdout,
        (text) => text.includes('exit code'),
        'watch to stop',
      );
      const cursor = await tmux('display-message', '-p', '-t', 'interrupt', '#{cursor_flag}');

      const lines = after.trimEnd().split('\n');
      expect(lines.at(-1)).toBe('exit code 130');
      expect(lines.at(-2)).toMatch(/^(\^C)?$/);
      expect(lines.at(-3)).toBe(`  datadisk-vm1-0  ${'█'.repeat(12)}${'░'.repeat(28)}   30%  Replicating`);
      expect(cursor.stdout.trim()).toBe('1');
    });
  });
});
