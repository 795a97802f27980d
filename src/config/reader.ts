import { checkTemplate } from '../domain/targetNaming';
import { DEFAULTS, SETTINGS } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

export class Reader {
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

export function parseTemplate(reader: Reader, key: string, fallback: string): string {
  const template = reader.optional(key) ?? fallback;
  for (const problem of checkTemplate(template)) {
    reader.problems.push(`${key} ${problem}`);
  }
  return template;
}

export function parseUrl(reader: Reader, key: string, value: string): URL | undefined {
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

const NCRONTAB_FIELD = /^[\d*/,\-A-Za-z?]+$/;

export function parseSchedule(
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
