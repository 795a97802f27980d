/**
 * A computed lower bound on the instance-view GETs any schedule needs to notice the end of a short copy
 * (issue #16): the bench prints it next to the measured figures, so the claim that a goal is out of reach
 * rests on a computation made in the same run, not on an opinion.
 *
 * @remarks The model, in seconds from replication start s = 0 (the simulator's `provisionedAt`):
 * - Refreshes come every P, P uniform on [P0(1-σ), P0(1+σ)], the first at φ, uniform on [0, P) given P
 *   (the simulator's `randomPhase` and `periodSpread`); the start itself shows 0 %.
 * - The copy shows complete at T, the first refresh φ + kP >= D, D the longest disk's duration. K, the
 *   number of refreshes before T, is 0, 1 or 2: the model only covers D < 2·P0(1-σ)
 *   ({@link shortCopyBoundGap}); longer copies are left to the measured figures.
 * - A GET at t > 0 tells the planner how many refreshes happened by t and whether t >= T. The percents add
 *   no timing information when the throughput c is unknown: they reveal only what was copied by the refresh,
 *   x = φ·c, and with a log-uniform prior on c the likelihood of x, p(c = x/φ)/φ ∝ (φ/x)/φ, is the same for
 *   every φ.
 * - GETs move forward in time, each chosen from what was seen; the copy is noticed at the first GET at or
 *   after T, the lag is that GET's time minus T, and every GET until then counts.
 * - The lag goal is at most L for all but a fraction q of the prior mass (p95 lag <= 60 s: L = 60,
 *   q = 0.05). By Lagrangian weak duality, for every λ >= 0, min over schedules of E[GETs + λ·1(lag > L)]
 *   minus λ·q is at most the constrained optimum; the bound is the best λ, found by golden-section search
 *   (the dual is concave in λ). q = 0 (every copy within L) is the same dynamic program with λ infinite.
 *
 * Relaxations, each of which can only help the planner, so the result stays a valid lower bound:
 * - It knows D and s exactly, so T is a known function of φ and P. It still cannot read φ off the percents:
 *   the bound is for schedules that do not know the throughput beforehand, as no real one does (one that
 *   hard-coded the bench's 50 MiB/s could, and is not covered).
 * - When K = 2 (φ + P < D, so φ < D - P0(1-σ): 2.8 % of the prior mass for the bench's 10-minute copy,
 *   reported as `oracleMass`) it is told φ and P as soon as it sees the first refresh, and such a copy is
 *   charged one more GET at most. When K = 0 the first refresh is the end. When K = 1 nothing about φ can be
 *   learned once the first refresh is seen (later GETs come after φ), so what remains is a sweep over T's
 *   posterior with done/not-done answers.
 * - Time is cut into cells of h = `stepSeconds`, ((n-1)·h, n·h], each holding the prior mass integrated from
 *   the continuous one (over P numerically, in {@link PERIOD_SAMPLE_SECONDS} steps). The planner GETs at the
 *   ends of cells, and gets two more gifts: a refresh falling in the cell its GET closes is revealed exactly
 *   (that copy, which cannot have ended as T >= φ + P0(1-σ), is then charged one more GET), and a lag counts
 *   as over L only when the GET's cell is more than ceil(L/h) cells after the end's. With them, any
 *   continuous schedule maps onto the grid (each GET moved to the end of its cell) without losing anything
 *   it saw, stopping later or missing L more often. So every step gives a valid bound and a finer one a
 *   tighter bound; the bench prints two, one step half the other.
 *
 * The dynamic program: before the first refresh the planner's belief is just "φ > the last GET"; once a GET
 * at b sees it after a GET at a, it is "φ in (a, b], T > the last GET". For each (a, b) the sweep is a 1-D
 * program over T's cells whose penalty term reduces to a suffix minimum; a λ costs about
 * (φ cells)²/2 · (T's support in cells) additions.
 */

export interface ShortCopyBoundInput {
  /** D: the longest disk's copy time. */
  longestDiskSeconds: number;
  /** P0: the refresh period's centre. */
  periodSeconds: number;
  /** σ: the period is uniform on [P0(1-σ), P0(1+σ)]. */
  periodSpread: number;
  /** L. */
  lagLimitSeconds: number;
  /** q: the share of copies allowed a lag over L. */
  lagMissFraction: number;
  /** @default 2.5 */
  stepSeconds?: number;
}

