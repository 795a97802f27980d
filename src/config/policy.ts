import { isSubscriptionId } from '../domain/armIds';
import type { PolicyRule } from '../domain/policy';
import { parseRuleProtection } from '../domain/protectionPolicy';
import { normalizeRegion } from '../domain/regions';
import type { Reader } from './reader';
import { DEFAULTS, SETTINGS } from './settings';

export function parseSubscriptions(reader: Reader): string[] {
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

export function parsePolicy(reader: Reader, allowed: readonly string[]): PolicyRule[] {
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
