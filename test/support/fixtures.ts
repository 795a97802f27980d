import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Fixtures copied into the repository (see test/fixtures/SOURCES.md). */
export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/azure-specs');

/** A subscription id to put where the examples say `{subscription-id}`. */
export const FIXTURE_SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

/** Reads a fixture, replacing `{subscription-id}` (and any extra placeholders) with real values. */
export function readFixture(relativePath: string, replacements: Record<string, string> = {}): unknown {
  let text = readFileSync(path.join(FIXTURES_DIR, relativePath), 'utf8');
  for (const [from, to] of Object.entries({ '{subscription-id}': FIXTURE_SUBSCRIPTION, ...replacements })) {
    text = text.split(from).join(to);
  }
  return JSON.parse(text) as unknown;
}

export interface ExampleFile {
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: unknown; headers?: Record<string, string> }>;
}

export function readExample(relativePath: string): ExampleFile {
  return readFixture(relativePath) as ExampleFile;
}
