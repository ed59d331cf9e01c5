import { METRIC_SPECS, METRICS, type MetricName } from '@tft/contracts';
import type { MetricForecasts, QuantileForecast } from './forecast-decoding';
import { Z_P90 } from './incident-risk';
import type { StepSeries } from './step-grid';

const N_METRICS = METRICS.length;

/** History the heuristic looks at: the last hour of buckets. */
export const HEURISTIC_WINDOW_SECONDS = 3600;

/**
 * Per-step damping of the trend. The trend's total contribution converges to phi / (1 - phi) ~ 32
 * steps of slope (about 2.7 h at 5 min steps) and reaches ~95 % of it by 8 hours, so an hour's
 * ramp bends over instead of being extrapolated linearly through a whole night.
 */
export const HEURISTIC_DAMPING = 0.97;

/** Weights of the hour's slope and of the last three points' slope: mostly stable, partly reactive. */
const HOUR_SLOPE_WEIGHT = 0.6;
const RECENT_SLOPE_WEIGHT = 0.4;
const RECENT_POINTS = 3;

/** Least noise assumed per step, so a perfectly flat hour still gets a band. */
const SIGMA_FLOOR: Readonly<Record<MetricName, number>> = {
  cpu_percent: 0.5,
  memory_percent: 0.5,
  disk_percent: 0.5,
  load_average: 0.05,
};

/**
 * Forecast for servers without enough history for the model: a damped linear trend from the last
 * hour's observed buckets, with a band that widens like a random walk.
 *
 * Per metric, over the observed buckets (mask 1) among the last hour (gaps are skipped, never read as 0):
 * - level = last observed value;
 * - slope = 0.6 * least-squares slope over the hour + 0.4 * slope over the last 3 observed points
 *   (per step; 0 with a single observation);
 * - p50 at d steps after the last observation = level + slope * sum_{k=1..d} phi^k, phi = 0.97;
 *   forecast step h is d = h + 1 steps after it when the last bucket was observed (further when the
 *   series ends in a gap for that metric);
 * - sigma = std of the hour fit's residuals (n - 2 degrees of freedom), floored at 0.5 for percents
 *   and 0.05 for load; with fewer than 3 observations there are no residuals, so a default sigma:
 *   2 % of the range for percents, 10 % of the level for load (at least 0.1);
 * - p10 / p90 = p50 -/+ z90 * sigma * sqrt(d);
 * - all three clipped to the metric's valid range (load: >= 0), which keeps p10 <= p50 <= p90.
 *
 * A metric with no observation in the hour gets p10 = p50 = p90 = 0: a NaN-free "nothing known"
 * that is inside every metric's range and raises no alert.
 */
export function heuristicForecast(series: StepSeries, horizon: number): MetricForecasts {
  if (!Number.isInteger(horizon) || horizon < 0) {
    throw new RangeError(`horizon must be a non-negative integer, got ${horizon}`);
  }
  const windowSteps = Math.max(1, Math.round(HEURISTIC_WINDOW_SECONDS / series.stepSeconds));
  const start = Math.max(0, series.length - windowSteps);
  // Observed points of one metric, x = absolute bucket index; reused across metrics.
  const xs = new Float64Array(windowSteps);
  const ys = new Float64Array(windowSteps);
  const result = {} as MetricForecasts;
  METRICS.forEach((metric, m) => {
    let n = 0;
    for (let i = start; i < series.length; i++) {
      if (series.mask[i * N_METRICS + m] !== 1) continue;
      xs[n] = i;
      ys[n] = series.values[i * N_METRICS + m];
      n++;
    }
    result[metric] = n === 0 ? constantForecast(0, horizon) : trendForecast(metric, xs, ys, n, series.length, horizon);
  });
  return result;
}

function trendForecast(
  metric: MetricName,
  xs: Float64Array,
  ys: Float64Array,
  n: number,
  seriesLength: number,
  horizon: number,
): QuantileForecast {
  const spec = METRIC_SPECS[metric];
  const lo = spec.min;
  const hi = spec.max ?? Infinity;
  const level = ys[n - 1];
  const hour = fitLine(xs, ys, 0, n);
  const recent = fitLine(xs, ys, Math.max(0, n - RECENT_POINTS), n);
  const slope = HOUR_SLOPE_WEIGHT * hour.slope + RECENT_SLOPE_WEIGHT * recent.slope;
  let sigma: number;
  if (n >= 3) {
    sigma = Math.max(SIGMA_FLOOR[metric], Math.sqrt(hour.residualSumSquares / (n - 2)));
  } else {
    sigma = spec.max === null ? Math.max(0.1, 0.1 * Math.abs(level)) : 0.02 * (spec.max - spec.min);
  }

  const p10 = new Array<number>(horizon);
  const p50 = new Array<number>(horizon);
  const p90 = new Array<number>(horizon);
  // Steps from the last observation to forecast step 0.
  const gap = seriesLength - xs[n - 1];
  let power = 1;
  let dampedSteps = 0;
  for (let k = 1; k < gap; k++) {
    power *= HEURISTIC_DAMPING;
    dampedSteps += power;
  }
  for (let h = 0; h < horizon; h++) {
    power *= HEURISTIC_DAMPING;
    dampedSteps += power;
    const mid = level + slope * dampedSteps;
    const half = Z_P90 * sigma * Math.sqrt(gap + h);
    p10[h] = clip(mid - half, lo, hi);
    p50[h] = clip(mid, lo, hi);
    p90[h] = clip(mid + half, lo, hi);
  }
  return { p10, p50, p90 };
}

/** Least-squares line through points [from, to); slope 0 when the x values do not spread. */
function fitLine(xs: Float64Array, ys: Float64Array, from: number, to: number): { slope: number; residualSumSquares: number } {
  const count = to - from;
  let xMean = 0;
  let yMean = 0;
  for (let i = from; i < to; i++) {
    xMean += xs[i];
    yMean += ys[i];
  }
  xMean /= count;
  yMean /= count;
  let sxx = 0;
  let sxy = 0;
  for (let i = from; i < to; i++) {
    const dx = xs[i] - xMean;
    sxx += dx * dx;
    sxy += dx * (ys[i] - yMean);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let residualSumSquares = 0;
  for (let i = from; i < to; i++) {
    const r = ys[i] - yMean - slope * (xs[i] - xMean);
    residualSumSquares += r * r;
  }
  return { slope, residualSumSquares };
}

function constantForecast(value: number, horizon: number): QuantileForecast {
  return {
    p10: new Array<number>(horizon).fill(value),
    p50: new Array<number>(horizon).fill(value),
    p90: new Array<number>(horizon).fill(value),
  };
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
