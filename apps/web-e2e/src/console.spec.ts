import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { ActiveAlertsDto, generator, PredictionsDto } from '@tft/api-client';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotDir } from './services';

// One fleet, one order: the last test stops the api.
test.describe.configure({ mode: 'serial' });

const base = () => {
  const url = process.env['E2E_BASE_URL'];
  if (!url) throw new Error('E2E_BASE_URL unset: run through playwright.config.ts (global setup)');
  return url;
};

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({
    path: join(screenshotDir, `${name}.png`),
    fullPage: true,
  });
}

// Uncaught exceptions in the page fail the test that caused them.
let pageErrors: string[] = [];
test.beforeEach(({ page }) => {
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
test.afterEach(() => {
  expect(pageErrors).toEqual([]);
});

test('the overview shows the 20 servers with fleet health, expected critical servers and risk', async ({ page }) => {
  await page.goto(base() + '/');
  const rows = page.getByTestId('server-row');
  await expect(page.getByTestId('server-table-count')).toHaveText('20 of 20 servers');
  await expect(rows).toHaveCount(20); // a short list fits in the virtual scroll's buffer
  await expect(page.getByTestId('server-count')).toHaveText('20');
  await expect(page.getByTestId('fleet-health')).toHaveText(/healthy|degraded|critical/);
  await expect(page.getByTestId('expected-8h')).toHaveText(/^\d+\.\d servers \(\d+–\d+\)$/);
  await expect(page.getByTestId('incident-8h')).toHaveText(/%$/);
  await expect(page.getByTestId('warmup-percent')).toHaveText('100 %');
  await expect(page.getByTestId('feed-state')).toHaveText('live');
  await expect(page.getByTestId('heatmap-note')).toHaveText('riskiest 20 of 20');
  await expect(page.getByTestId('risk-heatmap').locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('api-error')).toHaveCount(0);
  const names = await rows.locator('[role="cell"]:first-child a').allTextContents();
  expect(names.filter((n) => /^pp(ml|db|web|con|etl|risk|gen)\d{4}$/.test(n.trim()))).toHaveLength(20);
  await page.waitForTimeout(1000); // let the charts finish drawing for the screenshot
  await shot(page, 'overview');

  // Search narrows the table; clearing it brings every server back.
  const first = names[0].trim();
  await page.getByTestId('server-search').fill(first.toUpperCase());
  await expect(page.getByTestId('server-table-count')).toHaveText('1 of 20 servers');
  await expect(rows.first()).toHaveAttribute('data-server', first);
  await page.getByTestId('server-search').fill('');
  await expect(rows).toHaveCount(20);

  // Clicking a heatmap cell opens that server: row 0 is the riskiest. The grid insets mirror
  // risk-heatmap-options.ts (left 90, right 12, top 28, bottom 56; 4 metric columns).
  const heatmap = page.getByTestId('risk-heatmap');
  const box = await heatmap.locator('canvas').first().boundingBox();
  expect(box).not.toBeNull();
  const heatmapRows = ((await heatmap.getAttribute('data-servers')) ?? '').split(',');
  expect(heatmapRows).toHaveLength(20);
  const cellWidth = (box!.width - 90 - 12) / 4;
  const cellHeight = (box!.height - 28 - 56) / heatmapRows.length;
  await page.mouse.click(box!.x + 90 + cellWidth / 2, box!.y + 28 + cellHeight / 2);
  await expect(page).toHaveURL(new RegExp(`/servers/${heatmapRows[0]}$`));
});

test('a server page draws history and forecast on a non-blank chart', async ({ page }) => {
  await page.goto(base() + '/');
  const link = page.getByTestId('server-row').first().getByRole('link');
  const name = (await link.textContent())?.trim() ?? '';
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/servers/${name}$`));
  await expect(page.getByTestId('server-header').locator('h2')).toHaveText(name);
  await expect(page.getByTestId('forecast-model')).toHaveText(/^(TFT|heuristic)$/);
  await expect(page.getByTestId('warmup')).toContainText('steps');

  const canvas = page.getByTestId('forecast-chart-cpu_percent').locator('canvas').first();
  await expect(canvas).toBeVisible();
  await page.waitForTimeout(1500);
  const pixels = await canvas.evaluate((el: HTMLCanvasElement) => {
    const ctx = el.getContext('2d');
    if (!ctx) return null;
    const { data } = ctx.getImageData(0, 0, el.width, el.height);
    const colours = new Set<number>();
    let painted = 0;
    // Pixels close to the p50 line (#7c3aed) and the critical threshold line (#dc2626).
    const near = (i: number, r: number, g: number, b: number) =>
      Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40;
    let p50 = 0;
    let critical = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 200) continue;
      painted++;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (near(i, 124, 58, 237)) p50++;
      if (near(i, 220, 38, 38)) critical++;
    }
    return {
      total: el.width * el.height,
      painted,
      colours: colours.size,
      p50,
      critical,
    };
  });
  expect(pixels).not.toBeNull();
  expect(pixels!.colours).toBeGreaterThan(20);
  expect(pixels!.painted / pixels!.total).toBeGreaterThan(0.01);
  expect(pixels!.p50).toBeGreaterThan(20);
  expect(pixels!.critical).toBeGreaterThan(20);
  await shot(page, 'server-detail');

  // A deep link (or reload) of a client-side route is served index.html by the console server (apps/web-server).
  await page.reload();
  await expect(page.getByTestId('server-header').locator('h2')).toHaveText(name);
});

/** The api as the console sees it, through the console server's proxy. */
async function apiJson<T>(request: APIRequestContext, path: string): Promise<T> {
  const res = await request.get(base() + '/api' + path);
  expect(res.ok(), `GET /api${path}`).toBe(true);
  return (await res.json()) as T;
}

test('each scenario moves its own servers, and healthy brings them back to quiet', async ({ page, request }) => {
  await page.goto(base() + '/');
  await expect(page.getByTestId('server-row')).toHaveCount(20);
  await expect(page.getByTestId('active-scenario')).toHaveText('healthy');
  // The alerts box keeps its height whether alerts fire or not, so the page below does not jump.
  const alertsBoxHeight = async () => (await page.getByTestId('alerts-box').boundingBox())?.height;
  const quietHeight = await alertsBoxHeight();
  expect(quietHeight).toBeGreaterThan(100);

  // The generator's stable affected set: the test watches these servers, not the fleet.
  const fleet = (await (await request.get(base() + '/generator/fleet')).json()) as generator.FleetServerDto[];
  const affected = fleet
    .filter((s) => s.affected_by_scenarios)
    .map((s) => s.name)
    .sort();
  expect(affected.length).toBeGreaterThan(0);
  const predictions = () => apiJson<PredictionsDto>(request, '/predictions/current');
  const before = (await predictions()).predictions;
  const alertedAffected = async () => {
    const { alerts } = await apiJson<ActiveAlertsDto>(request, '/alerts/active');
    return [...new Set(alerts.filter((a) => affected.includes(a.server)).map((a) => a.server))].sort();
  };
  /** Affected servers the console's alerts table shows. */
  const tableAffected = async () => {
    const cells = await page.getByTestId('alerts-table').locator('tbody tr td:nth-child(2)').allTextContents();
    return [...new Set(cells.map((c) => c.trim()).filter((c) => affected.includes(c)))].sort();
  };

  await page.getByTestId('scenario-critical').click();
  await expect(page.getByTestId('active-scenario')).toHaveText('critical');
  await expect(page.getByTestId('scenario-critical')).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => (await page.getByTestId('affected-servers').locator('a').allTextContents()).map((n) => n.trim()).sort())
    .toEqual(affected);

  // Within a minute at the demo's 60x: a 10-minute ramp, ALERT_FOR (10 min), a few 5 s passes.
  const started = Date.now();
  await expect.poll(alertedAffected, { timeout: 60_000, intervals: [2_000] }).toEqual(affected);
  const firedAfterMs = Date.now() - started;
  const during = (await predictions()).predictions;
  for (const name of affected) {
    // the values and the forecast of every affected server moved up
    const [now, then] = [during[name].cpu_percent!, before[name].cpu_percent!];
    expect(now.current, `${name} cpu now`).toBeGreaterThan((then.current ?? 0) + 10);
    // the forecast follows: its median well up in the first step (the model expects part of a sudden
    // jump to revert: MODEL_CARD.md, limitations), its band near the warning threshold (80): 3.0.0's band,
    // calibrated on real VMs, is narrower than 2.0.0's: its p90 came out at 79.4 in one run
    expect(now.p50[0], `${name} cpu p50, first step`).toBeGreaterThan(then.p50[0] + 15);
    expect(now.p90[0], `${name} cpu p90, first step`).toBeGreaterThanOrEqual(75);
  }
  // the console follows through the change feed: an alert event refetches the alerts
  await expect.poll(tableAffected, { timeout: 15_000 }).toEqual(affected);
  await expect(page.getByTestId('alert-count')).not.toHaveText('0 / 0');
  expect(await alertsBoxHeight()).toBe(quietHeight);
  // the worst alert shows in the server table too
  await page.getByTestId('filter-severity').selectOption('critical');
  await expect(page.getByTestId('server-table-count')).not.toHaveText(/^0 of/);
  await page.getByTestId('filter-severity').selectOption('');
  await shot(page, 'critical-scenario');
  console.log(`critical: alerts on all ${affected.length} affected servers after ${Math.round(firedAfterMs / 1000)} s`);

  // An alert that keeps firing is one alert: same id and first_seen across passes.
  const { alerts: first } = await apiJson<ActiveAlertsDto>(request, '/alerts/active');
  await page.waitForTimeout(6_000); // more than one pass
  const { alerts: later } = await apiJson<ActiveAlertsDto>(request, '/alerts/active');
  for (const a of first.filter((x) => affected.includes(x.server))) {
    const same = later.find((b) => b.id === a.id);
    expect(same, `${a.server}/${a.metric} still firing`).toBeDefined();
    expect(same!.first_seen).toBe(a.first_seen);
  }

  // Live refresh keeps the reader's place: no jump back to the top, the server table stays in view
  // and the chosen sort survives.
  await page.getByTestId('alerts-table').getByRole('button', { name: /^In/ }).click();
  const serverTable = page.getByTestId('server-table');
  await serverTable.scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 400);
  await page.waitForTimeout(300);
  const scrollY = await page.evaluate(() => window.scrollY);
  expect(scrollY).toBeGreaterThan(0);
  await page.waitForTimeout(6_000); // more than one pass and refresh
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(scrollY / 2);
  await expect(serverTable).toBeInViewport();
  await expect(page.getByTestId('alerts-table').locator('th[aria-sort="ascending"]')).toContainText('In');

  // Healthy brings the affected servers back: values down, their alerts resolved.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId('scenario-healthy').click();
  await expect(page.getByTestId('active-scenario')).toHaveText('healthy');
  await expect.poll(alertedAffected, { timeout: 90_000, intervals: [2_000] }).toEqual([]);
  const after = (await predictions()).predictions;
  for (const name of affected) {
    expect(after[name].cpu_percent!.current, `${name} cpu after healthy`).toBeLessThan(80);
  }
  await expect.poll(tableAffected, { timeout: 15_000 }).toEqual([]);
  await shot(page, 'healthy-again');
});

test('with the api stopped the console says so instead of showing an empty fleet', async ({ page, request }) => {
  await page.goto(base() + '/');
  await expect(page.getByTestId('server-row')).toHaveCount(20);
  await expect(page.getByTestId('feed-state')).toHaveText('live');

  process.kill(Number(process.env['E2E_API_PID']), 'SIGTERM');

  const error = page.getByTestId('api-error');
  await expect(error).toBeVisible({ timeout: 20_000 });
  await expect(error).toContainText('Inference api unreachable');
  // The last data stays on screen, dimmed, rather than a silent "0 servers".
  await expect(page.getByTestId('server-count')).toHaveText('20');

  const proxied = await request.get(base() + '/api/status');
  expect(proxied.status()).toBe(502);
  expect(await proxied.json()).toMatchObject({
    error: 'upstream_unreachable',
    service: 'api',
  });

  // A fresh load with the api down shows the error state, not an empty fleet.
  await page.reload();
  await expect(error).toBeVisible();
  await expect(page.getByTestId('server-table')).toHaveCount(0);
  await expect(page.getByTestId('scenario-control')).toBeVisible(); // the generator still answers
  await shot(page, 'api-down');
});
