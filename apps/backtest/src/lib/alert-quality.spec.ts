import type { MetricForecasts } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { breachOnsets, chooseRule, runAlertQuality, sweepMethod, type AlertQualityRow } from './alert-quality';
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

describe('the probability rule sweep', () => {
  it('replays the model at each level from the same forecasts: a higher level warns later', async () => {
    let calls = 0;
    // the oracle's future as p50 with a band of +-8 (sigma 6.24): P(cpu >= 80) reaches 0.45 at p50 79.2, 0.85 at p50 86.5
    const banded: ModelUnderTest = {
      name: 'tft',
      profileIndex: () => 0,
      forecaster: {
        forecast: async (items) => {
          calls++;
          return items.map(({ series }) => {
            const next = Array.from({ length: 96 }, (_, h) => cpuAt(series.length + h));
            const band = (p50: number[], w: number) => ({ p10: p50.map((v) => v - w), p50, p90: p50.map((v) => v + w) });
            const flat = band(new Array(96).fill(10), 1);
            return { cpu_percent: band(next, 8), memory_percent: flat, disk_percent: flat, load_average: flat } as MetricForecasts;
          });
        },
      },
    };
    const sweep = { levels: [0.45, 0.85], window_minutes: 120, trend_guard: false };
    const r = await runAlertQuality(ramp, { ...options, models: [banded], sweep });
    expect(calls).toBe(1);
    const row = (m: string) => r.results.find((x) => x.method === m)!;
    expect(r.results.map((x) => x.method)).toEqual(['tft', 'tft p>=0.45', 'tft p>=0.85', 'static_threshold', 'predict_linear', 'holt']);
    // p50 reaches 80 (warning) two hours ahead from origin 191, fires 10 min later (origin 193, data to 194): 105 min ahead of step 215
    expect(row('tft p>=0.45')).toMatchObject({ breaches: 1, recall_30m: 1, median_lead_min: 105, precision: 1 });
    // p50 88 first within two hours at origin 195: fires at 197, 85 min ahead
    expect(row('tft p>=0.85')).toMatchObject({ recall_30m: 1, median_lead_min: 85, precision: 1 });
  });

  /** A sweep's row: the model at `level` (guard `margin`) with the given precision, recall and false alerts. */
  const at = (level: number, margin: number, precision: number, recall: number, falseRate: number): AlertQualityRow => ({
    method: sweepMethod('tft', level, margin),
    breaches: 100,
    recall_30m: recall,
    recall_5m: recall,
    median_lead_min: 30,
    precision,
    false_alerts_per_day: falseRate,
  });

  it('chooses the level with the best 30-minute recall among those precise enough', () => {
    const rows = [at(0.1, 0, 0.2, 0.7, 2), at(0.2, 0, 0.35, 0.5, 0.6), at(0.3, 0, 0.45, 0.5, 0.3), at(0.4, 0, 0.6, 0.3, 0.1)];
    const levels = [0.1, 0.2, 0.3, 0.4];
    expect(chooseRule(rows, 'tft', levels, [0], 0.3)).toEqual({ level: 0.3, margin: 0 }); // 0.2 and 0.3 recall alike: fewer false alerts
    expect(chooseRule(rows, 'tft', levels, [0], 0.5)).toEqual({ level: 0.4, margin: 0 });
    expect(chooseRule(rows, 'tft', levels, [0], 0.7)).toBeNull();
  });

  it("chooses the trend guard's margin with the level: a stricter guard may let a lower level through", () => {
    expect(at(0.1, 0, 0, 0, 0).method).toBe('tft p>=0.1');
    expect(at(0.1, 0.5, 0, 0, 0).method).toBe('tft p>=0.1 margin=0.5');
    const rows = [at(0.1, 0, 0.25, 0.7, 1), at(0.2, 0, 0.35, 0.4, 0.3), at(0.1, 1, 0.32, 0.65, 0.4), at(0.2, 1, 0.4, 0.4, 0.2)];
    expect(chooseRule(rows, 'tft', [0.1, 0.2], [0, 1], 0.3)).toEqual({ level: 0.1, margin: 1 });
    // at equal recall the one with fewer false alerts, here the stricter guard at 0.2
    expect(chooseRule(rows, 'tft', [0.1, 0.2], [0, 1], 0.34)).toEqual({ level: 0.2, margin: 1 });
    // margins not swept are not chosen
    expect(chooseRule(rows, 'tft', [0.1, 0.2], [0], 0.3)).toEqual({ level: 0.2, margin: 0 });
  });
});
