import type {
  ActivityInvocationResult,
  DurableFunctionKind,
  EntityBatchRequest,
  EntityBatchResult,
  EntityInvocationResult,
  FunctionInvoker,
  OrchestrationTriggerPayload,
  OrchestratorInvocationResult,
  OrchestratorState,
} from '../contract';
import type { RpcInvocationResponse, RpcTypedData } from './coreTypes';

/** The separator durable-functions puts between its message and the OrchestratorState (§3.5). */
export const OUT_OF_PROC_DATA_LABEL = '\n\n$OutOfProcData$:';

/** What the durable invoker needs from the loaded app. */
export interface TriggerInvoker {
  triggerType(name: string): string | undefined;
  /** Every registered function name, in registration order. */
  functionNames(): string[];
  invokeTrigger(name: string, data: RpcTypedData | undefined): Promise<RpcInvocationResponse>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isOrchestratorState(value: unknown): value is OrchestratorState {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isDone?: unknown }).isDone === 'boolean' &&
    Array.isArray((value as { actions?: unknown }).actions)
  );
}

/**
 * Maps an activity's `returnValue` to the JSON text the extension stores in `TaskCompleted.Result`
 * (§6.6). Falsy values must survive: `0`, `false` and `""` are results, only "no value" is null.
 */
export function activityResultJson(returnValue: RpcTypedData | null | undefined): string | null {
  if (returnValue === null || returnValue === undefined) {
    return null;
  }
  if (returnValue.string !== undefined && returnValue.string !== null) {
    return JSON.stringify(returnValue.string);
  }
  if (returnValue.json !== undefined && returnValue.json !== null) {
    return returnValue.json;
  }
  if (returnValue.int !== undefined && returnValue.int !== null) {
    return String(returnValue.int);
  }
  if (returnValue.double !== undefined && returnValue.double !== null) {
    return JSON.stringify(returnValue.double);
  }
  if (returnValue.bytes !== undefined && returnValue.bytes !== null) {
    // Newtonsoft serializes a byte[] result as a base64 string.
    return JSON.stringify(Buffer.from(returnValue.bytes).toString('base64'));
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text the extension's Newtonsoft reads into a `string` member: strings as they are, other values as JSON. */
function stringMember(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Reads the entity function's reply the way `JObject.ToObject<OutOfProcResult>()` does: missing members
 * take their defaults, and anything that cannot be an OutOfProcResult is refused with the reason.
 */
export function parseEntityBatchResult(value: unknown): EntityBatchResult | string {
  if (!isRecord(value)) {
    return `the entity function returned ${JSON.stringify(value ?? null)}, not an object`;
  }
  const results: EntityBatchResult['results'] = [];
  for (const raw of Array.isArray(value.results) ? (value.results as unknown[]) : []) {
    if (!isRecord(raw)) {
      return `an operation result is ${JSON.stringify(raw ?? null)}, not an object`;
    }
    results.push({
      result: stringMember(raw.result),
      isError: raw.isError === true,
      duration: typeof raw.duration === 'number' ? raw.duration : 0,
    });
  }
  const signals: EntityBatchResult['signals'] = [];
  for (const raw of Array.isArray(value.signals) ? (value.signals as unknown[]) : []) {
    const target = isRecord(raw) ? raw.target : undefined;
    if (
      !isRecord(raw) ||
      !isRecord(target) ||
      typeof target.name !== 'string' ||
      typeof target.key !== 'string'
    ) {
      return `a signal ${JSON.stringify(raw ?? null)} has no target entity`;
    }
    if (target.name === '') {
      return 'a signal targets an entity with an empty name';
    }
    signals.push({
      target: { name: target.name, key: target.key },
      name: typeof raw.name === 'string' ? raw.name : '',
      input: stringMember(raw.input),
    });
  }
  return {
    entityExists: value.entityExists === true,
    entityState: stringMember(value.entityState),
    results,
    signals,
  };
}

/** The worker side of the contract: runs orchestrator and activity functions through the pipeline. */
export class DurableFunctionInvoker implements FunctionInvoker {
  constructor(private readonly app: TriggerInvoker) {}

  hasFunction(name: string, kind: DurableFunctionKind): boolean {
    return this.app.triggerType(name)?.toLowerCase() === kind.toLowerCase();
  }

  async invokeOrchestrator(
    name: string,
    payload: OrchestrationTriggerPayload,
  ): Promise<OrchestratorInvocationResult> {
    if (!this.hasFunction(name, 'orchestrationTrigger')) {
      // The extension's own words (GetInvalidOrchestratorFunctionMessage), recorded in
      // test/fixtures/real-durable/management-api.json: the instance fails with them on its first episode.
      const known = this.app
        .functionNames()
        .filter((known) => this.hasFunction(known, 'orchestrationTrigger'));
      return {
        kind: 'infrastructureError',
        message:
          `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function. Additional info: ` +
          (known.length > 0
            ? `The following are the known orchestrator functions: '${known.join("', '")}'.`
            : 'No orchestrator functions are currently registered!'),
      };
    }
    let response: RpcInvocationResponse;
    try {
      response = await this.app.invokeTrigger(name, { string: JSON.stringify(payload) });
    } catch (error) {
      const message = errorMessage(error);
      const labelAt = message.indexOf(OUT_OF_PROC_DATA_LABEL);
      if (labelAt < 0) {
        return { kind: 'infrastructureError', message };
      }
      const stateJson = message.slice(labelAt + OUT_OF_PROC_DATA_LABEL.length);
      let state: unknown;
      try {
        state = JSON.parse(stateJson);
      } catch {
        return { kind: 'infrastructureError', message: `Unparseable $OutOfProcData$ in: ${message}` };
      }
      if (!isOrchestratorState(state)) {
        return { kind: 'infrastructureError', message: `Malformed $OutOfProcData$ state in: ${message}` };
      }
      return { kind: 'orchestratorError', state, messageBeforeLabel: message.slice(0, labelAt) };
    }
    const json = response.returnValue?.json;
    if (typeof json !== 'string') {
      return {
        kind: 'infrastructureError',
        message: `Orchestrator '${name}' returned no OrchestratorState (returnValue ${JSON.stringify(response.returnValue ?? null)})`,
      };
    }
    const state = JSON.parse(json) as unknown;
    if (!isOrchestratorState(state)) {
      return {
        kind: 'infrastructureError',
        message: `Orchestrator '${name}' returned a malformed state: ${json}`,
      };
    }
    return { kind: 'state', state };
  }

  /** One invocation per batch, as the extension runs an out-of-process entity (`ExecuteOutOfProcBatch`). */
  async invokeEntity(name: string, request: EntityBatchRequest): Promise<EntityInvocationResult> {
    if (!this.hasFunction(name, 'entityTrigger')) {
      return {
        kind: 'infrastructureError',
        message: `The function '${name}' doesn't exist or is not an entity.`,
      };
    }
    let response: RpcInvocationResponse;
    try {
      response = await this.app.invokeTrigger(name, { string: JSON.stringify(request) });
    } catch (error) {
      return { kind: 'infrastructureError', message: errorMessage(error) };
    }
    const returned = response.returnValue;
    let value: unknown;
    try {
      // An object comes back as JSON text; any other return value is taken as it is, and refused below.
      value =
        typeof returned?.json === 'string' ? JSON.parse(returned.json) : (returned?.string ?? undefined);
    } catch (error) {
      return {
        kind: 'infrastructureError',
        message: `Out of proc orchestrators must return a valid JSON schema: ${errorMessage(error)}`,
      };
    }
    const parsed = parseEntityBatchResult(value);
    return typeof parsed === 'string'
      ? {
          kind: 'infrastructureError',
          message: `Out of proc orchestrators must return a valid JSON schema: ${parsed}`,
        }
      : { kind: 'result', result: parsed };
  }

  async invokeActivity(name: string, inputJson: string | undefined): Promise<ActivityInvocationResult> {
    if (!this.hasFunction(name, 'activityTrigger')) {
      return {
        ok: false,
        error: { name: 'Error', message: `The function '${name}' doesn't exist or is not an activity.` },
      };
    }
    try {
      const response = await this.app.invokeTrigger(
        name,
        inputJson === undefined ? undefined : { string: inputJson },
      );
      return { ok: true, resultJson: activityResultJson(response.returnValue) };
    } catch (error) {
      if (error instanceof Error) {
        const failure: { name: string; message: string; stack?: string } = {
          name: error.name,
          message: error.message,
        };
        if (error.stack !== undefined) {
          failure.stack = error.stack;
        }
        return { ok: false, error: failure };
      }
      return { ok: false, error: { name: 'Error', message: String(error) } };
    }
  }
}
