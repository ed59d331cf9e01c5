import { describe, expect, it } from 'vitest';
import {
  baselineForecast,
  calibrateBaseline,
  holtPoint,
  linearPoint,
  MIN_CALIBRATION_RESIDUALS,
  persistencePoint,
  quantileSorted,
  seasonalNaivePoint,
} from './baselines';
import { Z_P90 } from './incident-risk';
import type { StepSeries } from './step-grid';

const T0 = Date.UTC(2025, 0, 6) / 1000;

/** A series whose cpu is `cpu(i)` (`null` = not observed); the other metrics are never observed. */
function cpuSeries(n: number, cpu: (i: number) => number | null): StepSeries {
  const values = new Float32Array(n * 4);
  const mask = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = cpu(i);
    if (v === null) continue;
    values[i * 4] = v;
    mask[i * 4] = 1;
  }
  return {
    t0: T0,
    stepSeconds: 300,
    length: n,
    values,
    mask,
    samples: new Uint32Array(n).fill(1),
  };
}

const line = (i: number) => 10 + 0.5 * i;

describe('point forecasts', () => {
  it('linear_1h and Holt forecast a perfect line exactly', () => {
    const s = cpuSeries(30, line);
    const expected = [0, 1, 2, 3, 4].map((h) => line(30 + h));
    const lin = Array.from(linearPoint(s, 29, 0, 5)!);
    const holt = Array.from(holtPoint(s, 29, 0, 5)!);
    lin.forEach((v, h) => expect(v).toBeCloseTo(expected[h], 9));
    holt.forEach((v, h) => expect(v).toBeCloseTo(expected[h], 9));
  });

  it('Holt runs the Prometheus recursion (hand-computed, sf = tf = 0.5)', () => {
    // x = 1, 3, 4, 8: s = 1, b = 2; s = 3; b = 2, s = 4.5; b = 1.75, s = 7.125; last trend update
    // b = 0.5 * (7.125 - 4.5) + 0.5 * 1.75 = 2.1875
    const xs = [1, 3, 4, 8];
    const s = cpuSeries(4, (i) => xs[i]);
    const f = holtPoint(s, 3, 0, 2, {
      smoothing: 0.5,
      trend: 0.5,
      windowSeconds: 3600,
    })!;
    expect(f[0]).toBeCloseTo(9.3125, 12);
    expect(f[1]).toBeCloseTo(11.5, 12);
  });

  it('linear_1h uses only the last hour and skips gaps', () => {
    // an old level of 90 more than an hour back must not pull the line; the hour is flat at 20 with a gap
    const s = cpuSeries(40, (i) => (i < 20 ? 90 : i === 35 ? null : 20));
    expect(Array.from(linearPoint(s, 39, 0, 3)!)).toEqual([20, 20, 20]);
  });

  it('seasonal naive repeats the value one day earlier, falling back to persistence where it is missing', () => {
    const s = cpuSeries(300, (i) => (i === 15 ? null : (i % 288) / 3));
    const f = seasonalNaivePoint(s, 299, 0, 6)!;
    // targets 300..305 look at 12..17; 15 is missing -> last value (299 % 288) / 3
    expect(Array.from(f)).toEqual([12 / 3, 13 / 3, 14 / 3, 11 / 3, 16 / 3, 17 / 3].map(Math.fround));
  });

  it('persistence carries the last observed value across a trailing gap; an unseen metric has none', () => {
    const s = cpuSeries(10, (i) => (i < 7 ? i : null));
    expect(Array.from(persistencePoint(s, 9, 0, 3)!)).toEqual([6, 6, 6]);
    expect(persistencePoint(s, 9, 1, 3)).toBeNull();
  });
});

describe('calibration and bands', () => {
  it('quantileSorted interpolates linearly like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantileSorted([7], 0.9)).toBe(7);
  });

  it('builds p10/p90 from the residual quantiles of earlier origins, keeping p50 inside the band', () => {
    // cpu = i: persistence misses step h (0-based) by exactly h + 1 at every origin
    const s = cpuSeries(60, (i) => i);
    const cal = calibrateBaseline('persistence', s, [10, 11, 12, 13, 14, 15], 4);
    expect(Array.from({ length: 4 }, (_, h) => cal.hi[h * 4])).toEqual([1, 2, 3, 4]);
    expect(Array.from({ length: 4 }, (_, h) => cal.lo[h * 4])).toEqual([1, 2, 3, 4]);
    expect(cal.count[0]).toBe(6);
    expect(cal.count[1]).toBe(0); // memory never observed
    const f = baselineForecast('persistence', s, 40, 4, cal);
    expect(f.cpu_percent!.p50).toEqual([40, 40, 40, 40]);
    expect(f.cpu_percent!.p10).toEqual([40, 40, 40, 40]); // min(q10, 0) = 0
    expect(f.cpu_percent!.p90).toEqual([41, 42, 43, 44]);
    expect(f.memory_percent).toBeUndefined();
  });

  it('falls back to a random-walk band from the sigma floor without enough residuals, and clips to the range', () => {
    const flat = cpuSeries(20, () => 50);
    const few = calibrateBaseline('persistence', flat, [1, 2], 3);
    expect(few.count[0]).toBeLessThan(MIN_CALIBRATION_RESIDUALS);
    const f = baselineForecast('persistence', flat, 19, 3, few).cpu_percent!;
    [0, 1, 2].forEach((h) => {
      expect(f.p90[h]).toBeCloseTo(50 + Z_P90 * 0.5 * Math.sqrt(h + 1), 12);
      expect(f.p10[h]).toBeCloseTo(50 - Z_P90 * 0.5 * Math.sqrt(h + 1), 12);
    });
    const rising = cpuSeries(12, (i) => 85 + i); // linear_1h heads past 100: 97, 98, 99, 100, 101
    const r = baselineForecast('linear_1h', rising, 11, 5).cpu_percent!;
    r.p50.forEach((v, h) => expect(v).toBeCloseTo([97, 98, 99, 100, 100][h], 9));
    expect(r.p90[4]).toBe(100);
    expect(r.p10[0]).toBeCloseTo(97 - Z_P90 * 1, 9); // sigma = RMS one-step change of 1
  });
});

describe('empty windows', () => {
  it('linear_1h and Holt fall back to persistence when their window holds no observation', () => {
    // observed only in the first 10 buckets (last value 9), then a 13 h gap
    const s = cpuSeries(170, (i) => (i < 10 ? i : null));
    expect(Array.from(linearPoint(s, 169, 0, 2)!)).toEqual([9, 9]);
    expect(Array.from(holtPoint(s, 169, 0, 2)!)).toEqual([9, 9]);
  });
});
