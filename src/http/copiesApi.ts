import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

import type { ComputeGateway } from '../azure/computeGateway';
import type { CopyListClient, CopyReadClient } from '../azure/copyStatusStore';
import { listCopies, readCopy } from '../azure/copyStatusStore';
import type { AppConfig } from '../config';
import { formatRestorePointId, parseRestorePointId } from '../domain/armIds';
import { CANCEL_EVENT } from '../domain/copyContracts';
import type { CopyDocument, CopyStatus } from '../domain/copyDocument';
import { COPY_STATUSES, TERMINAL_STATUSES, isTerminalStatus } from '../domain/copyDocument';
import { isCopyId } from '../domain/copyId';
import { normalizeRegion } from '../domain/regions';
import { shown, shownList } from '../domain/shownInput';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import type { CopyRequest } from '../services/planCopies';
import { planCopies } from '../services/planCopies';
import type { StartCopyClient } from '../services/startCopies';
import { startCopy } from '../services/startCopies';
import { copyLink, listLink } from './links';
import { readJsonObject } from './requestBody';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const REQUEST_PROPERTIES = new Set(['sourceRestorePointId', 'targetRegions']);

function parseRegion(value: string): string {
  const region = normalizeRegion(value);
  if (region === undefined) {
    throw new BadRequestError('UnknownRegion', `'${shown(value)}' is not a known Azure region.`);
  }
  return region;
}

/** The body of `POST /api/copies`, checked against the contract. */
export function parseCopyRequest(body: Record<string, unknown>): CopyRequest {
  const unknownKeys = Object.keys(body).filter((key) => !REQUEST_PROPERTIES.has(key));
  if (unknownKeys.length > 0) {
    throw new BadRequestError('InvalidRequest', `Unknown properties: ${shownList(unknownKeys)}.`);
  }
  const id = body.sourceRestorePointId;
  if (typeof id !== 'string' || id.trim() === '') {
    throw new BadRequestError(
      'InvalidRequest',
      'sourceRestorePointId must be a restore point id (a string).',
    );
  }
  const parsed = parseRestorePointId(id.trim());
  if (!parsed.ok) {
    throw new BadRequestError('InvalidArmId', parsed.message);
  }
  const regions = body.targetRegions;
  if (regions === undefined) {
    return { source: parsed.value };
  }
  if (
    !Array.isArray(regions) ||
    regions.length === 0 ||
    !regions.every((entry) => typeof entry === 'string')
  ) {
    throw new BadRequestError('InvalidRequest', 'targetRegions must be a non-empty array of region names.');
  }
  return { source: parsed.value, targetRegions: [...new Set(regions.map(parseRegion))] };
}

export interface StartCopyItem {
  id: string;
  sourceRestorePointId: string;
  targetRegion: string;
  targetRestorePointId: string | null;
  status: CopyStatus;
  statusUrl: string;
}

export interface StartCopiesDeps {
  client: StartCopyClient;
  config: Pick<AppConfig, 'policy' | 'naming' | 'copy' | 'publicBaseUrl'>;
  compute: Pick<ComputeGateway, 'getRestorePoint' | 'getRestorePointCollection'>;
  now: Date;
}

/** `POST /api/copies`: parse, plan (every check), start one copy per region, answer. */
export async function startCopiesHandler(
  request: HttpRequest,
  deps: StartCopiesDeps,
): Promise<HttpResponseInit> {
  const copyRequest = parseCopyRequest(await readJsonObject(request));
  const plan = await planCopies(
    { config: deps.config, compute: deps.compute, copies: deps.client },
    copyRequest,
  );
  const items: StartCopyItem[] = [];
  for (const target of plan.targets) {
    const { document } = await startCopy(deps.client, deps.config, {
      source: plan.source,
      targetRegion: target.region,
      requestedBy: 'http',
      restartEnded: true,
      now: deps.now,
    });
    items.push({
      id: document.id,
      sourceRestorePointId: document.sourceRestorePointId,
      targetRegion: target.region,
      targetRestorePointId: document.targetRestorePointId ?? target.names.restorePointId,
      status: document.status,
      statusUrl: copyLink(deps.config.publicBaseUrl, document.id),
    });
  }
  return { status: 202, jsonBody: { copies: items } };
}

async function getExistingCopy(client: CopyReadClient, id: string | undefined): Promise<CopyDocument> {
  const document = id !== undefined && isCopyId(id) ? await readCopy(client, id) : undefined;
  if (document === undefined) {
    throw new NotFoundError('CopyNotFound', `No copy has the id '${shown(id ?? '')}'.`);
  }
  return document;
}

/** `GET /api/copies/{id}` */
export async function getCopyHandler(
  request: HttpRequest,
  client: CopyReadClient,
): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: await getExistingCopy(client, request.params.id) };
}

/** `POST /api/copies/{id}/cancel` */
export async function cancelCopyHandler(
  request: HttpRequest,
  client: CopyReadClient & Pick<DurableClient, 'raiseEvent'>,
): Promise<HttpResponseInit> {
  const document = await getExistingCopy(client, request.params.id);
  const ended = (copy: CopyDocument): ConflictError =>
    new ConflictError('CopyAlreadyEnded', `Copy ${copy.id} already ended with status ${copy.status}.`);
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
  throw new BadRequestError(
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
  client: CopyListClient,
  config: Pick<AppConfig, 'publicBaseUrl'>,
): Promise<HttpResponseInit> {
  const query = request.query;
  const unknown = [...new Set(query.keys())].filter((key) => !LIST_PARAMETERS.has(key));
  if (unknown.length > 0) {
    throw new BadRequestError('InvalidQuery', `Unknown query parameters: ${shownList(unknown)}.`);
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
          throw new BadRequestError(
            'InvalidQuery',
            `Unknown status '${shown(name)}'; use one of ${COPY_STATUSES.join(', ')}.`,
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
      throw new BadRequestError('InvalidQuery', `sourceRestorePointId: ${parsed.message}.`);
    }
    sourceId = formatRestorePointId(parsed.value);
  }
  const regionText = query.get('targetRegion');
  const region = regionText === null ? undefined : normalizeRegion(regionText);
  if (regionText !== null && region === undefined) {
    throw new BadRequestError(
      'InvalidQuery',
      `targetRegion: '${shown(regionText)}' is not a known Azure region.`,
    );
  }
  const topText = query.get('top');
  // Digits only: Number() would also take '1e2', '0x10' and ' 5 '.
  const top = topText === null ? DEFAULT_PAGE_SIZE : /^\d{1,3}$/.test(topText) ? Number(topText) : NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw new BadRequestError('InvalidQuery', `top must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
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
  const documents = (await listCopies(client, runtimeStatuses))
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
    const next = new URLSearchParams(query);
    next.set('continuationToken', continuationToken);
    nextLink = listLink(config.publicBaseUrl, next);
  }
  return { status: 200, jsonBody: { copies: page, continuationToken, nextLink } };
}
