import fs from 'node:fs';
import path from 'node:path';

/** The parts of host.json the dev host honours. */
export interface HostJsonSettings {
  routePrefix: string;
  hubName: string;
  /** The raw `extensions.durableTask` object, for the durable side. */
  durableTask: Record<string, unknown>;
  /** The whole parsed host.json (empty when the app has none). */
  raw: Record<string, unknown>;
}

/** Thrown for an app directory the host cannot load; the CLI turns it into exit code 1. */
export class AppLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppLoadError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJsonFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    // host.json and local.settings.json are routinely saved with a BOM by editors on Windows.
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    throw new AppLoadError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Replaces `%Name%` with the app setting, as the extension's name resolver does for the hub name; a missing
 * setting fails the load with its name rather than becoming a hub called `%Name%`.
 */
function resolveAppSettings(text: string, what: string): string {
  return text.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = process.env[name];
    if (value === undefined) {
      throw new AppLoadError(`host.json ${what} refers to the app setting '${name}', which is not set`);
    }
    return value;
  });
}

/** Reads host.json; absent means defaults, as for the real host's generated file. App settings must be applied. */
export function readHostJson(appDir: string): HostJsonSettings {
  const file = path.join(appDir, 'host.json');
  const raw = fs.existsSync(file) ? readJsonFile(file) : {};
  if (!isRecord(raw)) {
    throw new AppLoadError(`${file} must contain a JSON object`);
  }
  const extensions = isRecord(raw.extensions) ? raw.extensions : {};
  const http = isRecord(extensions.http) ? extensions.http : {};
  const durableTask = isRecord(extensions.durableTask) ? extensions.durableTask : {};
  const routePrefix = typeof http.routePrefix === 'string' ? http.routePrefix : 'api';
  const hubName =
    typeof durableTask.hubName === 'string'
      ? resolveAppSettings(durableTask.hubName, 'hubName')
      : 'TestHubName';
  return { routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''), hubName, durableTask, raw };
}

/**
 * Applies `local.settings.json` `Values` to process.env, leaving variables that are already set alone
 * (as Core Tools does), then `overrides`, which always win. Returns the names it set.
 */
export function applySettings(appDir: string, overrides: Record<string, string> = {}): string[] {
  const applied: string[] = [];
  const file = path.join(appDir, 'local.settings.json');
  if (fs.existsSync(file)) {
    const parsed = readJsonFile(file);
    const values = isRecord(parsed) && isRecord(parsed.Values) ? parsed.Values : {};
    for (const [name, value] of Object.entries(values)) {
      if (process.env[name] !== undefined) {
        continue;
      }
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        continue;
      }
      process.env[name] = String(value);
      applied.push(name);
    }
  }
  for (const [name, value] of Object.entries(overrides)) {
    process.env[name] = value;
    applied.push(name);
  }
  return applied;
}

/** The entry files named by package.json `main` (a path or a glob), in a stable order, as absolute paths. */
export function resolveEntryPoints(appDir: string): string[] {
  const packageFile = path.join(appDir, 'package.json');
  if (!fs.existsSync(packageFile)) {
    throw new AppLoadError(`No package.json in ${appDir}: the app's entry point is its "main" field`);
  }
  const pkg = readJsonFile(packageFile);
  const main = isRecord(pkg) ? pkg.main : undefined;
  if (main === undefined) {
    // The worker then falls back to index.js, as Node itself does.
    const fallback = path.join(appDir, 'index.js');
    if (fs.existsSync(fallback)) {
      return [fallback];
    }
    throw new AppLoadError(`${packageFile} has no "main" field and there is no index.js`);
  }
  if (typeof main !== 'string' || main.trim() === '') {
    throw new AppLoadError(`${packageFile} "main" must be a non-empty string, got ${JSON.stringify(main)}`);
  }
  const matches = fs
    .globSync(main, { cwd: appDir })
    .map((file) => path.resolve(appDir, file))
    .filter((file) => fs.statSync(file).isFile())
    .sort();
  if (matches.length === 0) {
    throw new AppLoadError(
      `package.json "main" is "${main}", which matches no files under ${appDir}` +
        (main.includes('dist') ? ' (has the app been built?)' : ''),
    );
  }
  return matches;
}
