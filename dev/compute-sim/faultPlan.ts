import { readFileSync } from 'node:fs';

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
    for (const rule of rules) {
      validateRule(rule);
    }
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
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) {
        continue;
      }
      if (now !== undefined && rule.activeFromMs !== undefined && now < rule.activeFromMs) {
        continue;
      }
      if (now !== undefined && rule.activeUntilMs !== undefined && now >= rule.activeUntilMs) {
        continue;
      }
      if (!counter.pathPattern?.test(path)) {
        continue;
      }
      counter.matched++;
      if (counter.matched <= (rule.afterNth ?? 0)) {
        continue;
      }
      if (rule.times !== undefined && counter.fired >= rule.times) {
        continue;
      }
      if (rule.probability !== undefined && this.random() >= rule.probability) {
        continue;
      }
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
      if (!matches) {
        continue;
      }
      if (counter.fired >= (rule.times ?? 1)) {
        continue;
      }
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

/** A fault plan file that cannot be used, with the place and the reason. */
export class FaultPlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultPlanFileError';
  }
}

/** Inputs are quoted at most this long, so a huge bad value does not flood the terminal. */
const QUOTE_LIMIT = 80;

function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one rule of a plan file, failing with the JSON path of the first problem. */
class RuleReader {
  constructor(
    private readonly record: Record<string, unknown>,
    private readonly at: string,
  ) {}

  fail(field: string, expected: string): never {
    throw new FaultPlanFileError(`${this.at}.${field} must be ${expected}, got ${quote(this.record[field])}`);
  }

  only(allowed: readonly string[]): void {
    const unknown = Object.keys(this.record).find((key) => !allowed.includes(key));
    if (unknown !== undefined) {
      throw new FaultPlanFileError(
        `${this.at} has an unknown field ${quote(unknown)}; allowed: ${allowed.join(', ')}`,
      );
    }
  }

  has(field: string): boolean {
    return this.record[field] !== undefined;
  }

  text(field: string, pattern?: RegExp, expected = 'a non-empty string'): string {
    const value = this.record[field];
    if (typeof value !== 'string' || value === '' || (pattern && !pattern.test(value))) {
      this.fail(field, expected);
    }
    return value;
  }

