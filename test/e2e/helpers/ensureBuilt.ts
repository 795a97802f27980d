import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/** The repository root: the dev host loads the app from here (package.json `main` → dist/src/functions). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

const LOCK_DIR = join(REPO_ROOT, '.tmp', 'e2e-build.lock');
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Sources whose compiled file is missing or older than the source. */
export function staleSources(): string[] {
  return ['src', 'dev'].flatMap((folder) =>
    tsFiles(join(REPO_ROOT, folder)).filter((source) => {
      const compiled = join(REPO_ROOT, 'dist', relative(REPO_ROOT, source)).replace(/\.ts$/, '.js');
      return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs;
    }),
  );
}

/** Takes the build lock (waiting for another holder); `release` must be called. */
export async function holdBuildLock(): Promise<{ release(): void }> {
  while (!tryLock()) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { release: () => rmSync(LOCK_DIR, { recursive: true, force: true }) };
}

/** Waits while something rebuilds dist/, so an app is never loaded from half-written files. */
export async function whileNotBuilding(): Promise<void> {
  while (lockAgeMs() <= STALE_LOCK_MS) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** How long the lock has been held; infinite when nobody holds it. */
function lockAgeMs(): number {
  try {
    return Date.now() - statSync(LOCK_DIR).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function tryLock(): boolean {
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  try {
    mkdirSync(LOCK_DIR);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
    if (Date.now() - statSync(LOCK_DIR).mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
    return false;
  }
}

/**
 * Runs `npm run build` when dist/ is older than the sources, so an e2e file also works when run on its own
 * (`npm test` builds in `pretest`). Test files run in parallel, so one builds while the others wait.
 */
export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (staleSources().length === 0) {
      return;
    }
    if (tryLock()) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    if (staleSources().length === 0) {
      return;
    }
    await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: unknown) => {
        // tsc emits despite type errors; those are the type check's to report, not a reason to skip the run.
        const stale = staleSources();
        if (stale.length === 0) {
          return;
        }
        const output = error as { stdout?: string; stderr?: string };
        throw new Error(
          `npm run build failed and left ${stale.length} files uncompiled:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
        );
      },
    );
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}
