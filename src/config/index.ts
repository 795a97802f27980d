import type { NamingTemplates } from '../domain/targetNaming';
import { ConfigError } from '../errors';
import type { AppConfig } from './appConfig';
import type { LoadConfigOptions } from './connections';
import { parseCopySettings } from './copySettings';
import { parseArm, parseEventGrid, parsePublicBaseUrl } from './connections';
import { parsePolicy, parseSubscriptions } from './policy';
import { parseProtection } from './protection';
import type { Env } from './reader';
import { Reader, parseSchedule, parseTemplate } from './reader';
import { DEFAULTS, SETTINGS } from './settings';

export type { AppConfig, EventGridConfig } from './appConfig';
export type { LoadConfigOptions } from './connections';
export type { Env } from './reader';
export { DEFAULTS, SETTINGS } from './settings';

/** Reads only the protection sweep's schedule, for registering its timer before the rest of the config. */
export function readProtectionSchedule(env: Env = process.env): string {
  const reader = new Reader(env);
  const schedule = parseSchedule(reader, SETTINGS.protectionSchedule, DEFAULTS.protectionSchedule);
  return reader.problems.length === 0 ? schedule : DEFAULTS.protectionSchedule;
}

/** Reads only the reconciliation schedule, for registering the timer before the rest of the config is read. */
export function readReconcileSchedule(env: Env = process.env): string {
  const reader = new Reader(env);
  const schedule = parseSchedule(reader);
  return reader.problems.length === 0 ? schedule : DEFAULTS.reconcileSchedule;
}

/**
 * Reads and checks every setting.
 *
 * @returns a frozen configuration.
 * @throws ConfigError listing every missing or invalid setting at once.
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): AppConfig {
  const reader = new Reader(env);
  const allowedSubscriptions = parseSubscriptions(reader);
  const rules = parsePolicy(reader, allowedSubscriptions);
  const naming: NamingTemplates = {
    resourceGroup: parseTemplate(reader, SETTINGS.targetResourceGroup, DEFAULTS.targetResourceGroup),
    collection: parseTemplate(reader, SETTINGS.targetCollectionName, DEFAULTS.targetCollectionName),
    restorePoint: parseTemplate(reader, SETTINGS.targetRestorePointName, DEFAULTS.targetRestorePointName),
  };
  const copy = parseCopySettings(reader);
  const config: AppConfig = {
    arm: parseArm(reader, options),
    eventGrid: parseEventGrid(reader),
    policy: { allowedSubscriptions, rules },
    naming,
    copy,
    reconcileSchedule: parseSchedule(reader),
    protection: parseProtection(reader),
    protectionSchedule: parseSchedule(reader, SETTINGS.protectionSchedule, DEFAULTS.protectionSchedule),
  };
  const publicBaseUrl = parsePublicBaseUrl(reader);
  if (publicBaseUrl !== undefined) {
    config.publicBaseUrl = publicBaseUrl;
  }
  if (reader.problems.length > 0) {
    throw new ConfigError(reader.problems);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
