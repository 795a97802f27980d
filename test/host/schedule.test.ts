import { describe, expect, it } from 'vitest';

import { parseSchedule, ScheduleError } from '../../dev/host/timers/schedule';

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string) =>
  new Date(parseSchedule(expression).next(at(after))).toISOString();

describe('parseSchedule', () => {
  it.each([
    ['0 */5 * * * *', '2026-01-01T00:00:00.000Z', '2026-01-01T00:05:00.000Z'],
    ['0 */5 * * * *', '2026-01-01T00:04:59.999Z', '2026-01-01T00:05:00.000Z'],
    ['*/30 * * * * *', '2026-01-01T00:00:10.000Z', '2026-01-01T00:00:30.000Z'],
    ['0 30 9 * * 1-5', '2026-01-02T10:00:00.000Z', '2026-01-05T09:30:00.000Z'],
    ['0 30 9 * * MON-FRI', '2026-01-02T10:00:00.000Z', '2026-01-05T09:30:00.000Z'],
    ['0 0 0 1 JAN *', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['0 0 12 29 2 *', '2026-03-01T00:00:00.000Z', '2028-02-29T12:00:00.000Z'],
    ['0 0 * * * *', '2026-01-31T23:59:59.000Z', '2026-02-01T00:00:00.000Z'],
    ['5,10 0 0 * * *', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:10.000Z'],
    ['0 0 0 13 * 5', '2026-01-01T00:00:00.000Z', '2026-02-13T00:00:00.000Z'],
    ['0 5/20 * * * *', '2026-01-01T00:06:00.000Z', '2026-01-01T00:25:00.000Z'],
    ['01:00:00', '2026-01-01T00:10:00.000Z', '2026-01-01T01:10:00.000Z'],
    ['1.00:00:00', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it.each([
    ['* * * * *', /six fields/],
    ['0 60 * * * *', /minute 60/],
    ['0 0 0 30 2 *', /never fires/],
    ['0 0 0 * * 8', /day-of-week 8/],
    ['0 */0 * * * *', /step/],
    ['00:00:00', /positive/],
    ['0 5-1 * * * *', /reversed/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });
});
