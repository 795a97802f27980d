import type { CollectionRef } from './armIds';
import type { RuleProtection } from './protectionPolicy';
import { normalizeRegion } from './regions';

/** The source-collection tag that overrides the policy. `none` disables copying for that collection. */
export const TARGETS_TAG = 'rpcopy-targets';

export interface PolicyRule extends RuleProtection {
  /** Subscription the rule covers (lower-case GUID). */
  subscriptionId: string;
  /** Resource group the rule covers; undefined for the whole subscription. */
  resourceGroup?: string;
  /** Source regions the rule applies to; undefined for any. */
  sourceRegions?: readonly string[];
  targetRegions: readonly string[];
}

export interface CopyPolicy {
  /**
   * Lower-case subscription ids rpcopy may read from and write to (`RPCOPY_ALLOWED_SUBSCRIPTIONS`, required).
   * Nothing outside them is ever touched.
   */
  allowedSubscriptions: readonly string[];
  /**
   * Which collections copy to which regions (`RPCOPY_POLICY`, JSON).
   * @default [] (only collections tagged `rpcopy-targets` copy)
   */
  rules: readonly PolicyRule[];
}

export interface CollectionFacts {
  ref: CollectionRef;
  location: string;
  tags: Readonly<Record<string, string>>;
}

export type TargetRegionDecision =
  | { kind: 'copy'; origin: 'tag' | 'policy'; regions: string[] }
  | { kind: 'disabled' }
  | { kind: 'invalid-tag'; value: string; message: string }
  | { kind: 'no-rule' }
  | { kind: 'not-allowed' };

export function isSubscriptionAllowed(policy: CopyPolicy, subscriptionId: string): boolean {
  return policy.allowedSubscriptions.includes(subscriptionId.toLowerCase());
}

/** Reads `rpcopy-targets` (tag names are case-insensitive in ARM); undefined when absent. */
export function targetsTagValue(tags: Readonly<Record<string, string>>): string | undefined {
  const key = Object.keys(tags).find((name) => name.toLowerCase() === TARGETS_TAG);
  return key === undefined ? undefined : tags[key];
}

export type RegionListParse = { ok: true; regions: string[] } | { ok: false; unknown: string[] };

/** Parses `westus2, centralus` or `West US 2; Central US` (commas or semicolons); every name must be known. */
export function parseRegionList(value: string): RegionListParse {
  const names = value
    .split(/[,;]/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = names.filter((name) => normalizeRegion(name) === undefined);
  if (unknown.length > 0) {
    return { ok: false, unknown };
  }
  return { ok: true, regions: [...new Set(names.map((name) => normalizeRegion(name) ?? name))] };
}

function ruleMatches(rule: PolicyRule, facts: CollectionFacts, sourceRegion: string): boolean {
  return (
    rule.subscriptionId === facts.ref.subscriptionId.toLowerCase() &&
    (rule.resourceGroup === undefined ||
      rule.resourceGroup.toLowerCase() === facts.ref.resourceGroup.toLowerCase()) &&
    (rule.sourceRegions === undefined || rule.sourceRegions.includes(sourceRegion))
  );
}

/** The rule that governs a collection: resource group rules before subscription rules, then declaration order. */
export function selectRule(policy: CopyPolicy, facts: CollectionFacts): PolicyRule | undefined {
  const sourceRegion = normalizeRegion(facts.location) ?? facts.location.toLowerCase();
  const matching = policy.rules.filter((rule) => ruleMatches(rule, facts, sourceRegion));
  return matching.find((candidate) => candidate.resourceGroup !== undefined) ?? matching[0];
}

/**
 * Which regions a source collection copies to.
 *
 * @remarks Order of precedence: the allow-list (nothing outside it), then the `rpcopy-targets` tag, then the
 * most specific matching rule (resource group before subscription, then declaration order). The source's own
 * region is never a target.
 */
export function resolveTargetRegions(policy: CopyPolicy, facts: CollectionFacts): TargetRegionDecision {
  if (!isSubscriptionAllowed(policy, facts.ref.subscriptionId)) {
    return { kind: 'not-allowed' };
  }
  const sourceRegion = normalizeRegion(facts.location) ?? facts.location.toLowerCase();
  const withoutSource = (regions: readonly string[]): string[] =>
    regions.filter((region) => region !== sourceRegion);

  const tag = targetsTagValue(facts.tags);
  if (tag !== undefined) {
    if (tag.trim().toLowerCase() === 'none') {
      return { kind: 'disabled' };
    }
    const parsed = parseRegionList(tag);
    if (!parsed.ok) {
      return {
        kind: 'invalid-tag',
        value: tag,
        message: `tag ${TARGETS_TAG} names unknown regions: ${parsed.unknown.join(', ')}`,
      };
    }
    return { kind: 'copy', origin: 'tag', regions: withoutSource(parsed.regions) };
  }

  const rule = selectRule(policy, facts);
  if (rule === undefined) {
    return { kind: 'no-rule' };
  }
  return { kind: 'copy', origin: 'policy', regions: withoutSource(rule.targetRegions) };
}
