import type { MetricForecasts, StepSeries } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { breachOnsets, runAlertQuality } from './alert-quality';
import type { ModelUnderTest } from './backtest';

const T0 = Date.UTC(2025, 0, 6) / 1000;
const STEP = 300;

/** cpu at 50 with one ramp of +2 per step from bucket 200 (80 = warning at 215, 98 at 224), back to 50 after; 400 buckets. */
function rampSeries(): StepSeries {
  const n = 400;
  const values = new Float32Array(n * 4);
  const mask = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    values[i * 4] = cpuAt(i);
    mask[i * 4] = 1;
  }
  return { t0: T0, stepSeconds: STEP, length: n, values, mask, samples: new Uint32Array(n).fill(1) };
}
const cpuAt = (i: number) => (i >= 200 && i <= 224 ? 50 + 2 * (i - 200) : 50);

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
