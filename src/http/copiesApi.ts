import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

import type { Runtime } from '../compositionRoot';
import type { RestorePointRef } from '../domain/armIds';
import {
  collectionOf,
  formatCollectionId,
  formatRestorePointId,
  parseRestorePointId,
} from '../domain/armIds';
import { CANCEL_EVENT } from '../domain/copyContracts';
import type { CopyDocument, CopyStatus } from '../domain/copyDocument';
import { COPY_STATUSES, TERMINAL_STATUSES, isTerminalStatus } from '../domain/copyDocument';
import { copyIdFor, isCopyId } from '../copyId';
import { evaluateOrdering } from '../domain/ordering';
import { isSubscriptionAllowed, resolveTargetRegions, TARGETS_TAG } from '../domain/policy';
import { normalizeRegion } from '../domain/regions';
import { targetNamesFor } from '../domain/targetNaming';
import { AzureRequestError, ConfigError, ValidationError, ensureError } from '../errors';
import { CopyStatusStore } from '../services/copyStatusStore';
import { inspectSource, startCopy } from '../services/startCopies';
import { listTargetCopies } from '../services/targetCopies';

/** Every 4xx/5xx body rpcopy sends. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): HttpResponseInit {
  return {
    status,
    jsonBody: { error: { code, message } } satisfies ErrorBody,
    ...(headers ? { headers } : {}),
  };
}

/** Turns anything a handler threw into the documented error response; bad input never becomes a 500. */
export function toErrorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof ValidationError) {
    return errorResponse(error.status, error.code, error.message);
  }
  if (error instanceof ConfigError) {
    context.error(error.message);
    return errorResponse(
      503,
      'ConfigurationError',
      `rpcopy is not configured correctly: ${error.problems.join('; ')}`,
    );
  }
  if (error instanceof AzureRequestError) {
    context.warn(error.message);
    if (error.statusCode === 401 || error.statusCode === 403) {
      return errorResponse(403, 'AzurePermissionDenied', `Azure refused rpcopy's identity: ${error.message}`);
    }
    if (error.statusCode === 429) {
      return errorResponse(503, 'AzureThrottled', `Azure throttled the request: ${error.message}`, {
        'Retry-After': String(error.retryAfterSeconds ?? 60),
      });
    }
    return errorResponse(502, 'AzureUnavailable', `Azure Resource Manager failed: ${error.message}`);
  }
  const unexpected = ensureError(error);
  context.error(`Unexpected failure: ${unexpected.stack ?? unexpected.message}`);
  return errorResponse(500, 'InternalError', 'rpcopy failed unexpectedly; see the function app logs.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJsonObject(request: HttpRequest): Promise<Record<string, unknown>> {
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError('InvalidJson', 'The request body is not valid JSON.');
  }
  if (!isRecord(body)) {
    throw new ValidationError('InvalidRequest', 'The request body must be a JSON object.');
  }
  return body;
}

function parseSource(value: unknown, name: string): RestorePointRef {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError('InvalidRequest', `${name} must be a restore point id (a string).`);
  }
  const parsed = parseRestorePointId(value.trim());
  if (!parsed.ok) {
    throw new ValidationError('InvalidArmId', parsed.message);
  }
  return parsed.value;
}

function parseRegion(value: string): string {
  const region = normalizeRegion(value);
  if (region === undefined) {
    throw new ValidationError('UnknownRegion', `'${value}' is not a known Azure region.`);
  }
  return region;
}

function statusUrl(request: HttpRequest, id: string): string {
  return `${new URL(request.url).origin}/api/copies/${id}`;
}

export interface StartCopyItem {
  id: string;
  sourceRestorePointId: string;
  targetRegion: string;
  targetRestorePointId: string | null;
  status: CopyStatus;
  statusUrl: string;
}

