import { readFileSync } from 'node:fs';

import type { ArmConnection } from './azure/computeClient';
import type { CopySettings } from './domain/copyContracts';
import { isSubscriptionId } from './domain/armIds';
import type { CopyPolicy, PolicyRule } from './domain/policy';
import type { ProtectionSettings } from './domain/protectionPolicy';
import { parseRpoText, parseRuleProtection } from './domain/protectionPolicy';
import { MAX_TIMER_SECONDS } from './domain/polling';
import { normalizeRegion } from './domain/regions';
import type { NamingTemplates } from './domain/targetNaming';
import { checkTemplate } from './domain/targetNaming';
import { ConfigError } from './errors';

/** Where `RestorePointCopy.*` events go. */
export interface EventGridConfig {
  /**
   * Topic endpoint (`https://<topic>.<region>-1.eventgrid.azure.net/api/events`). Unset: events are not
   * published (each one is logged at warning level instead).
   * @default undefined
   */
  endpoint?: string;
  /**
   * Topic access key. Unset: the managed identity is used, which needs an `https://` endpoint.
   * @default undefined
   */
  key?: string;
  /**
   * CloudEvents `source` of every event.
   * @default "/rpcopy"
   */
  source: string;
}

export interface AppConfig {
  /** How to reach Azure Resource Manager. */
  arm: ArmConnection;
  eventGrid: EventGridConfig;
  /** Allowed subscriptions and the rules that pick target regions. */
  policy: CopyPolicy;
  /** Where copies are created. */
  naming: NamingTemplates;
  /** Tuning every copy captures when it is requested. */
  copy: CopySettings;
  /**
   * NCRONTAB schedule of the reconciliation sweep.
   * @default "0 0 * * * *" (hourly)
   */
  reconcileSchedule: string;
  /**
   * The app's URL as callers reach it (scheme, host and any path prefix, without `/api`), for the absolute
   * links in responses (`statusUrl`, `nextLink`). Unset: those links are relative (`/api/copies/…`); they are
   * never built from the request's `Host` header, which the caller controls.
   * @default undefined
   */
  publicBaseUrl?: string;
  /** RPO defaults, the at-risk margin and the retention dry-run switch. */
  protection: ProtectionSettings;
  /**
   * NCRONTAB schedule of the protection sweep (RPO events, retention).
   * @default "0 30 * * * *" (hourly, at half past)
   */
  protectionSchedule: string;
}

/** Every setting rpcopy reads, with its default (undefined: required or optional without default). */
export const SETTINGS = {
  allowedSubscriptions: 'RPCOPY_ALLOWED_SUBSCRIPTIONS',
  policy: 'RPCOPY_POLICY',
  targetResourceGroup: 'RPCOPY_TARGET_RESOURCE_GROUP',
  targetCollectionName: 'RPCOPY_TARGET_COLLECTION_NAME',
  targetRestorePointName: 'RPCOPY_TARGET_RESTORE_POINT_NAME',
  maxConcurrentCopies: 'RPCOPY_MAX_CONCURRENT_COPIES',
  copyTimeoutHours: 'RPCOPY_COPY_TIMEOUT_HOURS',
  queueRecheckSeconds: 'RPCOPY_QUEUE_RECHECK_SECONDS',
  progressRefreshSeconds: 'RPCOPY_PROGRESS_REFRESH_SECONDS',
  maxPollIntervalSeconds: 'RPCOPY_MAX_POLL_INTERVAL_SECONDS',
  firstPollSeconds: 'RPCOPY_FIRST_POLL_SECONDS',
  stallAfterPolls: 'RPCOPY_STALL_AFTER_POLLS',
  pollsPerGeneration: 'RPCOPY_POLLS_PER_GENERATION',
  reconcileSchedule: 'RPCOPY_RECONCILE_SCHEDULE',
  armEndpoint: 'RPCOPY_ARM_ENDPOINT',
  armCaCertificate: 'RPCOPY_ARM_CA_CERTIFICATE',
  armCredential: 'RPCOPY_ARM_CREDENTIAL',
  eventGridEndpoint: 'RPCOPY_EVENTGRID_ENDPOINT',
  eventGridKey: 'RPCOPY_EVENTGRID_KEY',
  eventSource: 'RPCOPY_EVENT_SOURCE',
  publicBaseUrl: 'RPCOPY_PUBLIC_BASE_URL',
  defaultRpoHours: 'RPCOPY_DEFAULT_RPO_HOURS',
  rpoAtRiskPercent: 'RPCOPY_RPO_AT_RISK_PERCENT',
  retentionDryRun: 'RPCOPY_RETENTION_DRY_RUN',
  protectionSchedule: 'RPCOPY_PROTECTION_SCHEDULE',
} as const;

