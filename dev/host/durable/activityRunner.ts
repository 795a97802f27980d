import type { HistoryEvent } from '../contract';
import type { ActivityRow } from './durableStore';
import type { EngineContext } from './engineContext';
import { EventType, historyEvent } from './historyEvents';

/** Invokes one scheduled activity and queues its TaskCompleted/TaskFailed for the orchestrator. */
export async function runActivity(engine: EngineContext, item: ActivityRow): Promise<void> {
  const failureFormat = engine.settings.failureFormat;
  let event: HistoryEvent;
  try {
    const result = await engine.invoker.invokeActivity(item.name, item.input);
    const now = engine.clock.now();
    event = result.ok
      ? historyEvent(EventType.TaskCompleted, now, {
          TaskScheduledId: item.taskId,
          Result: result.resultJson,
        })
      : taskFailedEvent(item.name, item.taskId, result.error, now, failureFormat);
  } catch (error) {
    // The invoker reports user errors as results; a throw means the invocation machinery broke.
    const message = error instanceof Error ? error.message : String(error);
    engine.log('error', `Activity '${item.name}' could not be invoked: ${message}`);
    event = taskFailedEvent(
      item.name,
      item.taskId,
      { name: 'Error', message: `The dev host could not invoke the activity: ${message}` },
      engine.clock.now(),
      failureFormat,
    );
  }
  if (engine.stopped) {
    return;
  }
  const now = engine.clock.now();
  const store = engine.store;
  store.transaction(() => {
    if (!store.deleteActivity(item.id)) {
      return;
    }
    store.insertMessage({
      instanceId: item.instanceId,
      executionId: item.executionId,
      event,
      visibleAt: now,
    });
  });
}

function taskFailedEvent(
  name: string,
  taskId: number,
  error: { name: string; message: string; stack?: string },
  now: number,
  failureFormat: 'legacy' | 'failureDetails',
): HistoryEvent {
  // The Functions host wraps a worker failure in an RpcException whose message is
  // "Result: Failure\nException: <message>\nStack: <stack>", and the extension's
  // OutOfProcExceptionHelpers takes the text between the labels as the friendly message, so it keeps
  // the space after "Exception:" (seen on the real extension: "failed:  attempt 1 failed").
  const rpcMessage = `Result: Failure\nException: ${error.message}\nStack: ${error.stack ?? ''}`;
  const messageStart = rpcMessage.indexOf('\nException:') + '\nException:'.length;
  const friendly = rpcMessage.slice(messageStart, rpcMessage.indexOf('\nStack:'));
  const reason = `Activity function '${name}' failed: ${friendly}`;
  const details = JSON.stringify({
    $type: 'System.Exception, System.Private.CoreLib',
    ClassName: 'System.Exception',
    Message: friendly,
    Data: null,
    InnerException: {
      $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
      ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
      Message: rpcMessage,
      RemoteStackTraceString: error.stack ?? null,
    },
    HelpURL: null,
    StackTraceString: null,
    RemoteStackTraceString: null,
    RemoteStackIndex: 0,
    ExceptionMethod: null,
    HResult: -2146233088,
    Source: null,
    WatsonBuckets: null,
  });
  const fields: Record<string, unknown> = { TaskScheduledId: taskId, Reason: reason, Details: details };
  if (failureFormat === 'failureDetails') {
    fields.FailureDetails = {
      ErrorType: error.name,
      ErrorMessage: error.message,
      StackTrace: error.stack ?? null,
      IsNonRetriable: false,
      Properties: null,
      InnerFailure: null,
    };
  }
  return historyEvent(EventType.TaskFailed, now, fields);
}
