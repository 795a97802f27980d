import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';

import type { ComputeGateway } from '../azure/computeGateway';
import type { CopyReadClient } from '../azure/copyStatusStore';
import { readCopy } from '../azure/copyStatusStore';
import type { AppConfig } from '../config';
import { parseRestorePointId } from '../domain/armIds';
import { CANCEL_EVENT } from '../domain/copyContracts';
import type { CopyDocument, CopyStatus } from '../domain/copyDocument';
import { isTerminalStatus } from '../domain/copyDocument';
import { isCopyId } from '../copyId';
import { normalizeRegion } from '../domain/regions';
import { shown, shownList } from '../domain/shownInput';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import type { CopyRequest } from '../services/planCopies';
import { planCopies } from '../services/planCopies';
import type { StartCopyClient } from '../services/startCopies';
import { startCopy } from '../services/startCopies';
import { copyLink } from './links';
import { readBodyBytes, readJsonObject } from './requestBody';

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
  // The body means nothing here, but the route refuses a huge one like every copies route.
  await readBodyBytes(request);
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
  // The copy may have reached its outcome between the read above and the event: the orchestrator shows an
  // outcome only after a barrier that lets every earlier cancel win, so a terminal status other than Canceled
  // seen now means this cancel came too late, and the caller must not be told it was accepted.
  const settled = await settledAfterCancel(client, document.id);
  if (settled !== undefined && settled.status !== 'Canceled') {
    throw ended(settled);
  }
  return { status: 202, jsonBody: settled ?? document };
}

/** How long the cancel route watches for an outcome that raced the cancel, in 100 ms looks. */
const CANCEL_SETTLE_LOOKS = 10;

async function settledAfterCancel(client: CopyReadClient, id: string): Promise<CopyDocument | undefined> {
  for (let look = 0; look < CANCEL_SETTLE_LOOKS; look++) {
    const current = await readCopy(client, id);
    if (current !== undefined && isTerminalStatus(current.status)) {
      return current;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
