import type { MetricForecasts } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { breachOnsets, runAlertQuality } from './alert-quality';
import type { ModelUnderTest } from './backtest';
import { rampCpu as cpuAt, rampSeries as rampOf, STEP, T0 } from './ramp.fixture';

/** 400 buckets of the ramp: a quiet tail after it. */
const rampSeries = () => rampOf(400);

const options = {
  stepSeconds: STEP,
  horizon: 96,
  maxEncoder: 144,
  minEncoder: 12,
  stride: 1,
  timing: { forSeconds: 600, resolveAfterSeconds: 900 },
};
const ramp = [{ name: 'ramp', profile: null, series: rampSeries(), file: 'x' }];

/** A forecaster that knows the future: its p50 is what the series will do. */
const oracle: ModelUnderTest = {
  name: 'oracle',
  profileIndex: () => 0,
  forecaster: {
    forecast: async (items) =>
      items.map(({ series }) => {
        const next = Array.from({ length: 96 }, (_, h) => cpuAt(series.length + h));
        const flat = new Array(96).fill(10);
        const q = (p50: number[]) => ({ p10: p50, p50, p90: p50 });
        return { cpu_percent: q(next), memory_percent: q(flat), disk_percent: q(flat), load_average: q(flat) } as MetricForecasts;
      }),
  },
};

describe('breachOnsets', () => {
  it('finds a breach that holds two steps after an hour below, and only then', () => {
    expect(breachOnsets(rampSeries(), 0, 80)).toEqual([T0 + 215 * STEP]);
    const s = rampSeries();
    s.values[300 * 4] = 95; // one step over: not a breach
    s.values[350 * 4] = s.values[351 * 4] = 95; // two steps over after an hour below: a breach
    s.values[355 * 4] = s.values[356 * 4] = 95; // again within the hour: the same trouble, not a new breach
    expect(breachOnsets(s, 0, 80)).toEqual([T0 + 215 * STEP, T0 + 350 * STEP]);
  });
});

describe('runAlertQuality', () => {
  it('scores each method through the same hysteresis against observed breaches', async () => {
    const r = await runAlertQuality(ramp, { ...options, models: [oracle] });
    const row = (m: string) => r.results.find((x) => x.method === m)!;
    expect(r.results.map((x) => x.method)).toEqual(['oracle', 'static_threshold', 'predict_linear', 'holt']);
    for (const x of r.results) expect(x.breaches).toBe(1);
    // the oracle predicts the crossing 8 h ahead, fires 10 min later, and is right
    expect(row('oracle')).toMatchObject({ recall_30m: 1, recall_5m: 1, precision: 1, false_alerts_per_day: 0 });
    expect(row('oracle').median_lead_min).toBeGreaterThan(7 * 60);
    // the static threshold sees the value over warning only at onset, and fires ALERT_FOR after: never ahead
    expect(row('static_threshold')).toMatchObject({ recall_30m: 0, recall_5m: 0, median_lead_min: null, precision: 1 });
    // predict_linear sees the climb: ahead of the onset, but not by 30 minutes after its 10-minute hold
    expect(row('predict_linear').recall_5m).toBe(1);
  });

  it('with no hysteresis the static threshold fires at the end of the onset step', async () => {
    const r = await runAlertQuality(ramp, { ...options, timing: { forSeconds: 0, resolveAfterSeconds: 0 }, models: [] });
    expect(r.results.find((x) => x.method === 'static_threshold')).toMatchObject({ breaches: 1, recall_5m: 0, precision: 1 });
    expect(r.seriesDays).toBeCloseTo(((400 - 11) * STEP) / 86400, 6);
  });
});
