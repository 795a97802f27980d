import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevHost, type DevHost } from '../../dev/host';
import { callFunctionApi } from '../support/functionApi';

/**
 * The deployment package (npm run package, .package/rpcopy.zip) holds only what runs, and runs: unpacked
 * alone, the dev host loads it and its HTTP API answers. Run by `npm run test:package`, which builds it first.
 */
const ROOT = join(__dirname, '..', '..');
const ZIP = join(ROOT, '.package', 'rpcopy.zip');

describe('the deployment package', () => {
  let dir = '';
  let host: DevHost | undefined;

  beforeAll(() => {
    expect(existsSync(ZIP), 'run npm run package first (npm run test:package does)').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'rpcopy-package-'));
    execFileSync('unzip', ['-q', ZIP, '-d', dir]);
  });

  afterAll(async () => {
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the compiled app, host.json, package.json and production dependencies, nothing else', () => {
    expect(readdirSync(dir).sort()).toEqual(['dist', 'host.json', 'node_modules', 'package.json']);
    expect(readdirSync(join(dir, 'dist'))).toEqual(['src']);
    expect(existsSync(join(dir, 'dist', 'src', 'cli'))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'src', 'functions', 'copiesHttp.js'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const deployed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(deployed.dependencies).toEqual(manifest.dependencies);
    expect(deployed).not.toHaveProperty('devDependencies');
    expect(deployed).not.toHaveProperty('scripts');
    const installedDevDependencies = Object.keys(manifest.devDependencies).filter((name) =>
      existsSync(join(dir, 'node_modules', name)),
    );
    expect(installedDevDependencies).toEqual([]);
  });

  it('runs on the dev host and answers its HTTP API', async () => {
    host = await startDevHost({
      appDir: dir,
      log: () => undefined,
      settings: { RPCOPY_ALLOWED_SUBSCRIPTIONS: '00000000-0000-0000-0000-00000000c0de' },
    });
    const list = await callFunctionApi(`${host.baseUrl}/api/copies`, host.functionKey, 'GET');
    expect(list).toEqual({ status: 200, body: { copies: [], continuationToken: null, nextLink: null } });
    const refused = await callFunctionApi(`${host.baseUrl}/api/copies`, host.functionKey, 'POST', {});
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: expect.any(String) as string } });
    // The dashboard page is bundled into the package (scripts/build-dashboard.mjs), not only into dist/.
    const dashboard = await fetch(`${host.baseUrl}/api/dashboard`);
    expect([dashboard.status, dashboard.headers.get('content-type')]).toEqual([
      200,
      'text/html; charset=utf-8',
    ]);
    expect(await dashboard.text()).toContain('<main id="app">');
  });
});
