import { METRICS, type MetricName } from '@tft/contracts';
import {
  AlertLifecycle,
  breachOnsets,
  DEFAULT_THRESHOLD_CONFIG,
  episodeWindow,
  holtPoint,
  linearPoint,
  thresholdsFor,
  type BreachRule,
  type LifecycleTiming,
  type MetricForecasts,
} from '@tft/forecasting';
import { observedInWindow } from './backtest';
import type { NamedSeries } from './csv-reader';
import { median, modelAlerts, overWarning, replayOrigins, shippedAlerts, type ReplayOptions } from './leadtime';

// the breach and precision rules live in @tft/forecasting, shared with the api's live track record
export { BREACH_MIN_STEPS, breachOnsets, PRECISION_GRACE_SECONDS, QUIET_BEFORE_SECONDS } from '@tft/forecasting';

export const ALERT_BASELINES = ['static_threshold', 'predict_linear', 'holt'] as const;

export interface AlertQualityOptions extends ReplayOptions {
  /** The hysteresis every method runs through: the api's ALERT_FOR and ALERT_RESOLVE_AFTER. */
  timing: LifecycleTiming;
  /**
   * Also replay each model under the probability rule at these levels (methods `<model> p>=<level>`)
   * and, with the trend guard, at each of its margins (`... margin=<m>` for m > 0), from the same
   * forecasts: the precision-recall curves a rule is chosen from.
   */
  sweep?: { levels: readonly number[]; window_minutes: number; trend_guard: boolean; margins?: readonly number[] };
}

/** The method name of a model under the probability rule at `level` (and a trend guard's `margin`). */
export const sweepMethod = (model: string, level: number, margin = 0): string =>
  margin > 0 ? `${model} p>=${level} margin=${margin}` : `${model} p>=${level}`;

export interface AlertQualityRow {
  method: string;
  breaches: number;
  /** Share of breaches with the method's alert on that metric firing 30 minutes before onset. */
  recall_30m: number | null;
  recall_5m: number | null;
  /** Minutes from the start of the episode firing just before onset to the onset, over warned breaches. */
  median_lead_min: number | null;
  /** Episodes followed by a breach within their predicted window (plus grace), over all episodes. */
  precision: number | null;
  /** Episodes with no breach, per series-day replayed. */
  false_alerts_per_day: number;
}

export interface AlertQualityResult {
  results: AlertQualityRow[];
  series: number;
  seriesDays: number;
  seconds: number;
}

/** One metric's alert at one origin: firing after hysteresis, and how far ahead the rule saw the crossing. */
interface Verdict {
  firing: Uint8Array;
  /** Seconds from the origin's data to the predicted crossing (0 for a value already over). */
  ahead: Float64Array;
}

/**
 * Replays each series origin by origin through the alert rule the api ships (a model's forecast
 * with the trend guard) and through baselines under the same threshold rule: a static threshold on
 * the current value, Prometheus' `predict_linear` over the last hour, and Holt; every method then
 * runs through the api's hysteresis (AlertLifecycle with ALERT_FOR / ALERT_RESOLVE_AFTER), so each
 * alert is what an operator would have been paged with. Breaches are observed (breachOnsets).
 */