export interface ShortCopyBound {
  /** No schedule averages fewer GETs per copy with at most `lagMissFraction` of copies over the lag limit. */
  gets: number;
  /** The same with every copy within the lag limit. */
  getsAllWithinLimit: number;
  /** The prior mass the K = 2 relaxation covers (φ and P told at the first refresh). */
  oracleMass: number;
}

/** Why the model does not cover a copy, or undefined when it does. */
export function shortCopyBoundGap(
  longestDiskSeconds: number,
  periodSeconds: number,
  periodSpread: number,
): string | undefined {
  const shortestPeriod = periodSeconds * (1 - periodSpread);
  if (!(longestDiskSeconds > 0) || !(shortestPeriod > 0) || !(periodSpread >= 0)) {
    return 'the copy time and the shortest refresh period must be positive, the spread not negative';
  }
  if (longestDiskSeconds >= 2 * shortestPeriod) {
    return 'the end can follow two or more refreshes, which the bound gives away';
  }
  return undefined;
}

/** Sub-step of the numeric integration over P. */
const PERIOD_SAMPLE_SECONDS = 0.05;

/** Prior mass by time cell; rows are φ's cell, columns T's cell, both 1-based. */
interface CellPrior {
  step: number;
  /** φ's cells: 1..phiCells. */
  phiCells: number;
  /** T's cells: 1..endCells. */
  endCells: number;
  /** K = 0 (T = φ), by φ's cell. */
  firstRefreshEnds: Float64Array;
  /** K = 1, row-major [φ cell][T cell]. */
  oneBefore: Float64Array;
  /** K = 2. */
  twoBefore: Float64Array;
  total: number;
}

function cellPrior(input: Required<ShortCopyBoundInput>): CellPrior {
  const { longestDiskSeconds: d, periodSeconds, periodSpread, stepSeconds: h } = input;
  const shortest = periodSeconds * (1 - periodSpread);
  const longest = periodSeconds * (1 + periodSpread);
  const phiCells = Math.ceil(longest / h);
  const endCells = Math.ceil((d + longest) / h) + 1;
  const width = endCells + 1;
  const prior: CellPrior = {
    step: h,
    phiCells,
    endCells,
    firstRefreshEnds: new Float64Array(phiCells + 1),
    oneBefore: new Float64Array((phiCells + 1) * width),
    twoBefore: new Float64Array((phiCells + 1) * width),
    total: 0,
  };
  const samples = periodSpread === 0 ? 1 : Math.ceil((longest - shortest) / PERIOD_SAMPLE_SECONDS);
  /** Spreads the weight of φ uniform on [from, to) over T = φ + shift's cells. */
  const spread = (
    table: Float64Array,
    row: number,
    from: number,
    to: number,
    shift: number,
    weight: number,
  ) => {
    for (let cell = Math.floor((from + shift) / h) + 1; (cell - 1) * h < to + shift; cell++) {
      const overlap = Math.min(to + shift, cell * h) - Math.max(from + shift, (cell - 1) * h);
      if (overlap > 0) {
        table[row * width + cell] = (table[row * width + cell] ?? 0) + overlap * weight;
      }
    }
  };
  for (let sample = 0; sample < samples; sample++) {
    const period =
      periodSpread === 0 ? periodSeconds : shortest + ((sample + 0.5) * (longest - shortest)) / samples;
    const density = 1 / (period * samples);
    for (let cell = 1; cell <= phiCells; cell++) {
      const from = (cell - 1) * h;
      const to = Math.min(cell * h, period);
      if (to <= from) {
        break;
      }
      const twoUntil = Math.min(to, Math.max(from, d - period));
      const oneUntil = Math.min(to, Math.max(twoUntil, d));
      spread(prior.twoBefore, cell, from, twoUntil, 2 * period, density);
      spread(prior.oneBefore, cell, twoUntil, oneUntil, period, density);
      prior.firstRefreshEnds[cell] = (prior.firstRefreshEnds[cell] ?? 0) + (to - oneUntil) * density;
      prior.total += (to - from) * density;
    }
  }
  return prior;
}

