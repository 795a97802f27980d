// The dashboard's client: reads the app's own JSON API with the function key and renders four views.
// Bundled by scripts/build-dashboard.mjs into one HTML page; it talks to nothing but the app.

const KEY_STORAGE = 'rpcopy-function-key';
const REFRESH_MS = 30_000;
const STATES = ['Protected', 'AtRisk', 'Breached', 'Unprotected', 'Disabled'] as const;
type State = (typeof STATES)[number];

interface PairEntry {
  id: string;
  state: State;
  sourceCollectionId: string;
  sourceVmId: string | null;
  targetRegion: string;
  rpo: { targetHours: number | null; achievedHours: number | null };
  reason: { message: string } | null;
}
interface ProtectionList {
  summary: Record<State, number>;
  pairs: PairEntry[];
  nextLink: string | null;
}
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
interface CopyDoc {
  id: string;
  status: string;
  sourceCollectionId: string;
  targetRegion: string;
  createdAt: string;
  progress: {
    percent: number;
    etaSeconds: number | null;
    stalled: boolean;
    disks: { id: string; status: string; percent: number }[];
  };
  error?: { category: string; code: string; message: string; suggestion: string };
  reason?: string;
  completedAt: string | null;
}
interface CopyList {
  copies: CopyDoc[];
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
  const key = sessionStorage.getItem(KEY_STORAGE) ?? '';
  const response = await fetch(path, { headers: { 'x-functions-key': key, accept: 'application/json' } });
  if (response.status === 401) {
    throw new Unauthorized();
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

function matrix(list: ProtectionList): HTMLElement {
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

function summary(list: ProtectionList): HTMLElement {
  return h(
    'ul',
    { class: 'summary', id: 'summary' },
    ...STATES.map((state) =>
      h('li', { class: `state-${state}` }, h('strong', {}, String(list.summary[state])), ` ${state}`),
    ),
  );
}

/** Queued copies wait their turn per pair, oldest request first; the API has no global queue position. */
function queuePositions(copies: CopyDoc[]): Map<string, number> {
  const positions = new Map<string, number>();
  const byPair = new Map<string, CopyDoc[]>();
  for (const copy of copies.filter((c) => c.status === 'Queued')) {
    const pair = `${copy.sourceCollectionId.toLowerCase()} ${copy.targetRegion}`;
    byPair.set(pair, [...(byPair.get(pair) ?? []), copy]);
  }
  for (const queued of byPair.values()) {
    queued.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    queued.forEach((copy, index) => positions.set(copy.id, index + 1));
  }
  return positions;
}

function bar(percent: number, label: string): HTMLElement {
  return h('progress', { max: '100', value: String(percent), 'aria-label': label }, `${percent}%`);
}

function inFlight(copies: CopyDoc[]): HTMLElement {
  const positions = queuePositions(copies);
  const section = h('section', { id: 'in-flight' }, h('h2', {}, `Copies in flight (${copies.length})`));
  if (copies.length === 0) {
    section.append(h('p', { class: 'muted' }, 'No copy is queued or running.'));
  }
  for (const copy of copies) {
    const position = positions.get(copy.id);
    const eta =
      copy.progress.etaSeconds === null ? 'ETA unknown' : `ETA ${duration(copy.progress.etaSeconds)}`;
    section.append(
      h(
        'article',
        { class: 'copy', 'data-copy': copy.id },
        h(
          'p',
          {},
          h('strong', {}, `${collectionName(copy.sourceCollectionId)} → ${copy.targetRegion}`),
          ' ',
          h('span', { class: 'status' }, position === undefined ? copy.status : `Queued #${position}`),
          ' ',
          h('span', { class: 'percent' }, `${copy.progress.percent}%`),
          ' ',
          h('span', { class: 'eta' }, copy.status === 'Queued' ? '' : eta),
          copy.progress.stalled ? h('span', { class: 'stalled' }, ' stalled') : '',
        ),
        ...copy.progress.disks.map((disk) =>
          h(
            'div',
            { class: 'disk', 'data-disk': disk.id },
            h('span', { class: 'disk-name' }, collectionName(disk.id)),
            bar(disk.percent, `${collectionName(disk.id)} ${disk.percent}%`),
            h('span', { class: 'disk-percent' }, `${disk.percent}%`),
          ),
        ),
      ),
    );
  }
  return section;
}

function failures(copies: CopyDoc[]): HTMLElement {
  const section = h('section', { id: 'failures' }, h('h2', {}, 'Recent failures and skips'));
  if (copies.length === 0) {
    section.append(h('p', { class: 'muted' }, 'None.'));
  }
  for (const copy of copies) {
    section.append(
      h(
        'article',
        { class: 'failure', 'data-copy': copy.id },
        h(
          'p',
          {},
          h('strong', {}, `${copy.status}`),
          ` ${collectionName(copy.sourceCollectionId)} → ${copy.targetRegion} · `,
          h('span', { class: 'category' }, copy.error?.category ?? copy.reason ?? ''),
          ' · ',
          h('a', { href: `/api/copies/${encodeURIComponent(copy.id)}`, class: 'doc-link' }, 'copy document'),
        ),
        h('p', { class: 'message' }, copy.error?.message ?? ''),
        h('p', { class: 'suggestion' }, copy.error === undefined ? '' : `Fix: ${copy.error.suggestion}`),
      ),
    );
  }
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
  return section;
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

async function allPairs(): Promise<ProtectionList> {
  const first = await getJson<ProtectionList>('/api/protection?top=200');
  let next = first.nextLink;
  // A guard against a server that keeps answering nextLink: 50 pages are 10,000 pairs.
  for (let page = 0; next !== null && page < 50; page += 1) {
    const more = await getJson<ProtectionList>(next);
    first.pairs.push(...more.pairs);
    next = more.nextLink;
  }
  return first;
}

async function refresh(): Promise<void> {
  if (sessionStorage.getItem(KEY_STORAGE) === null) {
    keyForm(
      'Open this page with ?code=<function key> (the key moves out of the address bar at once), or enter the key here.',
    );
    return;
  }
  try {
    const [list, flying, ended] = await Promise.all([
      allPairs(),
      getJson<CopyList>('/api/copies?status=Queued,Starting,Replicating&top=200'),
      getJson<CopyList>('/api/copies?status=Failed,TimedOut,Skipped&top=20'),
    ]);
    render(list, flying.copies, ended.copies);
    document.getElementById('updated')?.replaceChildren(`Updated ${new Date().toLocaleTimeString()}`);
    scheduleNext();
  } catch (error) {
    showError(error);
    if (!(error instanceof Unauthorized)) {
      scheduleNext();
    }
  }
}

function render(list: ProtectionList, flying: CopyDoc[], ended: CopyDoc[]): void {
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
  if (list.pairs.length === 0 && flying.length === 0 && ended.length === 0) {
    app.replaceChildren(
      toolbar,
      h(
        'section',
        { class: 'notice', id: 'first-run' },
        h('h2', {}, 'Nothing to show yet'),
        h(
          'p',
          {},
          'No source collection is in scope and no copy has been requested. Set RPCOPY_POLICY or tag a restore point collection with rpcopy-targets, or request a copy with POST /api/copies; the dashboard fills in on its own.',
        ),
      ),
    );
    return;
  }
  app.replaceChildren(
    toolbar,
    summary(list),
    h('div', { class: 'scroll' }, matrix(list)),
    inFlight(flying),
    failures(ended),
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
