// Builds the deployment package: the compiled app (dist/src without the CLI), host.json, package.json and
// production dependencies, nothing else. Writes .package/app/ (what azd deploys, azure.yaml `dist`) and
// .package/rpcopy.zip (for a zip deploy without azd, docs/deploy-manual.md).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.package');
const app = join(out, 'app');
const zipFile = join(out, 'rpcopy.zip');

function run(command, args, cwd = root) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

if (!existsSync(join(root, 'node_modules', '.bin', 'tsc'))) {
  throw new Error('npm run package: run `npm ci` first (the build needs the dev dependencies)');
}
rmSync(out, { recursive: true, force: true });
mkdirSync(app, { recursive: true });

// Only the app project: the CLI, dev/ and bench/ build separately (tsconfig.build.json).
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.app.json', '--outDir', join(app, 'dist')]);

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The package runs the app only: no scripts, no CLI entry, no dev tooling.
const deployed = {
  name: manifest.name,
  version: manifest.version,
  description: manifest.description,
  private: true,
  license: manifest.license,
  main: manifest.main,
  engines: manifest.engines,
  dependencies: manifest.dependencies,
};
writeFileSync(join(app, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
cpSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
cpSync(join(root, 'host.json'), join(app, 'host.json'));
run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], app);
// The lock file lists dev dependencies too; the package needs none of it once installed.
rmSync(join(app, 'package-lock.json'));
rmSync(join(app, 'node_modules', '.package-lock.json'), { force: true });

if (!existsSync('/usr/bin/zip') && !existsSync('/bin/zip')) {
  throw new Error('npm run package: the `zip` command is missing (apt-get install zip)');
}
run('zip', ['-q', '-r', '-X', zipFile, '.'], app);
process.stdout.write(`${zipFile}\n`);
