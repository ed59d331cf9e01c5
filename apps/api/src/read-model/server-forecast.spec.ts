import { METRICS } from '@tft/contracts';
import type { MetricForecasts } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { ServerForecast } from './server-forecast';

const quantiles = Object.fromEntries(
  METRICS.map((m, i) => {
    const p50 = Array.from({ length: 96 }, (_, h) => 10 * i + h / 3);
    return [m, { p10: p50.map((x) => x - 1.234), p50, p90: p50.map((x) => x + 1.234) }];
  }),
) as MetricForecasts;

const make = (latest: number[]) =>
  new ServerForecast({
    server: 'ppdb0001',
    profile: 'database',
    model: 'TFT',
    origin: Date.UTC(2026, 0, 5, 12) / 1000,
    quantiles,
    drivers: { encoder: [{ name: 'cpu_percent', weight: 1 }], decoder: [], static: [] },
    risk: { probability_30m: 0.123456, probability_8h: 0.5, driver: 'disk_percent' },
    highlights: { quantiles: new Float32Array(0), breachAt: new Float64Array(0) },
    warmup: { is_warmed_up: true, progress_percent: 100 },
    latest,
    horizonHours: 8,
  });

describe('ServerForecast', () => {
  it('serialises the ServerPrediction with rounded quantiles and the live numbers', () => {
    const f = JSON.parse(make([45.25, 60, Number.NaN, 1.5]).json().toString());
    expect(Object.keys(f)).toEqual([...METRICS, 'model', 'profile', 'forecast_origin', 'drivers', 'risk']);
    expect(f.cpu_percent.p10.slice(0, 2)).toEqual([-1.23, -0.9]);
    expect(f.cpu_percent.current).toBe(45.25);
    // (p50 at the horizon 31.67 - 45.25) / 8 h = -1.6975, rounded half up
    expect(f.cpu_percent.trend).toBe(-1.697);
    expect(f.disk_percent).toMatchObject({ current: null, trend: null });
    expect(f.risk).toEqual({ probability_30m: 0.1235, probability_8h: 0.5, driver: 'disk_percent' });
    expect(f.forecast_origin).toBe('2026-01-05T12:00:00Z');
  });

  it('moves only the live numbers on a new latest, and says whether anything moved', () => {
    const f = make([45, 60, 40, 1.5]);
    const before = JSON.parse(f.json().toString());
    expect(f.setLatest([45, 60, 40, 1.5])).toBe(false);
    expect(f.setLatest([50, 60, 40, 1.5])).toBe(true);
    const after = JSON.parse(f.json().toString());
    expect(after.cpu_percent.current).toBe(50);
    expect({ ...after, cpu_percent: { ...after.cpu_percent, current: 45, trend: before.cpu_percent.trend } }).toEqual(before);
    // composed again from views into the previous bytes: still the same after another move
    f.setLatest([45, 60, 40, 1.5]);
    expect(JSON.parse(f.json().toString())).toEqual(before);
  });

  it('serialises a subset of metrics as the same JSON without the others', () => {
    const f = make([45, 60, 40, 1.5]);
    const whole = JSON.parse(f.json().toString());
    const some = JSON.parse(f.json([1, 3]).toString());
    expect(some).toEqual({ ...whole, cpu_percent: undefined, disk_percent: undefined });
    expect(Object.keys(JSON.parse(f.json([]).toString()))).toEqual(['model', 'profile', 'forecast_origin', 'drivers', 'risk']);
  });
});
