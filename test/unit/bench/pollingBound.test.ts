import { describe, expect, it } from 'vitest';

import {
  cellHypotheses,
  lagrangianCost,
  shortCopyBoundGap,
  shortCopyGetsLowerBound,
  type CellHypothesis,
  type ShortCopyBoundInput,
} from '../../../bench/pollingBound';

/** The bench's 10-minute copy: 30 GB at 50 MiB/s, refreshes every 10 min +-5 %, p95 lag <= 60 s. */
const TEN_MINUTES = {
  longestDiskSeconds: 614.4,
  periodSeconds: 600,
  periodSpread: 0.05,
  lagLimitSeconds: 60,
  lagMissFraction: 0.05,
};

/**
 * A concrete schedule in continuous time: a GET every `probeSeconds` until one sees the first refresh (or
 * the next probe would reach D), then every L from the earliest end still possible (D, or the probe before
 * the one that saw the refresh plus the shortest period). Every lag is at most L. Mean over the prior.
 */
function probeThenSweep(probeSeconds: number): { gets: number; maxLag: number } {
  const { longestDiskSeconds: d, periodSeconds, periodSpread, lagLimitSeconds: lag } = TEN_MINUTES;
  const shortest = periodSeconds * (1 - periodSpread);
  const longest = periodSeconds * (1 + periodSpread);
  const periods = 120;
  const phaseStep = 0.1;
  let gets = 0;
  let weight = 0;
  let maxLag = 0;
  for (let k = 0; k < periods; k++) {
    const period = shortest + ((k + 0.5) * (longest - shortest)) / periods;
    for (let phase = phaseStep / 2; phase < period; phase += phaseStep) {
      let end = phase;
      while (end < d) {
        end += period;
      }
      let count = 0;
      let last = 0;
      let earliestEnd = d;
      for (let at = probeSeconds; at < d; at += probeSeconds) {
        count++;
        if (phase <= at) {
          earliestEnd = Math.max(d, last + shortest);
          last = at;
          break;
        }
        last = at;
      }
      let at = Math.max(last, earliestEnd) + lag;
      count++;
      while (at < end) {
        at += lag;
        count++;
      }
      maxLag = Math.max(maxLag, at - end);
      gets += count / period;
      weight += 1 / period;
    }
  }
  return { gets: gets / weight, maxLag };
}

/**
 * The same relaxed grid model solved by trying every schedule: the planner's belief is the set of cells
 * still consistent with what it saw, and each next GET splits it by what that GET shows.
 */
function searchEverySchedule(input: ShortCopyBoundInput, lambda: number): number {
  const hypotheses = cellHypotheses(input);
  const freeCells = Math.ceil(input.lagLimitSeconds / (input.stepSeconds ?? 2.5));
  const lastEnd = Math.max(...hypotheses.map((hypothesis) => hypothesis.endCell));
  const known = new Map<string, number>();
  const search = (alive: CellHypothesis[], lastGet: number): number => {
    if (alive.length === 0) {
      return 0;
    }
    const key = `${lastGet}:${alive.map((hypothesis) => hypotheses.indexOf(hypothesis)).join(',')}`;
    const stored = known.get(key);
    if (stored !== undefined) {
      return stored;
    }
    let best = Infinity;
    for (let get = lastGet + 1; get <= lastEnd; get++) {
      let cost = 0;
      const seen: CellHypothesis[] = [];
      const unseen: CellHypothesis[] = [];
      for (const hypothesis of alive) {
        cost += hypothesis.mass;
        if (hypothesis.endCell <= get) {
          cost += get - hypothesis.endCell > freeCells ? lambda * hypothesis.mass : 0;
        } else if (hypothesis.phiCell > get) {
          unseen.push(hypothesis);
        } else if (
          hypothesis.phiCell > lastGet &&
          (hypothesis.refreshesBeforeEnd === 2 || hypothesis.phiCell === get)
        ) {
          cost += hypothesis.mass;
        } else {
          seen.push(hypothesis);
        }
      }
      if (cost < best) {
        best = Math.min(best, cost + search(seen, get) + search(unseen, get));
      }
    }
    known.set(key, best);
    return best;
  };
  return search(hypotheses, 0);
}

