import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

describe('azure.yaml', () => {
  const project = parse(read('azure.yaml')) as {
    infra: { path: string; module: string };
    services: Record<string, { dist: string; host: string }>;
  };

  it("is valid against azd's published schema (infra/schema/azure.yaml.json)", () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The schema refers to the schemas of azd's AI extensions (draft-07), kept beside it under their URLs.
    ajv.addMetaSchema(draft07);
    const extensions = 'infra/schema/extensions';
    for (const file of readdirSync(join(ROOT, extensions), { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith('.json')) {
        const url = `https://raw.githubusercontent.com/Azure/azure-dev/main/cli/azd/extensions/${file}`;
        ajv.addSchema(JSON.parse(read(`${extensions}/${file}`)) as object, url);
      }
    }
    const validate = ajv.compile(JSON.parse(read('infra/schema/azure.yaml.json')) as object);
    expect(validate(project) ? [] : validate.errors).toEqual([]);
  });

  it('names the Bicep module, and a service deployed from the package that npm run package writes', () => {
    expect(read(`${project.infra.path}/${project.infra.module}.bicep`)).toMatch(
      /^targetScope = 'subscription'$/m,
    );
    expect(project.services.rpcopy).toMatchObject({ host: 'function', dist: '.package/app' });
    expect(read('scripts/package.mjs')).toContain("join(out, 'app')");
  });

  it('maps only parameters that infra/main.bicep declares, and every one it requires', () => {
    const bicep = read('infra/main.bicep');
    const declared = [...bicep.matchAll(/^param (\w+) [^=\n]+?( = .*)?$/gm)].map((m) => ({
      name: m[1] ?? '',
      required: m[2] === undefined,
    }));
    const mapped = Object.keys(
      (JSON.parse(read('infra/main.parameters.json')) as { parameters: object }).parameters,
    );
    expect(mapped.filter((name) => !declared.some((param) => param.name === name))).toEqual([]);
    expect(declared.filter((param) => param.required && !mapped.includes(param.name))).toEqual([]);
  });
});
