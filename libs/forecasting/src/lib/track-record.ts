import { METRICS } from '@tft/contracts';
import { ALERT_OUTCOMES, type AlertOutcome } from './alert-outcomes';
import { fallbackQuantiles, fallbackSigma, persistencePoint, seasonalNaivePoint, SEASON_SECONDS } from './baselines';
import type { MetricForecasts } from './forecast-decoding';
import { ALL_BUCKET, bucketOfSteps, HORIZON_BUCKETS, insideBand, quantilePinball, ScoreAccumulator } from './metrics';
import type { StepSeries } from './step-grid';

/**
 * Rolling-origin scoring as the backtest does it, in a form that also runs live: which origins and
 * metrics are scored, the baselines' forecasts rebuilt step by step from what an origin keeps, and the
 * running sums (not forecasts) the figures come from. `npm run backtest` and the api's track record
 * both score through these, so the live record is the backtest's numbers over the same origins.
 */

const N_METRICS = METRICS.length;

/** The first origin (bucket index) the backtest scores by default: a full encoder, and a day so seasonal naive sees one. */
export function firstScoredOrigin(maxEncoder: number, stepSeconds: number): number {
  return Math.max(maxEncoder, Math.round(SEASON_SECONDS / stepSeconds)) - 1;
}

/** Observed steps of metric `m` among the `window` buckets ending at `origin`. */
export function observedInWindow(s: StepSeries, origin: number, window: number, m: number): number {
  let n = 0;
  for (let i = Math.max(0, origin - window + 1); i <= origin; i++) if (s.mask[i * N_METRICS + m] === 1) n++;
  return n;
}

/** Metrics scored at an origin: those whose encoder (the last `maxEncoder` buckets) holds `minEncoder` observations. */
export function scoredMetrics(s: StepSeries, origin: number, maxEncoder: number, minEncoder: number): number[] {
  return METRICS.map((_, m) => m).filter((m) => observedInWindow(s, origin, maxEncoder, m) >= minEncoder);
}

/** The first `origin + 1` buckets of a series, sharing its buffers: what a forecaster may see. */
export function seriesUpTo(series: StepSeries, origin: number): StepSeries {
  const n = origin + 1;
  return {
    ...series,
    length: n,
    values: series.values.subarray(0, n * N_METRICS),
    mask: series.mask.subarray(0, n * N_METRICS),
    samples: series.samples.subarray(0, n),
  };
}

/** The models a track record scores side by side: the TFT and the two naive baselines at the same origins. */
export const RECORD_MODELS = ['tft', 'persistence', 'seasonal_naive'] as const;
export type RecordModel = (typeof RECORD_MODELS)[number];

/**
 * Layout of a record's sums (a Float64Array of RECORD_LENGTH): per metric and horizon bucket, sum |y|,
 * targets, TFT targets inside [p10, p90], then each model's summed pinball losses; then the alert
 * outcomes counted (ALERT_OUTCOMES order). Sums of several records are their element-wise sum.
 */
const ABS_Y = 0;
const N = 1;
const INSIDE = 2;
const PINBALL = 3;
const CELL = PINBALL + RECORD_MODELS.length;
const N_BUCKETS = HORIZON_BUCKETS.length;
const OUTCOMES_AT = N_METRICS * N_BUCKETS * CELL;
export const RECORD_LENGTH = OUTCOMES_AT + ALERT_OUTCOMES.length;

const cellAt = (m: number, b: number): number => (m * N_BUCKETS + b) * CELL;

export const newRecord = (): Float64Array => new Float64Array(RECORD_LENGTH);

/** Adds `from` into `into`, element by element. */
export function addRecord(into: Float64Array, from: ArrayLike<number>): void {
  for (let i = 0; i < RECORD_LENGTH; i++) into[i] += from[i];
}

export function countOutcome(into: Float64Array, outcome: AlertOutcome): void {
  into[OUTCOMES_AT + ALERT_OUTCOMES.indexOf(outcome)]++;
}

/**
 * What one origin keeps until its horizon's actuals have arrived: the TFT's quantiles (float32, the
 * model's own precision, so nothing is lost), and of the baselines only what rebuilds their forecasts
 * exactly: persistence's last value, seasonal naive's points (float32 step means, as the series holds
 * them) and the fallback band's sigma.
 */
