import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

import type { CopyReadClient } from '../azure/copyStatusStore';
import { documentFromStatus, readCopy } from '../azure/copyStatusStore';
import type { InstancePageClient } from '../azure/instancePages';
import { InvalidInstancePageTokenError } from '../azure/instancePages';
import type { AppConfig } from '../config';
import { formatRestorePointId, parseRestorePointId } from '../domain/armIds';
import type { CopyDocument, CopyStatus } from '../domain/copyDocument';
import { COPY_STATUSES, TERMINAL_STATUSES } from '../domain/copyDocument';
import { copyIdFor, copyIdPrefix } from '../copyId';
import { isRecord } from '../domain/jsonValues';
import { KNOWN_REGIONS, normalizeRegion } from '../domain/regions';
import { shown, shownList } from '../domain/shownInput';
import { BadRequestError } from '../errors';
import { listLink } from './links';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/**
 * Where the next page starts: the Durable store's own token when the page came from its instance query, or
 * an offset into the few copies of one source restore point.
 */
type PageToken = { store: string } | { offset: number };

function encodeToken(token: PageToken): string {
  const wire = 'store' in token ? { v: 2, s: token.store } : { v: 2, o: token.offset };
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

function invalidToken(): BadRequestError {
  return new BadRequestError(
    'InvalidContinuationToken',
    'continuationToken is not a token this API returned.',
  );
}

function decodeToken(text: string): PageToken {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (isRecord(value) && value.v === 2) {
    if (typeof value.s === 'string' && value.s !== '') {
      return { store: value.s };
    }
    if (typeof value.o === 'number' && Number.isInteger(value.o) && value.o > 0) {
      return { offset: value.o };
    }
  }
  throw invalidToken();
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

/** Point reads of one source restore point's copies at a time: enough to overlap the round trips. */
const POINT_READS_AT_ONCE = 10;

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

export interface ListCopiesDeps {
  pages: InstancePageClient;
  reader: CopyReadClient;
}

/**
 * The copies of one source restore point: one point read per candidate region (its copy id is known), so
 * the cost is the number of regions, never the number of copies. Sorted by region, paged by offset.
 */
async function copiesOfSource(
  reader: CopyReadClient,
  sourceRestorePointId: string,
  region: string | undefined,
): Promise<CopyDocument[]> {
  const regions = region === undefined ? [...KNOWN_REGIONS].sort() : [region];
  const found: CopyDocument[] = [];
  for (let start = 0; start < regions.length; start += POINT_READS_AT_ONCE) {
    const batch = regions.slice(start, start + POINT_READS_AT_ONCE);
    const documents = await Promise.all(
      batch.map((candidate) => readCopy(reader, copyIdFor(sourceRestorePointId, candidate))),
    );
    found.push(...documents.filter((document): document is CopyDocument => document !== undefined));
  }
  return found;
}

/** One page of the Durable store's instance query, read as copy documents. */
async function storePage(
  pages: InstancePageClient,
  query: ListQuery,
  continuationToken: string | undefined,
): Promise<{ documents: CopyDocument[]; next: string | undefined }> {
  const runtimeStatus = runtimeStatusesFor(query.statuses);
  try {
    const page = await pages.listInstancePage({
      instanceIdPrefix: copyIdPrefix(query.region),
      top: query.top,
      ...(runtimeStatus === undefined ? {} : { runtimeStatus }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    const documents = page.instances.flatMap((status) => {
      const document = documentFromStatus(status);
      return document === undefined ? [] : [document];
    });
    return { documents, next: page.continuationToken };
  } catch (error) {
    if (error instanceof InvalidInstancePageTokenError) {
      throw invalidToken();
    }
    throw error;
  }
}

/**
 * `GET /api/copies?status=&sourceRestorePointId=&targetRegion=&top=&continuationToken=`
 *
 * @remarks Each request reads at most one page of `top` instances from the Durable store (or, for one source
 * restore point, one instance per region), whatever the number of copies. A status the store cannot filter
 * on exactly (it knows runtime statuses, not copy statuses) is filtered on the page, so a page can hold
 * fewer than `top` copies, even none, and still have a continuation.
 */
export async function listCopiesHandler(
  request: HttpRequest,
  deps: ListCopiesDeps,
  config: Pick<AppConfig, 'publicBaseUrl'>,
): Promise<HttpResponseInit> {
  const query = parseListQuery(request.query);
  const { statuses, sourceRestorePointId, region, top, after } = query;
  const wanted = (copy: CopyDocument): boolean => statuses === undefined || statuses.has(copy.status);
  let page: CopyDocument[];
  let next: PageToken | undefined;
  if (sourceRestorePointId !== undefined) {
    if (after !== undefined && !('offset' in after)) {
      throw invalidToken();
    }
    const offset = after?.offset ?? 0;
    const documents = (await copiesOfSource(deps.reader, sourceRestorePointId, region)).filter(wanted);
    page = documents.slice(offset, offset + top);
    next = documents.length > offset + top ? { offset: offset + top } : undefined;
  } else {
    if (after !== undefined && !('store' in after)) {
      throw invalidToken();
    }
    const result = await storePage(deps.pages, query, after?.store);
    page = result.documents.filter(wanted);
    next = result.next === undefined ? undefined : { store: result.next };
  }
  const continuationToken = next === undefined ? null : encodeToken(next);
  let nextLink: string | null = null;
  if (continuationToken !== null) {
    const params = new URLSearchParams(request.query);
    params.set('continuationToken', continuationToken);
    nextLink = listLink(config.publicBaseUrl, params);
  }
  return { status: 200, jsonBody: { copies: page, continuationToken, nextLink } };
}
