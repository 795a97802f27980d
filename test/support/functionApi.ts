export interface ApiResponse {
  status: number;
  body: unknown;
}

/**
 * Calls an HTTP function of the app with its function key. `body` is sent as JSON unless it is a string (so a
 * test can send malformed JSON); an answer that is not JSON comes back as its raw text, so a test asserting
 * JSON fails on it.
 */
export async function callFunctionApi(
  url: string | URL,
  functionKey: string,
  method: string,
  body?: unknown,
): Promise<ApiResponse> {
  const response = await fetch(url, {
    method,
    headers: { 'x-functions-key': functionKey, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: the raw text stays.
  }
  return { status: response.status, body: parsed };
}
