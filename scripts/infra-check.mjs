// npm run infra:check: the real Bicep compiler on infra/, then tests on what it produces.
// 1. restores the Bicep CLI from NuGet (infra/tools/bicep.proj; needs the .NET SDK),
// 2. `bicep build` and `bicep lint`: any error or warning fails,
// 3. `bicep snapshot` of each test/infra/params/*.bicepparam: the resources ARM would deploy, evaluated,
// 4. vitest on test/infra/*.check.ts, which reads the compiled template and the snapshots.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.tmp', 'infra');
const started = Date.now();

function fail(message) {
  process.stderr.write(`infra:check: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  if (result.error) {
    return { status: -1, output: String(result.error.message) };
  }
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

const dotnet = run('dotnet', ['--version']);
if (dotnet.status !== 0) {
  fail(
    'the .NET SDK (`dotnet`) is not installed, and the Bicep compiler comes from NuGet through it.\n' +
      'Install the .NET SDK (8 or newer), then run `npm run infra:check` again. `npm test` does not need it.',
  );
}

const project = join(root, 'infra', 'tools', 'bicep.proj');
const restore = run('dotnet', ['restore', project, '--nologo', '--verbosity', 'quiet']);
if (restore.status !== 0) {
  fail(`dotnet restore ${project} failed:\n${restore.output}`);
}
const version = /Azure\.Bicep\.CommandLine\.linux-x64" Version="\[([^\]]+)\]"/.exec(
  readFileSync(project, 'utf8'),
)?.[1];
const bicep = join(
  root,
  'infra',
  'tools',
  '.packages',
  'azure.bicep.commandline.linux-x64',
  version ?? '?',
  'tools',
  'bicep',
);
if (version === undefined || !existsSync(bicep)) {
  fail(`the Bicep CLI is not at ${bicep} after the restore`);
}
process.stdout.write(`${run(bicep, ['--version']).output.trim()}\n`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Runs bicep; any diagnostic (warning or error) fails, as does a non-zero exit. */
function bicepClean(args, what) {
  const result = run(bicep, args);
  const diagnostics = result.output.split('\n').filter((line) => /: (Warning|Error) /.test(line));
  if (result.status !== 0 || diagnostics.length > 0) {
    fail(`${what} is not clean:\n${result.output}`);
  }
  process.stdout.write(`ok: ${what}\n`);
}

bicepClean(
  ['build', join(root, 'infra', 'main.bicep'), '--outfile', join(out, 'main.json')],
  'bicep build infra/main.bicep',
);
bicepClean(['lint', '--pattern', join(root, 'infra', '**', '*.bicep')], 'bicep lint infra/**/*.bicep');

// Fixed ids so the snapshots name the same resources on every machine.
const deploymentScope = [
  '--tenant-id',
  '00000000-0000-0000-0000-0000000000aa',
  '--subscription-id',
  '00000000-0000-0000-0000-00000000c0de',
  '--location',
  'eastus2',
  '--deployment-name',
  'rpcopy-check',
];
const params = join(root, 'test', 'infra', 'params');
for (const file of readdirSync(params).filter((name) => name.endsWith('.bicepparam'))) {
  const snapshot = join(params, file.replace(/\.bicepparam$/, '.snapshot.json'));
  rmSync(snapshot, { force: true });
  bicepClean(['snapshot', join(params, file), ...deploymentScope], `bicep snapshot ${file}`);
  renameSync(snapshot, join(out, file.replace(/\.bicepparam$/, '.snapshot.json')));
}

const vitest = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--config',
    join(root, 'test', 'infra', 'vitest.checks.config.mjs'),
    'test/infra/armTemplate.check.ts',
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RPCOPY_BICEP: bicep, RPCOPY_BICEP_SCOPE: deploymentScope.join(' ') },
  },
);
if (vitest.status !== 0) {
  fail('the tests on the compiled template failed');
}
process.stdout.write(`infra:check passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
