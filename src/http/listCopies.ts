import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

import type { CopyListClient } from '../azure/copyStatusStore';
import { listCopies } from '../azure/copyStatusStore';
import type { AppConfig } from '../config';
import { formatRestorePointId, parseRestorePointId } from '../domain/armIds';
import type { CopyDocument, CopyStatus } from '../domain/copyDocument';
import { COPY_STATUSES, TERMINAL_STATUSES } from '../domain/copyDocument';
import { isCopyId } from '../copyId';
import { isRecord } from '../domain/jsonValues';
import { normalizeRegion } from '../domain/regions';
import { shown, shownList } from '../domain/shownInput';
import { BadRequestError } from '../errors';
import { listLink } from './links';

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

interface ListQuery {
  statuses?: Set<CopyStatus>;
  /** Canonical spelling. */
  sourceRestorePointId?: string;
  region?: string;
  top: number;
  after?: PageToken;
}

function parseStatuses(text: string): Set<CopyStatus> {
  return new Set(
    text.split(',').map((name) => {
      const status = COPY_STATUSES.find((candidate) => candidate.toLowerCase() === name.trim().toLowerCase());
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

/** The list query, checked: an unknown parameter or a value that does not fit is a 400. */
function parseListQuery(query: URLSearchParams): ListQuery {
  const unknown = [...new Set(query.keys())].filter((key) => !LIST_PARAMETERS.has(key));
  if (unknown.length > 0) {
    throw new BadRequestError('InvalidQuery', `Unknown query parameters: ${shownList(unknown)}.`);
  }
  const parsed: ListQuery = { top: DEFAULT_PAGE_SIZE };
  const statusText = query.get('status');
  if (statusText !== null) {
    parsed.statuses = parseStatuses(statusText);
  }
  const sourceText = query.get('sourceRestorePointId');
  if (sourceText !== null) {
    const source = parseRestorePointId(sourceText.trim());
    if (!source.ok) {
      throw new BadRequestError('InvalidQuery', `sourceRestorePointId: ${source.message}.`);
    }
    parsed.sourceRestorePointId = formatRestorePointId(source.value);
  }
  const regionText = query.get('targetRegion');
  if (regionText !== null) {
    const region = normalizeRegion(regionText);
    if (region === undefined) {
      throw new BadRequestError(
        'InvalidQuery',
        `targetRegion: '${shown(regionText)}' is not a known Azure region.`,
      );
    }
    parsed.region = region;
  }
  const topText = query.get('top');
  // Digits only: Number() would also take '1e2', '0x10' and ' 5 '.
  const top = topText === null ? DEFAULT_PAGE_SIZE : /^\d{1,3}$/.test(topText) ? Number(topText) : NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw new BadRequestError('InvalidQuery', `top must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  parsed.top = top;
  const tokenText = query.get('continuationToken');
  if (tokenText !== null) {
    parsed.after = decodeToken(tokenText);
  }
  return parsed;
}

/** The runtime statuses that can hold the wanted copy statuses, so the store returns fewer instances. */
function runtimeStatusesFor(statuses: Set<CopyStatus> | undefined): OrchestrationRuntimeStatus[] | undefined {
  const wanted = statuses === undefined ? [] : [...statuses];
  if (wanted.length > 0 && wanted.every((status) => TERMINAL_STATUSES.has(status))) {
    return [
      OrchestrationRuntimeStatus.Completed,
      OrchestrationRuntimeStatus.Failed,
      OrchestrationRuntimeStatus.Terminated,
      OrchestrationRuntimeStatus.Canceled,
    ];
  }
  if (wanted.length > 0 && wanted.every((status) => !TERMINAL_STATUSES.has(status))) {
    return [
      OrchestrationRuntimeStatus.Running,
      OrchestrationRuntimeStatus.Pending,
      OrchestrationRuntimeStatus.ContinuedAsNew,
      OrchestrationRuntimeStatus.Suspended,
    ];
  }
  return undefined;
}

/** `GET /api/copies?status=&sourceRestorePointId=&targetRegion=&top=&continuationToken=` */
export async function listCopiesHandler(
  request: HttpRequest,
  client: CopyListClient,
  config: Pick<AppConfig, 'publicBaseUrl'>,
): Promise<HttpResponseInit> {
  const { statuses, sourceRestorePointId, region, top, after } = parseListQuery(request.query);
  const documents = (await listCopies(client, runtimeStatusesFor(statuses)))
    .filter((copy) => statuses === undefined || statuses.has(copy.status))
    .filter(
      (copy) =>
        sourceRestorePointId === undefined ||
        copy.sourceRestorePointId.toLowerCase() === sourceRestorePointId.toLowerCase(),
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
    const next = new URLSearchParams(request.query);
    next.set('continuationToken', continuationToken);
    nextLink = listLink(config.publicBaseUrl, next);
  }
  return { status: 200, jsonBody: { copies: page, continuationToken, nextLink } };
}
