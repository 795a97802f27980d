/**
 * The protection half of the policy: how recent a copy must be (recovery point objective) and how many copies
 * a target collection keeps (retention), per policy rule, with collection tag overrides. Pure.
 */
import type { CollectionFacts, CopyPolicy } from './policy';
import { selectRule } from './policy';

/** Source-collection tag: the RPO in hours (`12`, `1.5`) or `none` (the pair is not monitored). */
export const RPO_TAG = 'rpcopy-rpo';
/** Source-collection tag: `keepLast=7`, `maxAgeDays=30`, both (`keepLast=7,maxAgeDays=30`) or `none`. */
export const RETENTION_TAG = 'rpcopy-retention';

/** The largest RPO accepted: a year. */
export const MAX_RPO_HOURS = 24 * 366;
const MAX_KEEP_LAST = 10_000;
const MAX_AGE_DAYS = 3660;

/**
 * Which copies a target collection keeps. A copy is kept when it is one of the newest `keepLast` copies OR
 * younger than `maxAgeDays` (the union: a copy that either condition keeps is kept). At least one is set.
 */
export interface RetentionRule {
  keepLast?: number;
  maxAgeDays?: number;
}

/** What a policy rule may say about protection, besides the regions. */
export interface RuleProtection {
  /** Hours; null: not monitored (`"none"`); undefined: the default RPO applies. */
  rpoHours?: number | null;
  /** Undefined: copies are never pruned. */
  retention?: RetentionRule;
}

export interface ProtectionSettings {
  /**
   * RPO of a pair whose rule and tags set none (`RPCOPY_DEFAULT_RPO_HOURS`, hours or `none`).
   * @default 24
   */
  defaultRpoHours: number | null;
  /**
   * A pair is `AtRisk` once its achieved RPO passes this share of the target (`RPCOPY_RPO_AT_RISK_PERCENT`),
   * e.g. 75: at risk after 18 hours of a 24-hour target.
   * @default 75
   */
  atRiskPercent: number;
  /**
   * Retention reports what it would delete (`Pruned` events with `dryRun: true`) and deletes nothing
   * (`RPCOPY_RETENTION_DRY_RUN`).
   * @default false
   */
  retentionDryRun: boolean;
}

