import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@tft/contracts';
import { binSamples, originBytes, RECORD_LENGTH, type MetricForecasts, type StepSeries } from '@tft/forecasting';
// the test's point is to compare the api with the offline backtest itself, not a copy of it
// eslint-disable-next-line @nx/enforce-module-boundaries
import { runBacktest, type BacktestResult, type ModelUnderTest } from '../../backtest/src/lib/backtest';
import { MODEL_RUNTIME, type ModelRuntime } from '../src/model/model-provider';
import { originPhase } from '../src/track-record/record-windows';
import { TrackRecordService } from '../src/track-record/track-record.service';
import type { AccuracyDto, RecordBlockDto } from '../src/track-record/dto/accuracy.dto';
import { daily, END, history, startTestApp, type RecordShape, type TestApp } from './test-app';

const STEP = 300;
const H = 96;
const EVERY = 12;
/** A day for the first origin, a horizon, and a few origins whose horizons are partly closed at the end. */
const STEPS = 288 + H + 5 * EVERY;
/** Fed in one request: every origin comes after it. */
const BACKFILL = 276;
const SERVER = 'ppdb0001';
/** The api's wall clock, pinned after the data: samples are never ahead of it, whatever the day the test runs. */
const clock = { now: () => (END + 3600) * 1000 };

const records: RecordShape[] = history(SERVER, STEPS, (i) => daily(i, 45) + (i % 37 === 0 ? 25 : 0));

/** The closed steps the api held at the end, on the step grid, with a horizon of unobserved steps after them: origins near the end score what closed. */
function closedSeries(): StepSeries {
  const closed = binSamples(
    records.slice(0, -1).map((r) => ({
      time: Date.parse(r.timestamp) / 1000,
      values: [r.cpu_percent, r.memory_percent, r.disk_percent, r.load_average],
    })),
    STEP,
  ) as StepSeries;
  const length = closed.length + H;
  const values = new Float32Array(length * METRICS.length);
  const mask = new Float32Array(length * METRICS.length);
  values.set(closed.values);
  mask.set(closed.mask);
  const samples = new Uint32Array(length);
  samples.set(closed.samples);
  return { ...closed, length, values, mask, samples };
}

/** The api's own TFT, one forecast per call as a pass of one server makes it. */
function apiModel(runtime: ModelRuntime): ModelUnderTest {
  const tft = runtime.tft;
  if (!tft) throw new Error('the test needs the shipped model');
  return {
    name: 'tft',
    profileIndex: (name, profile) => runtime.profileIndex(name, profile),
    forecaster: {
      forecast: async (items) => {
        const out: MetricForecasts[] = [];
        for (const { series, profileIndex } of items)
          out.push((await tft.forecast([{ server: SERVER, series, profileIndex }]))[0].quantiles);
        return out;
      },
    },
  };
}

const overall = (r: BacktestResult, model: string, bucket: string) =>
  r.results.find((x) => x.model === model && x.metric === 'overall' && x.horizon_bucket === bucket);

function expectRelative(actual: number | null, expected: number | null | undefined, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(expected, what).toBeTypeOf('number');
  expect(Math.abs((actual as number) - (expected as number)) / Math.abs(expected as number), what).toBeLessThan(1e-6);
}

