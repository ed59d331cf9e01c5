import { describe, expect, it } from 'vitest';
import { METRICS } from '@tft/contracts';
import {
  countOutcome,
  firstScoredOrigin,
  newRecord,
  originForecast,
  recordBucketOf,
  recordBuckets,
  recordOutcomes,
  scoreStep,
  type OriginForecast,
} from './track-record';
import { baselineForecast, type BaselineName } from './baselines';
import type { MetricForecasts, QuantileForecast } from './forecast-decoding';
import { ScoreAccumulator } from './metrics';
import type { StepSeries } from './step-grid';

const S = 300;
const H = 96;
const T0 = Date.UTC(2025, 0, 6) / 1000;
const N = 420;

/** cpu and memory on a daily cycle with noise, disk unobserved, load with gaps. */
function fleetSeries(): StepSeries {
  const values = new Float32Array(N * 4);
  const mask = new Float32Array(N * 4);
  for (let i = 0; i < N; i++) {
    const cycle = Math.sin((2 * Math.PI * i) / 288);
    const row: (number | null)[] = [
      50 + 20 * cycle + 5 * Math.sin(i * 1.3),
      60 + 8 * cycle,
      null,
      i % 17 === 0 ? null : 2 + cycle + 0.3 * Math.sin(i),
    ];
    row.forEach((v, m) => {
      if (v === null) return;
      values[i * 4 + m] = v;
      mask[i * 4 + m] = 1;
    });
  }
  return { t0: T0, stepSeconds: S, length: N, values, mask, samples: new Uint32Array(N).fill(1) };
}

/** A model's forecast with float32 quantiles (what onnxruntime gives): the origin's value, drifting, with a band. */
function modelForecast(s: StepSeries, origin: number): MetricForecasts {
  const out = {} as MetricForecasts;
  METRICS.forEach((metric, m) => {
    const base = s.values[origin * 4 + m];
    const q = (shift: number) => Array.from({ length: H }, (_, h) => Math.fround(base + shift * Math.sqrt(h + 1) + 0.01 * h));
    out[metric] = { p10: q(-1.5), p50: q(0), p90: q(1.5) };
  });
  return out;
}

const ORIGINS = [287, 299, 311, 323];
const opts = { horizon: H, maxEncoder: 288, minEncoder: 12 };

describe('live scoring', () => {
  it('gives the backtest numbers: origins kept compactly, scored step by step, as ScoreAccumulator on the whole forecasts', () => {
    const s = fleetSeries();
    // the backtest's way: whole forecasts, the baselines without calibration
    const expected = new Map<string, ScoreAccumulator>(
      ['tft', 'persistence', 'seasonal_naive'].map((n) => [n, new ScoreAccumulator(H, S)]),
    );
    for (const origin of ORIGINS) {
      const forecasts: Record<string, Partial<MetricForecasts>> = {
        tft: modelForecast(s, origin),
        persistence: baselineForecast('persistence' as BaselineName, s, origin, H),
        seasonal_naive: baselineForecast('seasonal_naive' as BaselineName, s, origin, H),
      };
      METRICS.forEach((metric, m) => {
        if (s.mask.subarray(0, (origin + 1) * 4).filter((_, k) => k % 4 === m && s.mask[k] === 1).length < 12) return;
        const values = Array.from({ length: H }, (_, h) => (origin + 1 + h < N ? s.values[(origin + 1 + h) * 4 + m] : 0));
        const observed = Array.from({ length: H }, (_, h) => (origin + 1 + h < N ? s.mask[(origin + 1 + h) * 4 + m] : 0));
        for (const [name, acc] of expected) acc.add(metric, forecasts[name][metric] as QuantileForecast, { values, observed }, null);
      });
    }
    // the live way: keep each origin, then hand in every later step once
    const kept: OriginForecast[] = [];
    const record = newRecord();
    const bucketOf = recordBucketOf(H, S);
    for (let i = ORIGINS[0]; i < N; i++) {
      const values = Float64Array.from({ length: 4 }, (_, m) => (s.mask[i * 4 + m] === 1 ? s.values[i * 4 + m] : Number.NaN));
      scoreStep(kept, s.t0 + i * S, values, [record], { horizon: H, stepSeconds: S, bucketOf });
      if (ORIGINS.includes(i)) kept.push(originForecast(s, i, modelForecast(s, i), opts) as OriginForecast);
    }
    expect(kept.map((o) => o.metrics)).toEqual([0b1011, 0b1011, 0b1011, 0b1011]); // disk never observed
    const overall = (name: string, bucket: string) =>
      expected
        .get(name)
        ?.rows()
        .find((r) => r.metric === 'overall' && r.horizon_bucket === bucket);
    const live = recordBuckets(record, H, S);
    expect(live.map((b) => b.bucket)).toEqual(['0-30m', '30m-2h', '2h-8h', 'all']);
    for (const b of live) {
      expect(b.n).toBe(overall('tft', b.bucket)?.n);
      expect(b.tft_wql).toBeCloseTo(overall('tft', b.bucket)?.wql as number, 12);
      expect(b.persistence_wql).toBeCloseTo(overall('persistence', b.bucket)?.wql as number, 12);
      expect(b.seasonal_naive_wql).toBeCloseTo(overall('seasonal_naive', b.bucket)?.wql as number, 12);
      expect(b.coverage_p10_p90).toBe(overall('tft', b.bucket)?.coverage_p10_p90);
      const best = Math.min(b.persistence_wql as number, b.seasonal_naive_wql as number);
      expect(b.skill).toBeCloseTo(1 - (b.tft_wql as number) / best, 12);
    }
    expect(live[3].n).toBeGreaterThan(1000);
  });

  it('counts nothing for a step outside every kept horizon or unobserved', () => {
    const s = fleetSeries();
    const o = originForecast(s, 300, modelForecast(s, 300), opts) as OriginForecast;
    const record = newRecord();
    const bucketOf = recordBucketOf(H, S);
    const step = { horizon: H, stepSeconds: S, bucketOf };
    expect(scoreStep([o], s.t0 + 300 * S, [1, 1, 1, 1], [record], step)).toBe(0); // the origin itself
    expect(scoreStep([o], s.t0 + 397 * S, [1, 1, 1, 1], [record], step)).toBe(0); // past the horizon
    expect(scoreStep([o], s.t0 + 301 * S, [1, Number.NaN, 1, 1], [record], step)).toBe(2); // cpu and load
    expect(recordBuckets(record, H, S)[0].n).toBe(2);
  });

  it('keeps nothing for an origin without enough history of any metric', () => {
    const s = fleetSeries();
    expect(originForecast({ ...s, mask: new Float32Array(s.mask.length) }, 300, modelForecast(s, 300), opts)).toBeNull();
  });
});

describe('record figures', () => {
  it('starts at the backtest first origin: a full encoder and a day', () => {
    expect(firstScoredOrigin(288, 300)).toBe(287);
    expect(firstScoredOrigin(144, 300)).toBe(287);
    expect(firstScoredOrigin(576, 300)).toBe(575);
  });

  it('counts alert outcomes and their precision', () => {
    const record = newRecord();
    expect(recordOutcomes(record)).toEqual({ fired: 0, hit: 0, late: 0, false: 0, precision: null });
    for (const o of ['hit', 'hit', 'late', 'false'] as const) countOutcome(record, o);
    expect(recordOutcomes(record)).toEqual({ fired: 4, hit: 2, late: 1, false: 1, precision: 0.5 });
  });
});
