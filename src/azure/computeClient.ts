import type { ComputeManagementClient } from '@azure/arm-compute';
import type { AccessToken, TokenCredential } from '@azure/core-auth';

import { armComputeSdk, identitySdk } from './lazySdk';

import type { ServerClock } from './serverClock';

/** How the app reaches Azure Resource Manager; everything else about the client is fixed. */
export interface ArmConnection {
  /**
   * ARM base URL (`RPCOPY_ARM_ENDPOINT`).
   * @default "https://management.azure.com"
   */
  endpoint: string;
  /**
   * Extra PEM CA certificate(s) to trust, for an endpoint with a private CA such as the local simulator
   * (`RPCOPY_ARM_CA_CERTIFICATE`: PEM text or a file path).
   * @default undefined (the system trust store only)
   */
  caCertificatePem?: string;
  /**
   * `default` uses DefaultAzureCredential (a managed identity in Azure). `static` presents a fixed opaque
   * token and exists for endpoints that do not validate tokens (the local simulator); configuration refuses
   * it with the public ARM endpoint (`RPCOPY_ARM_CREDENTIAL`).
   * @default "default"
   */
  credential: 'default' | 'static';
}

class StaticTokenCredential implements TokenCredential {
  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: 'rpcopy-local-token', expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

export function createCredential(connection: Pick<ArmConnection, 'credential'>): TokenCredential {
  return connection.credential === 'static'
    ? new StaticTokenCredential()
    : new (identitySdk().DefaultAzureCredential)();
}

/**
 * Builds the Compute client the app uses for every subscription.
 *
 * @remarks Retries are bounded: the SDK would otherwise honour a 429 `Retry-After` of up to an hour by
 * sleeping inside the activity. Throttling is surfaced to the orchestrator, which waits on a durable timer.
 */
export function createComputeClient(
  connection: ArmConnection,
  credential: TokenCredential,
  subscriptionId: string,
  serverClock?: ServerClock,
): ComputeManagementClient {
  return new (armComputeSdk().ComputeManagementClient)(credential, subscriptionId, {
    endpoint: connection.endpoint,
    ...(serverClock === undefined
      ? {}
      : { additionalPolicies: [{ policy: serverClock.policy(), position: 'perCall' as const }] }),
    ...(connection.caCertificatePem ? { tlsOptions: { ca: connection.caCertificatePem } } : {}),
    retryOptions: { maxRetries: 0 },
  });
}
