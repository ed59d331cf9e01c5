import { METRICS } from '@tft/contracts';
import {
  baselineForecast,
  BASELINES,
  calibrateBaseline,
  firstScoredOrigin,
  naiveScale,
  HORIZON_BUCKETS,
  ScoreAccumulator,
  scoredMetrics,
  seriesUpTo,
  type BaselineName,
  type BreachRule,
  type EncoderInput,
  type MetricForecasts,
  type QuantileForecast,
  type ScoreRow,
  type StepSeries,
} from '@tft/forecasting';
import type { NamedSeries } from './csv-reader';

const N_METRICS = METRICS.length;

/** Anything that turns encoder histories into quantile forecasts; the TFT runner in production. */
export interface QuantileForecaster {
  forecast(items: readonly EncoderInput[]): Promise<MetricForecasts[]>;
}

export interface ModelUnderTest {
  name: string;
  forecaster: QuantileForecaster;
  /** Profile index the model gets for a series (unknown names -> 0). */
  profileIndex(name: string, profile: string | null): number;
  /** The alert rule it ships with (its metadata's alert_rule); absent or null: the p50/p90 crossing rule. */
  rule?: BreachRule | null;
}

export interface BacktestOptions {
  stepSeconds: number;
  horizon: number;
  /** Encoder steps ending at the origin (the model's max_encoder_length). */
  maxEncoder: number;
  /** Fewest observed steps of a metric in the encoder for that metric to be scored at an origin. */
  minEncoder: number;
  /** Origins every `stride` steps. */
  stride: number;
  /** Share of each series' origins (the earliest) that only calibrate the baselines' bands. */
  calibrationFraction: number;
  /** First origin index; default max(maxEncoder, one day) - 1, so seasonal naive always sees a day. */
  firstOrigin?: number;
  models: readonly ModelUnderTest[];
  baselines?: readonly BaselineName[];
  onProgress?: (message: string) => void;
}

export interface ResultRow extends ScoreRow {
  model: string;
}

/**
 * GIFT-Eval's view (its short-term bitbrains task: 48 steps of 5 min): per series and metric, a
 * model's wQL over the first 4 hours and per bucket divided by seasonal naive's on the same targets,
 * and the geometric mean of those ratios over the series.
 */
export interface GiftRow {
  model: string;
  horizon_bucket: string;
  geometric_mean: number | null;
  /** Series-metric pairs with a ratio (both wQLs defined, seasonal naive's above 0). */
  n: number;
}

/** One series-metric ratio behind a GiftRow. */
export interface GiftRatio {
  series: string;
  metric: string;
  model: string;
  horizon_bucket: string;
  ratio: number;
}

/** GIFT-Eval's short-term window: the first 4 hours. */
export const GIFT_BUCKETS = [{ name: '0-4h', fromMinutes: 0, toMinutes: 240 }, ...HORIZON_BUCKETS] as const;
const GIFT_REFERENCE = 'seasonal_naive';

/**
 * Plateaus: origins whose last PLATEAU_STEPS observed steps of a metric lie within PLATEAU_SPREAD
 * points of each other at or above PLATEAU_FLOOR (a host held high, e.g. at 100 % cpu). There a
 * forecaster that expects every jump to revert loses to persistence 30 minutes ahead.
 */
export const PLATEAU_STEPS = 6;
export const PLATEAU_SPREAD = 5;
export const PLATEAU_FLOOR = 80;

/** A model's p50 error 30 minutes after plateau origins. */
export interface PlateauRow {
  model: string;
  /** Plateau origin x metric pairs with the 30-minute target observed. */
  n: number;
  mae_30m: number | null;
}

export interface BacktestResult {
  results: ResultRow[];
  plateau: PlateauRow[];
  gift: GiftRow[];
  giftRatios: GiftRatio[];
  series: number;
  seriesSkipped: string[];
  originsScored: number;
  originsCalibration: number;
  seconds: number;
}

// the origin and encoder rules live in @tft/forecasting, shared with the api's live track record
export { observedInWindow, seriesUpTo } from '@tft/forecasting';

