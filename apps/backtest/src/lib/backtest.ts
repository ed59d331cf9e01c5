import { METRICS } from '@tft/contracts';
import {
  baselineForecast,
  BASELINES,
  calibrateBaseline,
  naiveScale,
  ScoreAccumulator,
  SEASON_SECONDS,
  type BaselineName,
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

export interface BacktestResult {
  results: ResultRow[];
  series: number;
  seriesSkipped: string[];
  originsScored: number;
  originsCalibration: number;
  seconds: number;
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
  const first = options.firstOrigin ?? Math.max(L, Math.round(SEASON_SECONDS / stepSeconds)) - 1;
  const names = [...options.models.map((m) => m.name), ...baselines];
  const accumulators = new Map(names.map((n) => [n, new ScoreAccumulator(H, stepSeconds)]));
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
      const metrics = METRICS.map((_, m) => m).filter((m) => observedInWindow(s, origin, L, m) >= minEncoder);
      if (metrics.length) scored.push({ origin, metrics });
    }
    if (!scored.length) {
      skipped.push(`${name} (no origin with ${minEncoder} observed encoder steps)`);
      continue;
    }

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
        for (const n of names) {
          const f = forecasts.get(n)?.[k]?.[metric] as QuantileForecast | undefined;
          if (!f) throw new Error(`${n} gave no ${metric} forecast for ${name} at step ${origin}`);
          accumulators.get(n)?.add(metric, f, { values: yValues, observed: yMask }, scale);
        }
      }
    });
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
    series: series.length - skipped.length,
    seriesSkipped: skipped,
    originsScored: scoredTotal,
    originsCalibration: calibrationTotal,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Observed steps of metric `m` among the `window` buckets ending at `origin`. */
export function observedInWindow(s: StepSeries, origin: number, window: number, m: number): number {
  let n = 0;
  for (let i = Math.max(0, origin - window + 1); i <= origin; i++) if (s.mask[i * N_METRICS + m] === 1) n++;
  return n;
}
