/**
 * Turns between copies, kept in two kinds of durable entity: one line per (source collection → target region)
 * pair, where one copy at a time goes in source-creation order (the platform copies restore points only in that
 * order, one at a time), and one line per (subscription → target region), where at most the cap go at once.
 *
 * @remarks Both are the same thing: a line with a limit of holders and an ordered list of waiters. An entity
 * runs one operation at a time, so a grant made here is exact whatever the copies race. Entities cannot raise
 * events to orchestrations, so every operation answers whom it let through or moved to the front of the line
 * ({@link LineChange.wake}); the copy that asked wakes them. Pure: no SDK, no clock, plain JSON state.
 *
 * A capacity line lets its first waiters in as soon as there is room. A pair line does not: its first waiter
 * only learns it is first, gets a slot, and then claims the pair. Until that claim an older restore point whose
 * copy was requested later still goes first, so the pair keeps source-creation order whatever order the
 * requests came in.
 */
import { normalizeArmId, parseCollectionId } from './armIds';

/** Entity function names; lower-case, as the engine lower-cases them in entity instance ids. */
export const PAIR_ENTITY = 'copypair';
export const CAPACITY_ENTITY = 'copycapacity';

/** The external event that tells a waiting copy to ask its line again. */
export const TURN_EVENT = 'turn';

export type LineKind = 'pair' | 'capacity';

/** A copy in a line. The attempt tells a restarted copy (which inherits its place) from its ended run. */
export interface LineMember {
  copyId: string;
  attempt: number;
}

/** A member of a pair line: ordered by its source's creation, then by its request, then by id. */
export interface PairMember extends LineMember {
  sourceCreatedAt: string;
  createdAt: string;
}

export interface LineState<M extends LineMember> {
  limit: number;
  holders: M[];
  waiting: M[];
}

export type PairState = LineState<PairMember>;
export type CapacityState = LineState<LineMember>;

/**
 * Where a copy stands after asking: through; first in a pair line nobody holds (it may claim the pair once it
 * holds a slot); or waiting at `position` (0: next), directly behind `ahead` (empty: further back).
 */
export type Standing =
  { kind: 'granted' } | { kind: 'first' } | { kind: 'waiting'; position: number; ahead: LineMember[] };

export interface LineChange<S, R> {
  state: S;
  reply: R;
  /** Copies granted or moved to the front by this operation: they must be told to ask again. */
  wake: LineMember[];
}

export interface PairOperations {
  join: { input: PairMember; reply: Standing };
  claim: { input: LineMember; reply: Standing };
  leave: { input: LineMember; reply: Released };
}

export interface CapacityOperations {
  acquire: { input: LineMember & { limit: number }; reply: Standing };
  release: { input: LineMember; reply: Released };
}

/** What a copy leaving a line (or reclaiming an ended copy's place) learns: whom to wake. */
export interface Released {
  wake: LineMember[];
}

/** The line's operation names and shapes, per kind, for the orchestrator's typed calls. */
export interface LineOperations {
  pair: PairOperations;
  capacity: CapacityOperations;
}

export type LineOperationName<K extends LineKind> = keyof LineOperations[K] & string;
export type LineInput<K extends LineKind, O extends LineOperationName<K>> = LineOperations[K][O] extends {
  input: infer I;
}
  ? I
  : never;
export type LineReply<K extends LineKind, O extends LineOperationName<K>> = LineOperations[K][O] extends {
  reply: infer R;
}
  ? R
  : never;

/** The entity function name of each kind of line. */
export const LINE_ENTITIES: { readonly [K in LineKind]: string } = {
  pair: PAIR_ENTITY,
  capacity: CAPACITY_ENTITY,
};

/** The operation that leaves each kind of line. */
export const LEAVE_OPERATION = { pair: 'leave', capacity: 'release' } as const satisfies {
  readonly [K in LineKind]: LineOperationName<K>;
};

// ---------------------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------------------

/**
 * Entity keys become part of the entity's instance id (`@name@key`), which the storage providers refuse with
 * `/ \ # ?` or control characters and which travels in URL paths. So the key spells the ARM names, lower-cased
 * (ARM names are case-insensitive), joined by `~`, which no subscription id, region or resource group name
 * contains; the collection name comes last and is URI-encoded.
 */
function keyParts(sourceCollectionId: string): { subscription: string; resourceGroup: string; name: string } {
  const normalized = normalizeArmId(sourceCollectionId);
  const parsed = parseCollectionId(normalized);
  if (parsed.ok) {
    return {
      subscription: parsed.value.subscriptionId.toLowerCase(),
      resourceGroup: parsed.value.resourceGroup.toLowerCase(),
      name: encodeURIComponent(parsed.value.collectionName.toLowerCase()),
    };
  }
  // Never for a resolved copy; still a valid, deterministic key for anything else.
  return {
    subscription: encodeURIComponent(normalized.split('/')[2] ?? ''),
    resourceGroup: '',
    name: encodeURIComponent(normalized),
  };
}

