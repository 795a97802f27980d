import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE as HOST_USAGE } from '../../dev/host/cliArgs';
import { parseStackArgs, showsSummary } from '../../dev/stack/args';

/** What a new user pastes from the docs and the dev host's README. */

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const deployManual = readFileSync(join(root, 'docs', 'deploy-manual.md'), 'utf8');

/** The first `sh` block after `<!-- marker -->`, without the indentation of a list item. */
function shellBlockAfter(text: string, marker: string): string {
  const start = text.indexOf(`<!-- ${marker} -->`);
  const block = /^( *)```sh\n([\s\S]*?)^ *```/m.exec(text.slice(start));
  if (start < 0 || block === null) {
    throw new Error(`no sh block after <!-- ${marker} -->`);
  }
  const indent = block[1] ?? '';
  return (block[2] ?? '')
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
}

describe('README.md and docs/deploy-manual.md', () => {
  it('gives the az eventgrid command as one command a shell runs whole', () => {
    const block = shellBlockAfter(deployManual, 'az-eventgrid');
    // `az` stands in for the Azure CLI: it prints the arguments the shell passed it, one per line.
    const args = execFileSync('bash', ['-c', `az() { printf '%s\\n' "$@"; }\n${block}`], {
      encoding: 'utf8',
    })
      .trimEnd()
      .split('\n');

    expect(args).toEqual([
      'eventgrid',
      'event-subscription',
      'create',
      '--source-resource-id',
      '/subscriptions/<sub>',
      '--name',
      'rpcopy',
      '--endpoint-type',
      'azurefunction',
      '--endpoint',
      '<function app id>/functions/startCopyEventGrid',
      '--included-event-types',
      'Microsoft.Resources.ResourceWriteSuccess',
      '--advanced-filter',
      'data.operationName',
      'StringIn',
      'Microsoft.Compute/restorePointCollections/restorePoints/write',
    ]);
  });

  it('runs the stack in the background recipe so that it never draws over the shell', () => {
    const block = shellBlockAfter(readme, 'background-recipe');
    const start = block.split('\n')[0] ?? '';
    const match = /^npm start -- (.*?) > (\S+) 2>&1 &$/.exec(start);
    const parsed = parseStackArgs(match?.[1]?.split(' ') ?? []);

    expect(match?.[2]).toBe('stack.log');
    expect(parsed.kind === 'run' && showsSummary(parsed.args, { stdout: true, stdin: true })).toBe(false);
    expect(() => execFileSync('bash', ['-n', '-c', block])).not.toThrow();
  });

  it('states the Node.js version package.json requires', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };

    expect(manifest.engines.node).toBe('>=22.12');
    expect(readme).toContain('Requirements: Node.js 22 (22.12 or newer');
    expect(readme).not.toMatch(/any recent version/i);
  });

  it('installs the CLI with the command test/cli/install.test.ts runs, and never tells to npx it outside the clone', () => {
    expect(readme).toContain('npm install && npm run build && npm install -g .\nrpcopy --help\n');
    expect(readme).toContain('Outside the clone, do not use `npx rpcopy`');
  });
});

describe('dev/host/README.md', () => {
  it('describes every flag of `npm run host`', () => {
    const hostReadme = readFileSync(join(root, 'dev', 'host', 'README.md'), 'utf8');
    const flags = [...new Set(HOST_USAGE.match(/--[a-z-]+/g))];

    expect(flags.length).toBeGreaterThan(8);
    expect(flags.filter((flag) => !hostReadme.includes(`\`${flag}`))).toEqual([]);
  });
});