export interface OriginForecast {
  /** Start of the origin step (epoch s): forecast step h covers the step starting origin + (h + 1) x step. */
  origin: number;
  /** Bit m set: metric m is scored (scoredMetrics). */
  metrics: number;
  /** [metric][p10, p50, p90][h]. */
  tft: Float32Array;
  /** [metric][h]: seasonal naive's point. */
  seasonal: Float32Array;
  /** [metric]: persistence's point. */
  persistence: Float64Array;
  /** [metric]: the fallback band's one-step noise. */
  sigma: Float64Array;
}

/** Bytes of an OriginForecast's one buffer at `horizon` steps (its object and array headers aside). */
export const originBytes = (horizon: number): number =>
  Math.ceil((N_METRICS * horizon * 3 * 4 + N_METRICS * horizon * 4) / 8) * 8 + 2 * N_METRICS * 8;

/**
 * What origin `origin` (bucket index of `series`) keeps for scoring, with the TFT's forecast made from
 * the series up to it; null when no metric qualifies. The baselines are `baselineForecast`'s without
 * calibration (its fallback band): calibrating needs each series' earlier residuals per step, which a
 * live record does not keep.
 */
export function originForecast(
  series: StepSeries,
  origin: number,
  tft: MetricForecasts,
  { horizon, maxEncoder, minEncoder }: { horizon: number; maxEncoder: number; minEncoder: number },
): OriginForecast | null {
  const metrics = scoredMetrics(series, origin, maxEncoder, minEncoder);
  if (!metrics.length) return null;
  // one allocation per origin: the float32 parts first, so the float64 ones start 8-byte aligned
  const buffer = new ArrayBuffer(originBytes(horizon));
  const tftLength = N_METRICS * 3 * horizon;
  const f64At = Math.ceil(((tftLength + N_METRICS * horizon) * 4) / 8) * 8;
  const kept: OriginForecast = {
    origin: series.t0 + origin * series.stepSeconds,
    metrics: 0,
    tft: new Float32Array(buffer, 0, tftLength),
    seasonal: new Float32Array(buffer, tftLength * 4, N_METRICS * horizon),
    persistence: new Float64Array(buffer, f64At, N_METRICS),
    sigma: new Float64Array(buffer, f64At + N_METRICS * 8, N_METRICS),
  };
  for (const m of metrics) {
    const metric = METRICS[m];
    const q = tft[metric];
    const persistence = persistencePoint(series, origin, m, horizon);
    const seasonal = seasonalNaivePoint(series, origin, m, horizon);
    if (!q || !persistence || !seasonal) continue;
    kept.metrics |= 1 << m;
    const base = m * 3 * horizon;
    for (let h = 0; h < horizon; h++) {
      kept.tft[base + h] = q.p10[h];
      kept.tft[base + horizon + h] = q.p50[h];
      kept.tft[base + 2 * horizon + h] = q.p90[h];
    }
    kept.seasonal.set(seasonal, m * horizon);
    kept.persistence[m] = persistence[0];
    kept.sigma[m] = fallbackSigma(series, origin, m, metric);
  }
  return kept.metrics ? kept : null;
}

/**
 * Scores the origins' forecasts of the step starting at `start` against its actuals (`values`: per
 * metric, the step's mean as float32, NaN where unobserved) into every record of `into`. Returns the
 * targets scored. `bucketOf` is bucketOfSteps of the horizon.
 */