/** `POST /api/copies` */
export async function startCopiesHandler(
  request: HttpRequest,
  client: DurableClient,
  runtime: Runtime,
  now: Date,
): Promise<HttpResponseInit> {
  const body = await readJsonObject(request);
  const unknownKeys = Object.keys(body).filter(
    (key) => key !== 'sourceRestorePointId' && key !== 'targetRegions',
  );
  if (unknownKeys.length > 0) {
    throw new ValidationError('InvalidRequest', `Unknown properties: ${unknownKeys.join(', ')}.`);
  }
  const source = parseSource(body.sourceRestorePointId, 'sourceRestorePointId');
  let requested: string[] | undefined;
  if (body.targetRegions !== undefined) {
    const regions = body.targetRegions;
    if (
      !Array.isArray(regions) ||
      regions.length === 0 ||
      !regions.every((entry) => typeof entry === 'string')
    ) {
      throw new ValidationError('InvalidRequest', 'targetRegions must be a non-empty array of region names.');
    }
    requested = [...new Set(regions.map(parseRegion))];
  }
  const { config, compute } = runtime;
  if (!isSubscriptionAllowed(config.policy, source.subscriptionId)) {
    throw new ValidationError(
      'SubscriptionNotAllowed',
      `Subscription ${source.subscriptionId} is outside the subscriptions rpcopy may copy from.`,
      403,
    );
  }

  const inspection = await inspectSource(compute, source);
  if (inspection.kind === 'not-found') {
    throw new ValidationError('SourceNotFound', inspection.message, 404);
  }
  if (inspection.kind === 'copy-of-copy') {
    throw new ValidationError('CopyOfCopy', inspection.message, 409);
  }
  const { sourceRegion, collection, restorePoint } = inspection;

  let regions: string[];
  if (requested !== undefined) {
    if (requested.includes(sourceRegion)) {
      throw new ValidationError(
        'SameRegion',
        `The source is in ${sourceRegion}; a copy must go to another region.`,
      );
    }
    regions = requested;
  } else {
    const decision = resolveTargetRegions(config.policy, {
      ref: collectionOf(source),
      location: collection.location,
      tags: collection.tags,
    });
    switch (decision.kind) {
      case 'copy':
        regions = decision.regions;
        break;
      case 'disabled':
        throw new ValidationError(
          'NoTargetRegions',
          `The collection's ${TARGETS_TAG} tag is 'none'; pass targetRegions to copy it anyway.`,
        );
      case 'invalid-tag':
        throw new ValidationError(
          'NoTargetRegions',
          `${decision.message}; fix the tag or pass targetRegions.`,
        );
      case 'no-rule':
      case 'not-allowed':
        throw new ValidationError(
          'NoTargetRegions',
          'No policy rule covers this collection; pass targetRegions.',
        );
    }
    if (regions.length === 0) {
      throw new ValidationError(
        'NoTargetRegions',
        'The policy gives no region other than the source region.',
      );
    }
  }

  const store = new CopyStatusStore(client);
  const targets = regions.map((region) => {
    const names = targetNamesFor(config.naming, source, sourceRegion, region);
    if (!names.ok) {
      throw new ConfigError([names.message]);
    }
    return { region, names: names.value };
  });

  // Refuse the whole request when a region can never take this restore point (Azure refuses gaps).
  const outOfOrder: string[] = [];
  for (const target of targets) {
    const existing = await store.getCopy(copyIdFor(formatRestorePointId(source), target.region));
    if (existing !== undefined && !['Failed', 'TimedOut', 'Canceled'].includes(existing.status)) {
      continue;
    }
    const copies = await listTargetCopies(
      compute,
      collectionOf(source),
      formatCollectionId(collectionOf(source)),
      target.names.collection,
    );
    if (copies.kind === 'conflict') {
      throw new ValidationError(
        'TargetCollectionConflict',
        `Target collection ${target.names.collectionId} already copies ${copies.copiesFrom ?? 'something else'}.`,
        409,
      );
    }
    if (copies.kind === 'copies' && restorePoint.timeCreated !== undefined) {
      const verdict = evaluateOrdering(
        { restorePointId: formatRestorePointId(source), createdAt: restorePoint.timeCreated },
        copies.copies,
      );
      if (verdict.kind === 'out-of-order') {
        outOfOrder.push(`${target.region} (newer ${verdict.newerSourceRestorePointId} already copied)`);
      }
    }
  }
  if (outOfOrder.length > 0) {
    throw new ValidationError(
      'OutOfOrder',
      `Azure copies restore points only in creation order and this one is older than a copy already made: ${outOfOrder.join(', ')}. Nothing was started.`,
      409,
    );
  }

  const items: StartCopyItem[] = [];
  for (const target of targets) {
    const result = await startCopy(client, config, {
      source,
      targetRegion: target.region,
      requestedBy: 'http',
      restartEnded: true,
      now,
    });
    items.push({
      id: result.document.id,
      sourceRestorePointId: result.document.sourceRestorePointId,
      targetRegion: target.region,
      targetRestorePointId: result.document.targetRestorePointId ?? target.names.restorePointId,
      status: result.document.status,
      statusUrl: statusUrl(request, result.document.id),
    });
  }
  return { status: 202, jsonBody: { copies: items } };
}

