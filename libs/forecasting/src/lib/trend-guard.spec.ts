import { DEFAULT_ALERT_THRESHOLDS, METRICS } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { predictAlertsWithTrendGuard, trendAlerts, withTrendGuard } from './alert-rules';
import { modelRuleAlerts } from './breach-alerts';
import type { MetricForecasts } from './forecast-decoding';

/** cpu flat at `cpu`, the other metrics flat at healthy levels. */
const flat = (cpu: number): MetricForecasts => {
  const level = {
    cpu_percent: cpu,
    memory_percent: 50,
    disk_percent: 40,
    load_average: 1,
  };
  return Object.fromEntries(
    METRICS.map((m) => [
      m,
      {
        p10: Array(96).fill(level[m] * 0.9),
        p50: Array(96).fill(level[m]),
        p90: Array(96).fill(level[m] * 1.1),
      },
    ]),
  ) as MetricForecasts;
};

/** cpu p50 rising `slope` points per step from `from`; the other metrics flat and low. */
function rising(from: number, slope: number): MetricForecasts {
  const f = flat(0);
  const p50 = Array.from({ length: 96 }, (_, h) => from + slope * (h + 1));
  f.cpu_percent = {
    p10: p50.map((v) => v - 1),
    p50,
    p90: p50.map((v) => v + 1),
  };
  return f;
}

/** cpu's trend `line(h)` with a band of `sigma` a step widening like a random walk, as the heuristic's. */
function banded(line: (h: number) => number, sigma: number): MetricForecasts {
  const f = flat(0);
  const p50 = Array.from({ length: 96 }, (_, h) => line(h));
  f.cpu_percent = {
    p10: p50.map((v, h) => v - 1.28 * sigma * Math.sqrt(h + 1)),
    p50,
    p90: p50.map((v, h) => v + 1.28 * sigma * Math.sqrt(h + 1)),
  };
  return f;
}

