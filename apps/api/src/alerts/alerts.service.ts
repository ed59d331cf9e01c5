import { Inject, Injectable } from '@nestjs/common';
import type { MetricName, Severity } from '@tft/contracts';
import {
  isoSeconds,
  predictAlerts,
  thresholdsFor,
  type AlertThresholds,
  type MetricForecasts,
  type PredictedAlert,
  type ThresholdConfig,
  type ThresholdProfile,
} from '@tft/forecasting';
import { loadThresholdConfig } from '../config/alert-thresholds';
import { API_CONFIG, type ApiConfig } from '../config/api-config';

export interface Alert {
  server: string;
  metric: MetricName;
  severity: Severity;
  predicted_value: number;
  threshold: number;
  minutes_ahead: number;
  /** What crossed: the median, the upper band within 30 minutes, or the recent trend (guard). */
  trigger: 'p50' | 'p90' | 'trend';
  /** When the crossing is expected (data time). */
  expected_at: string;
  model: string;
  state: 'firing' | 'resolved';
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
}

export interface ServerForecastInput {
  server: string;
  profile: string | null;
  model: string;
  /** Epoch seconds of the forecast origin (start of the last step used). */
  origin: number;
  quantiles: MetricForecasts;
  /** The damped recent trend (heuristic forecast from the same origin), for the trend guard. */
  trend?: MetricForecasts;
}

/** How far ahead the trend guard looks: a recent trend is only trusted for the next two hours. */
export const TREND_GUARD_MINUTES = 120;

/**
 * The model's alerts, plus a trend guard: when the last hour's damped trend reaches a threshold within
 * TREND_GUARD_MINUTES, that alert fires (trigger "trend") even if the model expects the metric to
 * revert, as Prometheus' predict_linear would. Per metric the more severe, then the earlier, wins.
 */
type GuardedAlert = Omit<PredictedAlert, 'trigger'> & { trigger: Alert['trigger'] };

export function alertsWithTrendGuard(f: ServerForecastInput, thresholds: AlertThresholds, stepSeconds: number): GuardedAlert[] {
  const byMetric = new Map<MetricName, GuardedAlert>(predictAlerts(f.quantiles, thresholds, stepSeconds).map((a) => [a.metric, a]));
  if (f.trend) {
    // Only the guard's window counts: a warning within 2 h must not hide behind a critical at 3 h.
    const steps = Math.floor((TREND_GUARD_MINUTES * 60) / stepSeconds);
    const window = Object.fromEntries(
      Object.entries(f.trend).map(([m, q]) => [m, { p10: q.p10.slice(0, steps), p50: q.p50.slice(0, steps), p90: q.p90.slice(0, steps) }]),
    ) as MetricForecasts;
    for (const t of predictAlerts(window, thresholds, stepSeconds)) {
      if (t.trigger !== 'p50') continue;
      const guard = { ...t, trigger: 'trend' as const };
      const model = byMetric.get(t.metric);
      const rank = (a: GuardedAlert) => (a.severity === 'critical' ? 0 : 1);
      if (!model || rank(guard) < rank(model) || (rank(guard) === rank(model) && guard.minutes_ahead < model.minutes_ahead)) {
        byMetric.set(t.metric, guard);
      }
    }
  }
  return [...byMetric.values()];
}

const RESOLVED_KEPT = 200;

/**
 * Alerts on the forecast, one per server and metric, with a lifecycle: an alert fires when first
 * predicted, keeps its first_seen while it stays predicted, and is resolved when it no longer is.
 */
@Injectable()
export class AlertsService {
  readonly config: ThresholdConfig;
  private readonly firing = new Map<string, Alert>();
  private readonly resolved: Alert[] = [];

  constructor(@Inject(API_CONFIG) apiConfig: ApiConfig) {
    this.config = loadThresholdConfig(apiConfig.alertThresholdsFile);
  }

  thresholds(profile: string | null): AlertThresholds {
    return thresholdsFor(this.config, (profile ?? 'unknown') as ThresholdProfile);
  }

  /** Re-evaluates every server's forecast at wall time `now` (ms). Servers not given keep their alerts. */
  update(forecasts: Iterable<ServerForecastInput>, stepSeconds: number, now: number): void {
    const nowIso = new Date(now).toISOString();
    for (const f of forecasts) {
      const predicted = new Map(alertsWithTrendGuard(f, this.thresholds(f.profile), stepSeconds).map((a) => [a.metric, a]));
      for (const metric of Object.keys(f.quantiles) as MetricName[]) {
        const key = `${f.server}|${metric}`;
        const p = predicted.get(metric);
        const existing = this.firing.get(key);
        if (!p) {
          if (existing) {
            this.firing.delete(key);
            this.resolved.unshift({ ...existing, state: 'resolved', resolved_at: nowIso });
            this.resolved.length = Math.min(this.resolved.length, RESOLVED_KEPT);
          }
          continue;
        }
        this.firing.set(key, {
          server: f.server,
          metric,
          severity: p.severity,
          predicted_value: p.predicted_value,
          threshold: p.threshold,
          minutes_ahead: p.minutes_ahead,
          trigger: p.trigger,
          expected_at: isoSeconds(f.origin + (p.step + 1) * stepSeconds),
          model: f.model,
          state: 'firing',
          first_seen: existing?.first_seen ?? nowIso,
          last_seen: nowIso,
          resolved_at: null,
        });
      }
    }
  }

  /** Drops alerts of servers that no longer exist. */
  forget(server: string): void {
    for (const key of this.firing.keys()) if (key.startsWith(`${server}|`)) this.firing.delete(key);
  }

  /** Firing alerts, critical first, then soonest. */
  active(): Alert[] {
    return [...this.firing.values()].sort(
      (a, b) => (a.severity === b.severity ? a.minutes_ahead - b.minutes_ahead : a.severity === 'critical' ? -1 : 1) || a.server.localeCompare(b.server),
    );
  }

  recentlyResolved(): Alert[] {
    return [...this.resolved];
  }

  forServer(server: string): Alert[] {
    return this.active().filter((a) => a.server === server);
  }
}
