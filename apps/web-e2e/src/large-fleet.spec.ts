import { expect, test, type CDPSession } from '@playwright/test';
import type { FeedRecordDto, FleetSummaryDto } from '@tft/api-client';
import { PROFILES } from '@tft/contracts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { feedRecords, freePort, getJson, modelDir, root, startService, stopService, tempDataDir, waitFor } from './services';

// The console on a 10,000-server fleet: its own api (filled straight through POST /feed/data with a
// few 5-minute steps per server, so every forecast is heuristic) and console server, no generator.
// The full 10,000 fit: the fill takes seconds, the whole test (two live minutes included) under three
// minutes on two cores.
// Timings, bytes and heap are logged for the closing note, not asserted.
const SERVERS = 10_000;
const STEP_MS = 300_000;
/** Closed steps of history per server before the open one. */
const STEPS = 3;
/** Minutes the overview refreshes live while the bytes it moves are counted. */
const LIVE_MINUTES = 2;
const ROW_HEIGHT = 32; // apps/web server-table.ts ROW_HEIGHT
/** Data time of the open step at the end of the fill: pinned, so nothing depends on the hour the test runs. */
const ORIGIN = Date.UTC(2026, 0, 5, 6);
/** Data time a live tick adds, sent every LIVE_TICK_MS of wall time (real time). */
const LIVE_TICK_MS = 5_000;

const serverName = (i: number) => `lf${String(i).padStart(5, '0')}`;

/** One sample per server at `at`; values vary by server and a little by `tick`. */
function samples(at: number, tick: number): FeedRecordDto[] {
  return Array.from({ length: SERVERS }, (_, i) => {
    const x = (i * 7919) % 100;
    return {
      timestamp: new Date(at).toISOString(),
      server_name: serverName(i),
      profile: PROFILES[i % PROFILES.length],
      cpu_percent: 20 + x * 0.7 + (tick % 3),
      memory_percent: 30 + ((x * 3) % 60),
      disk_percent: 40 + (i % 50),
      load_average: 1 + x / 20,
    };
  });
}

/** Bytes over the wire per request, from the browser's own network events (compressed sizes, headers included). */
function networkMeter(cdp: CDPSession) {
  const urls = new Map<string, string>();
  const statuses = new Map<string, number>();
  let bytes = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.responseReceived', (e) => statuses.set(e.requestId, e.response.status));
  // an event stream never finishes: its bytes arrive as dataReceived
  cdp.on('Network.dataReceived', (e) => bytes.set(e.requestId, (bytes.get(e.requestId) ?? 0) + e.encodedDataLength));
  cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, Math.max(bytes.get(e.requestId) ?? 0, e.encodedDataLength)));
  return {
    reset: () => (bytes = new Map()),
    report: () => {
      const byPath = new Map<string, { requests: number; bytes: number; notModified: number }>();
      for (const [id, n] of bytes) {
        const path = new URL(urls.get(id) ?? 'http://unknown/').pathname;
        const entry = byPath.get(path) ?? { requests: 0, bytes: 0, notModified: 0 };
        entry.requests++;
        entry.bytes += n;
        if (statuses.get(id) === 304) entry.notModified++;
        byPath.set(path, entry);
      }
      const total = [...byPath.values()].reduce((sum, e) => sum + e.bytes, 0);
      return { total, byPath };
    },
  };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

