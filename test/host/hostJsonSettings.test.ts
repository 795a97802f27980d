import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadFunctionApp } from '../../dev/host/worker';

const dirs: string[] = [];

function appWithHubName(hubName: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rpcopy-hubname-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), '');
  fs.writeFileSync(
    path.join(dir, 'host.json'),
    JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName } } }),
  );
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('host.json app setting references', () => {
  it('resolves %Name% in the hub name from the app settings, as the extension does', async () => {
    const app = await loadFunctionApp({
      appDir: appWithHubName('%CONFORMANCE_TEST_HUB%x'),
      settings: { CONFORMANCE_TEST_HUB: 'fromSetting' },
      log: () => undefined,
    });

    expect(app.hostJson.hubName).toBe('fromSettingx');
  });

  it('fails the load, naming the setting, when it is not set', async () => {
    delete process.env.CONFORMANCE_TEST_MISSING_HUB;

    await expect(
      loadFunctionApp({ appDir: appWithHubName('%CONFORMANCE_TEST_MISSING_HUB%'), log: () => undefined }),
    ).rejects.toThrow(
      "host.json hubName refers to the app setting 'CONFORMANCE_TEST_MISSING_HUB', which is not set",
    );
  });
});
