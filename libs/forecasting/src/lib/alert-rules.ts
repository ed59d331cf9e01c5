import { DEFAULT_ALERT_THRESHOLDS, METRICS, type MetricName, type Profile, type Severity, type ThresholdPair } from '@tft/contracts';
import type { MetricForecasts } from './forecast-decoding';
import { round2 } from './step-grid';

export type AlertThresholds = Record<MetricName, ThresholdPair>;
export type ThresholdProfile = Profile | 'unknown';
export type ThresholdOverrides = Partial<Record<ThresholdProfile, Partial<Record<MetricName, ThresholdPair>>>>;

export interface ThresholdConfig {
  defaults: AlertThresholds;
  /** Per-profile pairs that replace the default pair of their metric. */
  profiles: ThresholdOverrides;
}

/**
 * Where a profile's normal operating point sits above the generic defaults, so the defaults would
 * page on healthy servers.
 */
export const DEFAULT_PROFILE_THRESHOLD_OVERRIDES: ThresholdOverrides = {
  // Databases keep memory full by design (buffer pools, page cache).
  database: { memory_percent: { warning: 92, critical: 97 } },
  // 16-core boxes: a load of 12 is 75 % of the cores, not an emergency.
  ml_compute: { load_average: { warning: 16, critical: 24 } },
  // Staging areas run full between batch drains.
  data_ingest: { disk_percent: { warning: 90, critical: 96 } },
};

export const DEFAULT_THRESHOLD_CONFIG: ThresholdConfig = {
  defaults: DEFAULT_ALERT_THRESHOLDS,
  profiles: DEFAULT_PROFILE_THRESHOLD_OVERRIDES,
};

/**
 * A profile's thresholds: its overrides merged over the defaults, metric by metric. No profile (or
 * one without overrides) gets the defaults. Throws when a resulting pair has warning > critical.
 */
export function thresholdsFor(config: ThresholdConfig, profile: ThresholdProfile | undefined): AlertThresholds {
  const overrides = profile === undefined ? undefined : config.profiles[profile];
  const result = {} as AlertThresholds;
  for (const metric of METRICS) {
    const pair = overrides?.[metric] ?? config.defaults[metric];
    if (!(pair.warning <= pair.critical)) {
      throw new RangeError(`${metric} thresholds for ${profile ?? 'default'}: warning ${pair.warning} > critical ${pair.critical}`);
    }
    result[metric] = pair;
  }
  return result;
}

/** Horizon window in which the p90 alone may raise a critical alert (and of the 30 min risk). */
export const SHORT_WINDOW_SECONDS = 30 * 60;

export interface PredictedAlert {
  metric: MetricName;
  severity: Severity;
  /** p50 (or p90 for a `p90` trigger) at `step`, rounded to 2 decimals. */
  predicted_value: number;
  /** The threshold that was reached. */
  threshold: number;
  /** Minutes from the forecast origin to the end of `step`. */
  minutes_ahead: number;
  step: number;
  trigger: 'p50' | 'p90';
}

/**
 * Alerts from a quantile forecast. The rule, per metric ("reaches" means >=):
 *
 * - critical when p50 reaches the critical threshold at any step, or p90 reaches the critical
 *   threshold within the first 30 minutes (the steps whose end is <= 30 min after the origin, i.e.
 *   the first floor(1800 / stepSeconds) steps);
 * - else warning when p50 reaches the warning threshold at any step, or p90 reaches it within the
 *   first 30 minutes: a one-in-ten chance of a breach that close is worth a warning (what that does
 *   to recall and false alerts on the real traces: docs/FORECAST_QUALITY.md, "Alert quality");
 * - at most one alert per metric, of the highest severity, at the earliest step satisfying that
 *   severity's rule (when p50 and p90 both qualify at that step the trigger is p50).
 *
 * Step h covers [origin + h * step, origin + (h + 1) * step): step 0 is the first future step, known
 * one step ahead, so minutes_ahead = (h + 1) * stepSeconds / 60. Sorted critical first, then by
 * minutes_ahead, then in METRICS order.
 */
export function predictAlerts(forecast: MetricForecasts, thresholds: AlertThresholds, stepSeconds: number): PredictedAlert[] {
  const shortSteps = Math.floor(SHORT_WINDOW_SECONDS / stepSeconds);
  const alerts: PredictedAlert[] = [];
  for (const metric of METRICS) {
    const { p50, p90 } = forecast[metric];
    const { warning, critical } = thresholds[metric];
    let alert: PredictedAlert | null = null;
    let warningStep = -1;
    for (let h = 0; h < p50.length; h++) {
      if (p50[h] >= critical) {
        alert = makeAlert(metric, 'critical', p50[h], critical, h, stepSeconds, 'p50');
        break;
      }
      if (h < shortSteps && p90[h] >= critical) {
        alert = makeAlert(metric, 'critical', p90[h], critical, h, stepSeconds, 'p90');
        break;
      }
      if (warningStep < 0 && (p50[h] >= warning || (h < shortSteps && p90[h] >= warning))) warningStep = h;
    }
    if (!alert && warningStep >= 0) {
      const byP50 = p50[warningStep] >= warning;
      const value = byP50 ? p50[warningStep] : p90[warningStep];
      alert = makeAlert(metric, 'warning', value, warning, warningStep, stepSeconds, byP50 ? 'p50' : 'p90');
    }
    if (alert) alerts.push(alert);
  }
  // Array.prototype.sort is stable, so ties keep METRICS order.
  return alerts.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.minutes_ahead - b.minutes_ahead);
}

