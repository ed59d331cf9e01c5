import { METRICS } from '@tft/contracts';
import type { AlertThresholds, MetricForecasts } from '@tft/forecasting';

/** Horizons GET /metrics exposes per server and metric: a few points of the 8-hour curve, not all 96. */
export const HIGHLIGHT_HORIZONS = [
  { label: '30m', seconds: 1800 },
  { label: '1h', seconds: 3600 },
  { label: '4h', seconds: 4 * 3600 },
  { label: '8h', seconds: 8 * 3600 },
] as const;

export const HIGHLIGHT_QUANTILES = ['p10', 'p50', 'p90'] as const;

export const BREACH_SEVERITIES = ['warning', 'critical'] as const;

/**
 * What Prometheus scrapes of one forecast, kept beside its JSON so a scrape reads numbers instead of
 * parsing every server's forecast.
 */
export interface ForecastHighlights {
  /** [metric][horizon][quantile] in METRICS, HIGHLIGHT_HORIZONS and HIGHLIGHT_QUANTILES order. */
  quantiles: Float32Array;
  /** [metric][severity]: epoch seconds the median first reaches the threshold, NaN when not within the horizon. */
  breachAt: Float64Array;
}

export const highlightIndex = (metric: number, horizon: number, quantile: number): number =>
  (metric * HIGHLIGHT_HORIZONS.length + horizon) * HIGHLIGHT_QUANTILES.length + quantile;

/** Step h of a forecast covers origin + (h + 1) x step, so the value at `seconds` ahead is step seconds/step - 1. */
export function forecastHighlights(
  quantiles: MetricForecasts,
  thresholds: AlertThresholds,
  origin: number,
  stepSeconds: number,
): ForecastHighlights {
  const out = new Float32Array(METRICS.length * HIGHLIGHT_HORIZONS.length * HIGHLIGHT_QUANTILES.length).fill(Number.NaN);
  const breachAt = new Float64Array(METRICS.length * BREACH_SEVERITIES.length).fill(Number.NaN);
  METRICS.forEach((metric, m) => {
    const q = quantiles[metric];
    HIGHLIGHT_HORIZONS.forEach(({ seconds }, h) => {
      const step = Math.round(seconds / stepSeconds) - 1;
      if (step < 0 || step >= q.p50.length) return;
      HIGHLIGHT_QUANTILES.forEach((name, k) => (out[highlightIndex(m, h, k)] = q[name][step]));
    });
    BREACH_SEVERITIES.forEach((severity, s) => {
      const step = q.p50.findIndex((v) => v >= thresholds[metric][severity]);
      if (step >= 0) breachAt[m * BREACH_SEVERITIES.length + s] = origin + (step + 1) * stepSeconds;
    });
  });
  return { quantiles: out, breachAt };
}