test('the console stays usable on a 10,000-server fleet', async ({ page }) => {
  test.setTimeout(240_000);
  const [apiPort, webPort, noGeneratorPort] = [await freePort(), await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const dataDir = tempDataDir();
  const model = modelDir();
  const api = startService('large-fleet-api', [join(root, 'dist', 'apps', 'api', 'main.js')], {
    API_PORT: String(apiPort),
    DATA_DIR: dataDir,
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...(model ? { MODEL_DIR: model } : {}),
  });
  const web = startService('large-fleet-web-server', [join(root, 'dist', 'apps', 'web-server', 'main.js')], {
    WEB_PORT: String(webPort),
    API_URL: apiUrl,
    GENERATOR_URL: `http://127.0.0.1:${noGeneratorPort}`,
  });
  let feeding = true;
  let feeder: Promise<void> = Promise.resolve();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    await waitFor('the api', async () => (await fetch(`${apiUrl}/health`)).ok, 30_000);
    await waitFor('the console server', async () => (await fetch(`http://127.0.0.1:${webPort}/`)).ok, 10_000);

    const fillStart = Date.now();
    for (let s = STEPS; s >= 0; s--) await feedRecords(apiUrl, samples(ORIGIN - s * STEP_MS, 0));
    await waitFor(
      `${SERVERS} servers in the fleet summary`,
      async () => (await getJson<FleetSummaryDto>(`${apiUrl}/fleet/summary?limit=1`)).fleet.total_servers === SERVERS,
      120_000,
    );
    console.log(`large fleet: ${SERVERS} servers filled and forecast in ${((Date.now() - fillStart) / 1000).toFixed(1)} s`);

    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({
        type: 'longtask',
        buffered: true,
      });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const meter = networkMeter(cdp);
    const longTasks = () => page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0));

    // The overview shows the fleet size.
    const opened = Date.now();
    await page.goto(`http://127.0.0.1:${webPort}/`);
    await expect(page.getByTestId('server-count')).toHaveText('10,000', { timeout: 60_000 });
    const shownAfter = Date.now() - opened;
    await expect(page.getByTestId('server-table-count')).toHaveText('10,000 of 10,000 servers');
    await expect(page.getByTestId('heatmap-note')).toHaveText('riskiest 25 of 10,000');
    await expect(page.getByTestId('risk-heatmap').locator('canvas').first()).toBeVisible();
    await expect(page.getByTestId('feed-state')).toHaveText('live');
    const load = meter.report();
    const loadTasks = await longTasks();
    console.log(
      `large fleet: fleet size shown ${shownAfter} ms after navigation; initial load ${mb(load.total)}` +
        ` (summary ${mb(load.byPath.get('/api/fleet/summary')?.bytes ?? 0)}); long tasks while loading: ${loadTasks.length}, longest ${Math.round(Math.max(0, ...loadTasks))} ms`,
    );
    // Virtual scroll: a handful of row elements for 10,000 servers.
    expect(await page.getByTestId('server-row').count()).toBeLessThan(80);

    // Live refresh while every server keeps reporting: count what the page moves in each of two
    // minutes (with the summary's gap near a minute, one minute alone may hold no refetch of it).
    const firstDataTime = await page.getByTestId('data-time').getAttribute('datetime');
    feeder = (async () => {
      for (let tick = 1; feeding; tick++) {
        await feedRecords(apiUrl, samples(ORIGIN + tick * LIVE_TICK_MS, tick));
        await new Promise((r) => setTimeout(r, LIVE_TICK_MS));
      }
    })();
    for (let minute = 1; minute <= LIVE_MINUTES; minute++) {
      meter.reset();
      await longTasks();
      await page.waitForTimeout(60_000);
      const live = meter.report();
      const tasks = await longTasks();
      const heap = await cdp.send('Runtime.getHeapUsage');
      const paths = [...live.byPath.entries()]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([path, e]) => `${path} ${e.requests}× ${mb(e.bytes)}${e.notModified ? ` (${e.notModified}× 304)` : ''}`)
        .join(', ');
      console.log(
        `large fleet: live minute ${minute} moved ${mb(live.total)}: ${paths}; ` +
          `long tasks: ${tasks.length}, longest ${Math.round(Math.max(0, ...tasks))} ms; JS heap ${mb(heap.usedSize)} used of ${mb(heap.totalSize)}`,
      );
    }
    // The live refresh moved the data time on (no timing asserted: only that it refreshed).
    await expect(page.getByTestId('data-time')).not.toHaveAttribute('datetime', firstDataTime ?? '');
    feeding = false;

    // Search narrows the table to the matching servers.
    const search = page.getByTestId('server-search');
    await search.fill('LF09123');
    await expect(page.getByTestId('server-table-count')).toHaveText('1 of 10,000 servers');
    await expect(page.getByTestId('server-row')).toHaveCount(1);
    await expect(page.getByTestId('server-row').first()).toHaveAttribute('data-server', 'lf09123');
    await search.fill('lf0912');
    await expect(page.getByTestId('server-table-count')).toHaveText('10 of 10,000 servers');
    const matched = await page.getByTestId('server-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-server')));
    expect(matched.sort()).toEqual(Array.from({ length: 10 }, (_, i) => serverName(9120 + i)));
    await search.fill('');
    await expect(page.getByTestId('server-table-count')).toHaveText('10,000 of 10,000 servers');

    // Rows far down the virtual-scrolled list are reachable: by name, row 9,000 and the last one.
    await page
      .getByTestId('server-table')
      .getByRole('button', { name: /^Server/ })
      .click();
    const viewport = page.getByTestId('server-rows');
    await viewport.evaluate((el, top) => (el.scrollTop = top), 9_000 * ROW_HEIGHT);
    const row9000 = page.locator('[data-testid="server-row"][data-server="lf09000"]');
    await expect(row9000).toBeInViewport();
    await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(page.locator('[data-testid="server-row"][data-server="lf09999"]')).toBeInViewport();
    await viewport.evaluate((el, top) => (el.scrollTop = top), 9_000 * ROW_HEIGHT);
    await expect(row9000).toBeInViewport();

    // Clicking through opens that server's page with its name and forecast.
    // each request with the page that made it (its Referer): a poll the overview sent just before the
    // click may reach this listener after it, and is the overview's, not the server page's
    const madeRequests: Promise<{ from: string; path: string }>[] = [];
    page.on('request', (r) =>
      madeRequests.push(
        r.allHeaders().then((h) => ({ from: new URL(h['referer'] ?? '', page.url()).pathname, path: new URL(r.url()).pathname })),
      ),
    );
    const clicked = Date.now();
    await row9000.getByRole('link', { name: 'lf09000' }).click();
    await expect(page).toHaveURL(/\/servers\/lf09000$/);
    await expect(page.getByTestId('server-header').locator('h2')).toHaveText('lf09000');
    await expect(page.getByTestId('forecast-model')).toHaveText('heuristic');
    await expect(page.getByTestId('forecast-chart-cpu_percent').locator('canvas').first()).toBeVisible();
    console.log(`large fleet: server page with its forecast ${Date.now() - clicked} ms after the click`);
    const serverRequests = (await Promise.all(madeRequests)).filter((r) => r.from === '/servers/lf09000').map((r) => r.path);
    expect(serverRequests).toContain('/api/servers/lf09000'); // the page's own read is seen, so the filter holds
    expect(serverRequests.filter((p) => p.startsWith('/api/fleet') || p.startsWith('/api/predictions'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    feeding = false;
    await feeder.catch(() => undefined);
    await Promise.all([web, api].map(stopService));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