/** What does not depend on λ: prefix sums and the cost of the GET that first sees a refresh. */
interface Tables {
  prior: CellPrior;
  /** Lag cells allowed: a GET in cell m may notice an end in cell j without penalty when m - j <= this. */
  freeCells: number;
  /** The last φ cell with any mass. */
  lastPhiCell: number;
  /** For each φ cell, the first and last T cells with K = 1 mass (0 when none). */
  firstEndCell: Int32Array;
  lastEndCell: Int32Array;
  /** Mass with φ beyond each cell. */
  aliveAfter: Float64Array;
  /**
   * [a][b]: copies charged one more GET when a GET at b first sees a refresh after one at a: K = 2 with φ in
   * (a, b] not yet ended (the GET at T), and K = 1 with φ in b's own cell (revealed).
   */
  owedAfterFirstSeen: Float64Array;
  /** [a][b]: mass with φ in (a, b] noticed at b with a lag over L. */
  lateAtFirstSeen: Float64Array;
}

function tables(prior: CellPrior, lagLimitSeconds: number): Tables {
  const { phiCells, endCells, step } = prior;
  const width = endCells + 1;
  const freeCells = Math.ceil(lagLimitSeconds / step);
  const rowHasMass = (row: number): boolean => {
    if ((prior.firstRefreshEnds[row] ?? 0) > 0) {
      return true;
    }
    for (let cell = 1; cell <= endCells; cell++) {
      if ((prior.oneBefore[row * width + cell] ?? 0) > 0 || (prior.twoBefore[row * width + cell] ?? 0) > 0) {
        return true;
      }
    }
    return false;
  };
  let lastPhiCell = 0;
  const firstEndCell = new Int32Array(phiCells + 1);
  const lastEndCell = new Int32Array(phiCells + 1);
  for (let row = 1; row <= phiCells; row++) {
    if (rowHasMass(row)) {
      lastPhiCell = row;
    }
    for (let cell = 1; cell <= endCells; cell++) {
      if ((prior.oneBefore[row * width + cell] ?? 0) > 0) {
        firstEndCell[row] ||= cell;
        lastEndCell[row] = cell;
      }
    }
  }
  const aliveAfter = new Float64Array(phiCells + 2);
  for (let row = phiCells; row >= 1; row--) {
    let mass = prior.firstRefreshEnds[row] ?? 0;
    for (let cell = 1; cell <= endCells; cell++) {
      mass += (prior.oneBefore[row * width + cell] ?? 0) + (prior.twoBefore[row * width + cell] ?? 0);
    }
    aliveAfter[row - 1] = (aliveAfter[row] ?? 0) + mass;
  }
  // Per row, prefix sums over T cells, so that "ended by cell k" is one lookup.
  const oneUpTo = prefixByRow(prior.oneBefore, phiCells, width);
  const twoUpTo = prefixByRow(prior.twoBefore, phiCells, width);
  const owedAfterFirstSeen = new Float64Array((phiCells + 1) * width);
  const lateAtFirstSeen = new Float64Array((phiCells + 1) * width);
  for (let b = 1; b <= endCells; b++) {
    const lateUpTo = b - freeCells - 1;
    let owed = 0;
    let late = 0;
    for (let a = Math.min(b, phiCells) - 1; a >= 0; a--) {
      const row = a + 1;
      owed += (twoUpTo[row * width + endCells] ?? 0) - (twoUpTo[row * width + b] ?? 0);
      if (lateUpTo >= 1) {
        late +=
          (row <= lateUpTo ? (prior.firstRefreshEnds[row] ?? 0) : 0) +
          (twoUpTo[row * width + lateUpTo] ?? 0) +
          (oneUpTo[row * width + lateUpTo] ?? 0);
      }
      // K = 1 copies whose refresh fell in the GET's own cell: their φ is revealed, and one GET is the least
      // any of them still needs (they cannot have ended: T >= φ + the shortest period).
      owedAfterFirstSeen[a * width + b] = owed + (b <= phiCells ? (oneUpTo[b * width + endCells] ?? 0) : 0);
      lateAtFirstSeen[a * width + b] = late;
    }
  }
  return {
    prior,
    freeCells,
    lastPhiCell,
    firstEndCell,
    lastEndCell,
    aliveAfter,
    owedAfterFirstSeen,
    lateAtFirstSeen,
  };
}

function prefixByRow(table: Float64Array, rows: number, width: number): Float64Array {
  const sums = new Float64Array(table.length);
  for (let row = 1; row <= rows; row++) {
    let sum = 0;
    for (let cell = 1; cell < width; cell++) {
      sum += table[row * width + cell] ?? 0;
      sums[row * width + cell] = sum;
    }
  }
  return sums;
}

/** λ times a mass, where an infinite λ forbids any mass at all and charges nothing for none. */
function penalty(lambda: number, mass: number): number {
  return mass > 0 ? lambda * mass : 0;
}

