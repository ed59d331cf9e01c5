import { METRIC_SPECS, METRICS, type MetricName } from '@tft/contracts';
import type { MetricForecasts, QuantileForecast } from './forecast-decoding';
import { Z_P90 } from './incident-risk';
import type { StepSeries } from './step-grid';

/**
 * The baselines a forecaster has to beat, as the peers ship them (Prometheus `predict_linear` and
 * `holt_winters`, plus the two textbook naive forecasts). Each gives a point forecast (the p50) per
 * metric; the p10/p90 come from that baseline's own residuals on earlier origins of the same series
 * (`calibrateBaseline`), as training/evaluate.py does, so the bands are honest rather than assumed.
 *
 * Conventions: `origin` is the index of the last bucket the forecast may see (the encoder ends there);
 * forecast step h (0-based) is bucket origin + 1 + h. Only observed buckets (mask 1) are read.
 */

const N_METRICS = METRICS.length;

export const BASELINES = ['persistence', 'seasonal_naive', 'holt', 'linear_1h'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** Season of the seasonal-naive forecast: one day. */
export const SEASON_SECONDS = 86400;
/** Window of `linear_1h`, as `predict_linear(v[1h], ...)`. */
export const LINEAR_WINDOW_SECONDS = 3600;
/**
 * Holt (Prometheus `holt_winters(v[12h], 0.3, 0.1)`): smoothing factor 0.3 (level follows a third of
 * each new sample), trend factor 0.1 (slow trend), over the last 12 h, the TFT's own encoder length.
 */
export const HOLT_DEFAULTS = {
  smoothing: 0.3,
  trend: 0.1,
  windowSeconds: 12 * 3600,
} as const;

/** Fewest calibration residuals per metric and step before the empirical quantiles are used. */
export const MIN_CALIBRATION_RESIDUALS = 5;
/** Least one-step noise the fallback band assumes, as the heuristic's floors (percent points / load). */
const FALLBACK_SIGMA_FLOOR: Readonly<Record<MetricName, number>> = {
  cpu_percent: 0.5,
  memory_percent: 0.5,
  disk_percent: 0.5,
  load_average: 0.05,
};

/** Last observed value of metric `m` at or before `origin`, with its index; `null` when none. */
function lastObserved(series: StepSeries, origin: number, m: number): { index: number; value: number } | null {
  for (let i = origin; i >= 0; i--) {
    if (series.mask[i * N_METRICS + m] === 1) return { index: i, value: series.values[i * N_METRICS + m] };
  }
  return null;
}

/** Persistence: the last observed value, flat over the horizon. */
export function persistencePoint(series: StepSeries, origin: number, m: number, horizon: number): Float64Array | null {
  const last = lastObserved(series, origin, m);
  return last ? new Float64Array(horizon).fill(last.value) : null;
}

/**
 * Seasonal naive: the value one season (24 h) before the target bucket when that bucket was observed,
 * else the persistence value.
 */
export function seasonalNaivePoint(series: StepSeries, origin: number, m: number, horizon: number): Float64Array | null {
  const last = lastObserved(series, origin, m);
  if (!last) return null;
  const season = Math.round(SEASON_SECONDS / series.stepSeconds);
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) {
    const t = origin + 1 + h - season;
    out[h] = t >= 0 && series.mask[t * N_METRICS + m] === 1 ? series.values[t * N_METRICS + m] : last.value;
  }
  return out;
}

/**
 * Holt's double exponential smoothing in the order Prometheus `holt_winters(v, sf, tf)` runs it over
 * the observed samples of the window (sample order only; Prometheus ignores their spacing too):
 * s = x0, b = x1 - x0; for i >= 1: (from i >= 2) b = tf (s_{i-1} - s_{i-2}) + (1 - tf) b, then
 * s_i = sf x_i + (1 - sf)(s_{i-1} + b). Prometheus returns s; to forecast, the trend takes one more
 * update with the last level change and the forecast is s + b * d, d = steps from the last observed
 * bucket to the target bucket. A single sample (Prometheus returns nothing) gives a flat forecast; a
 * window without samples falls back to persistence.
 */
