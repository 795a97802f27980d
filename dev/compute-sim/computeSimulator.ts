import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventPublisher } from './eventPublisher';
import { FaultPlan } from './faultPlan';
import { IdGenerator, guidFrom } from './ids';
import { ComputeModel } from './computeModel';
import { createSimulatorServer } from './simulatorServer';
import type { StateChanges } from './stateJournal';
import { NO_PERSISTENCE, StateJournal, loadState } from './stateJournal';
import type { SimulatorState } from './stateStore';
import { emptyState } from './stateStore';
import { DEFAULT_READ_BUDGET } from './throttle';
import type { TlsMaterial } from './tlsMaterial';
import { createTlsMaterial } from './tlsMaterial';
import type { ComputeSimulator, ComputeSimulatorOptions, RequestLogEntry } from './types';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return result;
}

/** Starts the Compute simulator on 127.0.0.1 and resolves once it is listening. */
export async function startComputeSimulator(options: ComputeSimulatorOptions): Promise<ComputeSimulator> {
  const { clock, stateFile } = options;
  const seed = options.seed ?? 1;
  const settings = {
    throughputMiBps: positive('throughputMiBps', options.throughputMiBps, 50),
    progressIntervalMs: positive('progressIntervalMs', options.progressIntervalMs, 10 * MINUTE_MS),
    copyTimeLimitMs: positive('copyTimeLimitMs', options.copyTimeLimitMs, 14 * DAY_MS),
    copyPutsPerHour: positive('copyPutsPerHour', options.copyPutsPerHour, 3),
    lroRetryAfterSeconds: Math.max(0, options.lroRetryAfterSeconds ?? 1),
    lroDurationMs: Math.max(0, options.lroDurationMs ?? 5_000),
    listPageSize: positive('listPageSize', options.listPageSize, 100),
    ...(options.progressRefresh === undefined ? {} : { progressRefresh: options.progressRefresh }),
    seed,
  };
  if (!Number.isInteger(settings.listPageSize)) {
    throw new RangeError(`listPageSize must be a whole number, got ${settings.listPageSize}`);
  }
  const readBudget = options.readBudget ?? DEFAULT_READ_BUDGET;
  positive('readBudget.capacity', readBudget.capacity, 1);
  positive('readBudget.refillPerSecond', readBudget.refillPerSecond, 1);

  const state: SimulatorState = (stateFile ? loadState(stateFile) : undefined) ?? emptyState(clock.now());
  let tls: TlsMaterial | undefined;
  const wanted = options.tls ?? true;
  if (wanted !== false) {
    tls = state.tls ?? (wanted === true ? await createTlsMaterial() : wanted);
    if (stateFile) {
      state.tls = tls;
    }
  }

  const ids = new IdGenerator(seed, state.idsIssued);
  const requestLog: RequestLogEntry[] = [];
  let closed = false;
  const journal = stateFile
    ? new StateJournal(stateFile, state, () => ({ clockTime: clock.now(), idsIssued: ids.issued }))
    : undefined;
  // Starts the file afresh from what was loaded, so nothing is appended after a line a kill cut short.
  journal?.compact();
  const changes: StateChanges = journal
    ? {
        changed: (table, key) => journal.changed(table, key),
        changedField: (field) => journal.changedField(field),
        commit: () => {
          // Once closed, the file belongs to whichever simulator starts from it next.
          if (!closed) {
            journal.commit();
          }
        },
      }
    : NO_PERSISTENCE;
  const deliveriesChanged = (): void => {
    changes.changedField('pendingDeliveries');
    changes.commit();
  };
  const events = new EventPublisher(clock, state, ids, guidFrom(`tenant:${seed}`), deliveriesChanged);
  const faults = new FaultPlan(seed, options.faults);
  const model = new ComputeModel(state, settings, clock, ids, events, faults, changes);
  const server: Server = createSimulatorServer({
    clock,
    model,
    faults,
    readBudget,
    readBuckets: state.readBuckets,
    changes,
    requestLog,
    tls,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    caCertificatePem: tls?.cert,
    requestLog,
    clearRequestLog: () => {
      requestLog.length = 0;
    },
    get deliveryLog() {
      return events.deliveryLog;
    },
    subscribeEvents: (subscription) => {
      // Re-registering a URL (a restarted stack does) replaces its subscription instead of doubling it.
      const kept = state.eventSubscriptions.filter(
        (s) => !(s.url === subscription.url && s.schema === subscription.schema),
      );
      state.eventSubscriptions.splice(0, state.eventSubscriptions.length, ...kept, { ...subscription });
      changes.changedField('eventSubscriptions');
      changes.commit();
    },
    unsubscribeEvents: (url) => {
      const kept = state.eventSubscriptions.filter((s) => s.url !== url);
      const removed = state.eventSubscriptions.length - kept.length;
      state.eventSubscriptions.splice(0, state.eventSubscriptions.length, ...kept);
      events.forget(url);
      changes.changedField('eventSubscriptions');
      changes.changedField('pendingDeliveries');
      changes.commit();
      return removed;
    },
    setFaults: (rules) => faults.replace(rules),
    getCopy: (id) => model.copyView(id),
    copyEndsAt: (id) => model.copyEndsAt(id),
    close: () => {
      closing ??= (async () => {
        model.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await events.close();
        journal?.compact();
        closed = true;
      })();
      return closing;
    },
  };
}
