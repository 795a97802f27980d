import { randomUUID } from 'node:crypto';

import type {
  CoreInvocationContext,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from './coreTypes';
import type { RegisteredFunction, Registrations } from './coreModule';

export interface LogEntry {
  level: RpcLogLevel;
  category: RpcLogCategory;
  functionName?: string;
  invocationId?: string;
  message: string;
}

export type LogSink = (entry: LogEntry) => void;

function readOnly(name: string): never {
  throw new TypeError(`Cannot assign to read only property "${name}"`);
}

async function executeHooks(hooks: ((context: Record<string, unknown>) => unknown)[], context: object) {
  // Sequential on purpose: hooks run in registration order and a throwing hook blocks the invocation.
  for (const hook of hooks) await hook(context as Record<string, unknown>);
}

export interface InvocationRequest {
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  retryContext?: { retryCount: number; maxRetryCount: number };
}

/**
 * Runs one invocation through the library's own pipeline, in the order the worker's InvocationHandler
 * uses: getInvocationModel → getArguments → preInvocation hooks → invokeFunction → postInvocation hooks →
 * getResponse. A handler error is rethrown after the post hooks (which may clear or replace it).
 */
export async function runInvocation(
  registrations: Registrations,
  appHookData: Record<string, unknown>,
  registered: RegisteredFunction,
  request: InvocationRequest,
  log: LogSink,
): Promise<RpcInvocationResponse> {
  const programmingModel = registrations.programmingModel;
  if (!programmingModel) {
    throw new Error('The app registered functions but no programming model; is @azure/functions loaded?');
  }
  const functionName = registered.metadata.name;
  const invocationId = randomUUID();
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: { invocationId, functionId: functionName, ...request },
    metadata: { name: functionName, bindings: registered.metadata.bindings },
    state: undefined,
    log(level, category, message) {
      log({ level, category, functionName, invocationId, message });
    },
  };

  const invocationModel = programmingModel.getInvocationModel(coreContext);
  const hookData: Record<string, unknown> = {};
  const { context, inputs: initialInputs } = await invocationModel.getArguments();

  const preContext = {
    get hookData() {
      return hookData;
    },
    set hookData(_value: unknown) {
      readOnly('hookData');
    },
    get appHookData() {
      return appHookData;
    },
    set appHookData(_value: unknown) {
      readOnly('appHookData');
    },
    get invocationContext() {
      return context;
    },
    set invocationContext(_value: unknown) {
      readOnly('invocationContext');
    },
    functionCallback: registered.callback,
    inputs: initialInputs,
  };
  coreContext.state = 'preInvocationHooks';
  try {
    await executeHooks(registrations.hooksFor('preInvocation'), preContext);
  } finally {
    coreContext.state = undefined;
  }

  const postContext = {
    get hookData() {
      return hookData;
    },
    set hookData(_value: unknown) {
      readOnly('hookData');
    },
    get appHookData() {
      return appHookData;
    },
    set appHookData(_value: unknown) {
      readOnly('appHookData');
    },
    get invocationContext() {
      return context;
    },
    set invocationContext(_value: unknown) {
      readOnly('invocationContext');
    },
    inputs: preContext.inputs,
    result: null as unknown,
    error: null as unknown,
  };
  coreContext.state = 'invocation';
  try {
    postContext.result = await invocationModel.invokeFunction(
      context,
      preContext.inputs,
      preContext.functionCallback,
    );
  } catch (error) {
    postContext.error = error;
  } finally {
    coreContext.state = undefined;
  }

  coreContext.state = 'postInvocationHooks';
  try {
    await executeHooks(registrations.hooksFor('postInvocation'), postContext);
  } finally {
    coreContext.state = undefined;
  }

  if (postContext.error !== null && postContext.error !== undefined) {
    // The worker rethrows only Error-like values; a thrown primitive is wrapped so callers get a message.
    throw postContext.error instanceof Error
      ? postContext.error
      : new Error(
          typeof postContext.error === 'string' ? postContext.error : JSON.stringify(postContext.error),
        );
  }
  return invocationModel.getResponse(context, postContext.result);
}
