import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';

import { FIXTURES_DIR } from '../support/fixtures';

const EXTRACT = path.join(FIXTURES_DIR, '2026-04-01/ComputeRP.restorePoints.extract.json');

/**
 * The extract's definitions, made strict: a `$ref` that leaves the extract (common-types, HardwareProfile,
 * OSProfile, ManagedDiskParameters, …) becomes `{}`, and every object definition rejects properties it does
 * not declare, so an invented or misspelt field fails. The ARM envelope (`ProxyResource`, `TrackedResource`,
 * `SubResource`), which the extract references but does not contain, is declared here.
 */
function strictDefinitions(): Record<string, unknown> {
  const extract = JSON.parse(readFileSync(EXTRACT, 'utf8')) as {
    definitions: Record<string, Record<string, unknown>>;
  };
  const names = new Set(Object.keys(extract.definitions));
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(rewrite);
    }
    if (typeof node !== 'object' || node === null) {
      return node;
    }
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string') {
      const local = /^#\/definitions\/(.+)$/.exec(record.$ref)?.[1];
      return local && names.has(local) ? { $ref: record.$ref } : {};
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, rewrite(v)]));
  };
  const envelope: Record<string, Record<string, unknown>> = {
    RestorePoint: { id: {}, name: {}, type: {}, systemData: {} },
    RestorePointCollection: { id: {}, name: {}, type: {}, systemData: {}, location: {}, tags: {} },
    RestorePointCollectionUpdate: { tags: {} },
    DiskRestorePointAttributes: { id: {} },
    DiskEncryptionSetParameters: { id: {} },
  };
  return Object.fromEntries(
    Object.entries(extract.definitions).map(([name, definition]) => {
      const strict = rewrite(definition) as Record<string, unknown>;
      if (strict.type === 'object') {
        strict.properties = { ...(strict.properties as object | undefined), ...envelope[name] };
        strict.additionalProperties = false;
      }
      return [name, strict];
    }),
  );
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
});
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat('uri', /^https?:\/\//);
ajv.addSchema({ $id: 'compute', definitions: strictDefinitions() });

/** Schema errors of `body` against a 2026-04-01 definition; empty when it conforms. */
export function schemaErrors(definition: string, body: unknown): string[] {
  const validate = ajv.getSchema(`compute#/definitions/${definition}`);
  if (!validate) {
    throw new Error(`no definition ${definition}`);
  }
  return validate(body)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
