import type { ScenarioDriver } from '../scenario';

/** A management API request as the recordings keep it: method, path, status and parsed body. */
export async function managementCall(
  driver: ScenarioDriver,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${driver.rpcBaseUrl}${pathAndQuery}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? '' : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON: kept as text.
  }
  return { request: `${method} ${pathAndQuery}`, status: response.status, body: parsed };
}
