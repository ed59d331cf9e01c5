import { METRICS, type MetricName } from '@tft/contracts';
import type { QuantileForecast } from './forecast-decoding';

/**
 * Forecast-quality metrics, defined as `training/evaluate.py` defines them so TypeScript backtests
 * and the model card report the same numbers.
 */

/** Pinball (quantile) loss of predicting `pred` for quantile `q` when `y` happened: max(q e, (q-1) e), e = y - pred. */
export function pinballLoss(y: number, pred: number, q: number): number {
  const e = y - pred;
  return Math.max(q * e, (q - 1) * e);
}

/** Targets over the horizon: value per step, `observed[h]` 1 where measured (masked steps are skipped). */
export interface HorizonTargets {
  values: ArrayLike<number>;
  observed: ArrayLike<number>;
}

/**
 * Weighted quantile loss (q-risk, Lim et al. 2021): for each q in 0.1/0.5/0.9,
 * 2 * sum_t pinball_q(y_t, yhat_t) / sum_t |y_t| over the observed targets, then the mean over the
 * three levels. `null` when nothing is observed or sum |y| = 0 (the ratio is undefined).
 */
export function weightedQuantileLoss(forecast: QuantileForecast, targets: HorizonTargets): number | null {
  const sums = [0, 0, 0];
  let absY = 0;
  let n = 0;
  for (let h = 0; h < forecast.p50.length; h++) {
    if (targets.observed[h] !== 1) continue;
    const y = targets.values[h];
    sums[0] += pinballLoss(y, forecast.p10[h], 0.1);
    sums[1] += pinballLoss(y, forecast.p50[h], 0.5);
    sums[2] += pinballLoss(y, forecast.p90[h], 0.9);
    absY += Math.abs(y);
    n++;
  }
  if (n === 0 || absY === 0) return null;
  return (2 * (sums[0] + sums[1] + sums[2])) / absY / 3;
}

/**
 * The in-sample one-step naive MAE of a history: mean |y_t - y_{t-1}| over consecutive steps that are
 * both observed (a pair across a gap is not a one-step difference and is skipped). `values`/`observed`
 * are one metric's encoder history. `null` with no such pair. This is MASE's denominator.
 */
export function naiveScale(values: ArrayLike<number>, observed: ArrayLike<number>): number | null {
  let sum = 0;
  let n = 0;
  for (let t = 1; t < values.length; t++) {
    if (observed[t] !== 1 || observed[t - 1] !== 1) continue;
    sum += Math.abs(values[t] - values[t - 1]);
    n++;
  }
  return n === 0 ? null : sum / n;
}

/**
 * Mean absolute scaled error of the point forecast (the p50): mean_t |y_t - p50_t| / scale over the
 * observed targets, scale = `naiveScale` of this forecast's own encoder history (Hyndman & Koehler
 * 2006). MASE 1 = as good as a one-step naive forecast is in-sample; multi-step forecasts are
 * usually above 1. `null` when nothing is observed or the scale is 0 / unknown (a flat encoder).
 */
export function meanAbsoluteScaledError(p50: ArrayLike<number>, targets: HorizonTargets, scale: number | null): number | null {
  if (scale === null || !(scale > 0)) return null;
  let sum = 0;
  let n = 0;
  for (let h = 0; h < p50.length; h++) {
    if (targets.observed[h] !== 1) continue;
    sum += Math.abs(targets.values[h] - p50[h]);
    n++;
  }
  return n === 0 ? null : sum / n / scale;
}

/** Share of observed targets inside [p10, p90] (ends included); `null` when nothing is observed. */
export function intervalCoverage(forecast: QuantileForecast, targets: HorizonTargets): number | null {
  let inside = 0;
  let n = 0;
  for (let h = 0; h < forecast.p50.length; h++) {
    if (targets.observed[h] !== 1) continue;
    const y = targets.values[h];
    if (y >= forecast.p10[h] && y <= forecast.p90[h]) inside++;
    n++;
  }
  return n === 0 ? null : inside / n;
}

