import type { InstanceStatusLike } from './copyStatusStore';

/** One page of the Durable store's instance query. */
export interface InstancePageQuery {
  /** Only instances whose id starts with this (on Azure Storage a key range of the instances table). */
  instanceIdPrefix: string;
  runtimeStatus?: readonly string[];
  top: number;
  /** The store's token of the previous page. */
  continuationToken?: string;
}

export interface InstancePage {
  instances: InstanceStatusLike[];
  /** Undefined on the last page. */
  continuationToken: string | undefined;
}

/** Reads one page of instances, never more: what the list API and anything else that pages use. */
export interface InstancePageClient {
  listInstancePage(query: InstancePageQuery): Promise<InstancePage>;
}

/** The store refused a continuation token (one it never issued, or one for another query). */
export class InvalidInstancePageTokenError extends Error {
  constructor() {
    super('The Durable store refused the continuation token.');
    this.name = 'InvalidInstancePageTokenError';
  }
}

/** What the durable-functions 3.5.0 client keeps of its binding payload (pinned exactly in package.json). */
interface ClientData {
  rpcBaseUrl?: unknown;
  managementUrls?: { statusQueryGetUri?: unknown; id?: unknown };
}

const PAGE_TIMEOUT_MS = 30_000;

/**
 * The instances URL the client itself calls: the extension's local RPC endpoint when the binding offers
 * one, else the management webhook (whose query string carries the task hub, connection and system key).
 */
function instancesUrl(client: object): URL {
  const data = (client as { clientData?: ClientData }).clientData;
  if (typeof data?.rpcBaseUrl === 'string' && data.rpcBaseUrl !== '') {
    return new URL('instances/', data.rpcBaseUrl);
  }
  const template = data?.managementUrls?.statusQueryGetUri;
  const placeholder = data?.managementUrls?.id;
  if (typeof template !== 'string' || typeof placeholder !== 'string') {
    throw new Error('The Durable client has neither an RPC base URL nor a status query URL.');
  }
  return new URL(template.replace(placeholder, ''));
}

/**
 * One page of the Durable HTTP API's instance query (`top` plus the `x-ms-continuation-token` header).
 *
 * @remarks The durable-functions client has no such call: its `getStatusBy` follows every continuation
 * token and returns all instances, which is what the list API must not read.
 */
export function durableInstancePages(client: object, fetchPage: typeof fetch = fetch): InstancePageClient {
  return {
    async listInstancePage(query: InstancePageQuery): Promise<InstancePage> {
      const url = instancesUrl(client);
      url.searchParams.set('instanceIdPrefix', query.instanceIdPrefix);
      url.searchParams.set('top', String(query.top));
      url.searchParams.set('showInput', 'true');
      if (query.runtimeStatus !== undefined && query.runtimeStatus.length > 0) {
        url.searchParams.set('runtimeStatus', query.runtimeStatus.join(','));
      }
      const headers: Record<string, string> = {};
      if (query.continuationToken !== undefined) {
        headers['x-ms-continuation-token'] = query.continuationToken;
      }
      const response = await fetchPage(url, { headers, signal: AbortSignal.timeout(PAGE_TIMEOUT_MS) });
      if (response.status === 400 && query.continuationToken !== undefined) {
        throw new InvalidInstancePageTokenError();
      }
      if (response.status !== 200) {
        // The URL may carry the system key: never put it in the message.
        throw new Error(`The Durable instance query answered HTTP ${response.status}.`);
      }
      const body: unknown = await response.json();
      if (!Array.isArray(body)) {
        throw new Error('The Durable instance query did not answer with an array.');
      }
      const token = response.headers.get('x-ms-continuation-token');
      return {
        instances: body as InstanceStatusLike[],
        // The extension may send an empty or literal "null" token on the last page.
        continuationToken: token === null || token === '' || token === 'null' ? undefined : token,
      };
    },
  };
}