describe('the live track record (real model): the backtest numbers, as the actuals arrive', () => {
  let t: TestApp;
  let offline: BacktestResult;

  beforeAll(async () => {
    t = await startTestApp({ TRACK_RECORD_ORIGIN_EVERY: String(EVERY) }, { clock });
    expect((await t.post('/feed/data', { records: records.slice(0, BACKFILL) })).status).toBe(200);
    await t.inference.pass();
    // then step by step, each step forecast before the next one closes, as a live fleet is
    for (let i = BACKFILL; i < STEPS; i++) {
      expect((await t.post('/feed/data', { records: [records[i]] })).status).toBe(200);
      await t.inference.pass();
    }
    const series = closedSeries();
    // the api's origins: a day after the server's first step, on its phase of every EVERY steps
    const phase = originPhase(SERVER, EVERY);
    let first = 287;
    while ((series.t0 / STEP + first + phase) % EVERY !== 0) first++;
    offline = await runBacktest([{ name: SERVER, profile: null, series, file: 'fed' }], {
      stepSeconds: STEP,
      horizon: H,
      maxEncoder: 288,
      minEncoder: 12,
      stride: EVERY,
      firstOrigin: first,
      // the live record has no per-series calibration: every baseline band is the fallback one
      calibrationFraction: 0,
      models: [apiModel(t.app.get<ModelRuntime>(MODEL_RUNTIME))],
      baselines: ['persistence', 'seasonal_naive'],
    });
    expect(offline.originsScored).toBeGreaterThanOrEqual(8);
  }, 120_000);
  afterAll(() => t?.app.close());

  function expectBacktest(block: RecordBlockDto): void {
    expect(block.buckets.map((b) => b.bucket)).toEqual(['0-30m', '30m-2h', '2h-8h', 'all']);
    for (const b of block.buckets) {
      const tft = overall(offline, 'tft', b.bucket);
      expect(b.n, b.bucket).toBe(tft?.n);
      expect(b.n, b.bucket).toBeGreaterThan(0);
      expectRelative(b.tft_wql, tft?.wql, `${b.bucket} tft`);
      expectRelative(b.persistence_wql, overall(offline, 'persistence', b.bucket)?.wql, `${b.bucket} persistence`);
      expectRelative(b.seasonal_naive_wql, overall(offline, 'seasonal_naive', b.bucket)?.wql, `${b.bucket} seasonal naive`);
      expect(b.coverage_p10_p90, b.bucket).toBe(tft?.coverage_p10_p90);
    }
  }

  it('scores the same targets as npm run backtest over the same origins, with the same wQL and coverage', async () => {
    const a = await t.get<AccuracyDto>('/accuracy?window=7d');
    expect(a).toMatchObject({ window: '7d', origin_every_steps: EVERY, server: null });
    expectBacktest(a.fleet);
    expect(a.profiles.map((p) => p.profile)).toEqual(['database']);
    expect(a.profiles[0].buckets).toEqual(a.fleet.buckets);
    const one = await t.get<AccuracyDto>(`/accuracy?window=7d&server=${SERVER}&profile=database`);
    expect(one.server?.server_name).toBe(SERVER);
    expectBacktest(one.server as RecordBlockDto);
  });

  it('holds only the origins whose horizon is still open, and the open hour and day', () => {
    // the last origins, every EVERY steps over the last horizon, wait for their actuals; nothing else is held
    expect(t.app.get(TrackRecordService).memory()).toEqual({
      servers: 1,
      pendingOrigins: H / EVERY,
      bytes: (H / EVERY) * originBytes(H) + 2 * RECORD_LENGTH * 8,
    });
  });

  it("puts the server's own record in GET /servers/{name} and the fleet's in /metrics", async () => {
    const detail = await t.get<{ track_record: { last_24h: RecordBlockDto; last_7d: RecordBlockDto } }>(`/servers/${SERVER}`);
    expectBacktest(detail.track_record.last_7d);
    const day = await t.get<AccuracyDto>('/accuracy');
    expect(day.window).toBe('24h');
    expect(detail.track_record.last_24h).toEqual(day.fleet);
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    const all = detail.track_record.last_7d.buckets[3];
    const line = metrics.split('\n').find((l) => l.startsWith('tft_forecast_wql{bucket="all",model="tft",window="7d"}'));
    expect(Number(line?.split(' ')[1])).toBeCloseTo(all.tft_wql as number, 12);
    expect(metrics).toContain('tft_forecast_coverage_ratio{bucket="0-30m",window="7d"}');
    expect(metrics).toMatch(/tft_alert_outcomes_total\{outcome="hit"\} \d+/);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    if (lint.error) throw new Error(`promtool is missing (npm test installs Debian's prometheus): ${lint.error.message}`);
    expect(`${lint.stdout}${lint.stderr}`.split('\n').filter((l) => /^(tft_forecast_|tft_alert_)/.test(l.trim()))).toEqual([]);
  });

  it('refuses bad parameters naming them, and 404s a server it has no record of', async () => {
    const bad = async (query: string) => {
      const res = await fetch(`${t.base}/accuracy?${query}`);
      expect(res.status, query).toBe(400);
      return ((await res.json()) as { message: string[] | string }).message.toString();
    };
    expect(await bad('window=30d')).toMatch(/^window: unknown "30d"/);
    expect(await bad('window=24h,7d')).toMatch(/^window: one of 24h, 7d, not a list/);
    expect(await bad('profile=nosuch')).toMatch(/^profile: unknown "nosuch"/);
    expect(await bad('server=no%20spaces')).toMatch(/^server: "no spaces" is not a server name/);
    expect(await bad('limit=3')).toMatch(/property limit should not exist/);
    const missing = await fetch(`${t.base}/accuracy?server=ppweb9999`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/ppweb9999" has no track record: no data was received/);
  });

  it('keeps the record across a restart', async () => {
    const before = await t.get<AccuracyDto>(`/accuracy?window=7d&server=${SERVER}`);
    await t.app.close();
    t = await startTestApp({ TRACK_RECORD_ORIGIN_EVERY: String(EVERY), DATA_DIR: t.config.dataDir }, { clock });
    expect(await t.get<AccuracyDto>(`/accuracy?window=7d&server=${SERVER}`)).toEqual(before);
  });
});
