/**
 * Timer trigger schedules as the Functions host reads them: a six-field NCRONTAB expression
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`, evaluated in UTC) or a TimeSpan (`hh:mm:ss`,
 * `d.hh:mm:ss`) meaning a fixed interval.
 */

export interface Schedule {
  /** The first occurrence strictly after `after` (epoch ms). */
  next(after: number): number;
  readonly expression: string;
}

export class ScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`Invalid timer schedule "${expression}": ${reason}`);
    this.name = 'ScheduleError';
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Offset of names[0]: months are 1-based. */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, nameBase: 0 },
];

function parseValue(text: string, field: FieldSpec, expression: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper.slice(0, 3)) ?? -1;
  if (field.names && named >= 0 && /^[A-Z]+$/.test(upper)) {
    return named + (field.nameBase ?? 0);
  }
  if (!/^\d+$/.test(text)) {
    throw new ScheduleError(expression, `bad ${field.name} value "${text}"`);
  }
  const value = Number(text);
  if (value < field.min || value > field.max) {
    throw new ScheduleError(expression, `${field.name} ${value} is outside ${field.min}-${field.max}`);
  }
  return value;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [rangeText = '', stepText, extra] = item.split('/');
    if (extra !== undefined || rangeText === '') {
      throw new ScheduleError(expression, `bad ${field.name} "${item}"`);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new ScheduleError(expression, `bad ${field.name} step "${stepText}"`);
      }
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (rangeText === '*' || rangeText === '?') {
      low = field.min;
      high = field.max;
    } else if (rangeText.includes('-')) {
      const [a = '', b = ''] = rangeText.split('-');
      low = parseValue(a, field, expression);
      high = parseValue(b, field, expression);
      if (low > high) {
        throw new ScheduleError(expression, `${field.name} range ${rangeText} is reversed`);
      }
    } else {
      low = parseValue(rangeText, field, expression);
      // `5/15` means from 5 to the end in steps of 15, as in NCrontab.
      high = stepText !== undefined ? field.max : low;
    }
    for (let v = low; v <= high; v += step) {
      values.add(v);
    }
  }
  return values;
}

const DAY_MS = 86_400_000;

class CronSchedule implements Schedule {
  private readonly fields: Set<number>[];

  constructor(readonly expression: string) {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 6) {
      throw new ScheduleError(
        expression,
        `expected six fields "{second} {minute} {hour} {day} {month} {day-of-week}", got ${parts.length}`,
      );
    }
    this.fields = parts.map((part, index) => parseField(part, FIELDS[index] as FieldSpec, expression));
    // A schedule that can never fire (e.g. 30 February) is rejected up front, not discovered at run time.
    this.next(Date.UTC(2000, 0, 1));
  }

  next(after: number): number {
    const [seconds, minutes, hours, days, months, weekdays] = this.fields as [
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
    ];
    let t = Math.floor(after / 1000) * 1000 + 1000;
    // Eight years covers every leap-day-only schedule; past that the expression cannot match.
    const limit = after + 8 * 366 * DAY_MS;
    while (t <= limit) {
      const d = new Date(t);
      if (!months.has(d.getUTCMonth() + 1)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
        continue;
      }
      // NCrontab requires both the day of month and the day of week to match (unlike Vixie cron's OR).
      if (!days.has(d.getUTCDate()) || !weekdays.has(d.getUTCDay())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
        continue;
      }
      if (!hours.has(d.getUTCHours())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
        continue;
      }
      if (!minutes.has(d.getUTCMinutes())) {
        t = Date.UTC(
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes() + 1,
        );
        continue;
      }
      if (!seconds.has(d.getUTCSeconds())) {
        t += 1000;
        continue;
      }
      return t;
    }
    throw new ScheduleError(this.expression, 'it never fires');
  }
}

class IntervalSchedule implements Schedule {
  constructor(
    readonly expression: string,
    private readonly intervalMs: number,
  ) {}

  next(after: number): number {
    return after + this.intervalMs;
  }
}

const TIMESPAN_RE = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;

/** Parses a timer trigger `schedule` value. */
export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const span = TIMESPAN_RE.exec(trimmed);
  if (span) {
    const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = span;
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) {
      throw new ScheduleError(expression, 'TimeSpan fields out of range');
    }
    const ms =
      ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
      Number(seconds) * 1000 +
      Math.round(Number(`0.${fraction || '0'}`) * 1000);
    if (ms <= 0) {
      throw new ScheduleError(expression, 'the interval must be positive');
    }
    return new IntervalSchedule(trimmed, ms);
  }
  if (/^%.*%$/.test(trimmed)) {
    throw new ScheduleError(expression, 'app-setting references must be resolved before parsing');
  }
  return new CronSchedule(trimmed);
}
