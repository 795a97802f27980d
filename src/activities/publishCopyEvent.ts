import type { PublishCopyEventInput, PublishCopyEventResult } from '../domain/copyContracts';
import { buildCopyEvent } from '../domain/copyEvents';
import type { ActivityContext, ActivityDeps } from './activityTypes';

export async function publishCopyEvent(
  deps: Pick<ActivityDeps, 'events' | 'eventGrid' | 'now'>,
  input: PublishCopyEventInput,
  context: ActivityContext,
): Promise<PublishCopyEventResult> {
  // The event time is when the copy changed state (from the orchestration's clock), so a redelivered or
  // republished event is identical.
  const time =
    input.type === 'RestorePointCopy.Started'
      ? (input.document.startedAt ?? deps.now().toISOString())
      : (input.document.completedAt ?? deps.now().toISOString());
  const event = buildCopyEvent(input.type, input.document, deps.eventGrid.source, time);
  const published = await deps.events.publishCopyEvent(event);
  if (!published) {
    context.log.warn(`No Event Grid topic configured; not published: ${event.type} ${event.id}`);
  }
  return { published };
}