async function getExistingCopy(client: DurableClient, id: string | undefined): Promise<CopyDocument> {
  const document =
    id !== undefined && isCopyId(id) ? await new CopyStatusStore(client).getCopy(id) : undefined;
  if (document === undefined) {
    throw new ValidationError('CopyNotFound', `No copy has the id '${id ?? ''}'.`, 404);
  }
  return document;
}

/** `GET /api/copies/{id}` */
export async function getCopyHandler(request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: await getExistingCopy(client, request.params.id) };
}

/** `POST /api/copies/{id}/cancel` */
export async function cancelCopyHandler(
  request: HttpRequest,
  client: DurableClient,
): Promise<HttpResponseInit> {
  const document = await getExistingCopy(client, request.params.id);
  const ended = (copy: CopyDocument): ValidationError =>
    new ValidationError('CopyAlreadyEnded', `Copy ${copy.id} already ended with status ${copy.status}.`, 409);
  if (isTerminalStatus(document.status)) {
    throw ended(document);
  }
  try {
    await client.raiseEvent(document.id, CANCEL_EVENT, { requestedAt: new Date().toISOString() });
  } catch (error) {
    const current = await getExistingCopy(client, document.id);
    if (isTerminalStatus(current.status)) {
      throw ended(current);
    }
    throw error;
  }
  return { status: 202, jsonBody: document };
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

interface PageToken {
  createdAt: string;
  id: string;
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeToken(text: string): PageToken {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      isRecord(value) &&
      typeof value.createdAt === 'string' &&
      !Number.isNaN(Date.parse(value.createdAt)) &&
      typeof value.id === 'string' &&
      isCopyId(value.id)
    ) {
      return { createdAt: value.createdAt, id: value.id };
    }
  } catch {
    // Reported below.
  }
  throw new ValidationError(
    'InvalidContinuationToken',
    'continuationToken is not a token this API returned.',
  );
}