/** A horizon bucket: forecast steps whose end lies in (fromMinutes, toMinutes] after the origin. */
export interface HorizonBucket {
  name: string;
  fromMinutes: number;
  toMinutes: number;
}

/**
 * 0-30 min, 30 min-2 h, 2-8 h after the origin; on the 300 s grid these are steps 1-6, 7-24 and
 * 25-96 (step h, 1-based, ends h * 5 min after the origin). `all` is the whole horizon.
 */
export const HORIZON_BUCKETS: readonly HorizonBucket[] = [
  { name: '0-30m', fromMinutes: 0, toMinutes: 30 },
  { name: '30m-2h', fromMinutes: 30, toMinutes: 120 },
  { name: '2h-8h', fromMinutes: 120, toMinutes: 480 },
];
export const ALL_BUCKET = 'all';

/** Bucket index of each 0-based forecast step (-1 when it falls in none). */
export function bucketOfSteps(horizon: number, stepSeconds: number, buckets: readonly HorizonBucket[] = HORIZON_BUCKETS): Int32Array {
  const out = new Int32Array(horizon).fill(-1);
  for (let h = 0; h < horizon; h++) {
    const endMinutes = ((h + 1) * stepSeconds) / 60;
    out[h] = buckets.findIndex((b) => endMinutes > b.fromMinutes && endMinutes <= b.toMinutes);
  }
  return out;
}

/** One aggregated score: a metric over a horizon bucket. */
export interface ScoreRow {
  metric: MetricName | 'overall';
  horizon_bucket: string;
  /** Weighted quantile loss over all pooled targets (sums first, then the ratio, as evaluate.py). */
  wql: number | null;
  /** Mean of the per-target scaled absolute errors of the p50 over the forecasts with a usable scale. */
  mase: number | null;
  coverage_p10_p90: number | null;
  /** Observed targets scored. */
  n: number;
}

/**
 * The pooled sums behind one model's wQL and coverage over a set of targets: the p10/p50/p90 pinball
 * losses summed (quantilePinball), sum |y|, targets inside [p10, p90] and the targets counted. The
 * backtest and the api's live track record keep these, and turn them into figures the same way.
 */
export interface QuantileSums {
  pinball: number;
  absY: number;
  inside: number;
  n: number;
}

/** The three pinball losses of one target summed: its part of wQL's numerator. */
export function quantilePinball(y: number, p10: number, p50: number, p90: number): number {
  return pinballLoss(y, p10, 0.1) + pinballLoss(y, p50, 0.5) + pinballLoss(y, p90, 0.9);
}

/** 1 when `y` lies inside [p10, p90] (ends included), else 0. */
export function insideBand(y: number, p10: number, p90: number): number {
  return y >= p10 && y <= p90 ? 1 : 0;
}

/** wQL of pooled sums (2 * sum pinball / sum |y|, averaged over the three levels); null when undefined. */
export function pooledWql(s: QuantileSums): number | null {
  return s.n > 0 && s.absY > 0 ? (2 * s.pinball) / s.absY / 3 : null;
}

/** Share of the pooled targets inside [p10, p90]; null without targets. */
export function pooledCoverage(s: QuantileSums): number | null {
  return s.n > 0 ? s.inside / s.n : null;
}

/** Running sums of one (metric, bucket) cell. */
interface Cell extends QuantileSums {
  scaledError: number;
  nScaled: number;
}

const newCell = (): Cell => ({
  pinball: 0,
  absY: 0,
  scaledError: 0,
  nScaled: 0,
  inside: 0,
  n: 0,
});

/**
 * Pools many forecasts of one model and aggregates them per metric and horizon bucket (plus `all`).
 * wQL is pooled like evaluate.py: the pinball sums and sum |y| are added over all forecasts, then
 * divided, so it weights every target alike (a ratio of sums, not a mean of per-forecast ratios).
 * MASE is the mean over targets of |y - p50| / scale, each forecast scaled by its own encoder's
 * one-step naive MAE (forecasts with a flat encoder, scale 0, are left out of MASE only).
 */