export function holtPoint(
  series: StepSeries,
  origin: number,
  m: number,
  horizon: number,
  {
    smoothing,
    trend,
    windowSeconds,
  }: {
    smoothing: number;
    trend: number;
    windowSeconds: number;
  } = HOLT_DEFAULTS,
): Float64Array | null {
  const window = Math.max(1, Math.round(windowSeconds / series.stepSeconds));
  let s0 = 0;
  let s1 = 0;
  let b = 0;
  let n = 0;
  let lastIndex = -1;
  for (let i = Math.max(0, origin - window + 1); i <= origin; i++) {
    if (series.mask[i * N_METRICS + m] !== 1) continue;
    const x = series.values[i * N_METRICS + m];
    if (n === 0) {
      s1 = x;
    } else {
      if (n === 1) b = x - s1;
      else b = trend * (s1 - s0) + (1 - trend) * b;
      s0 = s1;
      s1 = smoothing * x + (1 - smoothing) * (s1 + b);
    }
    lastIndex = i;
    n++;
  }
  if (n === 0) return persistencePoint(series, origin, m, horizon); // nothing in the window
  if (n >= 2) b = trend * (s1 - s0) + (1 - trend) * b;
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) out[h] = s1 + b * (origin + 1 + h - lastIndex);
  return out;
}

/**
 * `predict_linear(v[1h], t)`: least-squares line through the observed buckets of the last hour
 * (x = bucket index), evaluated at each target bucket. One observation: flat at it. An hour with no
 * observation (Prometheus would return nothing) falls back to persistence, so every baseline is
 * scored on the same targets.
 */
export function linearPoint(series: StepSeries, origin: number, m: number, horizon: number): Float64Array | null {
  const line = fitLastHour(series, origin, m);
  if (!line) return persistencePoint(series, origin, m, horizon);
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) out[h] = line.intercept + line.slope * (origin + 1 + h);
  return out;
}

/** The least-squares line of `linear_1h` (value = intercept + slope * bucket index); `null` when the hour is empty. */
export function fitLastHour(series: StepSeries, origin: number, m: number): { slope: number; intercept: number } | null {
  const window = Math.max(1, Math.round(LINEAR_WINDOW_SECONDS / series.stepSeconds));
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = Math.max(0, origin - window + 1); i <= origin; i++) {
    if (series.mask[i * N_METRICS + m] !== 1) continue;
    sx += i;
    sy += series.values[i * N_METRICS + m];
    n++;
  }
  if (n === 0) return null;
  const xMean = sx / n;
  const yMean = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = Math.max(0, origin - window + 1); i <= origin; i++) {
    if (series.mask[i * N_METRICS + m] !== 1) continue;
    const dx = i - xMean;
    sxx += dx * dx;
    sxy += dx * (series.values[i * N_METRICS + m] - yMean);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: yMean - slope * xMean };
}

/** The point forecast of a baseline for metric index `m`; `null` when the metric was never observed. */
export function baselinePoint(name: BaselineName, series: StepSeries, origin: number, m: number, horizon: number): Float64Array | null {
  switch (name) {
    case 'persistence':
      return persistencePoint(series, origin, m, horizon);
    case 'seasonal_naive':
      return seasonalNaivePoint(series, origin, m, horizon);
    case 'holt':
      return holtPoint(series, origin, m, horizon);
    case 'linear_1h':
      return linearPoint(series, origin, m, horizon);
  }
}

/**
 * Empirical residual quantiles of one baseline on one series: per metric and forecast step, the
 * 10 % and 90 % quantiles (linear interpolation, numpy's default) of y - point over the calibration
 * origins, and how many residuals each rests on. Row-major `[horizon, 4]`.
 */
export interface ResidualCalibration {
  horizon: number;
  lo: Float64Array;
  hi: Float64Array;
  count: Uint32Array;
}

/**
 * Residuals of `name` at the given earlier origins of `series` (targets must lie inside the series;
 * origins whose targets run past its end contribute only the steps that exist; masked targets none).
 */
export function calibrateBaseline(
  name: BaselineName,
  series: StepSeries,
  origins: readonly number[],
  horizon: number,
): ResidualCalibration {
  const residuals: number[][] = Array.from({ length: horizon * N_METRICS }, () => []);
  for (const origin of origins) {
    for (let m = 0; m < N_METRICS; m++) {
      const point = baselinePoint(name, series, origin, m, horizon);
      if (!point) continue;
      for (let h = 0; h < horizon; h++) {
        const t = origin + 1 + h;
        if (t >= series.length) break;
        if (series.mask[t * N_METRICS + m] !== 1) continue;
        residuals[h * N_METRICS + m].push(series.values[t * N_METRICS + m] - point[h]);
      }
    }
  }
  const calibration: ResidualCalibration = {
    horizon,
    lo: new Float64Array(horizon * N_METRICS),
    hi: new Float64Array(horizon * N_METRICS),
    count: new Uint32Array(horizon * N_METRICS),
  };
  residuals.forEach((r, k) => {
    calibration.count[k] = r.length;
    if (r.length === 0) return;
    r.sort((a, b) => a - b);
    calibration.lo[k] = quantileSorted(r, 0.1);
    calibration.hi[k] = quantileSorted(r, 0.9);
  });
  return calibration;
}

