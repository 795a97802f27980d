import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from './repoRoot';

/** Azurite's well-known development account; public, documented, not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const HARNESS_DIR = path.join(REPO_ROOT, 'conformance/real-durable/harness');

export function hasDotnet(): boolean {
  const probe = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A process the harness needs never got ready (it died first, or was too slow): a failure of the machine,
 * not a difference between engines, so the scenario is worth one more try.
 */
export class StartFailure extends Error {}

/** Waits for a line on a child's stdout matching `pattern`, or fails when the child exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new StartFailure(`${what} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      if (pattern.test(buffer)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
      if (buffer.length > 100_000) {
        buffer = buffer.slice(-10_000);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new StartFailure(`${what} exited with ${String(code)} before it was ready:\n${buffer.slice(-4000)}`),
      );
    });
  });
}

export interface Azurite {
  connectionString: string;
  close(): Promise<void>;
}

/** Azurite in memory (not combinable with --location), on free ports. */
export async function startAzurite(log: (line: string) => void): Promise<Azurite> {
  const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
  const bin = path.join(REPO_ROOT, 'node_modules/azurite/dist/src/azurite.js');
  const child = spawn(
    process.execPath,
    [
      bin,
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--silent',
      '--blobHost=127.0.0.1',
      `--blobPort=${blob}`,
      '--queueHost=127.0.0.1',
      `--queuePort=${queue}`,
      '--tableHost=127.0.0.1',
      `--tablePort=${table}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => log(`azurite: ${chunk.toString('utf8').trimEnd()}`));
  killOnExit(child);
  await waitForLine(child, /Table service is successfully listening/, 'Azurite', 60_000);
  const endpoint = (port: number): string => `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${endpoint(blob)};QueueEndpoint=${endpoint(queue)};TableEndpoint=${endpoint(table)};`,
    close: () => stopChild(child),
  };
}

/** A run that dies (an uncaught error) must not leave Azurite or the harness behind. */
function killOnExit(child: ChildProcess): void {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Builds the harness with the generated stubs; dotnet's incremental build makes a rebuild cheap. */
export function buildHarness(stubsSource: string, log: (line: string) => void): string {
  fs.writeFileSync(path.join(HARNESS_DIR, 'Stubs.g.cs'), stubsSource);
  // No build servers: nothing of the build may outlive the run.
  const args = ['build', '-c', 'Release', '--nologo', '-v', 'q', '-o', 'bin/out', '-nodeReuse:false'];
  const result = spawnSync('dotnet', [...args, '-p:UseSharedCompilation=false'], {
    cwd: HARNESS_DIR,
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  if (result.status !== 0) {
    log(result.stdout);
    log(result.stderr);
    throw new Error('dotnet build of the harness failed');
  }
  return path.join(HARNESS_DIR, 'bin/out/RealDurableHarness.dll');
}

export interface Harness {
  controlUrl: string;
  call(functionName: string, trigger: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface StartHarnessOptions {
  dll: string;
  appClass: string;
  hostJson: string;
  bridgeUrl: string;
  connectionString: string;
  settings: Record<string, string>;
  log: (line: string) => void;
}

export async function startHarness(options: StartHarnessOptions): Promise<Harness> {
  const controlPort = await freePort();
  const child = spawn('dotnet', [options.dll], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.settings,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      HARNESS_APP_CLASS: options.appClass,
      HARNESS_HOST_JSON: options.hostJson,
      HARNESS_CONTROL_PORT: String(controlPort),
      HARNESS_BRIDGE_URL: options.bridgeUrl,
      AzureWebJobsStorage: options.connectionString,
      FUNCTIONS_WORKER_RUNTIME: 'node',
    },
  });
  child.stderr?.on('data', (chunk: Buffer) => options.log(`harness: ${chunk.toString('utf8').trimEnd()}`));
  killOnExit(child);
  child.stdout?.on('data', (chunk: Buffer) => options.log(`harness: ${chunk.toString('utf8').trimEnd()}`));
  await waitForLine(child, /HARNESS READY/, 'The .NET harness', 120_000).catch(async (error: unknown) => {
    // A harness too slow to get ready is stopped, so a retry does not run beside it.
    await stopChild(child);
    throw error;
  });
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  return {
    controlUrl,
    async call(functionName, trigger) {
      const response = await fetch(`${controlUrl}/call/${encodeURIComponent(functionName)}`, {
        method: 'POST',
        body: JSON.stringify(trigger),
      });
      const text = await response.text();
      if (!response.ok) {
        throw new Error(`Harness call ${functionName} answered ${response.status}: ${text}`);
      }
      return JSON.parse(text) as unknown;
    },
    async close() {
      child.stdin?.end();
      await stopChild(child, 30_000);
    },
  };
}

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