export class ScoreAccumulator {
  private readonly bucketOf: Int32Array;
  private readonly cells: Cell[][]; // [metric][bucket..., all]

  constructor(
    readonly horizon: number,
    stepSeconds: number,
    readonly buckets: readonly HorizonBucket[] = HORIZON_BUCKETS,
  ) {
    this.bucketOf = bucketOfSteps(horizon, stepSeconds, buckets);
    this.cells = METRICS.map(() => Array.from({ length: buckets.length + 1 }, newCell));
  }

  add(metric: MetricName, forecast: QuantileForecast, targets: HorizonTargets, scale: number | null): void {
    const cells = this.cells[METRICS.indexOf(metric)];
    const all = cells[this.buckets.length];
    const useScale = scale !== null && scale > 0;
    for (let h = 0; h < this.horizon; h++) {
      if (targets.observed[h] !== 1) continue;
      const y = targets.values[h];
      const b = this.bucketOf[h];
      const pinball = quantilePinball(y, forecast.p10[h], forecast.p50[h], forecast.p90[h]);
      const isInside = insideBand(y, forecast.p10[h], forecast.p90[h]);
      const scaled = useScale ? Math.abs(y - forecast.p50[h]) / (scale as number) : 0;
      for (const cell of b >= 0 ? [cells[b], all] : [all]) {
        cell.pinball += pinball;
        cell.absY += Math.abs(y);
        cell.inside += isInside;
        cell.n++;
        if (useScale) {
          cell.scaledError += scaled;
          cell.nScaled++;
        }
      }
    }
  }

  /**
   * Adds sums pooled elsewhere (the api's live track record) to bucket `bucket` of `metric` and to
   * `all`, as `add` would have one target at a time; MASE is not kept there.
   */
  addSums(metric: MetricName, bucket: number, sums: QuantileSums): void {
    if (sums.n === 0) return;
    const cells = this.cells[METRICS.indexOf(metric)];
    for (const cell of [cells[bucket], cells[this.buckets.length]]) {
      cell.pinball += sums.pinball;
      cell.absY += sums.absY;
      cell.inside += sums.inside;
      cell.n += sums.n;
    }
  }

  /**
   * One row per measured metric and bucket (`all` last), then `overall` rows: the plain mean over the
   * measured metrics of wQL, MASE and coverage (as evaluate.py's "overall"), n summed.
   */
  rows(): ScoreRow[] {
    const names = [...this.buckets.map((b) => b.name), ALL_BUCKET];
    const rows: ScoreRow[] = [];
    METRICS.forEach((metric, m) => {
      if (this.cells[m][names.length - 1].n === 0) return;
      names.forEach((name, b) => {
        const c = this.cells[m][b];
        rows.push({
          metric,
          horizon_bucket: name,
          wql: pooledWql(c),
          mase: c.nScaled > 0 ? c.scaledError / c.nScaled : null,
          coverage_p10_p90: pooledCoverage(c),
          n: c.n,
        });
      });
    });
    for (const name of names) {
      const same = rows.filter((r) => r.horizon_bucket === name && r.metric !== 'overall');
      if (!same.length) continue;
      rows.push({
        metric: 'overall',
        horizon_bucket: name,
        wql: meanOf(same.map((r) => r.wql)),
        mase: meanOf(same.map((r) => r.mase)),
        coverage_p10_p90: meanOf(same.map((r) => r.coverage_p10_p90)),
        n: same.reduce((s, r) => s + r.n, 0),
      });
    }
    return rows;
  }
}

/** Mean of the values, `null` when any is `null` (an overall over a partial set would mislead). */
function meanOf(values: readonly (number | null)[]): number | null {
  if (values.some((v) => v === null)) return null;
  return (values as number[]).reduce((s, v) => s + v, 0) / values.length;
}
