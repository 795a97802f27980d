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
  for (const hook of hooks) {
    await hook(context as Record<string, unknown>);
  }
}

interface SharedHookState {
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
  invocationContext: unknown;
}

/**
 * Builds a hook context the way the worker does: the shared state is exposed through getters whose setters
 * throw (hooks may mutate hookData but not replace it), followed by the hook's own writable fields.
 */
function hookContext<T extends object>(shared: SharedHookState, own: T): T & Readonly<SharedHookState> {
  const target = {};
  for (const name of ['hookData', 'appHookData', 'invocationContext'] as const) {
    const value = shared[name];
    Object.defineProperty(target, name, {
      get: () => value,
      set: () => readOnly(name),
      enumerable: true,
      configurable: true,
    });
  }
  return Object.assign(target, own) as T & Readonly<SharedHookState>;
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

  const shared: SharedHookState = { hookData, appHookData, invocationContext: context };
  const preContext = hookContext(shared, { functionCallback: registered.callback, inputs: initialInputs });
  coreContext.state = 'preInvocationHooks';
  try {
    await executeHooks(registrations.hooksFor('preInvocation'), preContext);
  } finally {
    coreContext.state = undefined;
  }

  const postContext = hookContext<{ inputs: unknown[]; result: unknown; error: unknown }>(shared, {
    inputs: preContext.inputs,
    result: null,
    error: null,
  });
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
