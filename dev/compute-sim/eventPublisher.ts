import type { Clock, ScheduledCallback } from '../clock';
import type { IdGenerator } from './ids';
import { guidFrom, resourceGroupOf } from './ids';
import type { PendingDelivery } from './stateStore';
import type { DeliveryLogEntry, EventSubscription } from './types';

const WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';
const RESTORE_POINT_WRITE = 'Microsoft.Compute/restorePointCollections/restorePoints/write';

/** Event Grid drops, and never retries, deliveries answered with these. */
const NOT_RETRIED = new Set([400, 401, 403, 413]);
const MAX_ATTEMPTS = 30;
const EVENT_TTL_MS = 24 * 3_600_000;
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3_600_000;
/** Real time: how long a receiver may take to answer one delivery, as Event Grid's 30 s. */
const DELIVERY_TIMEOUT_MS = 30_000;

export interface WriteAnnouncement {
  resourceId: string;
  correlationId: string;
  /** Clock time the write ended. */
  time: number;
}

/**
 * Announces restore point writes to webhook subscribers as ARM events and retries failed deliveries with
 * exponential backoff on the clock, within Event Grid's bounds (30 attempts, 24 hours). Every delivery still
 * owed lives in `state.pendingDeliveries`, so a simulator restarted from its state file resumes them.
 */
export class EventPublisher {
  private readonly scheduled = new Map<PendingDelivery, ScheduledCallback>();
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private closed = false;
  readonly deliveryLog: DeliveryLogEntry[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly state: { eventSubscriptions: EventSubscription[]; pendingDeliveries: PendingDelivery[] },
    private readonly ids: IdGenerator,
    private readonly tenantId: string,
    private readonly onChange: () => void,
  ) {
    // After a restart: what was waiting or in flight when the simulator stopped is attempted again.
    for (const delivery of state.pendingDeliveries) {
      this.schedule(delivery);
    }
  }

