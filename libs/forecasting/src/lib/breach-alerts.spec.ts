import { METRICS, type MetricName } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD_CONFIG, thresholdsFor } from './alert-rules';
import { breachAlerts, breachProbability, modelRuleAlerts, type BreachRule } from './breach-alerts';
import type { MetricForecasts } from './forecast-decoding';
import { exceedanceProbability, Z_P90 } from './incident-risk';

const STEP = 300;
const H = 96;
const thresholds = thresholdsFor(DEFAULT_THRESHOLD_CONFIG, undefined); // cpu: warning 80, critical 95

/** A band around a p50 path, symmetric with the given p90 - p50 offset. */
const band = (p50: number[], offset: number) => ({ p10: p50.map((v) => v - offset), p50, p90: p50.map((v) => v + offset) });
const flat = (v: number) => Array.from({ length: H }, () => v);
const forecast = (cpu: ReturnType<typeof band>): MetricForecasts => {
  const out = {} as MetricForecasts;
  for (const m of METRICS) out[m] = m === 'cpu_percent' ? cpu : band(flat(2), 1);
  return out;
};
const rule = (level: number, window_minutes = 120, trend_guard = false): BreachRule => ({ level, window_minutes, trend_guard });

describe('breachProbability', () => {
  it('is the largest step probability in the window and the first step that reaches the level', () => {
    // p50 climbs 60 -> 79 over the first 20 steps, band +-10: P(>= 80) grows towards one half
    const p50 = flat(79).map((v, h) => (h < 20 ? 60 + h : v));
    const q = band(p50, 10);
    const sigma = 10 / Z_P90;
    const { probability, step } = breachProbability(q, 80, 24, 0.3);
    expect(probability).toBeCloseTo(exceedanceProbability(80, 69, 79, 89), 12);
    expect(probability).toBeCloseTo(1 - 0.5 * (1 + erfApprox(1 / sigma / Math.SQRT2)), 4);
    // the first step whose P reaches 0.3: p50 at 80 - z(0.7) sigma = 80 - 0.5244 * 7.803 = 75.9, so p50 76 (h = 16)
    expect(step).toBe(16);
    // outside the window nothing counts
    expect(breachProbability(q, 80, 10, 0.3)).toEqual({ probability: exceedanceProbability(80, 59, 69, 79), step: -1 });
  });
});

describe('breachAlerts', () => {
  it('raises critical before warning, at the first step reaching the level, with the window probability', () => {
    const p50 = flat(70).map((v, h) => (h >= 6 ? 92 : v)); // at 92 from 35 min on, band +-6
    const alerts = breachAlerts(forecast(band(p50, 6)), thresholds, STEP, rule(0.2));
    expect(alerts).toHaveLength(1);
    const [a] = alerts;
    expect(a).toMatchObject({
      metric: 'cpu_percent',
      severity: 'critical',
      threshold: 95,
      step: 6,
      minutes_ahead: 35,
      trigger: 'probability',
    });
    expect(a.predicted_value).toBe(92);
    expect(a.probability).toBeCloseTo(exceedanceProbability(95, 86, 92, 98), 3);
    // a level above that probability leaves the warning only (P(>= 80) is ~1 there)
    const [w] = breachAlerts(forecast(band(p50, 6)), thresholds, STEP, rule(0.4));
    expect(w).toMatchObject({ severity: 'warning', threshold: 80, step: 6, probability: 0.995 });
  });

  it('looks only as far as its window, and nothing reaching the level raises nothing', () => {
    const late = band(
      flat(50).map((v, h) => (h >= 30 ? 99 : v)),
      3,
    ); // a breach 2.5 h ahead
    expect(breachAlerts(forecast(late), thresholds, STEP, rule(0.3, 120))).toEqual([]);
    expect(breachAlerts(forecast(late), thresholds, STEP, rule(0.3, 180)).map((a) => [a.severity, a.minutes_ahead])).toEqual([
      ['critical', 155],
    ]);
    expect(breachAlerts(forecast(band(flat(50), 10)), thresholds, STEP, rule(0.05))).toEqual([]);
  });
});

describe('modelRuleAlerts', () => {
  const quiet = forecast(band(flat(40), 5));
  const ramp = (m: MetricName): MetricForecasts => {
    const out = forecast(band(flat(40), 5));
    out[m] = band(
      flat(0).map((_, h) => 40 + 2 * h),
      0,
    ); // the trend line reaches 80 in 20 steps
    return out;
  };

  it('without a rule is the crossing rule with its trend guard; with one, the guard only when the rule says so', () => {
    expect(modelRuleAlerts(quiet, ramp('cpu_percent'), thresholds, STEP, null).map((a) => a.trigger)).toEqual(['trend']);
    expect(modelRuleAlerts(quiet, ramp('cpu_percent'), thresholds, STEP, rule(0.3))).toEqual([]);
    expect(modelRuleAlerts(quiet, ramp('cpu_percent'), thresholds, STEP, rule(0.3, 120, true)).map((a) => [a.trigger, a.severity])).toEqual(
      [['trend', 'warning']],
    );
  });
});

/** erf through the identity Phi(z) = (1 + erf(z / sqrt 2)) / 2, for the check above. */
function erfApprox(x: number): number {
  // Abramowitz & Stegun 7.1.26 again would only repeat the code under test: a series is independent
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
