import { EventGridDeserializer } from '@azure/eventgrid';
import { describe, expect, it } from 'vitest';

import { parseArmEvent } from '../../../src/domain/armEvents';
import { FIXTURE_SUBSCRIPTION, readFixture } from '../../support/fixtures';

const rpId = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourcegroups/rg1/providers/Microsoft.Compute/restorePointCollections/vm1-rpc/restorePoints/rp-0400`;
const canonical = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.Compute/restorePointCollections/vm1-rpc/restorePoints/rp-0400`;

/** The docs' Storage-account samples with a restore point write substituted, as the reference suggests. */
function sample(
  schema: 'eventgrid' | 'cloudevents',
  operation = 'Microsoft.Compute/restorePointCollections/restorePoints/write',
): Record<string, unknown> {
  const events = readFixture(`event-grid/ResourceWriteSuccess.${schema}-schema.json`, {
    '{resource-group}': 'rg1',
    '/providers/Microsoft.Storage/storageAccounts/{storage-name}':
      '/providers/Microsoft.Compute/restorePointCollections/vm1-rpc/restorePoints/rp-0400',
    'Microsoft.Storage/storageAccounts/write': operation,
    '"resourceProvider": "Microsoft.Storage"': '"resourceProvider": "Microsoft.Compute"',
  }) as Record<string, unknown>[];
  const event = events[0];
  if (event === undefined) {
    throw new Error('empty fixture');
  }
  return event;
}

describe('Azure Resource Manager events', () => {
  it('still parses with the Event Grid SDK after substitution (the samples stay realistic)', async () => {
    await expect(
      new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify([sample('eventgrid')])),
    ).resolves.toHaveLength(1);
    await expect(
      new EventGridDeserializer().deserializeCloudEvents(JSON.stringify([sample('cloudevents')])),
    ).resolves.toHaveLength(1);
  });

  it.each([{ schema: 'eventgrid' as const }, { schema: 'cloudevents' as const }])(
    'acts on a restore point write in the $schema schema',
    ({ schema }) => {
      expect(parseArmEvent(sample(schema))).toEqual({
        kind: 'restore-point-written',
        restorePointId: canonical,
        eventId: '4db48cba-50a2-455a-93b4-de41a3b5b7f6',
        schema,
      });
    },
  );

  it('matches the operation name case-insensitively', () => {
    expect(
      parseArmEvent(sample('eventgrid', 'MICROSOFT.COMPUTE/RESTOREPOINTCOLLECTIONS/RESTOREPOINTS/WRITE'))
        .kind,
    ).toBe('restore-point-written');
  });

  it('falls back to the subject when data has no resourceUri', () => {
    // Prepare
    const event = sample('cloudevents');
    const data = { ...(event.data as Record<string, unknown>) };
    delete data.resourceUri;

    // Act
    const parsed = parseArmEvent({ ...event, data, subject: rpId });

    // Assess
    expect(parsed).toMatchObject({ kind: 'restore-point-written', restorePointId: canonical });
  });

  it.each([
    {
      why: 'the untouched Storage sample',
      event: readFixture('event-grid/ResourceWriteSuccess.eventgrid-schema.json'),
      kind: 'ignored',
    },
    {
      why: 'a collection write',
      event: sample('eventgrid', 'Microsoft.Compute/restorePointCollections/write'),
      kind: 'ignored',
    },
    {
      why: 'a validation event',
      event: readFixture('event-grid/SubscriptionValidationEvent.json'),
      kind: 'ignored',
    },
    {
      why: 'a delete',
      event: { ...sample('eventgrid'), eventType: 'Microsoft.Resources.ResourceDeleteSuccess' },
      kind: 'ignored',
    },
  ])('ignores $why', ({ event, kind }) => {
    const single = Array.isArray(event) ? (event[0] as unknown) : event;
    expect(parseArmEvent(single).kind).toBe(kind);
  });

  it.each([
    { why: 'null', event: null },
    { why: 'a string', event: 'hello' },
    { why: 'an array', event: [] },
    { why: 'no type', event: { id: 'x', data: {} } },
    { why: 'data not an object', event: { ...sample('eventgrid'), data: 'x' } },
    { why: 'no operation name', event: { ...sample('eventgrid'), data: { resourceUri: rpId } } },
    {
      why: 'a resource that is not a restore point',
      event: {
        ...sample('eventgrid'),
        data: {
          operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
          resourceUri: '/x',
        },
      },
    },
    {
      why: 'a subject in another subscription than data.resourceUri',
      event: {
        ...sample('cloudevents'),
        subject: rpId.replace(FIXTURE_SUBSCRIPTION, '99999999-0000-0000-0000-000000000000'),
      },
    },
    {
      why: 'a resourceUri in another subscription than the subject',
      event: (() => {
        const event = sample('eventgrid');
        const data = event.data as Record<string, unknown>;
        return {
          ...event,
          data: {
            ...data,
            resourceUri: rpId.replace(FIXTURE_SUBSCRIPTION, '99999999-0000-0000-0000-000000000000'),
          },
        };
      })(),
    },
  ])('drops a malformed event: $why', ({ event }) => {
    expect(parseArmEvent(event).kind).toBe('malformed');
  });

  it.each([
    { why: 'event type', event: { specversion: '1.0', type: 'T'.repeat(1_000_000) } },
    {
      why: 'operation',
      event: {
        specversion: '1.0',
        type: 'Microsoft.Resources.ResourceWriteSuccess',
        data: { operationName: 'o'.repeat(1_000_000) },
      },
    },
  ])('quotes at most 300 characters of a 1 MB $why in its reason', ({ event }) => {
    // Act
    const parsed = parseArmEvent(event);

    // Assess
    expect(parsed.kind).toBe('ignored');
    expect(JSON.stringify(parsed).length).toBeLessThan(400);
  });
});