describe('shortCopyGetsLowerBound', () => {
  it('matches a case solved by hand', () => {
    // Prepare: P = D = 600 exactly, so T is uniform on (600, 1200). Each copy needs a GET; a first GET may
    // notice no end earlier than L before it, and on the 5 s grid L has one cell of slack: at best it is at
    // 905 s and notices (600, 905], and every other copy needs a second GET: 1 + 295/600 on average. With 5 %
    // allowed late, moving it 30 s later saves 30/600 more; the dual reaches that at λ = 1.
    const input = {
      longestDiskSeconds: 600,
      periodSeconds: 600,
      periodSpread: 0,
      lagLimitSeconds: 300,
      lagMissFraction: 0.05,
      stepSeconds: 5,
    };

    // Act
    const bound = shortCopyGetsLowerBound(input);

    // Assess
    expect(bound).toEqual({
      gets: expect.closeTo(1 + 265 / 600, 6) as number,
      getsAllWithinLimit: expect.closeTo(1 + 295 / 600, 9) as number,
      oracleMass: 0,
    });
  });

  it('finds the same optimum as a search over every schedule', () => {
    // Prepare: coarse grids, so that trying every schedule is quick; the second has more K = 2 copies.
    const models: ShortCopyBoundInput[] = [
      { ...TEN_MINUTES, stepSeconds: 60 },
      { ...TEN_MINUTES, longestDiskSeconds: 900, periodSpread: 0.1, lagLimitSeconds: 120, stepSeconds: 50 },
    ];
    const lambdas = [0.5, 3, 20, Infinity];

    // Act
    const programmed = models.flatMap((model) => lambdas.map((lambda) => lagrangianCost(model, lambda)));
    const searched = models.flatMap((model) => lambdas.map((lambda) => searchEverySchedule(model, lambda)));

    // Assess
    expect(programmed).toEqual(searched.map((cost) => expect.closeTo(cost, 9) as number));
  });

  it('is one GET when the lag limit covers every possible end', () => {
    // Act
    const bound = shortCopyGetsLowerBound({ ...TEN_MINUTES, lagLimitSeconds: 2000, stepSeconds: 10 });

    // Assess: the K = 2 mass is that of φ < D - P, integrated over P.
    expect(bound).toEqual({
      gets: expect.closeTo(1, 9) as number,
      getsAllWithinLimit: expect.closeTo(1, 9) as number,
      oracleMass: expect.closeTo((614.4 * Math.log(614.4 / 570) - 44.4) / 60, 6) as number,
    });
  });

  it('never rises with a longer lag limit or more copies allowed late', () => {
    // Act
    const byLimit = [30, 60, 120].map((lagLimitSeconds) =>
      shortCopyGetsLowerBound({ ...TEN_MINUTES, lagLimitSeconds, stepSeconds: 10 }),
    );
    const byMisses = [0, 0.05, 0.2].map(
      (lagMissFraction) => shortCopyGetsLowerBound({ ...TEN_MINUTES, lagMissFraction, stepSeconds: 10 }).gets,
    );

    // Assess
    const gets = byLimit.map((bound) => bound.gets);
    const allWithin = byLimit.map((bound) => bound.getsAllWithinLimit);
    expect(gets).toEqual([...gets].sort((a, b) => b - a));
    expect(allWithin).toEqual([...allWithin].sort((a, b) => b - a));
    expect(gets[0]).toBeGreaterThan(gets[2] ?? Infinity);
    expect(byLimit.every((bound) => bound.getsAllWithinLimit >= bound.gets)).toBe(true);
    expect(byMisses).toEqual([...byMisses].sort((a, b) => b - a));
    expect(byMisses[0]).toBeGreaterThan(byMisses[2] ?? Infinity);
  });

  it('tightens and settles as the step halves', () => {
    // Act
    const [coarse, middle, fine] = [10, 5, 2.5].map(
      (stepSeconds) => shortCopyGetsLowerBound({ ...TEN_MINUTES, stepSeconds }).gets,
    );

    // Assess
    const firstHalving = (middle ?? 0) - (coarse ?? 0);
    const secondHalving = (fine ?? 0) - (middle ?? 0);
    expect({
      tighter: firstHalving >= 0 && secondHalving >= 0,
      settling: secondHalving <= firstHalving,
    }).toEqual({
      tighter: true,
      settling: true,
    });
    expect(secondHalving).toBeLessThan(0.1);
  });

  it('stays below what simple schedules achieve, and within one GET of the best of them', () => {
    // Prepare
    const schedules = [100, 200, 300].map(probeThenSweep);
    const cheapest = Math.min(...schedules.map((schedule) => schedule.gets));

    // Act
    const bound = shortCopyGetsLowerBound({ ...TEN_MINUTES, stepSeconds: 5 });

    // Assess
    expect(schedules.map((schedule) => schedule.maxLag <= 60 + 1e-9)).toEqual([true, true, true]);
    expect(bound.getsAllWithinLimit).toBeLessThanOrEqual(cheapest);
    expect(bound.gets).toBeLessThanOrEqual(bound.getsAllWithinLimit);
    expect(cheapest - bound.getsAllWithinLimit).toBeLessThan(1);
  });

  it.each([
    [{ stepSeconds: 570 }, 'the step must be positive and shorter than the shortest refresh period'],
    [{ lagMissFraction: 1 }, 'the lag limit must be >= 0 and the miss fraction in [0, 1)'],
    [
      { periodSpread: -0.1 },
      'no bound for this copy: the copy time and the shortest refresh period must be positive, the spread not negative',
    ],
  ])('rejects %o with a clear error', (change, message) => {
    expect(() => shortCopyGetsLowerBound({ ...TEN_MINUTES, ...change })).toThrow(new RangeError(message));
  });

  it('declines copies whose end can follow two refreshes or more', () => {
    const oneHour = (176 * 1024) / 50;
    expect([shortCopyBoundGap(614.4, 600, 0.05), shortCopyBoundGap(oneHour, 600, 0.05)]).toEqual([
      undefined,
      'the end can follow two or more refreshes, which the bound gives away',
    ]);
    expect(() => shortCopyGetsLowerBound({ ...TEN_MINUTES, longestDiskSeconds: oneHour })).toThrow(
      RangeError,
    );
  });
});
