import type { CopyFaultEffect, CopyFaultRule, FaultRule, HttpFaultEffect, HttpFaultRule } from './types';

/** mulberry32: small, fast and, above all, reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    if (char === '*' && glob.charAt(i + 1) === '*') {
      pattern += '.*';
      i++;
    } else if (char === '*') {
      pattern += '[^/]*';
    } else {
      pattern += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}$`, 'i');
}

interface RuleCounter<R> {
  rule: R;
  matched: number;
  fired: number;
  pathPattern?: RegExp;
}

/** The fault plan. Counting is per rule and starts afresh whenever the plan is replaced. */
export class FaultPlan {
  private http: RuleCounter<HttpFaultRule>[] = [];
  private copy: RuleCounter<CopyFaultRule>[] = [];
  private readonly random: () => number;

  constructor(seed: number, rules: FaultRule[] = []) {
    this.random = seededRandom(seed);
    this.replace(rules);
  }

  replace(rules: FaultRule[]): void {
    for (const rule of rules) validateRule(rule);
    this.http = rules
      .filter((r): r is HttpFaultRule => r.kind === 'http')
      .map((rule) => ({
        rule,
        matched: 0,
        fired: 0,
        pathPattern:
          typeof rule.path === 'string' ? globToRegExp(rule.path) : new RegExp(rule.path.source, 'i'),
      }));
    this.copy = rules
      .filter((r): r is CopyFaultRule => r.kind === 'copy')
      .map((rule) => ({ rule, matched: 0, fired: 0 }));
  }

  /** The first HTTP fault that fires for this request (arriving at clock time `now`), if any. */
  forRequest(method: string, path: string, now?: number): HttpFaultEffect | undefined {
    for (const counter of this.http) {
      const { rule } = counter;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (now !== undefined && rule.activeFromMs !== undefined && now < rule.activeFromMs) continue;
      if (now !== undefined && rule.activeUntilMs !== undefined && now >= rule.activeUntilMs) continue;
      if (!counter.pathPattern?.test(path)) continue;
      counter.matched++;
      if (counter.matched <= (rule.afterNth ?? 0)) continue;
      if (rule.times !== undefined && counter.fired >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      counter.fired++;
      return rule.effect;
    }
    return undefined;
  }

  /** Copy faults bound to a copy when its PUT is accepted. */
  forCopy(restorePointName: string, sourceRestorePointName: string): CopyFaultEffect[] {
    const effects: CopyFaultEffect[] = [];
    for (const counter of this.copy) {
      const { rule } = counter;
      const target = rule.target;
      const matches =
        target === 'next' ||
        ('restorePointName' in target &&
          target.restorePointName.toLowerCase() === restorePointName.toLowerCase()) ||
        ('sourceRestorePointName' in target &&
          target.sourceRestorePointName.toLowerCase() === sourceRestorePointName.toLowerCase());
      if (!matches) continue;
      if (counter.fired >= (rule.times ?? 1)) continue;
      counter.matched++;
      counter.fired++;
      effects.push(rule.effect);
    }
    return effects;
  }
}

function validateRule(rule: FaultRule): void {
  if (rule.kind === 'http') {
    if (rule.effect.type === 'status' && (rule.effect.status < 500 || rule.effect.status > 599)) {
      throw new RangeError(
        `HTTP fault status must be 5xx (use type 'throttle' for 429), got ${rule.effect.status}`,
      );
    }
    if (rule.effect.type === 'refuse' && rule.effect.status !== 400 && rule.effect.status !== 409) {
      throw new RangeError(`A refusal's status must be 400 or 409, got ${String(rule.effect.status)}`);
    }
    if (
      rule.activeFromMs !== undefined &&
      rule.activeUntilMs !== undefined &&
      rule.activeUntilMs <= rule.activeFromMs
    ) {
      throw new RangeError('A fault window must end after it begins (activeUntilMs > activeFromMs)');
    }
    if (rule.probability !== undefined && (rule.probability < 0 || rule.probability > 1)) {
      throw new RangeError(`Fault probability must be within [0, 1], got ${rule.probability}`);
    }
  } else if (rule.effect.atPercent < 0 || rule.effect.atPercent > 100) {
    throw new RangeError(`Copy fault atPercent must be within [0, 100], got ${rule.effect.atPercent}`);
  }
}
