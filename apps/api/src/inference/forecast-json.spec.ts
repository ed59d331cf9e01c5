import { METRICS } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { ForecastJson, type MetricJsonParts } from './forecast-json';

const metric = (base: number): MetricJsonParts => ({
  p10: [base - 1.5, base - 1.25],
  p50: [base, base + 0.5],
  p90: [base + 2, base + 2.75],
  current: base + 0.125,
  trend: -0.012,
});
const rest = {
  model: 'TFT',
  profile: 'café-db',
  forecast_origin: '2026-01-05T12:00:00Z',
  drivers: null,
  risk: { probability_30m: 0.01 },
};

/** What JSON.stringify makes of the same prediction: the reference. */
const reference = (metrics: MetricJsonParts[]) =>
  JSON.parse(
    JSON.stringify({
      ...Object.fromEntries(METRICS.map((m, i) => [m, metrics[i]])),
      ...rest,
    }),
  );

describe('ForecastJson', () => {
  it('serialises a prediction exactly as JSON.stringify does, metrics first', () => {
    const metrics = [metric(40), metric(60), metric(70), metric(1)];
    const f = ForecastJson.build(metrics, rest);
    expect(f.json.toString('utf8')).toBe(
      JSON.stringify({
        ...Object.fromEntries(METRICS.map((m, i) => [m, metrics[i]])),
        ...rest,
      }),
    );
  });

  it('rewrites only the live numbers into a new buffer, again and again, and points json at it', () => {
    const metrics = [metric(40), metric(60), metric(70), metric(1)];
    const f = ForecastJson.build(metrics, rest);
    for (const values of [
      [45.5, 0.25, 61, -1.5, 70.125, 0, 1.75, 0.001],
      [4, 12345.678, 6, 7, Number.NaN, 9, 10, 11],
      [40.125, -0.012, 60.125, -0.012, 70.125, -0.012, 1.125, -0.012],
    ]) {
      f.setLive(values);
      const out = Buffer.alloc(f.nextLength + 10, 0x20);
      const end = f.writeTo(out, 5);
      expect(end - 5).toBe(f.json.length);
      expect(f.json.buffer).toBe(out.buffer);
      METRICS.forEach((_, i) => {
        metrics[i].current = Number.isFinite(values[2 * i]) ? values[2 * i] : (null as unknown as number);
        metrics[i].trend = values[2 * i + 1];
      });
      expect(JSON.parse(out.subarray(5, end).toString('utf8'))).toEqual(reference(metrics));
    }
  });

  it('copies unchanged bytes when no live number was set', () => {
    const f = ForecastJson.build([metric(40), metric(60), metric(70), metric(1)], rest);
    const before = f.json.toString('utf8');
    const out = Buffer.alloc(f.nextLength);
    f.writeTo(out, 0);
    expect(out.toString('utf8')).toBe(before);
  });
});