/** The key of the pair line of copies from `sourceCollectionId` to `targetRegion`. */
export function pairKey(sourceCollectionId: string, targetRegion: string): string {
  const { subscription, resourceGroup, name } = keyParts(sourceCollectionId);
  return `${targetRegion.toLowerCase()}~${subscription}~${resourceGroup}~${name}`;
}

/** The key of the capacity line of the source's subscription into `targetRegion`. */
export function capacityKey(sourceCollectionId: string, targetRegion: string): string {
  return `${targetRegion.toLowerCase()}~${keyParts(sourceCollectionId).subscription}`;
}

/** The key of the line of `kind` that a copy of `sourceCollectionId` to `targetRegion` stands in. */
export function lineKey(kind: LineKind, sourceCollectionId: string, targetRegion: string): string {
  return kind === 'pair'
    ? pairKey(sourceCollectionId, targetRegion)
    : capacityKey(sourceCollectionId, targetRegion);
}

// ---------------------------------------------------------------------------------------------------------
// The line
// ---------------------------------------------------------------------------------------------------------

function emptyLine<M extends LineMember>(limit: number): LineState<M> {
  return { limit, holders: [], waiting: [] };
}

/** Lets waiters in, first first, while there is room; `upTo` of them at most. */
function admit<M extends LineMember>(line: LineState<M>, upTo = Number.POSITIVE_INFINITY): LineState<M> {
  const room = Math.min(upTo, Math.max(0, line.limit - line.holders.length));
  return {
    ...line,
    holders: [...line.holders, ...line.waiting.slice(0, room)],
    waiting: line.waiting.slice(room),
  };
}

/**
 * Who was let in, and the first waiter when its standing changed (it moved to the front, or a pair it waited
 * for is now free to claim): they must ask again.
 */
function changed<M extends LineMember>(before: LineState<M>, after: LineState<M>): LineMember[] {
  const held = new Set(before.holders.map((member) => member.copyId));
  const wake: LineMember[] = after.holders
    .filter((member) => !held.has(member.copyId))
    .map(({ copyId, attempt }) => ({ copyId, attempt }));
  const first = after.waiting[0];
  if (first !== undefined) {
    const was = standingOf(before, first.copyId);
    const is = standingOf(after, first.copyId);
    if (was.kind !== is.kind || (was.kind === 'waiting' && was.position !== 0)) {
      wake.push({ copyId: first.copyId, attempt: first.attempt });
    }
  }
  return wake;
}

function standingOf<M extends LineMember>(line: LineState<M>, copyId: string): Standing {
  if (line.holders.some((member) => member.copyId === copyId)) {
    return { kind: 'granted' };
  }
  if (line.holders.length < line.limit && line.waiting[0]?.copyId === copyId) {
    return { kind: 'first' };
  }
  const position = Math.max(
    0,
    line.waiting.findIndex((member) => member.copyId === copyId),
  );
  const plain = ({ copyId: id, attempt }: LineMember): LineMember => ({ copyId: id, attempt });
  // Who this copy waits on directly, and checks on: the holders when it is next, or the first of a pair that
  // has not claimed it yet. Further back, it waits to be woken.
  const first = line.waiting[0];
  const ahead =
    position === 0
      ? line.holders.map(plain)
      : position === 1 && line.holders.length < line.limit && first !== undefined
        ? [plain(first)]
        : [];
  return { kind: 'waiting', position, ahead };
}

/**
 * A copy asks for its turn. Asking again is safe: a member keeps its place, and a restarted copy (a higher
 * attempt) takes over the place of its ended run.
 */
function join<M extends LineMember>(
  line: LineState<M>,
  member: M,
  insertAt: (waiting: readonly M[]) => number,
  letIn: boolean,
): LineChange<LineState<M>, Standing> {
  const known = (list: M[]): M[] =>
    list.map((entry) => (entry.copyId === member.copyId ? { ...entry, attempt: member.attempt } : entry));
  const present = [...line.holders, ...line.waiting].some((entry) => entry.copyId === member.copyId);
  const at = insertAt(line.waiting);
  const placed: LineState<M> = present
    ? { ...line, holders: known(line.holders), waiting: known(line.waiting) }
    : { ...line, waiting: [...line.waiting.slice(0, at), member, ...line.waiting.slice(at)] };
  const state = letIn ? admit(placed) : placed;
  return {
    state,
    reply: standingOf(state, member.copyId),
    wake: changed(line, state).filter((entry) => entry.copyId !== member.copyId),
  };
}

/**
 * A copy leaves the line (it ended), or a waiter reclaims the place of a copy it found ended. Only the attempt
 * that was found ended leaves: a restart that took the place over in the meantime keeps it.
 */
