// The dashboard's client: reads the app's own JSON API with the function key and renders four views.
// Bundled by scripts/build-dashboard.mjs into one HTML page; it talks to nothing but the app.

import type { AllPairs, FailureRow, FlightRow, PairEntry } from './panels';
import { STATES, allPairs, copiesInFlight, failures } from './panels';

const KEY_STORAGE = 'rpcopy-function-key';
const REFRESH_MS = 30_000;

interface HistoryCopy {
  copyId: string;
  sourceCreatedAt: string;
  completedAt: string | null;
  durationSeconds: number | null;
  status: string;
}
interface PairDetail extends PairEntry {
  history: { copies: HistoryCopy[]; rpo: { at: string; hours: number }[] };
}

class Unauthorized extends Error {}

const app = document.getElementById('app') as HTMLElement;
let timer: number | undefined;
let paused = false;
let openPair: string | undefined;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** Moves `?code=` out of the address bar (and so out of history, bookmarks and Referer) into this tab's storage. */
function takeKey(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('code');
  if (fromUrl !== null) {
    sessionStorage.setItem(KEY_STORAGE, fromUrl);
    url.searchParams.delete('code');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(KEY_STORAGE);
}

async function getJson<T>(path: string): Promise<T> {
  const found = await getJsonIfFound<T>(path);
  if (found === undefined) {
    throw new Error(`${path.split('?')[0]} answered 404`);
  }
  return found;
}

/** Undefined on 404: a copy's instance may be purged while its pair still names it. */
async function getJsonIfFound<T>(path: string): Promise<T | undefined> {
  const key = sessionStorage.getItem(KEY_STORAGE) ?? '';
  const response = await fetch(path, { headers: { 'x-functions-key': key, accept: 'application/json' } });
  if (response.status === 401) {
    throw new Unauthorized();
  }
  if (response.status === 404) {
    return undefined;
  }
  if (!response.ok) {
    const text = await response.text();
    throw new Error(`${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 200)}`);
  }
  return (await response.json()) as T;
}

function collectionName(id: string): string {
  return id.split('/').pop() ?? id;
}

function hours(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(value < 10 ? 1 : 0)} h`;
}

function duration(seconds: number | null): string {
  if (seconds === null) {
    return '—';
  }
  if (seconds < 3600) {
    return `${Math.round(seconds / 60)} min`;
  }
  return `${(seconds / 3600).toFixed(1)} h`;
}

function keyForm(message: string): void {
  stopTimer();
  const input = h('input', {
    id: 'key',
    type: 'password',
    autocomplete: 'off',
    'aria-describedby': 'key-help',
  });
  const form = h(
    'form',
    { class: 'key-form' },
    h('label', { for: 'key' }, 'Function key'),
    input,
    h('button', { type: 'submit' }, 'Open dashboard'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    void refresh();
  });
  app.replaceChildren(
    h(
      'section',
      { class: 'notice', role: 'alert', id: 'key-message' },
      h('h2', {}, 'A function key is needed'),
      h('p', { id: 'key-help' }, message),
      form,
    ),
  );
}

function matrix(list: AllPairs): HTMLElement {
  const regions = [...new Set(list.pairs.map((pair) => pair.targetRegion))].sort();
  const rows = new Map<string, PairEntry[]>();
  for (const pair of list.pairs) {
    rows.set(pair.sourceCollectionId, [...(rows.get(pair.sourceCollectionId) ?? []), pair]);
  }
  const table = h(
    'table',
    { class: 'matrix', id: 'matrix' },
    h('caption', {}, 'Protection: source collections × target regions'),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'Source'), ...regions.map((r) => h('th', { scope: 'col' }, r))),
    ),
  );
  const body = h('tbody');
  for (const [collection, pairs] of rows) {
    // People know their VMs by name; the collection is the tooltip.
    const vm = pairs[0]?.sourceVmId;
    const name = vm ? collectionName(vm) : collectionName(collection);
    const row = h('tr', {}, h('th', { scope: 'row', title: collection }, name));
    for (const region of regions) {
      const pair = pairs.find((candidate) => candidate.targetRegion === region);
      if (pair === undefined) {
        row.append(h('td', { class: 'none' }, 'not copied'));
        continue;
      }
      const button = h(
        'button',
        {
          class: `cell state-${pair.state}`,
          'data-pair': pair.id,
          'data-state': pair.state,
          title: pair.reason?.message ?? pair.state,
          'aria-label': `${name} to ${region}: ${pair.state}, achieved RPO ${hours(pair.rpo.achievedHours)} of target ${hours(pair.rpo.targetHours)}`,
        },
        h('span', { class: 'state' }, pair.state),
        h('span', { class: 'rpo' }, `${hours(pair.rpo.achievedHours)} / ${hours(pair.rpo.targetHours)}`),
      );
      button.addEventListener('click', () => void showHistory(pair.id));
      row.append(h('td', {}, button));
    }
    body.append(row);
  }
  table.append(body);
  return table;
}

function summary(list: AllPairs): HTMLElement {
  return h(
    'ul',
    { class: 'summary', id: 'summary' },
    ...STATES.map((state) =>
      h('li', { class: `state-${state}` }, h('strong', {}, String(list.summary[state])), ` ${state}`),
    ),
  );
}

function bar(percent: number, label: string): HTMLElement {
  return h('progress', { max: '100', value: String(percent), 'aria-label': label }, `${percent}%`);
}

function docLink(copyId: string): HTMLElement {
  return h('a', { href: `/api/copies/${encodeURIComponent(copyId)}`, class: 'doc-link' }, 'copy document');
}

function inFlight(copies: FlightRow[]): HTMLElement {
  const section = h(
    'section',
    { id: 'in-flight' },
    h('h2', {}, `Copies in flight (${copies.length})`),
    h(
      'p',
      { class: 'muted' },
      'Per pair, the copy running or next in line; copies queued behind it wait their turn.',
    ),
  );
  if (copies.length === 0) {
    section.append(h('p', { class: 'muted' }, 'No copy is queued or running.'));
  }
  for (const copy of copies) {
    const eta =
      copy.status === 'Queued'
        ? ''
        : copy.etaSeconds === null
          ? 'ETA unknown'
          : `ETA ${duration(copy.etaSeconds)}`;
    const name = `${collectionName(copy.sourceCollectionId)} → ${copy.targetRegion}`;
    section.append(
      h(
        'article',
        { class: 'copy', 'data-copy': copy.copyId },
        h(
          'p',
          {},
          h('strong', {}, name),
          ' ',
          h('span', { class: 'status' }, copy.status),
          ' ',
          h('span', { class: 'percent' }, `${copy.percent}%`),
          ' ',
          h('span', { class: 'eta' }, eta),
          copy.stalled ? h('span', { class: 'stalled' }, ' stalled') : '',
          ' · ',
          docLink(copy.copyId),
        ),
        bar(copy.percent, `${name} ${copy.percent}%`),
      ),
    );
  }
  showDocumentsInPlace(section);
  return section;
}

function failureArticle(failure: FailureRow): HTMLElement {
  return h(
    'article',
    { class: 'failure', 'data-copy': failure.copyId, 'data-keeps-from-rpo': String(failure.keepsFromRpo) },
    h(
      'p',
      {},
      h('strong', {}, failure.status),
      ` ${collectionName(failure.sourceCollectionId)} → ${failure.targetRegion} · `,
      h('span', { class: 'category' }, failure.category),
      failure.endedAt === null
        ? ''
        : h('span', { class: 'ended' }, ` · ended ${failure.endedAt.slice(0, 16).replace('T', ' ')}`),
      ' · ',
      docLink(failure.copyId),
    ),
    h('p', { class: 'message' }, failure.message),
    h('p', { class: 'suggestion' }, failure.suggestion === '' ? '' : `Fix: ${failure.suggestion}`),
    failure.keepsFromRpo
      ? ''
      : h('p', { class: 'muted not-blocking' }, 'An older copy or another reason decides this pair’s state.'),
  );
}

function failuresPanel(found: FailureRow[]): HTMLElement {
  const section = h(
    'section',
    { id: 'failures' },
    h('h2', {}, 'Failures'),
    h(
      'p',
      { class: 'muted' },
      'Per pair, the failed or skipped copy after its newest usable copy, newest first, whatever the pair’s state.',
    ),
  );
  if (found.length === 0) {
    section.append(h('p', { class: 'muted' }, 'None.'));
  }
  section.append(...found.map(failureArticle));
  showDocumentsInPlace(section);
  return section;
}

function showDocumentsInPlace(section: HTMLElement): void {
  // The document needs the key too: fetch it and show it here instead of a bare navigation that would 401.
  section.addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest('a.doc-link');
    if (!(link instanceof HTMLAnchorElement)) {
      return;
    }
    event.preventDefault();
    void getJson<unknown>(link.pathname).then((doc) => {
      const pre = h('pre', { class: 'doc', tabindex: '0' }, JSON.stringify(doc, null, 2));
      link.closest('article')?.querySelector('pre')?.remove();
      link.closest('article')?.append(pre);
    }, showError);
  });
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

/** Achieved RPO as a line (with the target dashed) and each copy's duration as a bar, on one time axis. */
function chart(detail: PairDetail): SVGElement {
  const width = 640;
  const height = 220;
  const pad = 36;
  const points = detail.history.rpo.map((p) => ({ t: Date.parse(p.at), v: p.hours }));
  const bars = detail.history.copies
    .filter((c) => c.completedAt !== null && c.durationSeconds !== null)
    .map((c) => ({ t: Date.parse(c.completedAt ?? ''), v: (c.durationSeconds ?? 0) / 3600 }));
  const times = [...points, ...bars].map((p) => p.t);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const vMax =
    Math.max(1, detail.rpo.targetHours ?? 0, ...points.map((p) => p.v), ...bars.map((b) => b.v)) * 1.1;
  const x = (t: number): number => pad + ((t - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (v: number): number => height - pad - (v / vMax) * (height - 2 * pad);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', id: 'chart' });
  root.append(
    svg(
      'title',
      {},
      `Achieved RPO over time and copy durations for ${collectionName(detail.sourceCollectionId)} → ${detail.targetRegion}`,
    ),
  );
  root.append(svg('line', { x1: pad, y1: y(0), x2: width - pad, y2: y(0), class: 'axis' }));
  root.append(svg('text', { x: 4, y: y(vMax / 1.1), class: 'label' }, hours(vMax / 1.1)));
  root.append(svg('text', { x: 4, y: y(0), class: 'label' }, '0'));
  for (const b of bars) {
    root.append(
      svg('rect', {
        x: x(b.t) - 3,
        y: y(b.v),
        width: 6,
        height: Math.max(1, y(0) - y(b.v)),
        class: 'duration',
      }),
    );
  }
  if (detail.rpo.targetHours !== null) {
    const target = y(detail.rpo.targetHours);
    root.append(svg('line', { x1: pad, y1: target, x2: width - pad, y2: target, class: 'target' }));
  }
  if (points.length > 0) {
    root.append(
      svg('polyline', { points: points.map((p) => `${x(p.t)},${y(p.v)}`).join(' '), class: 'rpo-line' }),
    );
  }
  root.append(
    svg(
      'text',
      { x: pad, y: height - 8, class: 'label' },
      new Date(t0).toISOString().slice(0, 16).replace('T', ' '),
    ),
  );
  root.append(
    svg(
      'text',
      { x: width - pad, y: height - 8, class: 'label end' },
      new Date(t1).toISOString().slice(0, 16).replace('T', ' '),
    ),
  );
  return root;
}

async function showHistory(pairId: string): Promise<void> {
  openPair = pairId;
  const detail = await getJson<PairDetail>(`/api/protection/${encodeURIComponent(pairId)}`).catch(
    (error: unknown) => {
      showError(error);
      return undefined;
    },
  );
  if (detail === undefined) {
    return;
  }
  const close = h('button', { type: 'button', class: 'close' }, 'Close history');
  close.addEventListener('click', () => {
    openPair = undefined;
    dialog.remove();
    document.querySelector<HTMLButtonElement>(`button[data-pair="${CSS.escape(pairId)}"]`)?.focus();
  });
  const dialog = h(
    'section',
    { id: 'history', 'aria-labelledby': 'history-title', tabindex: '-1' },
    h(
      'h2',
      { id: 'history-title' },
      `History: ${collectionName(detail.sourceCollectionId)} → ${detail.targetRegion} (${detail.state})`,
    ),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'key-rpo' }, '— achieved RPO'),
      ' ',
      h('span', { class: 'key-target' }, '- - target'),
      ' ',
      h('span', { class: 'key-duration' }, '▮ copy duration'),
    ),
    detail.history.rpo.length === 0 && detail.history.copies.length === 0
      ? h('p', {}, 'No copies yet.')
      : chart(detail),
    h(
      'table',
      { class: 'history-copies' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Source created'), h('th', {}, 'Status'), h('th', {}, 'Duration')),
      ),
      h(
        'tbody',
        {},
        ...detail.history.copies.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, c.sourceCreatedAt.slice(0, 16).replace('T', ' ')),
            h('td', {}, c.status),
            h('td', {}, duration(c.durationSeconds)),
          ),
        ),
      ),
    ),
    close,
  );
  document.getElementById('history')?.remove();
  app.append(dialog);
  dialog.focus();
}

function showError(error: unknown): void {
  if (error instanceof Unauthorized) {
    sessionStorage.removeItem(KEY_STORAGE);
    keyForm(
      'The app refused this function key (401 Unauthorized). Enter a valid function key, or open the dashboard with ?code=<function key>.',
    );
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  document.getElementById('error')?.remove();
  app.prepend(h('p', { id: 'error', role: 'alert', class: 'error' }, `Could not refresh: ${message}`));
}

async function refresh(): Promise<void> {
  if (sessionStorage.getItem(KEY_STORAGE) === null) {
    keyForm(
      'Open this page with ?code=<function key> (the key moves out of the address bar at once), or enter the key here.',
    );
    return;
  }
  try {
    const list = await allPairs(getJson);
    render(list, failures(list.pairs));
    document.getElementById('updated')?.replaceChildren(`Updated ${new Date().toLocaleTimeString()}`);
    scheduleNext();
  } catch (error) {
    showError(error);
    if (!(error instanceof Unauthorized)) {
      scheduleNext();
    }
  }
}

function render(list: AllPairs, ended: FailureRow[]): void {
  const focused =
    document.activeElement instanceof HTMLElement ? document.activeElement.dataset.pair : undefined;
  const history = document.getElementById('history');
  const pause = h(
    'button',
    { type: 'button', id: 'pause', 'aria-pressed': String(paused) },
    paused ? 'Resume live refresh' : 'Pause live refresh',
  );
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume live refresh' : 'Pause live refresh';
    if (paused) {
      stopTimer();
    } else {
      void refresh();
    }
  });
  const toolbar = h('div', { class: 'toolbar' }, pause, h('span', { id: 'updated', role: 'status' }));
  if (list.pairs.length === 0) {
    app.replaceChildren(
      toolbar,
      h(
        'section',
        { class: 'notice', id: 'first-run' },
        h('h2', {}, 'Nothing to show yet'),
        h(
          'p',
          {},
          'No source collection is in scope. Set RPCOPY_POLICY or tag a restore point collection with rpcopy-targets; the dashboard fills in on its own. Copies requested with POST /api/copies for collections outside the policy are listed by GET /api/copies.',
        ),
      ),
    );
    return;
  }
  app.replaceChildren(
    toolbar,
    summary(list),
    list.complete
      ? ''
      : h(
          'p',
          { class: 'partial', id: 'pairs-partial' },
          `${list.pairs.length} pairs shown of more: the counts above cover every pair; filter GET /api/protection for the rest.`,
        ),
    h('div', { class: 'scroll' }, matrix(list)),
    inFlight(copiesInFlight(list.pairs)),
    failuresPanel(ended),
  );
  if (history !== null && openPair !== undefined) {
    app.append(history);
  }
  if (focused !== undefined) {
    document.querySelector<HTMLButtonElement>(`button[data-pair="${CSS.escape(focused)}"]`)?.focus();
  }
}

function stopTimer(): void {
  if (timer !== undefined) {
    window.clearTimeout(timer);
  }
  timer = undefined;
}

function scheduleNext(): void {
  stopTimer();
  if (!paused) {
    timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  }
}

takeKey();
void refresh();