describe('predictAlertsWithTrendGuard (the rule the api ships)', () => {
  it('adds a trend alert when the model expects reversion but the recent trend crosses within 2 h', () => {
    expect(predictAlertsWithTrendGuard(flat(50), rising(76, 1), DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([
      {
        metric: 'cpu_percent',
        severity: 'critical',
        predicted_value: 95,
        threshold: 95,
        minutes_ahead: 95,
        step: 18,
        trigger: 'trend',
      },
    ]);
  });

  it('ignores trend crossings beyond 2 h and keeps an earlier model alert', () => {
    expect(predictAlertsWithTrendGuard(flat(50), rising(60, 0.5), DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([]);
    const [a] = predictAlertsWithTrendGuard(rising(78, 1), rising(70, 0.5), DEFAULT_ALERT_THRESHOLDS, 300);
    expect(a).toMatchObject({
      severity: 'critical',
      trigger: 'p50',
      minutes_ahead: 85,
    });
  });

  it("follows the trend line, not its band: a wide band does not hide or move the line's crossing", () => {
    // the line reaches 80 at step 21 (110 min ahead); its band's p90 would already at step 0
    const trend = rising(74.5, 0.25);
    trend.cpu_percent.p90 = trend.cpu_percent.p50.map((v) => v + 8);
    expect(predictAlertsWithTrendGuard(flat(50), trend, DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([
      {
        metric: 'cpu_percent',
        severity: 'warning',
        predicted_value: 80,
        threshold: 80,
        minutes_ahead: 110,
        step: 21,
        trigger: 'trend',
      },
    ]);
  });

  it('is the model rule alone without a trend', () => {
    expect(predictAlertsWithTrendGuard(flat(50), undefined, DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([]);
    expect(predictAlertsWithTrendGuard(rising(78, 1), undefined, DEFAULT_ALERT_THRESHOLDS, 300)[0]).toMatchObject({ trigger: 'p50' });
  });
});

describe('trendAlerts (the rule for a server forecast by the heuristic, while it warms up)', () => {
  /** A heuristic-like forecast: a line at `level` with a band widening like a random walk. */
  const walk = (level: number, sigma: number): MetricForecasts => banded(() => level, sigma);

  it('ignores a wide band around a quiet line, which the model rule would page on', () => {
    const noisy = walk(60, 8); // p90 reaches 80 at the 4th step
    expect(predictAlertsWithTrendGuard(noisy, undefined, DEFAULT_ALERT_THRESHOLDS, 300)).toMatchObject([
      { severity: 'warning', trigger: 'p90' },
    ]);
    expect(trendAlerts(noisy, DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([]);
  });

  it('alerts on a breach under way and on a ramp within two hours, not on one beyond them', () => {
    expect(trendAlerts(walk(97, 8), DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([
      { metric: 'cpu_percent', severity: 'critical', predicted_value: 97, threshold: 95, minutes_ahead: 5, step: 0, trigger: 'trend' },
    ]);
    expect(trendAlerts(rising(70, 1), DEFAULT_ALERT_THRESHOLDS, 300)).toMatchObject([{ severity: 'warning', step: 9, minutes_ahead: 50 }]);
    expect(trendAlerts(rising(40, 1), DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([]); // 80 only at step 39, 3 h 20 min ahead
  });

  describe("with a margin toward the trend band's p10", () => {
    /** cpu's trend: a line from 74 rising 0.5 a step (80 at step 11) with a band of `sigma` a step. */
    const climb = (sigma: number): MetricForecasts => banded((h) => 74 + 0.5 * (h + 1), sigma);

    it('keeps a steady climb, later, and drops one lost in its own noise', () => {
      expect(trendAlerts(climb(0.5), DEFAULT_ALERT_THRESHOLDS, 300)).toMatchObject([{ severity: 'warning', step: 11 }]);
      // at margin 1 the line must clear 1.28 sigma sqrt(h + 1): 74 + 0.5 (h + 1) - 0.64 sqrt(h + 1) >= 80 first at h = 17
      const [steady] = trendAlerts(climb(0.5), DEFAULT_ALERT_THRESHOLDS, 300, 1);
      expect(steady).toMatchObject({ severity: 'warning', step: 17, minutes_ahead: 90, trigger: 'trend' });
      expect(steady.predicted_value).toBeGreaterThanOrEqual(80);
      expect(steady.predicted_value).toBeLessThan(81); // the lowered line's value (80.28), not the p50's 83
      // sigma 4: the line crosses at step 11 just the same, but within 2 h its p10 never reaches 80
      expect(trendAlerts(climb(4), DEFAULT_ALERT_THRESHOLDS, 300)).toMatchObject([{ step: 11 }]);
      expect(trendAlerts(climb(4), DEFAULT_ALERT_THRESHOLDS, 300, 1)).toEqual([]);
      // half way: crossing where the line is 0.5 x 1.28 sigma sqrt(h + 1) clear
      expect(trendAlerts(climb(0.5), DEFAULT_ALERT_THRESHOLDS, 300, 0.5)).toMatchObject([{ step: 14 }]);
    });

    it("is the model rule's trend_guard_margin, and refuses a margin outside [0, 1]", () => {
      const rule = { level: 0.5, window_minutes: 120, trend_guard: true };
      expect(modelRuleAlerts(flat(50), climb(4), DEFAULT_ALERT_THRESHOLDS, 300, rule)).toMatchObject([{ trigger: 'trend', step: 11 }]);
      expect(modelRuleAlerts(flat(50), climb(4), DEFAULT_ALERT_THRESHOLDS, 300, { ...rule, trend_guard_margin: 1 })).toEqual([]);
      expect(withTrendGuard([], climb(0.5), DEFAULT_ALERT_THRESHOLDS, 300, 1)).toMatchObject([{ step: 17 }]);
      expect(() => trendAlerts(climb(0.5), DEFAULT_ALERT_THRESHOLDS, 300, 1.5)).toThrow(/margin must be in \[0, 1\], got 1.5/);
    });
  });
});
