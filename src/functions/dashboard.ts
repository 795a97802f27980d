import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { HttpResponseInit } from '@azure/functions';
import { app } from '@azure/functions';

// Built by scripts/build-dashboard.mjs next to the compiled functions (dist/src/dashboard).
const PAGE = path.join(__dirname, '../dashboard/index.html');

let page: Promise<string> | undefined;

/**
 * The page is a static shell with no data: every number it shows comes from the function-level API, called
 * with the key the page took from `?code=`. The shell itself is anonymous because the page removes the key
 * from the address bar at once, so a reload (or a missing or wrong key) must still load a page that can say
 * what is wrong, rather than the host's empty 401.
 */
app.http('dashboardPage', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (): Promise<HttpResponseInit> => {
    page ??= readFile(PAGE, 'utf8');
    let body: string;
    try {
      body = await page;
    } catch {
      page = undefined;
      return {
        status: 503,
        jsonBody: {
          error: { code: 'DashboardNotBuilt', message: 'The dashboard was not built: run npm run build.' },
        },
      };
    }
    return {
      status: 200,
      body,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        // The page may talk to this app only; the key never leaves in a Referer.
        'content-security-policy':
          "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    };
  },
});
