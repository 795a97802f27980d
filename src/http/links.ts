/**
 * Links in responses. They come from `RPCOPY_PUBLIC_BASE_URL`, or are relative to the app; never from the
 * request's `Host` header, which whoever sends the request controls.
 */

/** `<base>/api/copies/<id>`, or `/api/copies/<id>` without a configured base. */
export function copyLink(publicBaseUrl: string | undefined, id: string): string {
  return `${publicBaseUrl ?? ''}/api/copies/${encodeURIComponent(id)}`;
}

/** `GET /api/copies` with `query` (the function key, `code`, is never put in a link). */
export function listLink(publicBaseUrl: string | undefined, query: URLSearchParams): string {
  const params = new URLSearchParams(query);
  params.delete('code');
  return `${publicBaseUrl ?? ''}/api/copies?${params.toString()}`;
}
