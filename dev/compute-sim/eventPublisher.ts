import type { Clock, ScheduledCallback } from '../clock';
import type { IdGenerator } from './ids';
import { guidFrom, resourceGroupOf } from './ids';
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
 * exponential backoff on the clock, within Event Grid's bounds (30 attempts, 24 hours).
 */
export class EventPublisher {
  private readonly pending = new Set<ScheduledCallback>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;
  readonly deliveryLog: DeliveryLogEntry[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly subscriptions: () => readonly EventSubscription[],
    private readonly ids: IdGenerator,
    private readonly tenantId: string,
  ) {}

  announce(write: WriteAnnouncement): void {
    for (const subscription of this.subscriptions()) {
      const copies = subscription.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const event = this.buildEvent(subscription, write);
        this.attempt(subscription, event, 1, this.clock.now());
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const handle of this.pending) handle.cancel();
    this.pending.clear();
    for (const controller of this.inFlight) controller.abort();
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

  private attempt(
    subscription: EventSubscription,
    event: Record<string, unknown>,
    attempt: number,
    firstAttemptAt: number,
  ): void {
    if (this.closed) return;
    void this.clock.track(this.deliver(subscription, event, attempt, firstAttemptAt));
  }

  private async deliver(
    subscription: EventSubscription,
    event: Record<string, unknown>,
    attempt: number,
    firstAttemptAt: number,
  ): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
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
      this.inFlight.delete(controller);
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
    if (status >= 200 && status < 300) {
      this.deliveryLog.push({ ...entry, outcome: 'delivered' });
      return;
    }
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
    const retryAt = now + delay;
    if (
      this.closed ||
      NOT_RETRIED.has(status) ||
      attempt >= MAX_ATTEMPTS ||
      retryAt - firstAttemptAt > EVENT_TTL_MS
    ) {
      this.deliveryLog.push({ ...entry, outcome: 'dropped' });
      return;
    }
    this.deliveryLog.push({ ...entry, outcome: 'retrying' });
    const handle = this.clock.schedule(retryAt, () => {
      this.pending.delete(handle);
      this.attempt(subscription, event, attempt + 1, firstAttemptAt);
    });
    this.pending.add(handle);
  }
}
