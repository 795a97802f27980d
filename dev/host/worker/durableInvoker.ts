import type {
  ActivityInvocationResult,
  DurableFunctionKind,
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