  number(field: string, min: number, max: number, integer: boolean): number {
    const value = this.record[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(field, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    if (integer && !Number.isInteger(value)) {
      this.fail(field, `an integer from ${min} to ${max}`);
    }
    return value;
  }

  object(field: string): RuleReader {
    const value = this.record[field];
    if (!isPlainObject(value)) {
      this.fail(field, 'an object');
    }
    return new RuleReader(value, `${this.at}.${field}`);
  }

  oneOf<T extends string>(field: string, values: readonly T[]): T {
    const value = this.record[field];
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.fail(field, `one of ${values.map((v) => `"${v}"`).join(', ')}`);
    }
    return value as T;
  }
}

const MAX_COUNT = 1_000_000_000;
/** A latency above an hour would only hang the caller; ARM clients time out long before. */
const MAX_LATENCY_MS = 3_600_000;
const MAX_RETRY_AFTER_SECONDS = 86_400;
const HTTP_METHOD = /^[A-Za-z]+$/;

function httpEffect(effect: RuleReader): HttpFaultEffect {
  const type = effect.oneOf('type', ['status', 'throttle', 'latency', 'drop'] as const);
  switch (type) {
    case 'status': {
      effect.only(['type', 'status', 'code', 'retryAfterSeconds']);
      const status = effect.number('status', 500, 599, true);
      return {
        type,
        status,
        ...(effect.has('code') ? { code: effect.text('code') } : {}),
        ...(effect.has('retryAfterSeconds')
          ? { retryAfterSeconds: effect.number('retryAfterSeconds', 0, MAX_RETRY_AFTER_SECONDS, true) }
          : {}),
      };
    }
    case 'throttle':
      effect.only(['type', 'retryAfterSeconds']);
      return {
        type,
        retryAfterSeconds: effect.number('retryAfterSeconds', 0, MAX_RETRY_AFTER_SECONDS, true),
      };
    case 'latency':
      effect.only(['type', 'ms']);
      return { type, ms: effect.number('ms', 0, MAX_LATENCY_MS, false) };
    case 'drop':
      effect.only(['type']);
      return { type };
  }
}

function httpRule(rule: RuleReader): HttpFaultRule {
  rule.only(['kind', 'method', 'path', 'afterNth', 'times', 'probability', 'effect']);
  return {
    kind: 'http',
    ...(rule.has('method')
      ? { method: rule.text('method', HTTP_METHOD, 'an HTTP method such as "GET"') }
      : {}),
    path: rule.text('path', /^\//, 'a path glob starting with "/" (`*`: one segment, `**`: any)'),
    ...(rule.has('afterNth') ? { afterNth: rule.number('afterNth', 0, MAX_COUNT, true) } : {}),
    ...(rule.has('times') ? { times: rule.number('times', 0, MAX_COUNT, true) } : {}),
    ...(rule.has('probability') ? { probability: rule.number('probability', 0, 1, false) } : {}),
    effect: httpEffect(rule.object('effect')),
  };
}

function copyTarget(rule: RuleReader, value: unknown): CopyFaultRule['target'] {
  if (value === 'next') {
    return 'next';
  }
  if (isPlainObject(value)) {
    const target = rule.object('target');
    const [key] = Object.keys(value);
    if (Object.keys(value).length === 1 && (key === 'sourceRestorePointName' || key === 'restorePointName')) {
      return key === 'sourceRestorePointName'
        ? { sourceRestorePointName: target.text(key) }
        : { restorePointName: target.text(key) };
    }
  }
  return rule.fail('target', '"next", {"sourceRestorePointName": …} or {"restorePointName": …}');
}

function copyRule(rule: RuleReader, record: Record<string, unknown>): CopyFaultRule {
  rule.only(['kind', 'target', 'times', 'effect']);
  const target = copyTarget(rule, record.target);
  const effect = rule.object('effect');
  const type = effect.oneOf('type', ['failDisk', 'stall'] as const);
  effect.only(['type', 'atPercent', 'disk']);
  let disk: string | number | undefined;
  if (effect.has('disk')) {
    const value = (record.effect as Record<string, unknown>).disk;
    disk =
      typeof value === 'number'
        ? effect.number('disk', 0, 1000, true)
        : effect.text('disk', undefined, 'a disk name or a 0-based disk index');
  }
  return {
    kind: 'copy',
    target,
    ...(rule.has('times') ? { times: rule.number('times', 0, MAX_COUNT, true) } : {}),
    effect: {
      type,
      atPercent: effect.number('atPercent', 0, 100, false),
      ...(disk !== undefined ? { disk } : {}),
    },
  };
}

/**
 * Turns the JSON of a fault plan file (an array of the rules `setFaults` takes, with paths as globs) into
 * rules, or fails with a {@link FaultPlanFileError} that names the rule and field at fault.
 */
export function parseFaultPlan(document: unknown): FaultRule[] {
  if (!Array.isArray(document)) {
    throw new FaultPlanFileError(`the plan must be a JSON array of fault rules, got ${quote(document)}`);
  }
  return document.map((value: unknown, index) => {
    const at = `rule [${index}]`;
    if (!isPlainObject(value)) {
      throw new FaultPlanFileError(`${at} must be an object, got ${quote(value)}`);
    }
    const rule = new RuleReader(value, at);
    const kind = rule.oneOf('kind', ['http', 'copy'] as const);
    return kind === 'http' ? httpRule(rule) : copyRule(rule, value);
  });
}

/** Reads and checks a fault plan file; every problem is a {@link FaultPlanFileError} naming the file. */
export function readFaultPlanFile(file: string): FaultRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FaultPlanFileError(
      `cannot read the fault plan ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new FaultPlanFileError(`the fault plan ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseFaultPlan(document);
  } catch (error) {
    if (error instanceof FaultPlanFileError) {
      throw new FaultPlanFileError(`the fault plan ${file}: ${error.message}`);
    }
    throw error;
  }
}
