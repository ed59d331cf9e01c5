import { METRICS, type MetricName } from '@tft/contracts';
import {
  DEFAULT_THRESHOLD_CONFIG,
  linearPoint,
  heuristicForecast,
  modelRuleAlerts,
  thresholdsFor,
  type AlertThresholds,
  type BreachRule,
  type MetricForecasts,
  type RuleAlert,
  type StepSeries,
  type ThresholdProfile,
} from '@tft/forecasting';
import { observedInWindow, seriesUpTo, type ModelUnderTest } from './backtest';
import type { NamedSeries } from './csv-reader';

const N_METRICS = METRICS.length;

/** Series name -> ISO timestamps of labelled incidents (NAB's combined labels). */
export type Incidents = Record<string, string[]>;

/** How far before an incident an alert counts, and how far after an alert onset an incident makes it true. */
export const LEAD_WINDOW_SECONDS = 8 * 3600;
/** `static_threshold` reads the last observed value no older than this. */
const STATIC_MAX_AGE_SECONDS = 3600;

export const RULE_METHODS = ['static_threshold', 'linear_1h'] as const;

/** What a replay of alert rules over a series needs (the lead-time and alert-quality replays). */
export interface ReplayOptions {
  stepSeconds: number;
  horizon: number;
  maxEncoder: number;
  minEncoder: number;
  /** Replay an origin every `stride` steps. */
  stride: number;
  models: readonly ModelUnderTest[];
  /** Profile of a series for its thresholds (default: from the model's profile index, else unknown). */
  thresholdProfile?: (name: string, profile: string | null) => ThresholdProfile | undefined;
  onProgress?: (message: string) => void;
}

export type LeadtimeOptions = ReplayOptions;

/** A replayed origin and the metrics with enough history there to be judged. */
export interface ReplayOrigin {
  origin: number;
  metrics: MetricName[];
}

/** Every `stride`-th origin where some metric has `minEncoder` observations in the model's context. */
export function replayOrigins(s: StepSeries, { maxEncoder, minEncoder, stride }: ReplayOptions): ReplayOrigin[] {
  const origins: ReplayOrigin[] = [];
  for (let o = 0; o < s.length; o += stride) {
    const metrics = METRICS.filter((_, m) => observedInWindow(s, o, maxEncoder, m) >= minEncoder);
    if (metrics.length) origins.push({ origin: o, metrics });
  }
  return origins;
}

/**
 * The api's rule at each origin for one model: what its forecast and the heuristic from the same
 * origin (the trend guard) raise, as metric -> seconds ahead of the predicted crossing. With `rules`,
 * one such timeline per rule from the same forecasts (a sweep over probability levels); by default
 * the model's own rule.
 */
export async function modelAlerts(
  model: ModelUnderTest,
  { name, profile, series: s }: NamedSeries,
  origins: readonly ReplayOrigin[],
  thresholds: AlertThresholds,
  { stepSeconds, horizon }: ReplayOptions,
  rules: readonly (BreachRule | null)[] = [model.rule ?? null],
): Promise<Map<MetricName, number>[][]> {
  const profileIndex = model.profileIndex(name, profile);
  const out: Map<MetricName, number>[][] = rules.map(() => []);
  for (let b = 0; b < origins.length; b += 1024) {
    const chunk = origins.slice(b, b + 1024);
    const forecasts = await model.forecaster.forecast(chunk.map(({ origin }) => ({ series: seriesUpTo(s, origin), profileIndex })));
    chunk.forEach(({ origin, metrics }, k) => {
      const trend = heuristicForecast(seriesUpTo(s, origin), horizon);
      rules.forEach((rule, r) =>
        out[r].push(
          new Map(shippedAlerts(forecasts[k], metrics, thresholds, stepSeconds, trend, rule).map((a) => [a.metric, a.minutes_ahead * 60])),
        ),
      );
    });
  }
  return out;
}

