import { binSamples, profileIndex, type Attribution, type Attributions } from '@tft/forecasting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedModelDir } from './model-dir';
import { TftRunner } from './tft-runner';

const MODEL_DIR = process.env['MODEL_DIR'] ?? shippedModelDir();
const STEP = 300;
const DAY_STEPS = 288;
/** A Wednesday at 02:00 UTC: the origin every case forecasts from. */
const ORIGIN = Date.UTC(2026, 0, 7, 2) / 1000;

/** Two days of 5-minute steps ending at ORIGIN; cpu from `cpu(i, t)` (i steps before the origin), the rest steady. */
function history(cpu: (stepsBefore: number, t: number) => number) {
  const steps = 2 * DAY_STEPS;
  const samples = Array.from({ length: steps }, (_, k) => {
    const stepsBefore = steps - 1 - k;
    const time = ORIGIN - stepsBefore * STEP;
    return { time, values: [cpu(stepsBefore, time), 45, 60, 1.2] };
  });
  return binSamples(samples, STEP)!;
}

const top = (rows: readonly Attribution[]) => rows[0].input;
const changeOf = (rows: readonly Attribution[], input: string) => rows.find((r) => r.input === input)!.change;

describe(`attribution by ablation (${MODEL_DIR})`, () => {
  let runner: TftRunner;
  beforeAll(async () => {
    runner = await TftRunner.load(MODEL_DIR);
  });
  afterAll(() => runner.release());

  const attribute = async (series: ReturnType<typeof history>, profile: number): Promise<Attributions> =>
    (await runner.attribute({ series, profileIndex: profile })).attributions;

  // hosts without a profile, as real fleets' are: a generator profile carries the prior of its simulated
  // servers, and on them the profile itself can lead (the profile case below checks it moves the forecast)
  it('a jump in the last hour: the recent cpu values drive the cpu forecast', async () => {
    const series = history((before) => (before < 12 ? 95 : 30));
    const cpu = (await attribute(series, 0))['cpu_percent'];
    expect(top(cpu)).toBe('cpu_percent.recent');
    // without the last hour the model sees a server flat at 30 %: its p50 moves by tens of points
    expect(changeOf(cpu, 'cpu_percent.recent')).toBeGreaterThan(10);
    expect(cpu[0].share).toBeGreaterThan(0.5);
  });

  it('a strong daily cycle and a flat last hour: yesterday or the calendar leads', async () => {
    // cpu follows the time of day: peak 85 % at 14:00 UTC, trough 15 % at 02:00, where the last hour is
    // flat and the horizon climbs as it did yesterday
    const daily = (t: number) => 50 + 35 * Math.cos((2 * Math.PI * ((t % 86400) - 14 * 3600)) / 86400);
    const series = history((_, t) => daily(t));
    const cpu = (await attribute(series, 0))['cpu_percent'];
    expect(['cpu_percent.day_ago', 'calendar']).toContain(top(cpu));
    expect(Math.max(changeOf(cpu, 'cpu_percent.day_ago'), changeOf(cpu, 'calendar'))).toBeGreaterThan(changeOf(cpu, 'cpu_percent.recent'));
  });

  it('a server with no profile: the profile moves nothing', async () => {
    const series = history((before) => (before < 12 ? 95 : 30));
    const unknown = await attribute(series, 0);
    for (const rows of Object.values(unknown)) expect(changeOf(rows, 'profile')).toBe(0);
    // while a known profile does move it
    const known = await attribute(series, profileIndex(runner.metadata, 'ppdb0001', 'database'));
    expect(changeOf(known['cpu_percent'], 'profile')).toBeGreaterThan(0);
  });

  it('a metric the server does not report is driven by nothing of its own', async () => {
    const series = history(() => 40);
    // memory masked out everywhere: ablating its recent or day-old values changes no input
    for (let i = 0; i < series.length; i++) series.mask[i * 4 + 1] = 0;
    const rows = await attribute(series, 0);
    for (const metric of ['cpu_percent', 'memory_percent', 'disk_percent', 'load_average'] as const) {
      expect(changeOf(rows[metric], 'memory_percent.recent')).toBe(0);
      expect(changeOf(rows[metric], 'memory_percent.day_ago')).toBe(0);
    }
  });
});
