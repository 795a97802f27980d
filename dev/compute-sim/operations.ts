import type { Clock } from '../clock';
import { ArmError } from './armError';
import type { IdGenerator } from './ids';
import { parseComputeId } from './ids';
import type { ArmRequest, ArmResponse } from './modelSupport';
import { normalizeRegion } from './modelSupport';
import type { StateChanges } from './stateJournal';
import type { OperationRecord } from './stateStore';

// Like ARM, operation status is kept for a while, not forever: the state file stays bounded.
const OPERATION_RETENTION_MS = 24 * 3_600_000;

export interface OperationSettings {
  lroRetryAfterSeconds: number;
  lroDurationMs: number;
}

interface DueEntry {
  at: number;
  operationId: string;
}

/**
 * Long-running operations by id, and a queue of when each next needs attention (its end, then the end of
 * its retention), so a request handles only the operations that are due instead of reading all of them.
 */
export class Operations {
  private readonly scheduled = new Map<string, { cancel(): void }>();
  private readonly due = new DueQueue();

  constructor(
    private readonly table: Record<string, OperationRecord>,
    private readonly settings: OperationSettings,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly changes: StateChanges,
    /** Applies an operation's effect once its time has come (a delete takes effect, a write is announced). */
    private readonly onEnded: (operation: OperationRecord) => void,
  ) {
    // After a restart: finish what completed while stopped, and re-arm what is still running.
    for (const operation of Object.values(table)) {
      this.enqueue(operation);
      if (!operation.done) {
        this.scheduleCompletion(operation);
      }
    }
  }

  close(): void {
    for (const handle of this.scheduled.values()) {
      handle.cancel();
    }
    this.scheduled.clear();
  }

  get(operationId: string): OperationRecord | undefined {
    return this.table[operationId.toLowerCase()];
  }

  start(
    kind: OperationRecord['kind'],
    resource: OperationRecord['resource'],
    resourceId: string,
    region: string,
    request: ArmRequest,
  ): OperationRecord {
    const now = this.clock.now();
    const operation: OperationRecord = {
      id: this.ids.next(),
      kind,
      resource,
      resourceId,
      subscriptionId: parseComputeId(resourceId)?.subscriptionId ?? '',
      region: normalizeRegion(region),
      startedAt: now,
      completesAt: now + this.settings.lroDurationMs,
      done: false,
      announced: false,
      correlationId: request.correlationId,
    };
    this.table[operation.id] = operation;
    this.changes.changed('operations', operation.id);
    this.enqueue(operation);
    this.scheduleCompletion(operation);
    return operation;
  }

  /** Ends every operation whose time has come and forgets those past their retention. */
  sweep(): void {
    const now = this.clock.now();
    let changed = false;
    for (let entry = this.due.popDue(now); entry; entry = this.due.popDue(now)) {
      const operation = this.get(entry.operationId);
      if (!operation) {
        continue;
      }
      changed = true;
      if (operation.done) {
        delete this.table[operation.id];
        this.changes.changed('operations', operation.id);
        continue;
      }
      operation.done = true;
      this.changes.changed('operations', operation.id);
      this.scheduled.get(operation.id)?.cancel();
      this.scheduled.delete(operation.id);
      this.enqueue(operation);
      this.onEnded(operation);
    }
    if (changed) {
      this.changes.commit();
    }
  }

  /** The `Azure-AsyncOperation`, `Location` and `Retry-After` headers of an accepted LRO. */
  headers(operation: OperationRecord, request: ArmRequest): Record<string, string> {
    const base = `${request.origin}/subscriptions/${operation.subscriptionId}/providers/Microsoft.Compute/locations/${operation.region}/operations/${operation.id}`;
    const version = encodeURIComponent(request.apiVersion);
    return {
      'azure-asyncoperation': `${base}?api-version=${version}`,
      location: `${base}?monitor=true&api-version=${version}`,
      'retry-after': String(this.settings.lroRetryAfterSeconds),
    };
  }

  /**
   * An operation's status. `monitor` is Location polling: 202 while running, 200 once done, with
   * `resourceBody` (the created resource, if any) as its body.
   */
  status(
    subscriptionId: string,
    operationId: string,
    monitor: boolean,
    resourceBody: (operation: OperationRecord) => unknown,
  ): ArmResponse {
    this.sweep();
    const operation = this.get(operationId);
    if (!operation || operation.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'ResourceNotFound', `The operation '${operationId}' was not found.`);
    }
    const { done } = operation;
    const retryAfter = { 'retry-after': String(this.settings.lroRetryAfterSeconds) };
    if (monitor) {
      if (!done) {
        return { status: 202, headers: retryAfter };
      }
      const body = resourceBody(operation);
      return body === undefined ? { status: 200 } : { status: 200, body };
    }
    return {
      status: 200,
      headers: done ? {} : retryAfter,
      body: {
        name: operation.id,
        status: done ? 'Succeeded' : 'InProgress',
        startTime: new Date(operation.startedAt).toISOString(),
        ...(done ? { endTime: new Date(operation.completesAt).toISOString() } : {}),
      },
    };
  }

  private enqueue(operation: OperationRecord): void {
    this.due.push({
      // A finished operation is forgotten once strictly past its retention, as it always was.
      at: operation.done ? operation.completesAt + OPERATION_RETENTION_MS + 1 : operation.completesAt,
      operationId: operation.id,
    });
  }

  private scheduleCompletion(operation: OperationRecord): void {
    const handle = this.clock.schedule(operation.completesAt, () => {
      this.scheduled.delete(operation.id);
      this.sweep();
    });
    this.scheduled.set(operation.id, handle);
  }
}

/** A binary min-heap on `at`: the next due entry in O(log n). */
class DueQueue {
  private readonly heap: DueEntry[] = [];

  push(entry: DueEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent];
      if (!above || above.at <= entry.at) {
        break;
      }
      heap[index] = above;
      heap[parent] = entry;
      index = parent;
    }
  }

  /** Removes and returns the earliest entry if it is due at `now`. */
  popDue(now: number): DueEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top || top.at > now) {
      return undefined;
    }
    const last = heap.pop();
    if (last && heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if ((heap[left]?.at ?? Infinity) < (heap[smallest]?.at ?? Infinity)) {
          smallest = left;
        }
        if ((heap[right]?.at ?? Infinity) < (heap[smallest]?.at ?? Infinity)) {
          smallest = right;
        }
        if (smallest === index) {
          break;
        }
        const child = heap[smallest];
        if (!child) {
          break;
        }
        heap[smallest] = last;
        heap[index] = child;
        index = smallest;
      }
    }
    return top;
  }
}
