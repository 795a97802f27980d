import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { APP_DIR, startAppStack } from '../support/appStack';
import { START, seedSource } from '../support/computeSim';
import { HOUR_MS, newSourceRestorePoint, policy, protection, runTo } from '../protection/support';
import { launchChromium } from './browser';

const ARTIFACTS = path.join(APP_DIR, 'test-results');

/** What a browser page did that the tests must see: console errors and every URL it requested. */
interface Watched {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

describe('the dashboard in headless Chromium, on the local stack', () => {
  let stack: AppStack;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startAppStack({
      // The first look a minute in, then every 200 s, sees rp10's failure at 10:11 (its refresh at 10:10), so at
      // 10:12 the failed target is being deleted while the other region's copy still replicates.
      settings: { RPCOPY_POLICY: policy({ rpoHours: 12 }), RPCOPY_FIRST_POLL_SECONDS: '60' },
      // The first copy of rp10 that Azure accepts has its third disk fail at 40 %: one failure with a
      // suggestion, the newest attempt of its pair, while the other region's copy of rp10 is still in flight.
      sim: {
        faults: [
          {
            kind: 'copy',
            target: { sourceRestorePointName: 'rp10' },
            effect: { type: 'failDisk', atPercent: 40, disk: 2 },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function open(query: string, width = 1280, height = 900): Promise<Watched> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const watched: Watched = { page, consoleErrors: [], requests: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') {
        watched.consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => watched.consoleErrors.push(error.message));
    page.on('request', (request) => watched.requests.push(request.url()));
    await page.goto(`${stack.host.baseUrl}/api/dashboard${query}`);
    return watched;
  }

  function onlyTheApp(watched: Watched): void {
    expect(watched.requests.filter((url) => !url.startsWith(`${stack.host.baseUrl}/`))).toEqual([]);
  }

  it('greets an empty deployment with a first-run message', async () => {
    // Act
    const watched = await open(`?code=${stack.host.functionKey}`);
    await watched.page.locator('#first-run').waitFor();

    // Assess: the key left the address bar at once.
    expect(await watched.page.locator('#first-run h2').textContent()).toBe('Nothing to show yet');
    expect(new URL(watched.page.url()).search).toBe('');
    expect(watched.consoleErrors).toEqual([]);
    onlyTheApp(watched);
    await watched.page.context().close();
  });

  it('shows the API numbers: every pair, copies in flight, failures with their fix, by keyboard', async () => {
    // Prepare: vm1 (three disks) is copied at hour 0, then rp10 at hour 10 (one region fails, one is in flight);
    // vm2 has no restore point; vm3 is not monitored.
    await seedSource(stack.h, { diskSizesGB: [8, 16, 32] });
    await seedSource(stack.h, { vm: 'vm2', collection: 'src2' });
    await seedSource(stack.h, { vm: 'vm3', collection: 'src3', tags: { 'rpcopy-rpo': 'none' } });
    await newSourceRestorePoint(stack, 'rp0');
    await runTo(stack, START + 10 * HOUR_MS);
    await newSourceRestorePoint(stack, 'rp10');
    // rp10 fails in one region at 10:12, while the other region's copy is still replicating; at that very
    // instant the failed target restore point is still being deleted, and the pair must already name it.
    await runTo(stack, START + 10 * HOUR_MS + 12 * 60_000);
    const expected = await protection(stack);
    const listed = (await stack.api('GET', 'copies?top=200')).body as { copies: CopyDocument[] };
    const failed = listed.copies.filter((copy) => copy.status === 'Failed');
    expect(new Set(expected.pairs.map((pair) => pair.state)).size).toBeGreaterThanOrEqual(3);
    expect(failed.length).toBe(1);
    // The panels read the protection entries: the failure is the one a pair names, and one copy flies per pair.
    expect(
      expected.pairs.filter((pair) => pair.reason?.code === 'CopyFailed').map((pair) => pair.reason?.copyId),
    ).toEqual([failed[0]?.id]);
    expect(
      expected.pairs.flatMap((pair) => (pair.lastFailure === null ? [] : [pair.lastFailure.copyId])),
    ).toEqual([failed[0]?.id]);
    const flying = expected.pairs.flatMap((pair) => (pair.copyInFlight === null ? [] : [pair.copyInFlight]));
    expect(flying.length).toBeGreaterThan(0);

    // Act
    const watched = await open(`?code=${stack.host.functionKey}`);
    const { page } = watched;
    await page.locator('#matrix').waitFor();

    // Assess: the matrix has every pair, with the API's state and RPO.
    const cells = await page.locator('button[data-pair]').evaluateAll((buttons) =>
      buttons.map((button) => ({
        id: button.getAttribute('data-pair'),
        state: button.getAttribute('data-state'),
        text: button.textContent,
      })),
    );
    const hours = (value: number | null): string =>
      value === null ? '—' : `${value.toFixed(value < 10 ? 1 : 0)} h`;
    expect(cells).toEqual(
      expected.pairs.map((pair) => ({
        id: pair.id,
        state: pair.state,
        text: `${pair.state}${hours(pair.rpo.achievedHours)} / ${hours(pair.rpo.targetHours)}`,
      })),
    );

    // Progress numbers agree with GET /api/copies/{id}.
    const shown = await page.locator('#in-flight article[data-copy]').evaluateAll((articles) =>
      articles.map((article) => ({
        id: article.getAttribute('data-copy') ?? '',
        status: article.querySelector('.status')?.textContent,
        percent: article.querySelector('.percent')?.textContent,
        bar: article.querySelector('progress')?.getAttribute('value'),
      })),
    );
    expect(shown.map((copy) => copy.id).sort()).toEqual(flying.map((copy) => copy.copyId).sort());
    for (const copy of shown) {
      const document = (await stack.api('GET', `copies/${copy.id}`)).body as CopyDocument;
      expect(copy).toEqual({
        id: document.id,
        status: document.status,
        percent: `${document.progress.percent}%`,
        bar: String(document.progress.percent),
      });
    }

    // A failure shows its suggestion and links its document.
    const failure = page.locator(`#failures article[data-copy="${failed[0]?.id}"]`);
    expect(await failure.locator('.suggestion').textContent()).toBe(`Fix: ${failed[0]?.error?.suggestion}`);
    expect(await failure.locator('a.doc-link').getAttribute('href')).toBe(`/api/copies/${failed[0]?.id}`);
    expect(await page.locator('#failures article').count()).toBe(1);
    // The copy list pages by instance id, not newest first: with more copies than a page, a panel fed from it
    // would miss failures and copies in flight. The page reads copies only by id, never the list.
    expect(watched.requests.filter((url) => new URL(url).pathname === '/api/copies')).toEqual([]);

    // Tab reaches every cell, and Enter opens that pair's history chart.
    const reached = new Set<string>();
    await page.locator('body').focus();
    for (let press = 0; press < 40 && reached.size < cells.length; press++) {
      await page.keyboard.press('Tab');
      const pair = await page.evaluate<string | null>(
        "document.activeElement?.getAttribute('data-pair') ?? null",
      );
      if (pair !== null) {
        reached.add(pair);
      }
    }
    expect([...reached].sort()).toEqual(expected.pairs.map((pair) => pair.id).sort());
    const last = [...reached].at(-1) ?? '';
    await page.keyboard.press('Enter');
    await page.locator('#history h2').waitFor();
    const lastPair = expected.pairs.find((pair) => pair.id === last);
    expect(await page.locator('#history h2').textContent()).toContain(
      `→ ${lastPair?.targetRegion} (${lastPair?.state})`,
    );
    // A pair with copies draws its chart: achieved RPO and copy durations.
    await page.locator('button[data-state="AtRisk"]').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('#history svg.chart polyline.rpo-line').waitFor();
    expect(await page.locator('#history svg.chart rect.duration').count()).toBeGreaterThan(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-1280.png'), fullPage: true });
    if (process.env.RPCOPY_SCREENSHOT) {
      copyFileSync(
        path.join(ARTIFACTS, 'dashboard-1280.png'),
        path.resolve(APP_DIR, process.env.RPCOPY_SCREENSHOT),
      );
    }
    const phone = await open(`?code=${stack.host.functionKey}`, 390, 844);
    await phone.page.locator('#matrix').waitFor();
    await phone.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-390.png'), fullPage: true });
    // At phone width the page itself does not scroll sideways (the matrix scrolls in its own box).
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBe(390);

    expect([...watched.consoleErrors, ...phone.consoleErrors]).toEqual([]);
    onlyTheApp(watched);
    onlyTheApp(phone);
    await page.context().close();
    await phone.page.context().close();
  });

  it('says clearly when the key is missing or wrong', async () => {
    // Act
    const missing = await open('');
    await missing.page.locator('#key-message').waitFor();
    const wrong = await open('?code=not-the-key');
    await wrong.page.locator('#key-message').waitFor();

    // Assess
    expect(await missing.page.locator('#key-message h2').textContent()).toBe('A function key is needed');
    expect(await wrong.page.locator('#key-help').textContent()).toContain('refused this function key (401');
    expect(new URL(wrong.page.url()).search).toBe('');
    // The browser itself logs the 401 of the refused API call; nothing else may fail.
    expect(missing.consoleErrors).toEqual([]);
    expect(wrong.consoleErrors.every((text) => text.includes('401'))).toBe(true);
    onlyTheApp(missing);
    onlyTheApp(wrong);
    await missing.page.context().close();
    await wrong.page.context().close();
  });
});