/**
 * min over schedules of E[GETs + λ·1(lag > L)], as a share of the prior mass.
 *
 * @remarks `sweep[m]` is the least cost of the K = 1 copies with φ in (a, b - 1] whose end is after a last
 * GET at m: the next GET at m' costs every remaining copy one GET, and λ each for those it notices more than
 * L late. A next GET no later than the first possible end plus the free window is best at that latest cell
 * (the cost from a later last GET is never higher); a later one pays λ·(C(m' - free - 1) - C(m)), C the
 * cumulative mass, so its best is a suffix minimum of λ·C(m' - free - 1) + sweep[m'].
 */
function lagrangian(t: Tables, lambda: number): number {
  const { prior, freeCells } = t;
  const { phiCells, endCells } = prior;
  const width = endCells + 1;
  const sweep = new Float64Array(endCells + freeCells + 4);
  const cumulative = new Float64Array(endCells + 1);
  const remainingEnds = new Float64Array(endCells + 1);
  const sweepAtFirstSeen = new Float64Array((phiCells + 1) * width);
  const finiteLambda = Number.isFinite(lambda);

  for (let a = 0; a < t.lastPhiCell; a++) {
    remainingEnds.fill(0);
    // The support of T's cells for φ in (a, b]; below it the sweep's cost is that from just below it.
    let firstEnd = endCells + 1;
    let lastEnd = 0;
    for (let b = a + 1; b <= endCells; b++) {
      // The sweep of rows (a, b - 1]; row b's φ, in the GET's own cell, is revealed (see the tables).
      sweepAtFirstSeen[a * width + b] = b >= lastEnd ? 0 : (sweep[Math.max(b, firstEnd - 1)] ?? 0);
      if (b <= phiCells && (t.lastEndCell[b] ?? 0) > 0) {
        const rowFirst = t.firstEndCell[b] ?? 0;
        const rowLast = t.lastEndCell[b] ?? 0;
        for (let cell = rowFirst; cell <= rowLast; cell++) {
          remainingEnds[cell] = (remainingEnds[cell] ?? 0) + (prior.oneBefore[b * width + cell] ?? 0);
        }
        firstEnd = Math.min(firstEnd, rowFirst);
        lastEnd = Math.max(lastEnd, rowLast);
        let sum = 0;
        cumulative[firstEnd - 1] = 0;
        for (let cell = firstEnd; cell <= lastEnd; cell++) {
          sum += remainingEnds[cell] ?? 0;
          cumulative[cell] = sum;
        }
        const total = sum;
        sweep.fill(0, lastEnd, lastEnd + freeCells + 3);
        let bestLater = Infinity;
        let nextEnd = lastEnd;
        for (let m = lastEnd - 1; m >= Math.max(b + 1, firstEnd - 1); m--) {
          if ((remainingEnds[m + 1] ?? 0) > 0) {
            nextEnd = m + 1;
          }
          const far = m + freeCells + 2;
          if (finiteLambda) {
            bestLater = Math.min(
              bestLater,
              lambda * (cumulative[Math.min(m + 1, lastEnd)] ?? 0) + (sweep[far] ?? 0),
            );
          }
          // Free of penalty: any next GET up to the first possible end plus the free window.
          const withinWindow = sweep[nextEnd + freeCells] ?? 0;
          const later = finiteLambda ? bestLater - lambda * (cumulative[m] ?? 0) : Infinity;
          sweep[m] = total - (cumulative[m] ?? 0) + Math.min(withinWindow, later);
        }
      }
    }
  }

  const cost = new Float64Array(endCells + 2);
  for (let a = t.lastPhiCell - 1; a >= 0; a--) {
    let best = Infinity;
    for (let b = a + 1; b <= endCells; b++) {
      const late = penalty(lambda, t.lateAtFirstSeen[a * width + b] ?? 0);
      if (late === Infinity) {
        continue;
      }
      const value =
        late +
        (t.owedAfterFirstSeen[a * width + b] ?? 0) +
        (sweepAtFirstSeen[a * width + b] ?? 0) +
        (b < t.lastPhiCell ? (cost[b] ?? 0) : 0);
      best = Math.min(best, value);
    }
    cost[a] = (t.aliveAfter[a] ?? 0) + best;
  }
  return (cost[0] ?? 0) / prior.total;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The largest value of a concave function of λ >= 0: doubling λ until the value stops rising brackets the
 * maximum, golden-section search closes in on it. Every value is a valid bound, so the best one seen is kept.
 */
function bestDual(dual: (lambda: number) => number): number {
  let best = -Infinity;
  const at = (lambda: number): number => {
    const value = dual(lambda);
    best = Math.max(best, value);
    return value;
  };
  let beforeLast = 0;
  let last = 0;
  let lastValue = at(0);
  let next = 1;
  for (let value = at(next); value > lastValue && next < 2 ** 30; value = at(next)) {
    beforeLast = last;
    last = next;
    lastValue = value;
    next *= 2;
  }
  let low = beforeLast;
  let high = next;
  let left = high - GOLDEN * (high - low);
  let right = low + GOLDEN * (high - low);
  let leftValue = at(left);
  let rightValue = at(right);
  for (let round = 0; round < 40 && high - low > 1e-6 * Math.max(1, high); round++) {
    if (leftValue < rightValue) {
      low = left;
      left = right;
      leftValue = rightValue;
      right = low + GOLDEN * (high - low);
      rightValue = at(right);
    } else {
      high = right;
      right = left;
      rightValue = leftValue;
      left = high - GOLDEN * (high - low);
      leftValue = at(left);
    }
  }
  return best;
}

function checked(input: ShortCopyBoundInput): Required<ShortCopyBoundInput> {
  const gap = shortCopyBoundGap(input.longestDiskSeconds, input.periodSeconds, input.periodSpread);
  if (gap !== undefined) {
    throw new RangeError(`no bound for this copy: ${gap}`);
  }
  if (!(input.lagLimitSeconds >= 0) || !(input.lagMissFraction >= 0 && input.lagMissFraction < 1)) {
    throw new RangeError('the lag limit must be >= 0 and the miss fraction in [0, 1)');
  }
  const stepSeconds = input.stepSeconds ?? 2.5;
  // A copy whose refresh a GET reveals is charged one more GET only because it cannot end in the same cell.
  if (!(stepSeconds > 0 && stepSeconds < input.periodSeconds * (1 - input.periodSpread))) {
    throw new RangeError('the step must be positive and shorter than the shortest refresh period');
  }
  return { ...input, stepSeconds };
}

/** See the module comment. Throws a RangeError for a copy the model does not cover. */
export function shortCopyGetsLowerBound(input: ShortCopyBoundInput): ShortCopyBound {
  const model = checked(input);
  const prior = cellPrior(model);
  const t = tables(prior, model.lagLimitSeconds);
  const getsAllWithinLimit = lagrangian(t, Infinity);
  const gets =
    model.lagMissFraction === 0
      ? getsAllWithinLimit
      : bestDual((lambda) => lagrangian(t, lambda) - lambda * model.lagMissFraction);
  let oracleMass = 0;
  for (const mass of prior.twoBefore) {
    oracleMass += mass;
  }
  return { gets, getsAllWithinLimit, oracleMass: oracleMass / prior.total };
}

/** One cell of the discretized prior: K refreshes before the end, φ's and T's cells, and its share. */
export interface CellHypothesis {
  refreshesBeforeEnd: 0 | 1 | 2;
  phiCell: number;
  endCell: number;
  mass: number;
}

/** The discretized prior, for checking the dynamic program against a search over every schedule. */
export function cellHypotheses(input: ShortCopyBoundInput): CellHypothesis[] {
  const prior = cellPrior(checked(input));
  const width = prior.endCells + 1;
  const hypotheses: CellHypothesis[] = [];
  for (let phiCell = 1; phiCell <= prior.phiCells; phiCell++) {
    const ends = prior.firstRefreshEnds[phiCell] ?? 0;
    if (ends > 0) {
      hypotheses.push({ refreshesBeforeEnd: 0, phiCell, endCell: phiCell, mass: ends / prior.total });
    }
    for (let endCell = 1; endCell <= prior.endCells; endCell++) {
      for (const [refreshesBeforeEnd, table] of [
        [1, prior.oneBefore],
        [2, prior.twoBefore],
      ] as const) {
        const mass = table[phiCell * width + endCell] ?? 0;
        if (mass > 0) {
          hypotheses.push({ refreshesBeforeEnd, phiCell, endCell, mass: mass / prior.total });
        }
      }
    }
  }
  return hypotheses;
}

/** The dynamic program's min over schedules of E[GETs + λ·1(lag > L)], for the same check. */
export function lagrangianCost(input: ShortCopyBoundInput, lambda: number): number {
  const model = checked(input);
  return lagrangian(tables(cellPrior(model), model.lagLimitSeconds), lambda);
}
