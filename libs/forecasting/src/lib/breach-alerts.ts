import { METRICS, type MetricName } from '@tft/contracts';
import { predictAlertsWithTrendGuard, withTrendGuard, type AlertThresholds, type GuardedAlert, type PredictedAlert } from './alert-rules';
import type { MetricForecasts } from './forecast-decoding';
import { exceedanceProbability } from './incident-risk';
import { round2 } from './step-grid';

/**
 * The probability rule of a calibrated model (its metadata's `alert_rule`): a metric alerts when the
 * probability that it reaches a threshold within `window_minutes`, read from the quantile forecast,
 * is at least `level`. The level is chosen per model on its training corpus' validation series for
 * a target precision, so it travels with the model it was chosen for.
 */
export interface BreachRule {
  level: number;
  window_minutes: number;
  /** Also fire on the last hour's damped trend (trendAlerts), as the rule for uncalibrated models does. */
  trend_guard: boolean;
  /** How far the guard's line sits toward the trend band's p10 (trendAlerts' `margin`); absent: 0, the line itself. */
  trend_guard_margin?: number;
}

/** An alert of the probability rule: the chance of the breach it predicts is part of it. */
export type BreachAlert = Omit<PredictedAlert, 'trigger'> & { trigger: 'probability'; probability: number };

/**
 * P(the metric reaches `threshold` at some step of the first `steps`): the largest single-step
 * exceedance probability (split normal through p10/p50/p90, `exceedanceProbability`), and the
 * earliest step at which it reaches `level` (-1 if none). The steps of one trajectory are strongly
 * dependent, so the largest is the honest lower bound of the union; summing would count one
 * excursion many times.
 */
export function breachProbability(
  q: MetricForecasts[MetricName],
  threshold: number,
  steps: number,
  level: number,
): { probability: number; step: number } {
  let probability = 0;
  let step = -1;
  const n = Math.min(steps, q.p50.length);
  for (let h = 0; h < n; h++) {
    const p = exceedanceProbability(threshold, q.p10[h], q.p50[h], q.p90[h]);
    if (p > probability) probability = p;
    if (step < 0 && p >= level) step = h;
  }
  return { probability, step };
}

/**
 * Alerts from a calibrated quantile forecast by the probability rule, per metric: critical when the
 * probability of reaching the critical threshold within the window is at least the level, else
 * warning for the warning threshold; at the earliest step where it reaches the level, with the p50
 * there as the predicted value and the window's probability. Sorted critical first, then soonest.
 */
export function breachAlerts(forecast: MetricForecasts, thresholds: AlertThresholds, stepSeconds: number, rule: BreachRule): BreachAlert[] {
  const steps = Math.max(1, Math.floor((rule.window_minutes * 60) / stepSeconds));
  const alerts: BreachAlert[] = [];
  for (const metric of METRICS) {
    const q = forecast[metric];
    if (!q.p50.length) continue;
    for (const severity of ['critical', 'warning'] as const) {
      const threshold = thresholds[metric][severity];
      const { probability, step } = breachProbability(q, threshold, steps, rule.level);
      if (step < 0) continue;
      alerts.push({
        metric,
        severity,
        predicted_value: round2(q.p50[step]),
        threshold,
        minutes_ahead: ((step + 1) * stepSeconds) / 60,
        step,
        trigger: 'probability',
        probability: Math.round(probability * 1000) / 1000,
      });
      break;
    }
  }
  return alerts.sort((a, b) => (a.severity === b.severity ? a.minutes_ahead - b.minutes_ahead : a.severity === 'critical' ? -1 : 1));
}

/** An alert of the rule a model ships with. */
export type RuleAlert = GuardedAlert | BreachAlert;

/**
 * The one alert rule of the api, `leadtime` and `alert-quality`: a model that carries a BreachRule
 * alerts by probability (plus the trend guard when the rule says so); one without (uncalibrated
 * models, 2.0.0 and before) by its p50/p90 crossings with the trend guard. Per metric the more
 * severe, then the earlier, wins.
 */
export function modelRuleAlerts(
  forecast: MetricForecasts,
  trend: MetricForecasts | undefined,
  thresholds: AlertThresholds,
  stepSeconds: number,
  rule: BreachRule | null,
): RuleAlert[] {
  if (!rule) return predictAlertsWithTrendGuard(forecast, trend, thresholds, stepSeconds);
  const alerts = breachAlerts(forecast, thresholds, stepSeconds, rule);
  return rule.trend_guard ? withTrendGuard(alerts, trend, thresholds, stepSeconds, rule.trend_guard_margin ?? 0) : alerts;
}