export function scoreStep(
  origins: readonly OriginForecast[],
  start: number,
  values: ArrayLike<number>,
  into: readonly Float64Array[],
  { horizon, stepSeconds, bucketOf }: { horizon: number; stepSeconds: number; bucketOf: Int32Array },
): number {
  const band = new Float64Array(3);
  let scored = 0;
  for (const o of origins) {
    const h = Math.round((start - o.origin) / stepSeconds) - 1;
    if (h < 0 || h >= horizon) continue;
    const b = bucketOf[h];
    if (b < 0) continue;
    for (let m = 0; m < N_METRICS; m++) {
      const y = values[m];
      if (!(o.metrics & (1 << m)) || Number.isNaN(y)) continue;
      const metric = METRICS[m];
      const base = m * 3 * horizon + h;
      const p10 = o.tft[base];
      const p90 = o.tft[base + 2 * horizon];
      const tft = quantilePinball(y, p10, o.tft[base + horizon], p90);
      const inside = insideBand(y, p10, p90);
      fallbackQuantiles(metric, o.persistence[m], o.sigma[m], h, band);
      const persistence = quantilePinball(y, band[0], band[1], band[2]);
      fallbackQuantiles(metric, o.seasonal[m * horizon + h], o.sigma[m], h, band);
      const seasonal = quantilePinball(y, band[0], band[1], band[2]);
      const c = cellAt(m, b);
      for (const r of into) {
        r[c + ABS_Y] += Math.abs(y);
        r[c + N]++;
        r[c + INSIDE] += inside;
        r[c + PINBALL] += tft;
        r[c + PINBALL + 1] += persistence;
        r[c + PINBALL + 2] += seasonal;
      }
      scored++;
    }
  }
  return scored;
}

/** One horizon bucket of a record: each model's wQL and the TFT's coverage, as the backtest's `overall` rows. */
export interface RecordBucket {
  /** A HORIZON_BUCKETS name, or `all` (the whole horizon). */
  bucket: string;
  tft_wql: number | null;
  persistence_wql: number | null;
  seasonal_naive_wql: number | null;
  coverage_p10_p90: number | null;
  /** Targets scored (metrics x steps). */
  n: number;
  /** The baseline with the lower wQL; null without both figures. */
  best_baseline: 'persistence' | 'seasonal_naive' | null;
  /** 1 - the TFT's wQL / the best baseline's: above 0 the TFT is better, below 0 it loses to that baseline. */
  skill: number | null;
}

export interface RecordOutcomes {
  fired: number;
  hit: number;
  late: number;
  false: number;
  /** hit / fired; null before any alert was scored. */
  precision: number | null;
}

/**
 * A record's figures per horizon bucket, then `all`: the sums go through ScoreAccumulator, so wQL,
 * coverage and the `overall` mean over the metrics are the backtest's own arithmetic.
 */
export function recordBuckets(sums: ArrayLike<number>, horizon: number, stepSeconds: number): RecordBucket[] {
  const rows = RECORD_MODELS.map((_, k) => {
    const acc = new ScoreAccumulator(horizon, stepSeconds);
    METRICS.forEach((metric, m) => {
      for (let b = 0; b < N_BUCKETS; b++) {
        const c = cellAt(m, b);
        acc.addSums(metric, b, { pinball: sums[c + PINBALL + k], absY: sums[c + ABS_Y], inside: sums[c + INSIDE], n: sums[c + N] });
      }
    });
    return new Map(acc.rows().flatMap((r) => (r.metric === 'overall' ? [[r.horizon_bucket, r] as const] : [])));
  });
  return [...HORIZON_BUCKETS.map((b) => b.name), ALL_BUCKET].map((name) => {
    const [tft, persistence, seasonal] = rows.map((r) => r.get(name));
    const tftWql = tft?.wql ?? null;
    const p = persistence?.wql ?? null;
    const sn = seasonal?.wql ?? null;
    const best = p === null || sn === null ? null : sn < p ? 'seasonal_naive' : 'persistence';
    const bestWql = best === 'seasonal_naive' ? sn : p;
    return {
      bucket: name,
      tft_wql: tftWql,
      persistence_wql: p,
      seasonal_naive_wql: sn,
      coverage_p10_p90: tft?.coverage_p10_p90 ?? null,
      n: tft?.n ?? 0,
      best_baseline: best,
      skill: best === null || tftWql === null || !bestWql ? null : 1 - tftWql / bestWql,
    };
  });
}

export function recordOutcomes(sums: ArrayLike<number>): RecordOutcomes {
  const [hit, late, wrong] = ALERT_OUTCOMES.map((_, i) => sums[OUTCOMES_AT + i]);
  const fired = hit + late + wrong;
  return { fired, hit, late, false: wrong, precision: fired > 0 ? hit / fired : null };
}

/** bucketOfSteps over HORIZON_BUCKETS: which bucket each forecast step scores into. */
export const recordBucketOf = (horizon: number, stepSeconds: number): Int32Array => bucketOfSteps(horizon, stepSeconds, HORIZON_BUCKETS);
