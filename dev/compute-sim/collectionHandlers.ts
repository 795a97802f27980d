import { ArmError } from './armError';
import { renderCollection, renderRestorePoint } from './armViews';
import { idKey, parseComputeId } from './ids';
import type { ModelContext } from './modelContext';
import type { ArmRequest, ArmResponse } from './modelSupport';
import {
  asString,
  asTags,
  expandOf,
  isObject,
  notFound,
  requireLocation,
  requireObjectBody,
} from './modelSupport';
import type { CollectionRecord } from './stateStore';

/** Restore point collections: local ones (source: a VM) and copy targets (source: another collection). */
export function putCollection(context: ModelContext, id: string, request: ArmRequest): ArmResponse {
  const body = requireObjectBody(request.body);
  const existing = context.resources.collection(id);
  if (existing?.deleteOperationId) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point collection '${existing.name}' is being deleted; retry once the deletion has finished.`,
    );
  }
  const region = requireLocation(body);
  const properties = isObject(body.properties) ? body.properties : {};
  const source = isObject(properties.source) ? properties.source : {};
  const sourceId = asString(source.id);
  if (!sourceId) {
    throw new ArmError(
      400,
      'InvalidParameter',
      "'properties.source.id' is required: the id of the source virtual machine, or of the source restore point collection for a cross-region copy.",
      { target: 'properties.source.id' },
    );
  }
  const sourceLocation = locationOfSource(context, sourceId);
  if (existing) {
    if (existing.location !== region) {
      throw new ArmError(
        409,
        'PropertyChangeNotAllowed',
        `Changing property 'location' is not allowed (it is '${existing.location}').`,
        { target: 'location' },
      );
    }
    if (idKey(existing.sourceId) !== idKey(sourceId)) {
      throw new ArmError(
        409,
        'PropertyChangeNotAllowed',
        `Changing property 'properties.source.id' is not allowed (it is '${existing.sourceId}').`,
        { target: 'properties.source.id' },
      );
    }
  }
  const tags = asTags(body.tags);
  const collection: CollectionRecord = {
    id: existing?.id ?? id,
    name: existing?.name ?? parseComputeId(id)?.names[0] ?? '',
    location: region,
    ...(tags ? { tags } : {}),
    sourceId: existing?.sourceId ?? sourceId,
    sourceLocation,
    collectionGuid: existing?.collectionGuid ?? context.ids.next(),
    ...(typeof properties.instantAccess === 'boolean' ? { instantAccess: properties.instantAccess } : {}),
  };
  context.resources.saveCollection(collection);
  context.changes.commit();
  return { status: existing ? 200 : 201, body: renderCollection(collection) };
}

function locationOfSource(context: ModelContext, sourceId: string): string {
  const type = parseComputeId(sourceId)?.type;
  if (type === 'virtualmachines') {
    const vm = context.resources.vm(sourceId);
    if (!vm) {
      throw new ArmError(404, 'ResourceNotFound', `The source virtual machine '${sourceId}' was not found.`, {
        target: 'properties.source.id',
      });
    }
    return vm.location;
  }
  if (type === 'restorepointcollections') {
    const sourceCollection = context.resources.collection(sourceId);
    if (!sourceCollection) {
      throw new ArmError(
        404,
        'ResourceNotFound',
        `The source restore point collection '${sourceId}' was not found.`,
        { target: 'properties.source.id' },
      );
    }
    return sourceCollection.location;
  }
  throw new ArmError(
    400,
    'InvalidParameter',
    `'properties.source.id' must be a virtual machine or restore point collection id, got '${sourceId}'.`,
    { target: 'properties.source.id' },
  );
}

export function patchCollection(context: ModelContext, id: string, request: ArmRequest): ArmResponse {
  const collection = requireCollection(context, id);
  const body = requireObjectBody(request.body);
  const tags = asTags(body.tags);
  if (tags) {
    collection.tags = tags;
  }
  const properties = isObject(body.properties) ? body.properties : {};
  if (typeof properties.instantAccess === 'boolean') {
    collection.instantAccess = properties.instantAccess;
  }
  context.resources.saveCollection(collection);
  context.changes.commit();
  return { status: 200, body: renderCollection(collection) };
}

export function getCollection(context: ModelContext, id: string, request: ArmRequest): ArmResponse {
  const collection = requireCollection(context, id);
  const expand = expandOf(request, 'restorePoints');
  const now = context.clock.now();
  const restorePoints =
    expand !== undefined
      ? context.resources.restorePointsIn(idKey(collection.id)).map((rp) => renderRestorePoint(rp, now))
      : undefined;
  return { status: 200, body: renderCollection(collection, restorePoints) };
}

export function listCollections(
  context: ModelContext,
  subscriptionId: string,
  resourceGroup: string | undefined,
  request: ArmRequest,
): ArmResponse {
  const prefix = idKey(
    resourceGroup === undefined
      ? `/subscriptions/${subscriptionId}/`
      : `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/`,
  );
  // Pages continue after the last key returned rather than at an offset, so a collection created or
  // deleted between two page requests neither repeats nor hides the others.
  const after = request.skipToken === undefined ? undefined : decodeSkipToken(request.skipToken);
  // One more than a page, to know whether a next page exists.
  const keys = context.resources.collectionKeysFrom(prefix, after, context.settings.listPageSize + 1);
  const page = keys.slice(0, context.settings.listPageSize);
  const value = page.flatMap((key) => {
    const collection = context.resources.collection(key);
    return collection ? [renderCollection(collection)] : [];
  });
  const last = page.at(-1);
  if (keys.length <= page.length || last === undefined) {
    return { status: 200, body: { value } };
  }
  // Written as ARM writes it: a literal `$skipToken`, and a token that is URL-safe as it stands.
  const query = `api-version=${encodeURIComponent(request.apiVersion)}&$skipToken=${encodeSkipToken(last)}`;
  return { status: 200, body: { value, nextLink: `${request.origin}${request.path}?${query}` } };
}

export function deleteCollection(context: ModelContext, id: string, request: ArmRequest): ArmResponse {
  const collection = context.resources.collection(id);
  if (!collection) {
    return { status: 204 };
  }
  const running = collection.deleteOperationId
    ? context.operations.get(collection.deleteOperationId)
    : undefined;
  const operation =
    running ??
    context.operations.start('delete', 'restorePointCollection', collection.id, collection.location, request);
  collection.deleteOperationId = operation.id;
  context.resources.saveCollection(collection);
  context.changes.commit();
  return { status: 202, headers: context.operations.headers(operation, request) };
}

export function requireCollection(context: ModelContext, id: string): CollectionRecord {
  const collection = context.resources.collection(id);
  if (!collection) {
    throw notFound('Microsoft.Compute/restorePointCollections', id);
  }
  return collection;
}

function encodeSkipToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeSkipToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (token === '' || !key.startsWith('/subscriptions/') || encodeSkipToken(key) !== token) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The '$skipToken' value '${token}' is not valid. Use the nextLink of the previous page as it was returned.`,
      { target: '$skipToken' },
    );
  }
  return key;
}