export async function runAlertQuality(series: readonly NamedSeries[], options: AlertQualityOptions): Promise<AlertQualityResult> {
  const started = Date.now();
  const { stepSeconds: S, horizon: H } = options;
  const { levels = [], window_minutes = 0, trend_guard = false, margins = [0] } = options.sweep ?? {};
  const rulesOf = (model: (typeof options.models)[number]): { method: string; rule: BreachRule | null }[] => [
    { method: model.name, rule: model.rule ?? null },
    ...(trend_guard ? margins : [0]).flatMap((margin) =>
      levels.map((level) => ({
        method: sweepMethod(model.name, level, margin),
        rule: { level, window_minutes, trend_guard, ...(margin > 0 ? { trend_guard_margin: margin } : {}) },
      })),
    ),
  ];
  const methods = [...options.models.flatMap((m) => rulesOf(m).map((r) => r.method)), ...ALERT_BASELINES];
  const tally = new Map(
    methods.map((m) => [m, { breaches: 0, warned30: 0, warned5: 0, leads: [] as number[], episodes: 0, trueEpisodes: 0 }]),
  );
  let seriesSeconds = 0;
  let replayed = 0;

  for (const [index, { name, profile, series: s }] of series.entries()) {
    const t = Date.now();
    const thresholds = thresholdsFor(DEFAULT_THRESHOLD_CONFIG, options.thresholdProfile?.(name, profile));
    const origins = replayOrigins(s, options);
    if (!origins.length) continue;
    replayed++;
    seriesSeconds += (origins[origins.length - 1].origin - origins[0].origin + 1) * S;
    const times = origins.map(({ origin }) => s.t0 + (origin + 1) * S);

    // the raw conditions per method: per origin, the metrics alerting and how far ahead
    const conditions = new Map<string, Map<MetricName, number>[]>();
    for (const model of options.models) {
      const rules = rulesOf(model);
      const timelines = await modelAlerts(
        model,
        series[index],
        origins,
        thresholds,
        options,
        rules.map((r) => r.rule),
      );
      rules.forEach(({ method }, r) => conditions.set(method, timelines[r]));
    }
    conditions.set(
      'static_threshold',
      origins.map(({ origin, metrics }) => new Map([...overWarning(s, origin, metrics, thresholds)].map((m) => [m, 0]))),
    );
    for (const [method, point] of [
      ['predict_linear', linearPoint],
      ['holt', (x: typeof s, o: number, m: number, h: number) => holtPoint(x, o, m, h)],
    ] as const) {
      conditions.set(
        method,
        origins.map(({ origin, metrics }) => {
          const usable = metrics.filter((metric) => observedInWindow(s, origin, Math.round(3600 / S), METRICS.indexOf(metric)) >= 2);
          const forecast: Partial<MetricForecasts> = {};
          for (const metric of usable) {
            const p50 = Array.from(point(s, origin, METRICS.indexOf(metric), H) ?? []);
            forecast[metric] = { p10: p50, p50, p90: p50 };
          }
          return aheadByMetric(shippedAlerts(forecast, usable, thresholds, S));
        }),
      );
    }

    for (const method of methods) {
      const verdicts = withHysteresis(conditions.get(method) as Map<MetricName, number>[], times, options.timing);
      const mine = tally.get(method) as NonNullable<ReturnType<typeof tally.get>>;
      METRICS.forEach((metric, m) => {
        const onsets = breachOnsets(s, m, thresholds[metric].warning).filter((T) => T > times[0] && T <= times[times.length - 1]);
        score(verdicts.get(metric) as Verdict, times, onsets, mine);
      });
    }
    options.onProgress?.(
      `[${index + 1}/${series.length}] ${name}: ${origins.length} origins replayed, ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }

  const seriesDays = seriesSeconds / 86400;
  const share = (n: number, d: number) => (d > 0 ? round3(n / d) : null);
  return {
    results: methods.map((method) => {
      const r = tally.get(method) as NonNullable<ReturnType<typeof tally.get>>;
      return {
        method,
        breaches: r.breaches,
        recall_30m: share(r.warned30, r.breaches),
        recall_5m: share(r.warned5, r.breaches),
        median_lead_min: median(r.leads),
        precision: share(r.trueEpisodes, r.episodes),
        false_alerts_per_day: seriesDays > 0 ? round3((r.episodes - r.trueEpisodes) / seriesDays) : 0,
      };
    }),
    series: replayed,
    seriesDays,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The rule of a sweep (level, and the trend guard's margin) with the best 30-minute recall among those
 * whose precision reaches `target` (ties: fewer false alerts, then the higher level, then the higher
 * margin); null when none does.
 */
export function chooseRule(
  results: readonly AlertQualityRow[],
  model: string,
  levels: readonly number[],
  margins: readonly number[],
  target: number,
): { level: number; margin: number } | null {
  // compared in this order, larger first: recall, then fewer false alerts, then level, then margin
  let best: { level: number; margin: number; key: number[] } | null = null;
  for (const margin of margins) {
    for (const level of levels) {
      const row = results.find((r) => r.method === sweepMethod(model, level, margin));
      if (!row || row.precision === null || row.precision < target) continue;
      const key = [row.recall_30m ?? 0, -row.false_alerts_per_day, level, margin];
      const i = best ? key.findIndex((v, k) => v !== best?.key[k]) : 0;
      if (!best || (i >= 0 && key[i] > best.key[i])) best = { level, margin, key };
    }
  }
  return best && { level: best.level, margin: best.margin };
}

/** A method's alerts at one origin as metric -> seconds ahead. */
function aheadByMetric(alerts: readonly { metric: MetricName; minutes_ahead: number }[]): Map<MetricName, number> {
  return new Map(alerts.map((a) => [a.metric, a.minutes_ahead * 60]));
}

/** Each metric's firing timeline after the api's hysteresis, on data time (the origins' times). */
function withHysteresis(
  conditions: readonly Map<MetricName, number>[],
  times: readonly number[],
  timing: LifecycleTiming,
): Map<MetricName, Verdict> {
  const lifecycle = new AlertLifecycle(timing);
  const out = new Map<MetricName, Verdict>(
    METRICS.map((metric) => [metric, { firing: new Uint8Array(times.length), ahead: new Float64Array(times.length) }]),
  );
  conditions.forEach((byMetric, k) => {
    for (const metric of METRICS) {
      const ahead = byMetric.get(metric);
      const { transition } = lifecycle.observe(metric, ahead !== undefined, times[k]);
      const v = out.get(metric) as Verdict;
      if (transition === 'fired' || transition === 'firing') {
        v.firing[k] = 1;
        v.ahead[k] = ahead ?? 0;
      }
    }
  });
  return out;
}

/** Adds one metric's breaches and episodes to a method's tally. */
function score(
  v: Verdict,
  times: readonly number[],
  onsets: readonly number[],
  tally: { breaches: number; warned30: number; warned5: number; leads: number[]; episodes: number; trueEpisodes: number },
): void {
  /** The latest origin whose data ends by `t`, or -1. */
  const originBy = (t: number): number => {
    let lo = 0;
    let hi = times.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  for (const T of onsets) {
    tally.breaches++;
    const k30 = originBy(T - 1800);
    if (k30 >= 0 && v.firing[k30]) tally.warned30++;
    const k5 = originBy(T - 300);
    if (k5 >= 0 && v.firing[k5]) tally.warned5++;
    const k = originBy(T);
    if (k >= 0 && v.firing[k]) {
      let start = k;
      while (start > 0 && v.firing[start - 1]) start--;
      tally.leads.push(Math.round((T - times[start]) / 60));
    }
  }
  for (let a = 0; a < times.length; a++) {
    if (!v.firing[a] || (a > 0 && v.firing[a - 1])) continue;
    let b = a;
    let reach = times[a];
    while (b + 1 < times.length && v.firing[b + 1]) b++;
    for (let k = a; k <= b; k++) reach = Math.max(reach, times[k] + v.ahead[k]);
    tally.episodes++;
    const { from, to } = episodeWindow({ start: times[a], reach, end: times[b] });
    if (onsets.some((T) => T >= from && T <= to)) tally.trueEpisodes++;
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
