/** The `durableClient` input binding payload (the extension's `DurableOrchestrationClientToString`). */
export interface DurableClientPayload {
  taskHubName: string;
  connectionName: string | null;
  creationUrls: {
    createNewInstancePostUri: string;
    createAndWaitOnNewInstancePostUri: string;
  };
  managementUrls: {
    id: string;
    statusQueryGetUri: string;
    sendEventPostUri: string;
    terminatePostUri: string;
    rewindPostUri: string;
    purgeHistoryDeleteUri: string;
    restartPostUri: string;
    suspendPostUri: string;
    resumePostUri: string;
  };
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl?: string;
  /** The members below are null for Node apps on extension 3.19.0 (test/fixtures/real-durable). */
  httpBaseUrl: string | null;
  maxGrpcMessageSizeInBytes: number | null;
  grpcHttpClientTimeout: string | null;
}

export interface DurableClientPayloadOptions {
  /** Scheme, host and port the host serves on, without a trailing slash, e.g. `http://127.0.0.1:7071`. */
  origin: string;
  taskHubName: string;
  /** The key put in `code=` (the extension uses the `durabletask_extension` system key). */
  key: string;
  /** Connection name echoed in the management URLs; the extension uses the storage connection name. */
  connectionName?: string;
  /** When set, the client sends every call there instead (the extension's local RPC endpoint). */
  rpcBaseUrl?: string;
}

/** Builds the payload the extension hands to every `durableClient` binding. */
export function buildDurableClientPayload(options: DurableClientPayloadOptions): DurableClientPayload {
  const base = `${options.origin}/runtime/webhooks/durabletask`;
  const code = `code=${encodeURIComponent(options.key)}`;
  const instanceQuery = `taskHub=${encodeURIComponent(options.taskHubName)}&connection=${encodeURIComponent(
    options.connectionName ?? 'Storage',
  )}&${code}`;
  const instance = `${base}/instances/INSTANCEID`;
  const payload: Omit<
    DurableClientPayload,
    'httpBaseUrl' | 'maxGrpcMessageSizeInBytes' | 'grpcHttpClientTimeout'
  > = {
    taskHubName: options.taskHubName,
    connectionName: null,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${instanceQuery}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${instanceQuery}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${instanceQuery}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${instanceQuery}`,
      purgeHistoryDeleteUri: `${instance}?${instanceQuery}`,
      restartPostUri: `${instance}/restart?${instanceQuery}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${instanceQuery}`,
      resumePostUri: `${instance}/resume?reason={text}&${instanceQuery}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: code,
  };
  if (options.rpcBaseUrl !== undefined) {
    payload.rpcBaseUrl = options.rpcBaseUrl;
  }
  return { ...payload, httpBaseUrl: null, maxGrpcMessageSizeInBytes: null, grpcHttpClientTimeout: null };
}
