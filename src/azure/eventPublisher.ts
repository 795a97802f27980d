import type { TokenCredential } from '@azure/core-auth';
import type { EventGridPublisherClient } from '@azure/eventgrid';

import type { EventGridConfig } from '../config';
import type { CopyCloudEvent } from '../domain/copyEvents';
import { coreAuthSdk, eventGridSdk } from './lazySdk';
import type { ProtectionCloudEvent } from '../domain/protectionEvents';

/** Every event rpcopy sends. */
export type RpcopyCloudEvent = CopyCloudEvent | ProtectionCloudEvent;

/** Publishes `RestorePointCopy.*` events. */
export interface EventPublisher {
  /** False when no topic is configured (nothing was sent). Throws when the topic refused or was unreachable. */
  publishCopyEvent(event: RpcopyCloudEvent, options?: { abortSignal?: AbortSignal }): Promise<boolean>;
}

/**
 * Event Grid topic publisher in the CloudEvents 1.0 schema.
 *
 * @remarks With a key the topic may be `http://` (a local sink), so the insecure connection is allowed only in
 * that case; without a key the managed identity's bearer token needs `https://`.
 */
export class EventGridEventPublisher implements EventPublisher {
  private readonly client: EventGridPublisherClient<'CloudEvent'>;

  constructor(endpoint: string, credential: { key: string } | { tokenCredential: TokenCredential }) {
    const insecure = endpoint.toLowerCase().startsWith('http://');
    this.client = new (eventGridSdk().EventGridPublisherClient)(
      endpoint,
      'CloudEvent',
      'key' in credential
        ? new (coreAuthSdk().AzureKeyCredential)(credential.key)
        : credential.tokenCredential,
      {
        ...(insecure ? { allowInsecureConnection: true } : {}),
        retryOptions: { maxRetries: 2, maxRetryDelayInMs: 10_000 },
      },
    );
  }

  async publishCopyEvent(
    event: RpcopyCloudEvent,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<boolean> {
    await this.client.send(
      [
        {
          id: event.id,
          type: event.type,
          source: event.source,
          subject: event.subject,
          time: new Date(event.time),
          datacontenttype: event.datacontenttype,
          data: event.data,
        },
      ],
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );
    return true;
  }
}

/** Used when no topic is configured. */
export class DisabledEventPublisher implements EventPublisher {
  publishCopyEvent(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

export function createEventPublisher(
  config: EventGridConfig,
  tokenCredential: () => TokenCredential,
): EventPublisher {
  if (config.endpoint === undefined) {
    return new DisabledEventPublisher();
  }
  return new EventGridEventPublisher(
    config.endpoint,
    config.key === undefined ? { tokenCredential: tokenCredential() } : { key: config.key },
  );
}
