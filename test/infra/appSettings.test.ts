import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config';
import { requiredBySrcConfig, settingNameProblems } from './appSettingsRules';

/** Setting names in infra/appSettings.bicep: the keys of the objects its functions return. */
function bicepSettingNames(): { base: string[]; scheduler: string[] } {
  const text = readFileSync(join(__dirname, '..', '..', 'infra', 'appSettings.bicep'), 'utf8');
  const bodies = text.split(/^func /m).slice(1);
  const keysOf = (body: string): string[] =>
    [...body.matchAll(/^ {2}'?([A-Za-z_][A-Za-z0-9_]*)'?: /gm)].map((match) => match[1] ?? '');
  const byName = Object.fromEntries(bodies.map((body) => [body.slice(0, body.indexOf('(')), keysOf(body)]));
  return { base: byName.baseSettings ?? [], scheduler: byName.durableTaskSchedulerSettings ?? [] };
}

describe('the app settings the Bicep sets (infra/appSettings.bicep)', () => {
  const { base, scheduler } = bicepSettingNames();

  it('finds the settings of both functions', () => {
    expect(base).toContain(SETTINGS.allowedSubscriptions);
    expect(scheduler).toContain('DURABLE_TASK_SCHEDULER_CONNECTION_STRING');
  });

  it('src/config.ts still reports RPCOPY_ALLOWED_SUBSCRIPTIONS as required (the rule below reads that)', () => {
    expect(requiredBySrcConfig()).toEqual([SETTINGS.allowedSubscriptions]);
  });

  it.each([
    ['Azure Storage backend', () => base],
    ['Durable Task Scheduler backend', () => [...base, ...scheduler]],
  ])('with the %s: every setting is one something reads, and every required one is set', (_, names) => {
    expect(settingNameProblems(names())).toEqual([]);
  });

  it('would catch a setting nothing reads and a required one missing', () => {
    expect(
      settingNameProblems([...base.filter((n) => n !== SETTINGS.allowedSubscriptions), 'RPCOPY_TYPO']),
    ).toEqual(['RPCOPY_TYPO is read by nothing', 'RPCOPY_ALLOWED_SUBSCRIPTIONS is required but not set']);
  });
});
