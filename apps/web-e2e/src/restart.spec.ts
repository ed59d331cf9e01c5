import { expect, test } from '@playwright/test';
import type { FleetSummaryDto, generator, StatusDto } from '@tft/api-client';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_START, freePort, getJson, modelDir, root, startService, stopService, tempDataDir, waitFor } from './services';

// Its own api + generator + console on one data directory, stopped and started again as a second
// `npm start` would be: the demo's accelerated clock has left the stored data ahead of where the
// generator's simulated time starts (DEMO_START here; the wall clock in a plain `npm start`).
const SERVERS = 6;

test("a second start continues after the first run's data and shows a live fleet within a minute", async ({ page }) => {
  test.setTimeout(240_000);
  const [apiPort, generatorPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const generatorUrl = `http://127.0.0.1:${generatorPort}`;
  const dataDir = tempDataDir();
  const model = modelDir();
  const startPair = (run: number) => [
    startService(`restart-api-${run}`, [join(root, 'dist', 'apps', 'api', 'main.js')], {
      API_PORT: String(apiPort),
      DATA_DIR: dataDir,
      SQLITE_SYNCHRONOUS: 'NORMAL',
      ...(model ? { MODEL_DIR: model } : {}),
    }),
    startService(
      `restart-generator-${run}`,
      [
        join(root, 'dist', 'apps', 'generator', 'main.js'),
        '--servers',
        String(SERVERS),
        '--backfill',
        '24h',
        '--speed',
        '60',
        '--start',
        DEMO_START,
      ],
      { GENERATOR_PORT: String(generatorPort), API_URL: apiUrl },
    ),
  ];
  const web = startService('restart-web-server', [join(root, 'dist', 'apps', 'web-server', 'main.js')], {
    WEB_PORT: String(webPort),
    API_URL: apiUrl,
    GENERATOR_URL: generatorUrl,
  });
  let pair = startPair(1);
  const dataTime = async () => {
    const t = (await getJson<StatusDto>(`${apiUrl}/status`)).clock.data_time;
    return t === null ? 0 : Date.parse(t);
  };
  try {
    await waitFor(
      'the first run to forecast its servers',
      async () => {
        const body = await getJson<FleetSummaryDto>(`${apiUrl}/fleet/summary?limit=1`);
        return body.fleet.total_servers === SERVERS;
      },
      90_000,
    );
    // 40 s at 60x: the stored data ends 40 simulated minutes after the start
    const start = Date.parse(DEMO_START);
    await waitFor('data 30 min past the start', async () => (await dataTime()) > start + 30 * 60_000, 60_000);
    expect((await getJson<generator.StreamStatusDto>(`${generatorUrl}/stream/status`)).rejected_records).toBe(0);
    await Promise.all(pair.map(stopService));
    pair = startPair(2);
    await waitFor('the api again', async () => (await fetch(`${apiUrl}/health`)).ok, 30_000);
    const firstEnd = await dataTime(); // restored from the store (the new generator adds after it)
    expect(firstEnd).toBeGreaterThan(start + 25 * 60_000);

    // Live at once: data time moves on past the first run's end (a generator starting again at its
    // start would need the 30+ simulated minutes to catch up first), and nothing is refused.
    const restarted = Date.now();
    await expect
      .poll(async () => (await dataTime()) - firstEnd, {
        timeout: 25_000,
        intervals: [1_000],
      })
      .toBeGreaterThan(5 * 60_000);
    console.log(`restart: data time 5 min past the first run's end after ${Math.round((Date.now() - restarted) / 1000)} s`);
    const stream = await getJson<generator.StreamStatusDto>(`${generatorUrl}/stream/status`);
    expect(stream.delivered_records).toBeGreaterThan(0);
    expect(stream).toMatchObject({ rejected_records: 0, dropped_records: 0 });
    expect(Date.parse(stream.simulated_time)).toBeGreaterThan(firstEnd);

    // The console shows the live data time, later than anything of the first run.
    await page.goto(`http://127.0.0.1:${webPort}/`);
    await expect(page.getByTestId('server-row')).toHaveCount(SERVERS);
    await expect
      .poll(async () => Date.parse((await page.getByTestId('data-time').getAttribute('datetime')) ?? '') - firstEnd, {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
  } finally {
    await Promise.all([...pair, web].map(stopService));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
