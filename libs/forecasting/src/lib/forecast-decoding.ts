import { METRICS, type MetricName } from '@tft/contracts';
import type { ModelMetadata } from './model-metadata';

export interface QuantileForecast {
  p10: number[];
  p50: number[];
  p90: number[];
}

export type MetricForecasts = Record<MetricName, QuantileForecast>;

/** Names and weights of the inputs that drive a forecast (variable selection), largest first. */
export interface Drivers {
  encoder: { name: string; weight: number }[];
  decoder: { name: string; weight: number }[];
  static: { name: string; weight: number }[];
}

/**
 * Reads row `b` of the `[B, H, targets, quantiles]` output. Quantiles are looked up by their level in
 * the metadata (never by position: the original read q0.02/0.10/0.25 as p10/p50/p90), and clipped to
 * each metric's valid range; clipping is monotone, so p10 <= p50 <= p90 survives it.
 */
export function decodeQuantiles(output: Float32Array, b: number, meta: ModelMetadata): MetricForecasts {
  const H = meta.horizon;
  const T = meta.targets.length;
  const Q = meta.quantiles.length;
  const qIndex = [0.1, 0.5, 0.9].map((q) => meta.quantiles.indexOf(q));
  const result = {} as MetricForecasts;
  METRICS.forEach((metric, m) => {
    const [lo, hiOrNull] = meta.value_ranges[metric];
    const hi = hiOrNull ?? Infinity;
    const series = qIndex.map(() => new Array<number>(H));
    for (let h = 0; h < H; h++) {
      const base = ((b * H + h) * T + m) * Q;
      for (let k = 0; k < 3; k++) {
        const v = output[base + qIndex[k]];
        series[k][h] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    result[metric] = { p10: series[0], p50: series[1], p90: series[2] };
  });
  return result;
}

/** Row `b` of a `[B, names]` weight output as named weights, largest first. */
export function decodeWeights(output: Float32Array, b: number, names: readonly string[]): { name: string; weight: number }[] {
  return names.map((name, i) => ({ name, weight: output[b * names.length + i] })).sort((x, y) => y.weight - x.weight);
}
