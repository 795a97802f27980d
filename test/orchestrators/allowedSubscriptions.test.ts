import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config';
import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../../src/domain/copyContracts';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { SUBSCRIPTION, createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const FOREIGN = '99999999-0000-0000-0000-000000000000';
const foreign = (id: string): string => id.replace(SUBSCRIPTION, FOREIGN);

/** The identity never reaches outside RPCOPY_ALLOWED_SUBSCRIPTIONS, whichever path asks. */
describe('allowed subscriptions on every path, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const armSubscriptions = (): string[] =>
    [...new Set(stack.h.sim.requestLog.map((entry) => entry.subscriptionId ?? ''))].filter((id) => id !== '');

  async function postEvent(event: unknown): Promise<number> {
    const response = await fetch(
      `${stack.host.baseUrl}/runtime/webhooks/eventgrid?functionName=startCopyEventGrid&code=${stack.host.eventGridKey}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify([event]),
      },
    );
    return response.status;
  }

  it('ignores ARM events about a foreign subscription, in both schemas, without reading it', async () => {
    // Prepare: the same write announced for the allowed subscription is the control.
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    const allowed = await createSourceRestorePoint(stack.h, 'rp1');
    const event = (schema: 'cloudevents' | 'eventgrid', resource: string): Record<string, unknown> => {
      const data = {
        operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
        resourceUri: resource,
        status: 'Succeeded',
      };
      return schema === 'cloudevents'
        ? {
            specversion: '1.0',
            id: `c-${resource}`,
            source: resource.split('/resourceGroups/')[0],
            type: 'Microsoft.Resources.ResourceWriteSuccess',
            subject: resource,
            data,
          }
        : {
            id: `e-${resource}`,
            topic: resource.split('/resourceGroups/')[0],
            eventType: 'Microsoft.Resources.ResourceWriteSuccess',
            subject: resource,
            eventTime: new Date(stack.clock.now()).toISOString(),
            dataVersion: '',
            metadataVersion: '1',
            data,
          };
    };
    stack.h.sim.clearRequestLog();

    // Act
    const statuses = [
      await postEvent(event('cloudevents', foreign(allowed))),
      await postEvent(event('eventgrid', foreign(allowed))),
      await postEvent(event('cloudevents', allowed)),
    ];
    const list = (await stack.api('GET', 'copies')).body as { copies: CopyDocument[] };

    // Assess
    expect(statuses).toEqual([202, 202, 202]);
    expect(list.copies.map((copy) => copy.id).sort()).toEqual(
      ['westus2', 'centralus'].map((region) => copyIdFor(allowed, region)).sort(),
    );
    expect(armSubscriptions()).toEqual([SUBSCRIPTION]);
  });

  it('reconciles only the allowed subscriptions', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.clearRequestLog();

    // Act
    await stack.host.fireTimer('reconcileCopiesTimer');
    await Promise.all(
      ['westus2', 'centralus'].map((region) =>
        stack.waitForCopy(copyIdFor(restorePointId('src', 'rp1'), region)),
      ),
    );

    // Assess
    expect(armSubscriptions()).toEqual([SUBSCRIPTION]);
  });

  it('fails an orchestration started for a foreign source with permission, without calling ARM', async () => {
    // Prepare: a start that bypasses every trigger, as an operator with the durable client could do.
    stack = await startAppStack();
    const source = foreign(restorePointId('src', 'rp1'));
    const id = copyIdFor(source, 'westus2');
    const input: CopyOrchestrationInput = {
      copyId: id,
      sourceRestorePointId: source,
      sourceCollectionId: source.replace(/\/restorePoints\/rp1$/, ''),
      targetRegion: 'westus2',
      requestedBy: 'reconcile',
      requestedAt: new Date(stack.clock.now()).toISOString(),
      settings: loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUBSCRIPTION }).copy,
    };
    stack.h.sim.clearRequestLog();

    // Act
    await stack.host.getClient().startNew(ORCHESTRATOR_NAME, { instanceId: id, input });
    await stack.waitForCopy(id);
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Assess
    expect({ status: copy.status, usable: copy.usable, error: copy.error }).toEqual({
      status: 'Failed',
      usable: false,
      error: {
        category: 'permission',
        code: 'SubscriptionNotAllowed',
        message: `Subscription ${FOREIGN} is not in the allowed subscriptions.`,
        suggestion: expect.any(String) as string,
      },
    });
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Failed']);
    expect(stack.h.sim.requestLog).toEqual([]);
  });
});
