import type { ProtectionSettings } from '../domain/protectionPolicy';
import { parseRpoText } from '../domain/protectionPolicy';
import type { Reader } from './reader';
import { DEFAULTS, SETTINGS } from './settings';

export function parseProtection(reader: Reader): ProtectionSettings {
  const rpoText = reader.optional(SETTINGS.defaultRpoHours);
  let defaultRpoHours: number | null = DEFAULTS.defaultRpoHours;
  if (rpoText !== undefined) {
    const parsed = parseRpoText(rpoText);
    if (parsed.ok) {
      defaultRpoHours = parsed.value;
    } else {
      reader.problems.push(`${SETTINGS.defaultRpoHours} ${parsed.message}`);
    }
  }
  const dryRunText = reader.optional(SETTINGS.retentionDryRun)?.toLowerCase();
  if (dryRunText !== undefined && dryRunText !== 'true' && dryRunText !== 'false') {
    reader.problems.push(`${SETTINGS.retentionDryRun} must be 'true' or 'false', got '${dryRunText}'`);
  }
  return {
    defaultRpoHours,
    atRiskPercent: reader.number(SETTINGS.rpoAtRiskPercent, DEFAULTS.rpoAtRiskPercent, { min: 1, max: 100 }),
    retentionDryRun: dryRunText === undefined ? DEFAULTS.retentionDryRun : dryRunText === 'true',
  };
}