function leave<M extends LineMember>(
  line: LineState<M>,
  member: LineMember,
  letIn: boolean,
): LineChange<LineState<M>, Released> {
  const stays = (entry: M): boolean => entry.copyId !== member.copyId || entry.attempt !== member.attempt;
  const left = { ...line, holders: line.holders.filter(stays), waiting: line.waiting.filter(stays) };
  const state = letIn ? admit(left) : left;
  const wake = changed(line, state);
  return { state, reply: { wake }, wake };
}

function compareSourceOrder(a: PairMember, b: PairMember): number {
  const bySource = Date.parse(a.sourceCreatedAt) - Date.parse(b.sourceCreatedAt);
  if (bySource !== 0) {
    return bySource;
  }
  const byRequest = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byRequest !== 0) {
    return byRequest;
  }
  return a.copyId < b.copyId ? -1 : a.copyId > b.copyId ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// The two entities' operations
// ---------------------------------------------------------------------------------------------------------

/** Thrown for an operation or input the entity does not know: the entity reports it and keeps its state. */
export class LineOperationError extends Error {
  override name = 'LineOperationError';
}

function isMember(value: unknown): value is LineMember {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<LineMember>;
  return (
    typeof candidate.copyId === 'string' &&
    candidate.copyId !== '' &&
    typeof candidate.attempt === 'number' &&
    Number.isInteger(candidate.attempt) &&
    candidate.attempt >= 1
  );
}

function isPairMember(value: unknown): value is PairMember {
  const candidate = value as Partial<PairMember>;
  return (
    isMember(value) &&
    typeof candidate.sourceCreatedAt === 'string' &&
    !Number.isNaN(Date.parse(candidate.sourceCreatedAt)) &&
    typeof candidate.createdAt === 'string' &&
    !Number.isNaN(Date.parse(candidate.createdAt))
  );
}

/** One operation on a pair line: one copy at a time, in source-creation order. */
export function operatePair(
  state: PairState | undefined,
  operation: string | undefined,
  input: unknown,
): LineChange<PairState, Standing | Released> {
  const line = state ?? emptyLine<PairMember>(1);
  switch (operation ?? '') {
    case 'join': {
      if (!isPairMember(input)) {
        throw new LineOperationError(
          'join needs { copyId, attempt (integer ≥ 1), sourceCreatedAt (ISO), createdAt (ISO) }.',
        );
      }
      const member: PairMember = {
        copyId: input.copyId,
        attempt: input.attempt,
        sourceCreatedAt: input.sourceCreatedAt,
        createdAt: input.createdAt,
      };
      const insertAt = (waiting: readonly PairMember[]): number => {
        const after = waiting.findIndex((entry) => compareSourceOrder(member, entry) < 0);
        return after < 0 ? waiting.length : after;
      };
      return join(line, member, insertAt, false);
    }
    case 'claim': {
      if (!isMember(input)) {
        throw new LineOperationError('claim needs { copyId, attempt (integer ≥ 1) }.');
      }
      const standing = standingOf(line, input.copyId);
      if (standing.kind !== 'first') {
        return { state: line, reply: standing, wake: [] };
      }
      const state = admit(line, 1);
      return { state, reply: { kind: 'granted' }, wake: [] };
    }
    case 'leave':
      if (!isMember(input)) {
        throw new LineOperationError('leave needs { copyId, attempt (integer ≥ 1) }.');
      }
      return leave(line, { copyId: input.copyId, attempt: input.attempt }, false);
    default:
      throw new LineOperationError(
        `Unknown operation '${String(operation)}' on a pair line (join, claim, leave).`,
      );
  }
}

/** One operation on a capacity line: at most `limit` copies at once, first come, first served. */
export function operateCapacity(
  state: CapacityState | undefined,
  operation: string | undefined,
  input: unknown,
): LineChange<CapacityState, Standing | Released> {
  switch (operation ?? '') {
    case 'acquire': {
      const limit = (input as { limit?: unknown } | null)?.limit;
      if (!isMember(input) || typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
        throw new LineOperationError('acquire needs { copyId, attempt (integer ≥ 1), limit (integer ≥ 1) }.');
      }
      // The latest setting wins: a cap raised by configuration lets waiters in at once.
      const line = { ...(state ?? emptyLine<LineMember>(limit)), limit };
      return join(line, { copyId: input.copyId, attempt: input.attempt }, (waiting) => waiting.length, true);
    }
    case 'release':
      if (!isMember(input)) {
        throw new LineOperationError('release needs { copyId, attempt (integer ≥ 1) }.');
      }
      return leave(state ?? emptyLine<LineMember>(1), { copyId: input.copyId, attempt: input.attempt }, true);
    default:
      throw new LineOperationError(
        `Unknown operation '${String(operation)}' on a capacity line (acquire, release).`,
      );
  }
}