export const DEFAULTS = {
  policy: '[]',
  targetResourceGroup: '{sourceResourceGroup}',
  targetCollectionName: '{sourceCollection}-{targetRegion}',
  targetRestorePointName: '{sourceRestorePoint}',
  maxConcurrentCopies: 10,
  copyTimeoutHours: 324,
  queueRecheckSeconds: 300,
  progressRefreshSeconds: 600,
  maxPollIntervalSeconds: 21_600,
  firstPollSeconds: 60,
  stallAfterPolls: 3,
  pollsPerGeneration: 20,
  reconcileSchedule: '0 0 * * * *',
  armEndpoint: 'https://management.azure.com',
  armCredential: 'default',
  eventSource: '/rpcopy',
  defaultRpoHours: 24,
  rpoAtRiskPercent: 75,
  retentionDryRun: false,
  protectionSchedule: '0 30 * * * *',
} as const;

/** Azure ends copies after 14 days; rpcopy must give up before. */
const PLATFORM_COPY_LIMIT_HOURS = 14 * 24;

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Reads a CA certificate file named by `RPCOPY_ARM_CA_CERTIFICATE`. */
  readFile?: (path: string) => string;
}

class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  optional(key: string): string | undefined {
    const value = this.env[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(key: string, meaning: string): string {
    const value = this.optional(key);
    if (value === undefined) {
      this.problems.push(`${key} is required (${meaning})`);
      return '';
    }
    return value;
  }

  number(key: string, fallback: number, range: { min: number; max: number; integer?: boolean }): number {
    const text = this.optional(key);
    if (text === undefined) {
      return fallback;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || (range.integer === true && !Number.isInteger(value))) {
      this.problems.push(
        `${key} must be ${range.integer === true ? 'an integer' : 'a number'}, got '${text}'`,
      );
      return fallback;
    }
    if (value < range.min || value > range.max) {
      this.problems.push(`${key} must be between ${range.min} and ${range.max}, got ${value}`);
      return fallback;
    }
    return value;
  }
}

function parseSubscriptions(reader: Reader): string[] {
  const text = reader.required(
    SETTINGS.allowedSubscriptions,
    'comma-separated subscription ids rpcopy may read and write',
  );
  if (text === '') {
    return [];
  }
  const ids = text
    .split(/[,;\s]+/)
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const bad = ids.filter((id) => !isSubscriptionId(id));
  if (bad.length > 0) {
    reader.problems.push(
      `${SETTINGS.allowedSubscriptions} has values that are not subscription ids: ${bad.join(', ')}`,
    );
  }
  return [...new Set(ids.filter(isSubscriptionId).map((id) => id.toLowerCase()))];
}

function parseRegions(value: unknown, where: string, problems: string[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || !value.every((entry) => typeof entry === 'string')) {
    problems.push(`${where} must be a non-empty array of region names`);
    return undefined;
  }
  const regions = value.map((name) => ({ name, region: normalizeRegion(name) }));
  const unknown = regions.filter((entry) => entry.region === undefined).map((entry) => entry.name);
  if (unknown.length > 0) {
    problems.push(`${where} names unknown regions: ${unknown.join(', ')}`);
    return undefined;
  }
  return [...new Set(regions.map((entry) => entry.region ?? entry.name))];
}

const SCOPE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/?$/i;

function parsePolicy(reader: Reader, allowed: readonly string[]): PolicyRule[] {
  const key = SETTINGS.policy;
  const text = reader.optional(key) ?? DEFAULTS.policy;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    reader.problems.push(`${key} must be JSON: an array of {"scope","sourceRegions"?,"targetRegions"}`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    reader.problems.push(`${key} must be a JSON array of rules`);
    return [];
  }
  const rules: PolicyRule[] = [];
  parsed.forEach((entry: unknown, index) => {
    const where = `${key}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      reader.problems.push(`${where} must be an object`);
      return;
    }
    const rule = entry as Record<string, unknown>;
    const unknownKeys = Object.keys(rule).filter(
      (name) => !['scope', 'sourceRegions', 'targetRegions', 'rpoHours', 'retention'].includes(name),
    );
    if (unknownKeys.length > 0) {
      reader.problems.push(`${where} has unknown properties: ${unknownKeys.join(', ')}`);
    }
    const scope = typeof rule.scope === 'string' ? SCOPE.exec(rule.scope.trim()) : null;
    const subscriptionId = scope?.[1]?.toLowerCase();
    if (scope === null || subscriptionId === undefined || !isSubscriptionId(subscriptionId)) {
      reader.problems.push(
        `${where}.scope must be /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}`,
      );
      return;
    }
    if (!allowed.includes(subscriptionId)) {
      reader.problems.push(
        `${where}.scope is in subscription ${subscriptionId}, which is not in ${SETTINGS.allowedSubscriptions}`,
      );
    }
    const targetRegions = parseRegions(rule.targetRegions, `${where}.targetRegions`, reader.problems);
    const sourceRegions =
      rule.sourceRegions === undefined
        ? undefined
        : parseRegions(rule.sourceRegions, `${where}.sourceRegions`, reader.problems);
    const protection = parseRuleProtection(rule, where, reader.problems);
    if (targetRegions === undefined || (rule.sourceRegions !== undefined && sourceRegions === undefined)) {
      return;
    }
    rules.push({
      ...protection,
      subscriptionId,
      ...(scope[2] === undefined ? {} : { resourceGroup: scope[2] }),
      ...(sourceRegions === undefined ? {} : { sourceRegions }),
      targetRegions,
    });
  });
  return rules;
}

function parseTemplate(reader: Reader, key: string, fallback: string): string {
  const template = reader.optional(key) ?? fallback;
  for (const problem of checkTemplate(template)) {
    reader.problems.push(`${key} ${problem}`);
  }
  return template;
}

function parseUrl(reader: Reader, key: string, value: string): URL | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error('not http(s)');
    }
    return url;
  } catch {
    reader.problems.push(`${key} must be an http(s) URL, got '${value}'`);
    return undefined;
  }
}

function parseArm(reader: Reader, options: LoadConfigOptions): ArmConnection {
  const endpoint = reader.optional(SETTINGS.armEndpoint) ?? DEFAULTS.armEndpoint;
  const url = parseUrl(reader, SETTINGS.armEndpoint, endpoint);
  if (url?.protocol === 'http:') {
    reader.problems.push(`${SETTINGS.armEndpoint} must use https (tokens are never sent over plain http)`);
  }
  const credential = reader.optional(SETTINGS.armCredential) ?? DEFAULTS.armCredential;
  if (credential !== 'default' && credential !== 'static') {
    reader.problems.push(`${SETTINGS.armCredential} must be 'default' or 'static', got '${credential}'`);
  }
  if (
    credential === 'static' &&
    url !== undefined &&
    url.hostname.toLowerCase().endsWith('management.azure.com')
  ) {
    reader.problems.push(
      `${SETTINGS.armCredential}=static only works with a local ARM endpoint; set ${SETTINGS.armEndpoint} or use 'default'`,
    );
  }
  const ca = reader.optional(SETTINGS.armCaCertificate);
  let caCertificatePem: string | undefined;
  if (ca !== undefined) {
    if (ca.includes('-----BEGIN CERTIFICATE-----')) {
      caCertificatePem = ca.replace(/\\n/g, '\n');
    } else {
      try {
        caCertificatePem = (options.readFile ?? ((path) => readFileSync(path, 'utf8')))(ca);
        if (!caCertificatePem.includes('-----BEGIN CERTIFICATE-----')) {
          reader.problems.push(`${SETTINGS.armCaCertificate}: ${ca} holds no PEM certificate`);
        }
      } catch {
        reader.problems.push(`${SETTINGS.armCaCertificate} is neither PEM text nor a readable file: ${ca}`);
      }
    }
  }
  return {
    endpoint: url === undefined ? endpoint : url.origin,
    credential: credential === 'static' ? 'static' : 'default',
    ...(caCertificatePem === undefined ? {} : { caCertificatePem }),
  };
}

function parseEventGrid(reader: Reader): EventGridConfig {
  const endpoint = reader.optional(SETTINGS.eventGridEndpoint);
  const key = reader.optional(SETTINGS.eventGridKey);
  const source = reader.optional(SETTINGS.eventSource) ?? DEFAULTS.eventSource;
  if (endpoint !== undefined) {
    const url = parseUrl(reader, SETTINGS.eventGridEndpoint, endpoint);
    if (url?.protocol === 'http:' && key === undefined) {
      reader.problems.push(
        `${SETTINGS.eventGridEndpoint} uses http, which needs ${SETTINGS.eventGridKey} (a managed identity token needs https)`,
      );
    }
  } else if (key !== undefined) {
    reader.problems.push(`${SETTINGS.eventGridKey} is set but ${SETTINGS.eventGridEndpoint} is not`);
  }
  return {
    source,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(key === undefined ? {} : { key }),
  };
}

function parsePublicBaseUrl(reader: Reader): string | undefined {
  const text = reader.optional(SETTINGS.publicBaseUrl);
  if (text === undefined) {
    return undefined;
  }
  const url = parseUrl(reader, SETTINGS.publicBaseUrl, text);
  if (url === undefined) {
    return undefined;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    reader.problems.push(
      `${SETTINGS.publicBaseUrl} must have no query, fragment or credentials, got '${text}'`,
    );
    return undefined;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const NCRONTAB_FIELD = /^[\d*/,\-A-Za-z?]+$/;

function parseSchedule(
  reader: Reader,
  key: string = SETTINGS.reconcileSchedule,
  fallback: string = DEFAULTS.reconcileSchedule,
): string {
  const schedule = reader.optional(key) ?? fallback;
  const fields = schedule.split(/\s+/);
  if (fields.length !== 6 || !fields.every((field) => NCRONTAB_FIELD.test(field))) {
    reader.problems.push(
      `${key} must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), got '${schedule}'`,
    );
    return fallback;
  }
  return schedule;
}

/** Reads only the protection sweep's schedule, for registering its timer before the rest of the config. */
export function readProtectionSchedule(env: Env = process.env): string {
  const reader = new Reader(env);
  const schedule = parseSchedule(reader, SETTINGS.protectionSchedule, DEFAULTS.protectionSchedule);
  return reader.problems.length === 0 ? schedule : DEFAULTS.protectionSchedule;
}

function parseProtection(reader: Reader): ProtectionSettings {
  const rpoText = reader.optional(SETTINGS.defaultRpoHours);
  let defaultRpoHours: number | null = DEFAULTS.defaultRpoHours;
  if (rpoText !== undefined) {
    const parsed = parseRpoText(rpoText);
    if (parsed.ok) defaultRpoHours = parsed.value;
    else reader.problems.push(`${SETTINGS.defaultRpoHours} ${parsed.message}`);
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
  const refreshIntervalSeconds = reader.number(
    SETTINGS.progressRefreshSeconds,
    DEFAULTS.progressRefreshSeconds,
    {
      min: 1,
      max: 3600,
    },
  );
  const maxIntervalSeconds = reader.number(SETTINGS.maxPollIntervalSeconds, DEFAULTS.maxPollIntervalSeconds, {
    min: 1,
    max: MAX_TIMER_SECONDS,
  });
  if (maxIntervalSeconds < refreshIntervalSeconds) {
    reader.problems.push(
      `${SETTINGS.maxPollIntervalSeconds} (${maxIntervalSeconds}) must not be below ${SETTINGS.progressRefreshSeconds} (${refreshIntervalSeconds})`,
    );
  }
  const copyTimeoutHours = reader.number(SETTINGS.copyTimeoutHours, DEFAULTS.copyTimeoutHours, {
    min: 0.01,
    max: PLATFORM_COPY_LIMIT_HOURS - 1,
  });
  const copy: CopySettings = {
    maxConcurrentCopies: reader.number(SETTINGS.maxConcurrentCopies, DEFAULTS.maxConcurrentCopies, {
      min: 1,
      max: 1000,
      integer: true,
    }),
    copyTimeoutSeconds: Math.round(copyTimeoutHours * 3600),
    queueRecheckSeconds: reader.number(SETTINGS.queueRecheckSeconds, DEFAULTS.queueRecheckSeconds, {
      min: 1,
      max: 86_400,
    }),
    polling: {
      refreshIntervalSeconds,
      maxIntervalSeconds,
      firstPollSeconds: reader.number(SETTINGS.firstPollSeconds, DEFAULTS.firstPollSeconds, {
        min: 1,
        max: 3600,
      }),
      stallAfterPolls: reader.number(SETTINGS.stallAfterPolls, DEFAULTS.stallAfterPolls, {
        min: 1,
        max: 100,
        integer: true,
      }),
    },
    pollsPerGeneration: reader.number(SETTINGS.pollsPerGeneration, DEFAULTS.pollsPerGeneration, {
      min: 1,
      max: 500,
      integer: true,
    }),
    activityRetry: { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
  };
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