/** The static threshold at an origin: the metrics whose current value (last observation of the past hour) is at or over warning. */
export function overWarning(s: StepSeries, origin: number, metrics: readonly MetricName[], thresholds: AlertThresholds): Set<MetricName> {
  const over = new Set<MetricName>();
  const maxAge = Math.round(STATIC_MAX_AGE_SECONDS / s.stepSeconds);
  for (const metric of metrics) {
    const m = METRICS.indexOf(metric);
    for (let i = origin; i > origin - maxAge && i >= 0; i--) {
      if (s.mask[i * N_METRICS + m] !== 1) continue;
      if (s.values[i * N_METRICS + m] >= thresholds[metric].warning) over.add(metric);
      break;
    }
  }
  return over;
}

export interface IncidentRow {
  series: string;
  incident: string;
  method: string;
  detected: boolean;
  /** Minutes from the onset of the run of alerts preceding the incident to it, capped at 480; null if missed. */
  lead_minutes: number | null;
}

export interface MethodSummary {
  method: string;
  incidents: number;
  detected: number;
  median_lead_minutes: number | null;
  alert_onsets: number;
  false_alerts: number;
  false_alerts_per_day: number;
}

export interface LeadtimeResult {
  incidents: IncidentRow[];
  summary: MethodSummary[];
  replayedDays: number;
  seconds: number;
}

/** The alert timeline of one method over the replayed origins. */
interface Timeline {
  /** Epoch seconds at which each replayed origin's data is complete (end of the origin bucket). */
  times: number[];
  alert: Uint8Array;
}

/**
 * Replays each series that has an entry in `incidents` origin by origin (every `stride` steps, from
 * the first origin with `minEncoder` observed steps of some metric) and records, per method, whether
 * it is alerting at that origin (any metric, warning or critical, default thresholds):
 * - a model: the api's rule (`modelRuleAlerts`: its forecast plus the trend guard), counting only metrics with `minEncoder` observations in
 *   the encoder (an unmeasured metric's forecast means nothing);
 * - `static_threshold`: the current value (last observation of the past hour) >= warning;
 * - `linear_1h`: `predict_linear` over the last hour (at least 2 observations) reaching warning
 *   (p50 rule of `predictAlerts`) within the horizon.
 * Per incident at T: detected when an alert is on at some origin completed in [T - 8 h, T); the lead
 * is T minus the onset of the run of consecutive alerting origins that holds the last such alert,
 * capped at 8 h. A false alert is an onset with no incident in [onset, onset + 8 h].
 */