/** The protection that applies to one source collection. */
export interface ResolvedProtection {
  /** null: not monitored (state `Disabled`). */
  rpoHours: number | null;
  rpoOrigin: 'tag' | 'rule' | 'default';
  retention: RetentionRule | undefined;
  retentionOrigin: 'tag' | 'rule' | 'none';
  /** Garbage tag values that were ignored, for the pair's entry and the log. */
  warnings: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `12`, `1.5` or `none` (case-insensitive); a number of hours above 0 and at most a year. */
export function parseRpoText(text: string): Parsed<number | null> {
  const value = text.trim();
  if (value.toLowerCase() === 'none') {
    return { ok: true, value: null };
  }
  if (!/^\d+(\.\d+)?$/.test(value)) {
    return { ok: false, message: `must be a number of hours or 'none', got '${value}'` };
  }
  const hours = Number(value);
  if (hours <= 0 || hours > MAX_RPO_HOURS) {
    return { ok: false, message: `must be above 0 and at most ${MAX_RPO_HOURS} hours, got ${hours}` };
  }
  return { ok: true, value: hours };
}

function checkRetentionNumbers(rule: RetentionRule): string | undefined {
  if (rule.keepLast === undefined && rule.maxAgeDays === undefined) {
    return 'needs keepLast, maxAgeDays or both';
  }
  if (
    rule.keepLast !== undefined &&
    (!Number.isInteger(rule.keepLast) || rule.keepLast < 1 || rule.keepLast > MAX_KEEP_LAST)
  ) {
    return `keepLast must be an integer from 1 to ${MAX_KEEP_LAST}, got ${rule.keepLast}`;
  }
  if (
    rule.maxAgeDays !== undefined &&
    (!Number.isFinite(rule.maxAgeDays) || rule.maxAgeDays <= 0 || rule.maxAgeDays > MAX_AGE_DAYS)
  ) {
    return `maxAgeDays must be above 0 and at most ${MAX_AGE_DAYS}, got ${rule.maxAgeDays}`;
  }
  return undefined;
}

/**
 * `keepLast=7`, `maxAgeDays=30`, `keepLast=7,maxAgeDays=30` (commas or semicolons) or `none` (keep
 * everything: undefined).
 */
export function parseRetentionText(text: string): Parsed<RetentionRule | undefined> {
  const value = text.trim();
  if (value.toLowerCase() === 'none') {
    return { ok: true, value: undefined };
  }
  const rule: RetentionRule = {};
  for (const part of value.split(/[,;]/).map((entry) => entry.trim())) {
    const match = /^(keepLast|maxAgeDays)\s*=\s*(\d+(?:\.\d+)?)$/i.exec(part);
    const name = match?.[1]?.toLowerCase();
    if (match === null || name === undefined) {
      return {
        ok: false,
        message: `must be 'keepLast=N', 'maxAgeDays=D', both separated by a comma, or 'none', got '${value}'`,
      };
    }
    const number = Number(match[2]);
    if (name === 'keeplast') {
      rule.keepLast = number;
    } else {
      rule.maxAgeDays = number;
    }
  }
  const problem = checkRetentionNumbers(rule);
  return problem === undefined ? { ok: true, value: rule } : { ok: false, message: problem };
}

/**
 * Checks the `rpoHours` and `retention` properties of one `RPCOPY_POLICY` rule (JSON), pushing a problem per
 * mistake; `where` names the rule in messages.
 */
export function parseRuleProtection(
  rule: Readonly<Record<string, unknown>>,
  where: string,
  problems: string[],
): RuleProtection {
  const result: RuleProtection = {};
  const rpo = rule.rpoHours;
  if (rpo !== undefined) {
    const parsed =
      typeof rpo === 'number'
        ? parseRpoText(String(rpo))
        : typeof rpo === 'string' && rpo.trim().toLowerCase() === 'none'
          ? parseRpoText(rpo)
          : ({ ok: false, message: `must be a number of hours or "none"` } as const);
    if (parsed.ok) {
      result.rpoHours = parsed.value;
    } else {
      problems.push(`${where}.rpoHours ${parsed.message}`);
    }
  }
  const retention = rule.retention;
  if (retention !== undefined) {
    if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) {
      problems.push(`${where}.retention must be an object like {"keepLast":7,"maxAgeDays":30}`);
      return result;
    }
    const entries = retention as Record<string, unknown>;
    const unknown = Object.keys(entries).filter((key) => key !== 'keepLast' && key !== 'maxAgeDays');
    if (unknown.length > 0) {
      problems.push(`${where}.retention has unknown properties: ${unknown.join(', ')}`);
    }
    const numbers = ['keepLast', 'maxAgeDays'].filter(
      (key) => entries[key] !== undefined && typeof entries[key] !== 'number',
    );
    if (numbers.length > 0) {
      problems.push(`${where}.retention.${numbers.join(', ')} must be numbers`);
      return result;
    }
    const candidate: RetentionRule = {
      ...(typeof entries.keepLast === 'number' ? { keepLast: entries.keepLast } : {}),
      ...(typeof entries.maxAgeDays === 'number' ? { maxAgeDays: entries.maxAgeDays } : {}),
    };
    const problem = checkRetentionNumbers(candidate);
    if (problem === undefined) {
      result.retention = candidate;
    } else {
      problems.push(`${where}.retention ${problem}`);
    }
  }
  return result;
}

function tagValue(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(tags).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : tags[key];
}

/**
 * The RPO and retention of a source collection: its tags first, then the rule that picks its regions, then
 * the defaults. A garbage tag is ignored (the rule or default applies) and reported as a warning.
 */
export function resolveProtection(
  policy: CopyPolicy,
  settings: ProtectionSettings,
  facts: CollectionFacts,
): ResolvedProtection {
  const rule = selectRule(policy, facts);
  const warnings: string[] = [];
  let rpoHours: number | null = settings.defaultRpoHours;
  let rpoOrigin: ResolvedProtection['rpoOrigin'] = 'default';
  if (rule?.rpoHours !== undefined) {
    rpoHours = rule.rpoHours;
    rpoOrigin = 'rule';
  }
  const rpoTag = tagValue(facts.tags, RPO_TAG);
  if (rpoTag !== undefined) {
    const parsed = parseRpoText(rpoTag);
    if (parsed.ok) {
      rpoHours = parsed.value;
      rpoOrigin = 'tag';
    } else {
      warnings.push(`tag ${RPO_TAG} ignored: ${parsed.message}`);
    }
  }
  let retention = rule?.retention;
  let retentionOrigin: ResolvedProtection['retentionOrigin'] = retention === undefined ? 'none' : 'rule';
  const retentionTag = tagValue(facts.tags, RETENTION_TAG);
  if (retentionTag !== undefined) {
    const parsed = parseRetentionText(retentionTag);
    if (parsed.ok) {
      retention = parsed.value;
      retentionOrigin = parsed.value === undefined ? 'none' : 'tag';
    } else {
      warnings.push(`tag ${RETENTION_TAG} ignored: ${parsed.message}`);
    }
  }
  return { rpoHours, rpoOrigin, retention, retentionOrigin, warnings };
}