/** Newest first; ties by id so pages are stable. */
function listOrder(a: CopyDocument, b: CopyDocument): number {
  if (a.createdAt !== b.createdAt) {
    return a.createdAt < b.createdAt ? 1 : -1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const LIST_PARAMETERS = new Set([
  'status',
  'sourceRestorePointId',
  'targetRegion',
  'top',
  'continuationToken',
  'code',
]);

/** `GET /api/copies?status=&sourceRestorePointId=&targetRegion=&top=&continuationToken=` */
export async function listCopiesHandler(
  request: HttpRequest,
  client: DurableClient,
): Promise<HttpResponseInit> {
  const query = request.query;
  const unknown = [...new Set(query.keys())].filter((key) => !LIST_PARAMETERS.has(key));
  if (unknown.length > 0) {
    throw new ValidationError('InvalidQuery', `Unknown query parameters: ${unknown.join(', ')}.`);
  }
  let statuses: Set<CopyStatus> | undefined;
  const statusText = query.get('status');
  if (statusText !== null) {
    statuses = new Set(
      statusText.split(',').map((name) => {
        const status = COPY_STATUSES.find(
          (candidate) => candidate.toLowerCase() === name.trim().toLowerCase(),
        );
        if (status === undefined) {
          throw new ValidationError(
            'InvalidQuery',
            `Unknown status '${name}'; use one of ${COPY_STATUSES.join(', ')}.`,
          );
        }
        return status;
      }),
    );
  }
  const sourceText = query.get('sourceRestorePointId');
  let sourceId: string | undefined;
  if (sourceText !== null) {
    const parsed = parseRestorePointId(sourceText.trim());
    if (!parsed.ok) {
      throw new ValidationError('InvalidQuery', `sourceRestorePointId: ${parsed.message}.`);
    }
    sourceId = formatRestorePointId(parsed.value);
  }
  const regionText = query.get('targetRegion');
  const region = regionText === null ? undefined : normalizeRegion(regionText);
  if (regionText !== null && region === undefined) {
    throw new ValidationError('InvalidQuery', `targetRegion: '${regionText}' is not a known Azure region.`);
  }
  const topText = query.get('top');
  // Digits only: Number() would also take '1e2', '0x10' and ' 5 '.
  const top = topText === null ? DEFAULT_PAGE_SIZE : /^\d{1,3}$/.test(topText) ? Number(topText) : NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw new ValidationError('InvalidQuery', `top must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  const tokenText = query.get('continuationToken');
  const after = tokenText === null ? undefined : decodeToken(tokenText);

  let runtimeStatuses: OrchestrationRuntimeStatus[] | undefined;
  if (statuses !== undefined) {
    const wanted = [...statuses];
    if (wanted.every((status) => TERMINAL_STATUSES.has(status))) {
      runtimeStatuses = [
        OrchestrationRuntimeStatus.Completed,
        OrchestrationRuntimeStatus.Failed,
        OrchestrationRuntimeStatus.Terminated,
        OrchestrationRuntimeStatus.Canceled,
      ];
    } else if (wanted.every((status) => !TERMINAL_STATUSES.has(status))) {
      runtimeStatuses = [
        OrchestrationRuntimeStatus.Running,
        OrchestrationRuntimeStatus.Pending,
        OrchestrationRuntimeStatus.ContinuedAsNew,
        OrchestrationRuntimeStatus.Suspended,
      ];
    }
  }
  const documents = (await new CopyStatusStore(client).listCopies(runtimeStatuses))
    .filter((copy) => statuses === undefined || statuses.has(copy.status))
    .filter(
      (copy) => sourceId === undefined || copy.sourceRestorePointId.toLowerCase() === sourceId.toLowerCase(),
    )
    .filter((copy) => region === undefined || copy.targetRegion === region)
    .sort(listOrder)
    .filter(
      (copy) =>
        after === undefined ||
        copy.createdAt < after.createdAt ||
        (copy.createdAt === after.createdAt && copy.id > after.id),
    );
  const page = documents.slice(0, top);
  const last = page.at(-1);
  const continuationToken =
    documents.length > top && last !== undefined
      ? encodeToken({ createdAt: last.createdAt, id: last.id })
      : null;
  let nextLink: string | null = null;
  if (continuationToken !== null) {
    const next = new URL(request.url);
    next.searchParams.delete('code');
    next.searchParams.set('continuationToken', continuationToken);
    nextLink = next.toString();
  }
  return { status: 200, jsonBody: { copies: page, continuationToken, nextLink } };
}
