import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost, type LogEntry } from '../../dev/host';

const appDir = path.join(__dirname, 'apps', 'http');

describe('HTTP triggers: routes, methods, params, auth levels, responses', () => {
  let host: DevHost;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    host = await startDevHost({
      appDir,
      clock: new VirtualClock(),
      keys: { master: 'test-master-key', function: 'test-function-key' },
      log: (entry) => logs.push(entry),
    });
  });

  afterAll(async () => {
    await host.close();
  });

  const get = (pathAndQuery: string, init?: RequestInit) => fetch(`${host.baseUrl}${pathAndQuery}`, init);

  it('uses the keys it was given', () => {
    expect({ master: host.masterKey, function: host.functionKey }).toEqual({
      master: 'test-master-key',
      function: 'test-function-key',
    });
  });

  it('serves routes under host.json routePrefix, case-insensitively, and 404s outside it', async () => {
    const hello = await get('/v1/hello');
    expect({ status: hello.status, body: await hello.text() }).toEqual({ status: 200, body: 'hello' });
    expect((await get('/V1/HELLO')).status).toBe(200);
    expect((await get('/api/hello')).status).toBe(404);
    expect((await get('/v1/nothing-here')).status).toBe(404);
  });

  it('answers 404, as the Functions host does, for a method the function does not accept', async () => {
    const response = await get('/v1/hello', { method: 'POST' });
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 404, body: '' });
  });

  it('defaults the route to the function name and the methods to GET and POST', async () => {
    const response = await get('/v1/defaultRoute?a=1&a=2&b=x', { headers: { 'x-custom': 'yes' } });
    expect(await response.json()).toEqual({
      method: 'GET',
      params: {},
      query: { a: '1,2', b: 'x' },
      custom: 'yes',
    });
    expect((await get('/v1/defaultRoute', { method: 'POST' })).status).toBe(200);
    expect((await get('/v1/defaultRoute', { method: 'PUT' })).status).toBe(404);
  });

  it('matches constraints and prefers literal segments', async () => {
    const byId = await get('/v1/items/42?code=test-function-key');
    expect(await byId.json()).toEqual({
      method: 'GET',
      params: { id: '42' },
      query: { code: 'test-function-key' },
      custom: null,
    });
    const byName = await get('/v1/items/widget');
    expect(await byName.json()).toEqual({
      method: 'GET',
      params: { name: 'widget' },
      query: {},
      custom: null,
    });
    expect(await (await get('/v1/items/new')).text()).toBe('literal wins');
    expect((await get('/v1/items/4x2')).status).toBe(404);
  });

  it('fills catch-all and optional parameters, URL-decoded', async () => {
    const params = async (url: string) => ((await (await get(url)).json()) as { params: unknown }).params;
    expect(await params('/v1/files/a/b%20c/d.txt')).toEqual({ path: 'a/b c/d.txt' });
    expect(await params('/v1/opt/zed')).toEqual({ name: 'zed' });
    expect(await params('/v1/opt')).toEqual({});
  });

  it('function level: function key or master key, by query or header; 401 otherwise', async () => {
    expect((await get('/v1/items/1')).status).toBe(401);
    expect((await get('/v1/items/1?code=wrong')).status).toBe(401);
    expect((await get('/v1/items/1?code=test-function-key')).status).toBe(200);
    expect((await get('/v1/items/1?code=test-master-key')).status).toBe(200);
    expect((await get('/v1/items/1', { headers: { 'x-functions-key': 'test-function-key' } })).status).toBe(
      200,
    );
    expect(
      (await get('/v1/items/1', { method: 'DELETE', headers: { 'x-functions-key': 'test-master-key' } }))
        .status,
    ).toBe(200);
    expect((await get(`/v1/items/1?code=${host.eventGridKey}`)).status).toBe(401);
  });

  it('admin level: master key only', async () => {
    expect((await get('/v1/secret')).status).toBe(401);
    expect((await get('/v1/secret?code=test-function-key')).status).toBe(401);
    const ok = await get('/v1/secret', { headers: { 'x-functions-key': 'test-master-key' } });
    expect({ status: ok.status, body: await ok.text() }).toEqual({ status: 200, body: 'secret' });
  });

  it('returns status, headers, cookies and body from the handler', async () => {
    const response = await get('/v1/things', {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect({
      status: response.status,
      thing: response.headers.get('x-thing'),
      location: response.headers.get('location'),
      contentType: response.headers.get('content-type'),
      cookies: response.headers.getSetCookie(),
      body: await response.json(),
    }).toEqual({
      status: 201,
      thing: 'made',
      location: '/v1/things/1',
      contentType: 'application/json',
      cookies: ['session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict'],
      body: { received: { n: 1 } },
    });
  });

  it('answers 500 with no details when the handler throws, and logs the error', async () => {
    const response = await get('/v1/throws');
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 500, body: '' });
    expect(logs.some((entry) => entry.level === 'error' && entry.message.includes('kaput'))).toBe(true);
  });

  it('answers 204 when the handler returns nothing', async () => {
    const response = await get('/v1/returnsNothing');
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 204, body: '' });
  });

  it('lists its HTTP routes as func start does', () => {
    const routes = host.httpRoutes().map((r) => `${r.name} ${r.methods.join(',')} ${r.url} ${r.authLevel}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        `getItem GET,DELETE ${host.baseUrl}/v1/items/{id:int} function`,
        `adminOnly GET ${host.baseUrl}/v1/secret admin`,
        `files GET ${host.baseUrl}/v1/files/{*path} anonymous`,
      ]),
    );
    expect(routes).toHaveLength(12);
  });

  it('gives the function the URL the caller used', async () => {
    const port = new URL(host.baseUrl).port;
    const viaLocalhost = await fetch(`http://localhost:${port}/v1/whoami?x=1`);
    expect(await viaLocalhost.text()).toBe(`http://localhost:${port}/v1/whoami?x=1`);
    expect(await (await get('/v1/whoami')).text()).toBe(`${host.baseUrl}/v1/whoami`);
  });

  it('admin endpoints need the master key', async () => {
    expect((await get('/admin/host/status')).status).toBe(401);
    const status = await get('/admin/host/status?code=test-master-key');
    expect({ status: status.status, body: await status.json() }).toEqual({
      status: 200,
      body: { state: 'Running' },
    });
  });
});