/** The severity a value already has now, or `null` below the warning threshold. */
export function currentBreach(current: number, thresholds: ThresholdPair): Severity | null {
  if (current >= thresholds.critical) return 'critical';
  if (current >= thresholds.warning) return 'warning';
  return null;
}

function severityRank(severity: Severity): number {
  return severity === 'critical' ? 1 : 0;
}

function makeAlert(
  metric: MetricName,
  severity: Severity,
  value: number,
  threshold: number,
  step: number,
  stepSeconds: number,
  trigger: 'p50' | 'p90',
): PredictedAlert {
  return {
    metric,
    severity,
    predicted_value: round2(value),
    threshold,
    minutes_ahead: ((step + 1) * stepSeconds) / 60,
    step,
    trigger,
  };
}

/** How far ahead the trend guard looks: a recent trend is only trusted for the next two hours. */
export const TREND_GUARD_MINUTES = 120;

/** An alert of the shipped rule: the model's, or the trend guard's (trigger `trend`). */
export type GuardedAlert = Omit<PredictedAlert, 'trigger'> & {
  trigger: PredictedAlert['trigger'] | 'trend';
};

/**
 * The alert rule the api ships: the model's alerts (predictAlerts), plus a trend guard. When the last
 * hour's damped trend (`trend`: the heuristic forecast from the same origin) reaches a threshold within
 * TREND_GUARD_MINUTES, that alert fires with trigger `trend` even if the model expects the metric to
 * revert, as Prometheus' predict_linear would. Per metric the more severe, then the earlier, wins. The
 * rule of models without an alert_rule (modelRuleAlerts, which the replays score too).
 */
export function predictAlertsWithTrendGuard(
  forecast: MetricForecasts,
  trend: MetricForecasts | undefined,
  thresholds: AlertThresholds,
  stepSeconds: number,
): GuardedAlert[] {
  return withTrendGuard(predictAlerts(forecast, thresholds, stepSeconds), trend, thresholds, stepSeconds);
}

/**
 * A model's alerts with the trend guard's added (trendAlerts at `margin`): per metric the more
 * severe, then the earlier, wins. Every rule that has the guard merges through this.
 */
export function withTrendGuard<A extends { metric: MetricName; severity: Severity; minutes_ahead: number }>(
  alerts: readonly A[],
  trend: MetricForecasts | undefined,
  thresholds: AlertThresholds,
  stepSeconds: number,
  margin = 0,
): (A | GuardedAlert)[] {
  const byMetric = new Map<MetricName, A | GuardedAlert>(alerts.map((a) => [a.metric, a]));
  const rank = (a: { severity: Severity }) => (a.severity === 'critical' ? 0 : 1);
  for (const guard of trend ? trendAlerts(trend, thresholds, stepSeconds, margin) : []) {
    const model = byMetric.get(guard.metric);
    if (!model || rank(guard) < rank(model) || (rank(guard) === rank(model) && guard.minutes_ahead < model.minutes_ahead)) {
      byMetric.set(guard.metric, guard);
    }
  }
  return [...byMetric.values()];
}

/**
 * Alerts from a trend (the heuristic forecast, trigger `trend`): its line reaching a threshold within
 * TREND_GUARD_MINUTES. Only the line counts, not the band above it, which widens like a random walk
 * and is not calibrated: the band of a server with a few noisy points reaches a threshold within 30
 * minutes far more often than the server does. This is the guard's rule, and the whole rule for a
 * server still warming up (forecast by the heuristic): it alerts on a breach under way or a steep
 * ramp. A window shorter than the horizon also keeps a warning within 2 h from hiding behind a
 * critical at 3 h.
 *
 * `margin` in [0, 1] lowers the line toward the band's p10 (p50 - margin * (p50 - p10)): at 0 any
 * crossing of the line fires; at 1 the climb must stand clear of the hour's noise, so a steady ramp
 * still alerts while a noisy server wandering near its threshold does not. A model's rule carries
 * its margin (BreachRule.trend_guard_margin), chosen with its level.
 */
export function trendAlerts(trend: MetricForecasts, thresholds: AlertThresholds, stepSeconds: number, margin = 0): GuardedAlert[] {
  if (!(margin >= 0 && margin <= 1)) throw new RangeError(`trend guard margin must be in [0, 1], got ${margin}`);
  const steps = Math.floor((TREND_GUARD_MINUTES * 60) / stepSeconds);
  const window = Object.fromEntries(
    Object.entries(trend).map(([m, q]) => {
      const line = Array.from({ length: Math.min(steps, q.p50.length) }, (_, h) => q.p50[h] - margin * (q.p50[h] - q.p10[h]));
      return [m, { p10: line, p50: line, p90: line }];
    }),
  ) as MetricForecasts;
  return predictAlerts(window, thresholds, stepSeconds).map((t) => ({ ...t, trigger: 'trend' }));
}