/** Origins `first, first + stride, ...` whose whole horizon lies inside the series. */
export function rollingOrigins(length: number, horizon: number, first: number, stride: number): number[] {
  const out: number[] = [];
  for (let o = first; o + horizon <= length - 1; o += stride) out.push(o);
  return out;
}

/**
 * Rolling-origin evaluation. Per series: origins every `stride` steps; the earliest
 * `calibrationFraction` of them only calibrate the baselines' residual bands, every model and
 * baseline is scored on the rest, on exactly the same (origin, metric, step) targets. A metric is
 * scored at an origin when its encoder window (the last `maxEncoder` steps) holds at least
 * `minEncoder` observations of it; metrics a series never measures are never scored.
 */
export async function runBacktest(series: readonly NamedSeries[], options: BacktestOptions): Promise<BacktestResult> {
  const started = Date.now();
  const { stepSeconds, horizon: H, maxEncoder: L, minEncoder, stride } = options;
  const baselines = options.baselines ?? BASELINES;
  const first = options.firstOrigin ?? firstScoredOrigin(L, stepSeconds);
  const names = [...options.models.map((m) => m.name), ...baselines];
  const accumulators = new Map(names.map((n) => [n, new ScoreAccumulator(H, stepSeconds)]));
  const giftRatios: GiftRatio[] = [];
  const plateau = new Map(names.map((n) => [n, { n: 0, error: 0 }]));
  const ahead30 = Math.round(1800 / stepSeconds) - 1; // the step ending 30 minutes after the origin
  const skipped: string[] = [];
  let scoredTotal = 0;
  let calibrationTotal = 0;
  const yValues = new Float64Array(H);
  const yMask = new Float64Array(H);

  for (const [index, { name, profile, series: s }] of series.entries()) {
    const t = Date.now();
    if (s.stepSeconds !== stepSeconds) throw new Error(`${name} is on a ${s.stepSeconds} s grid, the model steps ${stepSeconds} s`);
    const origins = rollingOrigins(s.length, H, first, stride);
    const nCalibration = Math.floor(origins.length * options.calibrationFraction);
    if (origins.length < 4 || origins.length - nCalibration < 1) {
      skipped.push(`${name} (${s.length} steps: too short for ${first + 1} + ${H} steps and 4 origins)`);
      continue;
    }
    const calibration = origins.slice(0, nCalibration);
    const scored: { origin: number; metrics: number[] }[] = [];
    for (const origin of origins.slice(nCalibration)) {
      const metrics = scoredMetrics(s, origin, L, minEncoder);
      if (metrics.length) scored.push({ origin, metrics });
    }
    if (!scored.length) {
      skipped.push(`${name} (no origin with ${minEncoder} observed encoder steps)`);
      continue;
    }

    // per series, each GIFT bucket on its own (the buckets overlap: 0-4h holds the first two and part of the third)
    const perSeries = new Map(names.map((n) => [n, GIFT_BUCKETS.map((b) => new ScoreAccumulator(H, stepSeconds, [b]))]));
    const forecasts = new Map<string, Partial<MetricForecasts>[]>();
    for (const model of options.models) {
      const profileIndex = model.profileIndex(name, profile);
      const items = scored.map(({ origin }) => ({
        series: seriesUpTo(s, origin),
        profileIndex,
      }));
      forecasts.set(model.name, await model.forecaster.forecast(items));
    }
    for (const b of baselines) {
      const cal = calibrateBaseline(b, s, calibration, H);
      forecasts.set(
        b,
        scored.map(({ origin }) => baselineForecast(b, s, origin, H, cal)),
      );
    }

    scored.forEach(({ origin, metrics }, k) => {
      for (const m of metrics) {
        const metric = METRICS[m];
        for (let h = 0; h < H; h++) {
          const i = (origin + 1 + h) * N_METRICS + m;
          yValues[h] = s.values[i];
          yMask[h] = s.mask[i];
        }
        const from = Math.max(0, origin - L + 1);
        const encValues = new Float64Array(origin + 1 - from);
        const encMask = new Float64Array(origin + 1 - from);
        for (let i = from; i <= origin; i++) {
          encValues[i - from] = s.values[i * N_METRICS + m];
          encMask[i - from] = s.mask[i * N_METRICS + m];
        }
        const scale = naiveScale(encValues, encMask);
        const onPlateau = yMask[ahead30] === 1 && isPlateau(s, origin, m);
        for (const n of names) {
          const f = forecasts.get(n)?.[k]?.[metric] as QuantileForecast | undefined;
          if (!f) throw new Error(`${n} gave no ${metric} forecast for ${name} at step ${origin}`);
          accumulators.get(n)?.add(metric, f, { values: yValues, observed: yMask }, scale);
          for (const acc of perSeries.get(n) ?? []) acc.add(metric, f, { values: yValues, observed: yMask }, scale);
          if (onPlateau) {
            const p = plateau.get(n) as { n: number; error: number };
            p.n++;
            p.error += Math.abs(yValues[ahead30] - f.p50[ahead30]);
          }
        }
      }
    });
    if (perSeries.has(GIFT_REFERENCE)) giftRatios.push(...seriesRatios(name, perSeries));
    scoredTotal += scored.length;
    calibrationTotal += calibration.length;
    options.onProgress?.(
      `[${index + 1}/${series.length}] ${name}: ${scored.length} origins scored, ${calibration.length} calibrating, ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }

  const results: ResultRow[] = [];
  for (const n of names) {
    for (const row of accumulators.get(n)?.rows() ?? []) results.push({ model: n, ...row });
  }
  return {
    results,
    gift: giftSummary(giftRatios, names),
    plateau: names.map((model) => {
      const p = plateau.get(model) as { n: number; error: number };
      return { model, n: p.n, mae_30m: p.n ? p.error / p.n : null };
    }),
    giftRatios,
    series: series.length - skipped.length,
    seriesSkipped: skipped,
    originsScored: scoredTotal,
    originsCalibration: calibrationTotal,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Whether metric `m` sits on a plateau at `origin` (see PLATEAU_STEPS). */
export function isPlateau(s: StepSeries, origin: number, m: number): boolean {
  if (origin + 1 < PLATEAU_STEPS) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = origin - PLATEAU_STEPS + 1; i <= origin; i++) {
    if (s.mask[i * N_METRICS + m] !== 1) return false;
    const v = s.values[i * N_METRICS + m];
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo >= PLATEAU_FLOOR && hi - lo <= PLATEAU_SPREAD;
}

/** One series' wQL ratios to seasonal naive, per model, metric and GIFT bucket. */
function seriesRatios(name: string, perSeries: Map<string, ScoreAccumulator[]>): GiftRatio[] {
  const wqlOf = (model: string, b: number) =>
    new Map(
      (perSeries.get(model)?.[b].rows() ?? [])
        .filter((r) => r.horizon_bucket === GIFT_BUCKETS[b].name && r.metric !== 'overall')
        .map((r) => [r.metric, r.wql]),
    );
  const out: GiftRatio[] = [];
  GIFT_BUCKETS.forEach((bucket, b) => {
    const reference = wqlOf(GIFT_REFERENCE, b);
    for (const model of perSeries.keys()) {
      if (model === GIFT_REFERENCE) continue;
      for (const [metric, wql] of wqlOf(model, b)) {
        const ref = reference.get(metric);
        if (wql === null || wql === undefined || !ref) continue;
        out.push({ series: name, metric, model, horizon_bucket: bucket.name, ratio: wql / ref });
      }
    }
  });
  return out;
}

/** Geometric mean of the ratios per model and bucket. */
export function giftSummary(ratios: readonly GiftRatio[], models: readonly string[]): GiftRow[] {
  const rows: GiftRow[] = [];
  for (const model of models.filter((m) => m !== GIFT_REFERENCE)) {
    for (const { name } of GIFT_BUCKETS) {
      const mine = ratios.filter((r) => r.model === model && r.horizon_bucket === name); // a ratio of 0 (a perfect forecast) makes it 0
      const geometric_mean = mine.length ? Math.exp(mine.reduce((s, r) => s + Math.log(r.ratio), 0) / mine.length) : null;
      rows.push({ model, horizon_bucket: name, geometric_mean, n: mine.length });
    }
  }
  return rows;
}
