import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RpcHttpCookie, RpcHttpData } from '../worker';

/** Reads a request body fully. */
export async function readBody(req: IncomingMessage, limitBytes = 100 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // The Functions host rejects bodies over 100 MB with 413.
    if (size > limitBytes) {
      throw new HttpError(413, 'Request body too large');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Send a `{"Message": …}` body, as the host's WebAPI-style error responses do. */
    readonly withBody = true,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}

export function sendError(res: ServerResponse, error: HttpError): void {
  if (error.withBody) {
    sendJson(res, error.status, { Message: error.message });
  } else {
    sendEmpty(res, error.status);
  }
}

/** Flattens Node's header object the way the host hands headers to the worker (one string per name). */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) {
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Query parameters with repeated names joined by commas, as ASP.NET's StringValues prints them. */
export function flatQuery(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of new Set(url.searchParams.keys())) {
    query[name] = url.searchParams.getAll(name).join(',');
  }
  return query;
}

function cookieToHeader(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) {
    parts.push(`Domain=${cookie.domain.value}`);
  }
  if (cookie.path?.value) {
    parts.push(`Path=${cookie.path.value}`);
  }
  const expires = cookie.expires?.value;
  if (expires && expires.seconds !== undefined && expires.seconds !== null) {
    const ms = Number(expires.seconds) * 1000 + Math.floor((expires.nanos ?? 0) / 1e6);
    parts.push(`Expires=${new Date(ms).toUTCString()}`);
  }
  if (cookie.maxAge?.value !== undefined && cookie.maxAge.value !== null) {
    parts.push(`Max-Age=${cookie.maxAge.value}`);
  }
  if (cookie.secure?.value) {
    parts.push('Secure');
  }
  if (cookie.httpOnly?.value) {
    parts.push('HttpOnly');
  }
  switch (cookie.sameSite) {
    case 'lax':
      parts.push('SameSite=Lax');
      break;
    case 'strict':
      parts.push('SameSite=Strict');
      break;
    case 'explicitNone':
      parts.push('SameSite=None');
      break;
    case 'none':
    case null:
    case undefined:
      break;
  }
  return parts.join('; ');
}

/** Writes the worker's `{http: …}` return value as the HTTP response. */
export function writeRpcHttpResponse(res: ServerResponse, http: RpcHttpData | null | undefined): void {
  if (!http) {
    // The handler returned nothing: the host answers 204.
    sendEmpty(res, 204);
    return;
  }
  const status = http.statusCode ? Number(http.statusCode) : 200;
  const body = http.body;
  let bytes: Buffer;
  if (body?.bytes) {
    bytes = Buffer.from(body.bytes);
  } else if (typeof body?.string === 'string') {
    bytes = Buffer.from(body.string, 'utf8');
  } else {
    bytes = Buffer.alloc(0);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const cookies = (http.cookies ?? []).map(cookieToHeader);
  if (cookies.length > 0) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing === undefined ? [] : [existing].flat()), ...cookies];
  }
  headers['content-length'] = String(bytes.length);
  res.writeHead(Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500, headers);
  res.end(bytes);
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;

/** The origin the caller used (its Host header), or `fallback` when the header is absent or malformed. */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host !== undefined && HOST_HEADER.test(host) ? `http://${host}` : fallback;
}
