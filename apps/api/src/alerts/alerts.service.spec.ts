import { DEFAULT_ALERT_THRESHOLDS, METRICS } from '@tft/contracts';
import type { MetricForecasts } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { AlertsService, alertsWithTrendGuard } from './alerts.service';

/** cpu flat at `cpu`, the other metrics flat at healthy levels. */
const flat = (cpu: number): MetricForecasts => {
  const level = { cpu_percent: cpu, memory_percent: 50, disk_percent: 40, load_average: 1 };
  return Object.fromEntries(
    METRICS.map((m) => [m, { p10: Array(96).fill(level[m] * 0.9), p50: Array(96).fill(level[m]), p90: Array(96).fill(level[m] * 1.1) }]),
  ) as MetricForecasts;
};

/** cpu p50 rising `slope` points per step from `from`; the other metrics flat and low. */
function rising(from: number, slope: number): MetricForecasts {
  const f = flat(0);
  const p50 = Array.from({ length: 96 }, (_, h) => from + slope * (h + 1));
  f.cpu_percent = { p10: p50.map((v) => v - 1), p50, p90: p50.map((v) => v + 1) };
  return f;
}

const base = { server: 'pprisk0001', profile: 'risk_analytics', model: 'TFT', origin: Date.UTC(2026, 0, 5) / 1000 };

describe('alertsWithTrendGuard', () => {
  it('adds a trend alert when the model expects reversion but the recent trend crosses within 2 h', () => {
    const alerts = alertsWithTrendGuard({ ...base, quantiles: flat(50), trend: rising(76, 1) }, DEFAULT_ALERT_THRESHOLDS, 300);
    expect(alerts).toEqual([
      { metric: 'cpu_percent', severity: 'critical', predicted_value: 95, threshold: 95, minutes_ahead: 95, step: 18, trigger: 'trend' },
    ]);
  });

  it('ignores trend crossings beyond 2 h and keeps an earlier model alert', () => {
    expect(alertsWithTrendGuard({ ...base, quantiles: flat(50), trend: rising(60, 0.5) }, DEFAULT_ALERT_THRESHOLDS, 300)).toEqual([]);
    const model = rising(78, 1); // the model crosses warning at step 1 (10 min)
    const [a] = alertsWithTrendGuard({ ...base, quantiles: model, trend: rising(70, 0.5) }, DEFAULT_ALERT_THRESHOLDS, 300);
    expect(a).toMatchObject({ severity: 'critical', trigger: 'p50', minutes_ahead: 85 });
  });
});

describe('AlertsService lifecycle', () => {
  it('fires once, keeps first_seen while predicted, then resolves', () => {
    const alerts = new AlertsService(loadApiConfig({}));
    const t0 = Date.UTC(2026, 0, 5, 12);
    alerts.update([{ ...base, quantiles: rising(70, 1) }], 300, t0);
    expect(alerts.active()).toHaveLength(1);
    expect(alerts.active()[0]).toMatchObject({ state: 'firing', first_seen: new Date(t0).toISOString(), severity: 'critical' });
    alerts.update([{ ...base, quantiles: rising(71, 1) }], 300, t0 + 5000);
    expect(alerts.active()[0]).toMatchObject({ first_seen: new Date(t0).toISOString(), last_seen: new Date(t0 + 5000).toISOString() });
    alerts.update([{ ...base, quantiles: flat(40) }], 300, t0 + 10_000);
    expect(alerts.active()).toEqual([]);
    expect(alerts.recentlyResolved()[0]).toMatchObject({ state: 'resolved', resolved_at: new Date(t0 + 10_000).toISOString() });
  });
});