export async function runLeadtime(series: readonly NamedSeries[], incidents: Incidents, options: LeadtimeOptions): Promise<LeadtimeResult> {
  const started = Date.now();
  const { stepSeconds, horizon: H, stride } = options;
  const methods = [...options.models.map((m) => m.name), ...RULE_METHODS];
  const rows: IncidentRow[] = [];
  const onsets = new Map(methods.map((m) => [m, { onsets: 0, false: 0 }]));
  let replayedSeconds = 0;

  for (const [index, { name, profile, series: s }] of series.entries()) {
    const labels = incidents[name];
    if (!labels) continue;
    const t = Date.now();
    const incidentTimes = labels.map((iso) => Date.parse(iso) / 1000);
    const thresholds = thresholdsFor(DEFAULT_THRESHOLD_CONFIG, options.thresholdProfile?.(name, profile));
    const origins = replayOrigins(s, options);
    if (!origins.length) continue;
    replayedSeconds += origins.length * stride * stepSeconds;
    const times = origins.map(({ origin }) => s.t0 + (origin + 1) * stepSeconds);

    const timelines = new Map<string, Timeline>();
    for (const model of options.models) {
      const [alerts] = await modelAlerts(model, series[index], origins, thresholds, options);
      timelines.set(model.name, { times, alert: Uint8Array.from(alerts, (a) => (a.size ? 1 : 0)) });
    }
    const staticAlert = new Uint8Array(origins.length);
    const linearAlert = new Uint8Array(origins.length);
    const hour = Math.round(3600 / stepSeconds);
    origins.forEach(({ origin, metrics }, k) => {
      if (overWarning(s, origin, metrics, thresholds).size) staticAlert[k] = 1;
      for (const metric of metrics) {
        const m = METRICS.indexOf(metric);
        if (observedInWindow(s, origin, hour, m) >= 2) {
          const p50 = Array.from(linearPoint(s, origin, m, H) ?? []);
          const single = { p10: p50, p50, p90: p50 };
          if (forecastAlerts({ [metric]: single } as Partial<MetricForecasts>, [metric], thresholds, stepSeconds)) linearAlert[k] = 1;
        }
      }
    });
    timelines.set('static_threshold', { times, alert: staticAlert });
    timelines.set('linear_1h', { times, alert: linearAlert });

    for (const method of methods) {
      const tl = timelines.get(method) as Timeline;
      for (const [i, iso] of labels.entries())
        rows.push({
          series: name,
          incident: iso,
          method,
          ...leadFor(tl, incidentTimes[i]),
        });
      const counts = onsets.get(method) as { onsets: number; false: number };
      for (let k = 0; k < tl.alert.length; k++) {
        if (tl.alert[k] !== 1 || (k > 0 && tl.alert[k - 1] === 1)) continue;
        counts.onsets++;
        const at = tl.times[k];
        if (!incidentTimes.some((T) => T >= at && T <= at + LEAD_WINDOW_SECONDS)) counts.false++;
      }
    }
    options.onProgress?.(
      `[${index + 1}/${series.length}] ${name}: ${origins.length} origins replayed, ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }

  const replayedDays = replayedSeconds / 86400;
  const summary = methods.map((method): MethodSummary => {
    const mine = rows.filter((r) => r.method === method);
    const leads = mine.filter((r) => r.detected).map((r) => r.lead_minutes as number);
    const counts = onsets.get(method) as { onsets: number; false: number };
    return {
      method,
      incidents: mine.length,
      detected: leads.length,
      median_lead_minutes: median(leads),
      alert_onsets: counts.onsets,
      false_alerts: counts.false,
      false_alerts_per_day: replayedDays > 0 ? counts.false / replayedDays : 0,
    };
  });
  return {
    incidents: rows,
    summary,
    replayedDays,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Whether a forecast raises any alert on the given metrics, by the rule the api ships (with `trend`, its guard). */
export function forecastAlerts(
  forecast: Partial<MetricForecasts>,
  metrics: readonly MetricName[],
  thresholds: AlertThresholds,
  stepSeconds: number,
  trend?: MetricForecasts,
): boolean {
  return shippedAlerts(forecast, metrics, thresholds, stepSeconds, trend).length > 0;
}

/** The alerts the api's rule raises from a forecast on the given metrics only (the others are blank). */
export function shippedAlerts(
  forecast: Partial<MetricForecasts>,
  metrics: readonly MetricName[],
  thresholds: AlertThresholds,
  stepSeconds: number,
  trend?: MetricForecasts,
  rule: BreachRule | null = null,
): RuleAlert[] {
  const flat = {
    p10: [] as number[],
    p50: [] as number[],
    p90: [] as number[],
  };
  const only = (f: Partial<MetricForecasts>) => {
    const out = {} as MetricForecasts;
    for (const metric of METRICS) out[metric] = metrics.includes(metric) ? (f[metric] ?? flat) : flat;
    return out;
  };
  return modelRuleAlerts(only(forecast), trend && only(trend), thresholds, stepSeconds, rule);
}

/** Detection and lead time of one incident at `T` (epoch s) on an alert timeline. */
export function leadFor(tl: Timeline, T: number): { detected: boolean; lead_minutes: number | null } {
  let last = -1;
  for (let k = 0; k < tl.times.length && tl.times[k] < T; k++) if (tl.alert[k] === 1) last = k;
  if (last < 0 || tl.times[last] < T - LEAD_WINDOW_SECONDS) return { detected: false, lead_minutes: null };
  let onset = last;
  while (onset > 0 && tl.alert[onset - 1] === 1) onset--;
  const lead = Math.min(T - tl.times[onset], LEAD_WINDOW_SECONDS);
  return { detected: true, lead_minutes: Math.round(lead / 60) };
}

/** The middle value (mean of the two middle ones), or null for none. */
export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