/** Quantile of sorted values with linear interpolation between order statistics (numpy "linear"). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * A baseline's quantile forecast for every metric; `null` for a metric never observed up to the origin.
 *
 * p50 = the point forecast. Per metric and step with at least MIN_CALIBRATION_RESIDUALS residuals:
 * p10 = p50 + min(q10 residual, 0), p90 = p50 + max(q90 residual, 0) (the band always contains the
 * p50, as evaluate.py). Otherwise the documented fallback band, a random walk from the last hour:
 * p50 -/+ z90 * sigma * sqrt(h + 1), sigma = RMS of the one-step differences between consecutive
 * observed buckets in the last hour, floored at 0.5 points for percents and 0.05 for load (the
 * heuristic's floors). All three are then clipped to the metric's valid range, as the runner clips.
 */
export function baselineForecast(
  name: BaselineName,
  series: StepSeries,
  origin: number,
  horizon: number,
  calibration?: ResidualCalibration,
): Partial<MetricForecasts> {
  const result: Partial<MetricForecasts> = {};
  const step = new Float64Array(3);
  METRICS.forEach((metric, m) => {
    const point = baselinePoint(name, series, origin, m, horizon);
    if (!point) return;
    const sigma = fallbackSigma(series, origin, m, metric);
    const f: QuantileForecast = {
      p10: new Array(horizon),
      p50: new Array(horizon),
      p90: new Array(horizon),
    };
    for (let h = 0; h < horizon; h++) {
      const k = h * N_METRICS + m;
      if (calibration && h < calibration.horizon && calibration.count[k] >= MIN_CALIBRATION_RESIDUALS) {
        bandQuantiles(metric, point[h], Math.min(calibration.lo[k], 0), Math.max(calibration.hi[k], 0), step);
      } else {
        fallbackQuantiles(metric, point[h], sigma, h, step);
      }
      f.p10[h] = step[0];
      f.p50[h] = step[1];
      f.p90[h] = step[2];
    }
    result[metric] = f;
  });
  return result;
}

/**
 * p10/p50/p90 of one step of a baseline from its point and band offsets (`down` <= 0 <= `up`), clipped
 * to the metric's valid range, into `out`.
 */
export function bandQuantiles(metric: MetricName, point: number, down: number, up: number, out: Float64Array): void {
  const spec = METRIC_SPECS[metric];
  const lo = spec.min;
  const hi = spec.max ?? Infinity;
  out[0] = clip(point + down, lo, hi);
  out[1] = clip(point, lo, hi);
  out[2] = clip(point + up, lo, hi);
}

/**
 * p10/p50/p90 of step `h` (0-based) of a baseline without calibration: the fallback band of
 * `baselineForecast`, a random walk from `sigma` (fallbackSigma at the origin). What the api's live
 * track record rebuilds each step from the point and sigma it keeps, exactly as the backtest has it.
 */
export function fallbackQuantiles(metric: MetricName, point: number, sigma: number, h: number, out: Float64Array): void {
  const up = Z_P90 * sigma * Math.sqrt(h + 1);
  bandQuantiles(metric, point, -up, up, out);
}

/**
 * One-step noise of metric `m` at `origin` for the fallback band: the RMS of the one-step differences
 * between consecutive observed buckets in the last hour, floored (FALLBACK_SIGMA_FLOOR).
 */
export function fallbackSigma(series: StepSeries, origin: number, m: number, metric: MetricName): number {
  const window = Math.max(2, Math.round(LINEAR_WINDOW_SECONDS / series.stepSeconds));
  let sum = 0;
  let n = 0;
  for (let i = Math.max(1, origin - window + 1); i <= origin; i++) {
    if (series.mask[i * N_METRICS + m] !== 1 || series.mask[(i - 1) * N_METRICS + m] !== 1) continue;
    const d = series.values[i * N_METRICS + m] - series.values[(i - 1) * N_METRICS + m];
    sum += d * d;
    n++;
  }
  const rms = n > 0 ? Math.sqrt(sum / n) : 0;
  return Math.max(FALLBACK_SIGMA_FLOOR[metric], rms);
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