  announce(write: WriteAnnouncement): void {
    const now = this.clock.now();
    const deliveries: PendingDelivery[] = [];
    for (const subscription of this.state.eventSubscriptions) {
      const copies = subscription.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        deliveries.push({
          url: subscription.url,
          schema: subscription.schema,
          event: this.buildEvent(subscription, write),
          attempt: 1,
          firstAttemptAt: now,
          dueAt: now,
        });
      }
    }
    if (deliveries.length === 0) {
      return;
    }
    this.state.pendingDeliveries.push(...deliveries);
    this.onChange();
    for (const delivery of deliveries) {
      this.attempt(delivery);
    }
  }

  /**
   * Forgets the deliveries owed to `url`, as Event Grid does when a subscription is deleted. One in flight
   * finishes, but is not retried.
   */
  forget(url: string): void {
    const kept = this.state.pendingDeliveries.filter((delivery) => {
      if (delivery.url !== url) {
        return true;
      }
      this.scheduled.get(delivery)?.cancel();
      this.scheduled.delete(delivery);
      return false;
    });
    this.state.pendingDeliveries.splice(0, this.state.pendingDeliveries.length, ...kept);
  }

  /**
   * Stops delivering. Deliveries in flight are aborted and stay owed, at the attempt they were making,
   * so a restart sends them again (at least once, as Event Grid). Resolves once none is running.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.scheduled.values()) {
      handle.cancel();
    }
    this.scheduled.clear();
    for (const controller of this.inFlight.values()) {
      controller.abort();
    }
    await Promise.all(this.inFlight.keys());
  }

  private buildEvent(subscription: EventSubscription, write: WriteAnnouncement): Record<string, unknown> {
    const { subscriptionId, resourceGroup } = resourceGroupOf(write.resourceId);
    const topic = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
    const id = this.ids.next();
    const time = new Date(write.time).toISOString();
    const data = this.buildData(write, subscriptionId);
    return subscription.schema === 'EventGrid'
      ? {
          id,
          topic,
          subject: write.resourceId,
          eventType: WRITE_SUCCESS,
          eventTime: time,
          data,
          dataVersion: '2',
          metadataVersion: '1',
        }
      : { id, source: topic, subject: write.resourceId, type: WRITE_SUCCESS, time, data, specversion: '1.0' };
  }

  private buildData(write: WriteAnnouncement, subscriptionId: string): Record<string, unknown> {
    // A synthetic service principal: claims describe the caller, never carry a token.
    const principalId = guidFrom(`principal:${this.tenantId}`);
    const issuedAt = Math.floor(write.time / 1000);
    return {
      authorization: {
        scope: write.resourceId,
        action: RESTORE_POINT_WRITE,
        evidence: {
          role: 'Virtual Machine Contributor',
          roleAssignmentScope: `/subscriptions/${subscriptionId}`,
          roleAssignmentId: guidFrom(`assignment:${subscriptionId}`).replace(/-/g, ''),
          roleDefinitionId: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
          principalId: principalId.replace(/-/g, ''),
          principalType: 'ServicePrincipal',
        },
      },
      claims: {
        aud: 'https://management.azure.com/',
        iss: `https://sts.windows.net/${this.tenantId}/`,
        iat: String(issuedAt - 300),
        nbf: String(issuedAt - 300),
        exp: String(issuedAt + 3300),
        appid: guidFrom(`app:${this.tenantId}`),
        appidacr: '2',
        idtyp: 'app',
        'http://schemas.microsoft.com/identity/claims/objectidentifier': principalId,
        'http://schemas.microsoft.com/identity/claims/tenantid': this.tenantId,
        ver: '1.0',
      },
      correlationId: write.correlationId,
      resourceProvider: 'Microsoft.Compute',
      resourceUri: write.resourceId,
      operationName: RESTORE_POINT_WRITE,
      status: 'Succeeded',
      subscriptionId,
      tenantId: this.tenantId,
    };
  }

  private schedule(delivery: PendingDelivery): void {
    const handle = this.clock.schedule(delivery.dueAt, () => {
      this.scheduled.delete(delivery);
      this.attempt(delivery);
    });
    this.scheduled.set(delivery, handle);
  }

  private attempt(delivery: PendingDelivery): void {
    if (this.closed) {
      return;
    }
    const subscription = this.state.eventSubscriptions.find(
      (s) => s.url === delivery.url && s.schema === delivery.schema,
    );
    if (!subscription) {
      // Unsubscribed meanwhile: nobody is owed this event any more.
      this.settle(delivery);
      this.onChange();
      return;
    }
    const controller = new AbortController();
    const work = this.deliver(subscription, delivery, controller).finally(() => this.inFlight.delete(work));
    this.inFlight.set(work, controller);
    void this.clock.track(work);
  }

  private settle(delivery: PendingDelivery): void {
    const index = this.state.pendingDeliveries.indexOf(delivery);
    if (index >= 0) {
      this.state.pendingDeliveries.splice(index, 1);
    }
  }

  private async deliver(
    subscription: EventSubscription,
    delivery: PendingDelivery,
    controller: AbortController,
  ): Promise<void> {
    const { event, attempt, firstAttemptAt } = delivery;
    const timeout = setTimeout(() => controller.abort(), DELIVERY_TIMEOUT_MS);
    let status = 0;
    try {
      const response = await fetch(subscription.url, {
        method: 'POST',
        headers: {
          'content-type':
            subscription.schema === 'EventGrid'
              ? 'application/json'
              : 'application/cloudevents-batch+json; charset=utf-8',
          'aeg-event-type': 'Notification',
          'aeg-delivery-count': String(attempt - 1),
          ...subscription.headers,
        },
        body: JSON.stringify([event]),
        signal: controller.signal,
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      // Connection refused, reset or timed out: status stays 0 and the delivery is retried.
    } finally {
      clearTimeout(timeout);
    }
    // Aborted by close(): the delivery stays owed as it was, for the restarted simulator.
    if (this.closed && status === 0) {
      return;
    }
    const now = this.clock.now();
    const entry = {
      url: subscription.url,
      eventId: String(event.id),
      subject: String(event.subject),
      attempt,
      status,
      time: now,
    };
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
    const retryAt = now + delay;
    const unsubscribed = !this.state.pendingDeliveries.includes(delivery);
    if (status >= 200 && status < 300) {
      this.deliveryLog.push({ ...entry, outcome: 'delivered' });
      this.settle(delivery);
    } else if (
      unsubscribed ||
      NOT_RETRIED.has(status) ||
      attempt >= MAX_ATTEMPTS ||
      retryAt - firstAttemptAt > EVENT_TTL_MS
    ) {
      this.deliveryLog.push({ ...entry, outcome: 'dropped' });
      this.settle(delivery);
    } else {
      this.deliveryLog.push({ ...entry, outcome: 'retrying' });
      delivery.attempt = attempt + 1;
      delivery.dueAt = retryAt;
      if (!this.closed) {
        this.schedule(delivery);
      }
    }
    this.onChange();
  }
}
