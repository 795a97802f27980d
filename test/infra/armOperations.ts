import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * The ARM operations the app performs in the end-to-end tests, recorded from the Compute simulator's request
 * log, and the custom role's actions (infra/role-actions.json) they are held to.
 */

const REPO_ROOT = join(__dirname, '..', '..');
export const RECORDINGS_DIR = join(REPO_ROOT, '.tmp', 'arm-operations');
export const ROLE_ACTIONS_FILE = join(REPO_ROOT, 'infra', 'role-actions.json');

export interface ArmOperation {
  method: string;
  path: string;
}

/** Called once per test run, before any test: a recording belongs to the run that made it. */
export function clearRecordings(): void {
  rmSync(RECORDINGS_DIR, { recursive: true, force: true });
}

/** Keeps the ARM requests the app made (the stack's own, tagged with a client, are not the app's). */
export function recordAppOperations(log: readonly { method: string; path: string; client?: string }[]): void {
  const operations = log
    .filter((entry) => entry.client === undefined)
    .map((entry) => ({ method: entry.method, path: entry.path }));
  mkdirSync(RECORDINGS_DIR, { recursive: true });
  writeFileSync(join(RECORDINGS_DIR, `${randomUUID()}.json`), JSON.stringify(operations));
}

export function readRecordings(): { stacks: number; operations: ArmOperation[] } {
  let files: string[] = [];
  try {
    files = readdirSync(RECORDINGS_DIR).filter((name) => name.endsWith('.json'));
  } catch {
    // No end-to-end stack ran in this test run.
  }
  return {
    stacks: files.length,
    operations: files.flatMap(
      (name) => JSON.parse(readFileSync(join(RECORDINGS_DIR, name), 'utf8')) as ArmOperation[],
    ),
  };
}

export function roleActions(): string[] {
  return (JSON.parse(readFileSync(ROLE_ACTIONS_FILE, 'utf8')) as { actions: string[] }).actions;
}

const VERB: Readonly<Record<string, string>> = {
  GET: 'read',
  HEAD: 'read',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'delete',
};

/**
 * The RBAC action an ARM request needs: the resource type from the path (after the last `providers`), then
 * read, write, delete or, for a POST, `{action}/action`. Undefined for a path that is not an ARM resource.
 */
export function actionOf(operation: ArmOperation): string | undefined {
  const segments = operation.path.split('/').filter((segment) => segment !== '');
  if (segments[0]?.toLowerCase() !== 'subscriptions') {
    return undefined;
  }
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const method = operation.method.toUpperCase();
  let namespace: string;
  let rest: string[];
  if (providers === -1) {
    // /subscriptions/{id}[/resourceGroups/{name}]
    namespace = 'Microsoft.Resources';
    rest = segments;
  } else {
    namespace = segments[providers + 1] ?? '';
    rest = segments.slice(providers + 2);
  }
  // rest alternates type and name; a POST names its action last (…/{type}/{name}/{action}).
  const typesOf = (parts: string[]): string[] => parts.filter((_, index) => index % 2 === 0);
  if (method === 'POST') {
    return [namespace, ...typesOf(rest.slice(0, -1)), rest.at(-1), 'action'].join('/');
  }
  const verb = VERB[method];
  return verb === undefined ? undefined : [namespace, ...typesOf(rest), verb].join('/');
}

/** Whether a role action (ARM actions are case-insensitive and may end in `*`) grants `action`. */
export function grants(roleAction: string, action: string): boolean {
  const pattern = roleAction.toLowerCase();
  const wanted = action.toLowerCase();
  return pattern.endsWith('*') ? wanted.startsWith(pattern.slice(0, -1)) : pattern === wanted;
}
